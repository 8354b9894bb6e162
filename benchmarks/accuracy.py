"""Test accuracy of skseq's defaults on every bundled UCR/UEA dataset.

Every model is trained on the published training split and scored on the
published test split (one fixed seed), next to the published default-split
accuracy of InceptionTime and HIVE-COTE 2 (read at run time from the results
files aeon ships, ``aeon/testing/example_results_files``; "n/a" where a set
is not in them or aeon is not installed) and to the baselines of
:func:`skseq.inspection.compare_baselines` (MiniRocket among them when aeon
is installed).

Run::

    python benchmarks/accuracy.py                 # print the markdown table
    python benchmarks/accuracy.py --write-readme  # and put it into README.md
    python benchmarks/accuracy.py --unseen        # ArrowHead, OSULeaf, ACSF1
    python benchmarks/accuracy.py --resample 3    # resample 3, not the default
    # PLAID too where sktime is installed (it ships the file), e.g. the
    # peers' environment of benchmarks/peers.py:
    PYTHONPATH=. peers-venv/bin/python benchmarks/accuracy.py --unseen

``--resample I`` trains and tests on the published sets' stratified
resample ``I`` (aeon's ``stratified_resample_data_indices`` with
``random_state=I``, the convention of the tsml-eval runs behind aeon's
results files) and reads the published figures of that resample: one split
is one draw (InceptionTime's PigCVP: 0.966 on the default split, 0.905 on
average over its 30 resamples), and the resamples show whether a gap to it
is the split's or the model's.

The README table sits between ``<!-- accuracy-table:start -->`` and
``<!-- accuracy-table:end -->``.
"""

import argparse
import importlib.util
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.model_selection import PredefinedSplit

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from skseq import LSTMClassifier  # noqa: E402
from skseq.datasets import UCR_DATASETS, load_ucr  # noqa: E402
from skseq.inspection import compare_baselines  # noqa: E402

PUBLISHED = ("InceptionTime", "HC2")
ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- accuracy-table:start -->", "<!-- accuracy-table:end -->"


# UCR sets that aeon's or sktime's wheel ships and skseq does not bundle:
# not used to choose skseq's defaults before they were first run, a check on
# sets the development did not see (``--unseen``; needs aeon, the
# ``baselines`` extra; PLAID needs sktime too, whose wheel has the file).
UNSEEN = ("ArrowHead", "OSULeaf", "ACSF1", "PLAID")


def _unseen_folder(name):
    """The folder of ``name``'s .ts files in aeon's or sktime's wheel."""
    for package in ("aeon", "sktime"):
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            continue
        folder = Path(spec.origin).parent / "datasets" / "data" / name
        if (folder / f"{name}_TRAIN.ts").exists():
            return folder
    return None


def _load_aeon(name):
    from aeon.datasets import load_from_ts_file

    folder = _unseen_folder(name)
    X_train, y_train, X_test, y_test = (
        part for split in ("TRAIN", "TEST")
        for part in load_from_ts_file(str(folder / f"{name}_{split}.ts")))
    # aeon's (n, channels, steps) to Keras' (n, steps, channels); unequal
    # lengths come as a list of (channels, steps) arrays.
    if isinstance(X_train, list):
        return ([x.T for x in X_train], [x.T for x in X_test],
                y_train, y_test)
    return (X_train.transpose(0, 2, 1), X_test.transpose(0, 2, 1),
            y_train, y_test)


def _train_test(name, resample=0):
    X_train, X_test, y_train, y_test = (
        load_ucr(name) if name in UCR_DATASETS else _load_aeon(name))
    if isinstance(X_train, list):
        X = list(X_train) + list(X_test)
    else:
        X = np.concatenate([X_train, X_test])
    y = np.concatenate([y_train, y_test])
    if resample:
        # aeon's indices into the train + test rows, training rows first;
        # same sizes and class counts as the published split.
        from aeon.benchmarking.resampling import \
            stratified_resample_data_indices

        order = np.concatenate(stratified_resample_data_indices(
            np.asarray(y_train), np.asarray(y_test), random_state=resample))
        X = [X[i] for i in order] if isinstance(X, list) else X[order]
        y = y[order]
    # -1: always in training; 0: the one test fold.
    fold = np.r_[np.full(len(y_train), -1), np.zeros(len(y_test), dtype=int)]
    return X, y, PredefinedSplit(fold), len(y_train), len(y_test)


def published(name, resample=0):
    """Accuracy of ``name`` per dataset on ``resample`` (0: the default
    split), from aeon's files."""
    try:
        from importlib import resources

        root = resources.files("aeon") / "testing" / \
            "example_results_files" / "classification" / "accuracy"
        text = (root / f"{name}_accuracy.csv").read_text()
    except (ImportError, FileNotFoundError):
        return {}
    rows = (line.split(",") for line in text.splitlines()[1:] if line)
    # Columns after the name: resamples 0 (the default split), 1, ...
    return {row[0]: float(row[1 + resample]) for row in rows
            if len(row) > 1 + resample and row[1 + resample]}


def run(datasets, random_state, epochs, resample=0):
    lstm_kw = {"random_state": random_state}
    label = "LSTMClassifier()"
    if epochs is not None:
        lstm_kw["epochs"] = epochs
        # Not the defaults then: the row says so.
        label = f"LSTMClassifier(epochs={epochs})"
    results, sizes = {}, {}
    for name in datasets:
        X, y, cv, n_train, n_test = _train_test(name, resample)
        sizes[name] = (n_train, n_test)
        print(f"== {name}: {n_train} train / {n_test} test", file=sys.stderr,
              flush=True)
        table = compare_baselines(
            X, y, cv=cv, scoring="accuracy", random_state=random_state,
            verbose=1, estimators={
                label: LSTMClassifier(**lstm_kw),
            })
        results[name] = table
    return results, sizes


def markdown(results, sizes, random_state, elapsed, resample=0):
    datasets = list(results)
    models = list(next(iter(results.values())).index)
    # LSTMs first, then the baselines.
    models = [m for m in models if m.startswith("LSTM")] + \
        [m for m in models if not m.startswith("LSTM")]
    head = "| model | " + " | ".join(
        f"{d} ({sizes[d][0]}/{sizes[d][1]})" for d in datasets) + " |"
    lines = [head, "|---" * (len(datasets) + 1) + "|"]
    for model in models:
        cells = [f"{results[d].loc[model, 'accuracy_mean']:.3f}"
                 for d in datasets]
        lines.append(f"| `{model}` | " + " | ".join(cells) + " |")
    for name in PUBLISHED:
        figures = published(name, resample)
        lines.append(f"| {name} (published) | " + " | ".join(
            f"{figures[d]:.3f}" if d in figures else "n/a"
            for d in datasets) + " |")
    lines.append("")
    split, drawn = "the published train/test splits", ""
    if resample:
        split = (f"stratified resample {resample} of the published "
                 "train/test splits")
        drawn = (f" The resample is aeon's `stratified_resample_data_indices("
                 f"random_state={resample})`; the published rows are that "
                 "resample's figures.")
    lines.append(
        f"Test accuracy on {split} (train/test sizes "
        f"in brackets), one run with `random_state={random_state}` on CPU "
        f"({platform.machine()}); {elapsed / 60:.0f} min in all. Baselines: "
        f"`skseq.compare_baselines`.{drawn} Fit time (s):")
    lines.append("")
    lines.append("| model | " + " | ".join(datasets) + " |")
    lines.append("|---" * (len(datasets) + 1) + "|")
    for model in models:
        lines.append(f"| `{model}` | " + " | ".join(
            f"{results[d].loc[model, 'fit_time_mean']:.3g}"
            for d in datasets) + " |")
    return "\n".join(lines)


def write_readme(table):
    readme = ROOT / "README.md"
    if not readme.exists():
        out = ROOT / "benchmarks" / "accuracy_table.md"
        out.write_text(table + "\n")
        print(f"{readme} does not exist; wrote the table to {out}",
              file=sys.stderr)
        return
    text = readme.read_text()
    if START not in text or END not in text:
        sys.exit(f"{readme} has no {START} ... {END} markers; add them where "
                 "the table belongs.")
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    readme.write_text(f"{before}{START}\n{table}\n{END}{after}")
    print(f"updated {readme}", file=sys.stderr)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(UCR_DATASETS),
                        choices=UCR_DATASETS + UNSEEN)
    parser.add_argument("--unseen", action="store_true",
                        help=f"run on {', '.join(UNSEEN)} instead (aeon's "
                             "and sktime's copies; not bundled)")
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=None,
                        help="cap the LSTM epochs (default: the estimator's)")
    parser.add_argument("--resample", type=int, default=0, metavar="I",
                        help="aeon's stratified resample I of each split "
                             "(needs aeon; default 0: the published split)")
    parser.add_argument("--write-readme", action="store_true")
    parser.add_argument("--csv", help="also save all scores to this CSV file")
    args = parser.parse_args(argv)
    if args.resample < 0:
        parser.error(f"--resample must be 0 or more; got {args.resample}")
    if args.resample and args.write_readme:
        parser.error("--resample does not write the README's table (the "
                     "published splits')")
    if args.resample and importlib.util.find_spec("aeon") is None:
        parser.error("--resample needs aeon: pip install -e '.[baselines]'")
    if args.unseen:
        if args.write_readme:
            parser.error("--unseen does not write the README's table")
        args.datasets = [name for name in UNSEEN if _unseen_folder(name)]
        for name in sorted(set(UNSEEN) - set(args.datasets)):
            print(f"skipping {name}: not in aeon's or sktime's data folder "
                  "(install sktime for PLAID)", file=sys.stderr)
    for name in set(args.datasets) - set(UCR_DATASETS):
        if _unseen_folder(name) is None:
            parser.error(f"{name} is not in aeon's or sktime's data folder; "
                         "install aeon (pip install -e '.[baselines]') or, "
                         "for PLAID, sktime")
    start = time.perf_counter()
    results, sizes = run(args.datasets, args.random_state, args.epochs,
                         args.resample)
    table = markdown(results, sizes, args.random_state,
                     time.perf_counter() - start, args.resample)
    print(table)
    if args.csv:
        import pandas as pd

        pd.concat(results, names=["dataset"]).to_csv(args.csv)
    if args.write_readme:
        write_readme(table)


if __name__ == "__main__":
    main()
