"""skseq's default LSTMClassifier against the libraries a user would pick instead.

One run, the same published train/test splits and seed for every model:

- ``LSTMClassifier()`` from skseq at its defaults (measured in full);
- aeon 1.6.0 ``InceptionTimeClassifier`` and ``FCNClassifier`` and sktime
  1.2.0 ``LSTMFCNClassifier``, at their defaults except the number of epochs,
  which is cut to ``--peer-epochs``: their defaults (5 networks x 1500, 2000
  and 2000 epochs) take hours on a 2-core machine. For these the table gives
  the accuracy reached with that budget, the steady seconds per epoch and the
  fit time projected to their default epochs;
- aeon's ``MiniRocketClassifier`` at its defaults, the fast non-deep
  reference (measured in full).

Published default-split accuracies are read at run time from the results
files that aeon ships (``aeon/testing/example_results_files/classification/
accuracy/*.csv``, first resample = the published split): InceptionTime, and
HC2, WEASEL-2.0 and FreshPRINCE as published-only reference rows. These
files hold the univariate UCR sets only.

The peers are not dependencies of skseq; install them in a separate
environment (see benchmarks/README.md, section "Peers")::

    python benchmarks/peers.py                       # 3 bundled sets
    python benchmarks/peers.py --peer-epochs 50 --datasets GunPoint Coffee
    python benchmarks/peers.py --csv peers.csv
"""

import argparse
import contextlib
import csv
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from skseq import LSTMClassifier  # noqa: E402
from skseq.datasets import load_ucr  # noqa: E402

DEFAULT_DATASETS = ("GunPoint", "ItalyPowerDemand", "BasicMotions")
SKSEQ = "skseq LSTMClassifier()"
INCEPTION = "aeon InceptionTimeClassifier"
FCN = "aeon FCNClassifier"
LSTMFCN = "sktime LSTMFCNClassifier"
MINIROCKET = "aeon MiniRocketClassifier"
MODELS = (SKSEQ, INCEPTION, FCN, LSTMFCN, MINIROCKET)
# Published-only reference rows: aeon results file name per row.
PUBLISHED_ONLY = {"HC2 (published)": "HC2",
                  "WEASEL-2.0 (published)": "WEASEL-2.0",
                  "FreshPRINCE (published)": "FreshPRINCE"}
# The aeon results file holding each measured model's published figure.
PUBLISHED_FILE = {INCEPTION: "InceptionTime"}
COLUMNS = ("dataset", "model", "accuracy", "fit_s", "s_per_epoch",
           "epochs_run", "networks", "default_epochs", "projected_default_s",
           "published_accuracy", "published_source")

# Durations of every epoch of every network fitted, keyed by model name.
# Module-level because skseq, aeon and sktime all copy the callbacks they
# are given, so a timer's own attributes would be lost with the copy.
_EPOCH_TIMES = {}


def _epoch_timer(key):
    """A Keras callback that appends each epoch's duration to _EPOCH_TIMES."""
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.key = key

        def on_train_begin(self, logs=None):
            _EPOCH_TIMES.setdefault(self.key, []).append([])

        def on_epoch_begin(self, epoch, logs=None):
            self._start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            _EPOCH_TIMES[self.key][-1].append(
                time.perf_counter() - self._start)

    return EpochTimer()


def _aeon_default_callbacks(key):
    """aeon's default callbacks plus the epoch timer.

    aeon keeps its default ReduceLROnPlateau only when ``callbacks=None``
    (it always adds its ModelCheckpoint), so the same ReduceLROnPlateau as in
    aeon 1.6.0's deep classifiers is passed again here.
    """
    import keras

    return [keras.callbacks.ReduceLROnPlateau(
        monitor="loss", factor=0.5, patience=50, min_lr=0.0001),
        _epoch_timer(key)]


def _results_dir():
    import aeon

    return (Path(aeon.__file__).parent / "testing" / "example_results_files"
            / "classification" / "accuracy")


def published_accuracy(method, dataset):
    """Published default-split accuracy of ``method`` on ``dataset``.

    Returns ``(accuracy, name_in_file)`` or ``(None, None)``. Equal-length
    versions of ragged sets are listed with an ``_eq`` suffix.
    """
    path = _results_dir() / f"{method}_accuracy.csv"
    with path.open() as fh:
        rows = {row[0]: row[1] for row in csv.reader(fh) if len(row) > 1}
    for name in (dataset, f"{dataset}_eq"):
        if name in rows:
            return float(rows[name]), name
    return None, None


def channels_first(X_train, X_test):
    """Keras-order train/test sets as aeon/sktime arrays (n, channels, t).

    Ragged sets (lists) are zero-padded at the end to the longest series of
    either split, because these peers take equal lengths only.
    """
    if isinstance(X_train, list) or isinstance(X_test, list):
        longest = max(len(s) for s in list(X_train) + list(X_test))

        def pad(X):
            out = np.zeros((len(X), longest, np.shape(X[0])[-1]))
            for i, s in enumerate(X):
                out[i, :len(s)] = s
            return out

        X_train, X_test = pad(X_train), pad(X_test)
    return (np.ascontiguousarray(np.transpose(X_train, (0, 2, 1))),
            np.ascontiguousarray(np.transpose(X_test, (0, 2, 1))))


def make_model(name, *, peer_epochs, skseq_epochs, random_state, workdir):
    """Return ``(estimator, channels_first, networks, default_epochs)``."""
    if name == SKSEQ:
        kw = {} if skseq_epochs is None else {"epochs": skseq_epochs}
        model = LSTMClassifier(random_state=random_state,
                               callbacks=[_epoch_timer(name)], **kw)
        return model, False, 1, LSTMClassifier().epochs
    if name == INCEPTION:
        from aeon.classification.deep_learning import InceptionTimeClassifier

        default = InceptionTimeClassifier()
        model = InceptionTimeClassifier(
            n_epochs=peer_epochs, random_state=random_state,
            file_path=workdir, callbacks=_aeon_default_callbacks(name))
        return model, True, default.n_classifiers, default.n_epochs
    if name == FCN:
        from aeon.classification.deep_learning import FCNClassifier

        model = FCNClassifier(
            n_epochs=peer_epochs, random_state=random_state,
            file_path=workdir, callbacks=_aeon_default_callbacks(name))
        return model, True, 1, FCNClassifier().n_epochs
    if name == LSTMFCN:
        from sktime.classification.deep_learning import LSTMFCNClassifier

        # sktime's default is no callbacks at all.
        model = LSTMFCNClassifier(n_epochs=peer_epochs,
                                  random_state=random_state,
                                  callbacks=[_epoch_timer(name)])
        return model, True, 1, LSTMFCNClassifier().n_epochs
    if name == MINIROCKET:
        from aeon.classification.convolution_based import MiniRocketClassifier

        return (MiniRocketClassifier(random_state=random_state), True, None,
                None)
    raise ValueError(f"Unknown model {name!r}; choose from {list(MODELS)}.")


def _steady_epoch_seconds(fits):
    """Median epoch time, leaving out each network's first (tracing) epoch."""
    steady = [t for fit in fits for t in fit[1:]]
    return float(np.median(steady if steady else [t for f in fits for t in f]))


def measure(name, dataset, data, *, peer_epochs, skseq_epochs, random_state):
    X_train, X_test, y_train, y_test, cf = data
    _EPOCH_TIMES.pop(name, None)
    with tempfile.TemporaryDirectory() as workdir:
        model, wants_cf, networks, default_epochs = make_model(
            name, peer_epochs=peer_epochs, skseq_epochs=skseq_epochs,
            random_state=random_state, workdir=workdir + os.sep)
        train, test = cf if wants_cf else (X_train, X_test)
        # aeon and Keras progress bars go to stdout; keep it for the table.
        with contextlib.redirect_stdout(sys.stderr):
            start = time.perf_counter()
            model.fit(train, y_train)
            fit_s = time.perf_counter() - start
            accuracy = float(np.mean(model.predict(test) == y_test))
    row = dict.fromkeys(COLUMNS)
    if name == SKSEQ:
        # 'auto' resolved: the networks averaged in its one Keras model.
        networks = model.n_networks_
    row.update(dataset=dataset, model=name, accuracy=accuracy, fit_s=fit_s,
               networks=networks, default_epochs=default_epochs)
    fits = _EPOCH_TIMES.get(name)
    if fits:
        row["s_per_epoch"] = _steady_epoch_seconds(fits)
        row["epochs_run"] = len(fits[-1])
        if name == SKSEQ:
            # Its defaults ran in full (early stopping included).
            row["projected_default_s"] = fit_s
        else:
            row["projected_default_s"] = fit_s + networks * (
                default_epochs - row["epochs_run"]) * row["s_per_epoch"]
    elif name == MINIROCKET:
        row["projected_default_s"] = fit_s
    if name in PUBLISHED_FILE:
        acc, source = published_accuracy(PUBLISHED_FILE[name], dataset)
        row.update(published_accuracy=acc,
                   published_source=source and
                   f"{PUBLISHED_FILE[name]}_accuracy.csv:{source}")
    return row


def published_rows(dataset):
    rows = []
    for label, method in PUBLISHED_ONLY.items():
        acc, source = published_accuracy(method, dataset)
        if acc is not None:
            row = dict.fromkeys(COLUMNS)
            row.update(dataset=dataset, model=label, published_accuracy=acc,
                       published_source=f"{method}_accuracy.csv:{source}")
            rows.append(row)
    return rows


def run(datasets, models, *, peer_epochs, skseq_epochs, random_state):
    # Load every set first: a misspelt name fails before any training.
    loaded = {}
    for dataset in datasets:
        X_train, X_test, y_train, y_test = load_ucr(dataset)
        y_train, y_test = np.asarray(y_train), np.asarray(y_test)
        loaded[dataset] = (X_train, X_test, y_train, y_test,
                           channels_first(X_train, X_test))
    rows = []
    for dataset, data in loaded.items():
        print(f"== {dataset}: {len(data[2])} train / {len(data[3])} test, "
              f"channels-first {data[4][0].shape}", file=sys.stderr,
              flush=True)
        for name in models:
            row = measure(name, dataset, data, peer_epochs=peer_epochs,
                          skseq_epochs=skseq_epochs,
                          random_state=random_state)
            print(f"   {name}: accuracy {row['accuracy']:.3f}, fit "
                  f"{row['fit_s']:.1f} s", file=sys.stderr, flush=True)
            rows.append(row)
        rows.extend(published_rows(dataset))
    return rows


def _fmt(value, spec):
    return "—" if value is None else format(value, spec)


def _duration(seconds):
    if seconds is None:
        return "—"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 120:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.1f} s"


def table(rows):
    lines = [
        "| dataset | model | accuracy (measured) | fit s (measured) "
        "| s/epoch (measured) | epochs run x networks | default epochs "
        "| fit at default epochs (projected) | accuracy (published) |",
        "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        epochs = ("—" if r["epochs_run"] is None else
                  f"{r['epochs_run']} x {r['networks']}")
        default = ("—" if r["default_epochs"] is None else
                   f"{r['default_epochs']} x {r['networks']}")
        projected = _duration(r["projected_default_s"])
        if r["model"] in (SKSEQ, MINIROCKET) and r["fit_s"] is not None:
            projected += " (measured)"
        published = _fmt(r["published_accuracy"], ".3f")
        if r["published_source"] and "_eq" in r["published_source"]:
            published += " (_eq)"
        lines.append(
            f"| {r['dataset']} | {r['model']} | {_fmt(r['accuracy'], '.3f')} "
            f"| {_fmt(r['fit_s'], '.1f')} | {_fmt(r['s_per_epoch'], '.3f')} "
            f"| {epochs} | {default} | {projected} | {published} |")
    return "\n".join(lines)


def ratios(rows):
    """skseq against each measured peer, per dataset."""
    lines = [
        "| dataset | peer | accuracy skseq - peer (measured, peer at "
        "short budget) | accuracy skseq - peer (published) | fit time "
        "skseq / peer (measured) | fit time skseq / peer at default epochs "
        "(projected) |",
        "|---|---|---|---|---|---|"]
    by_key = {(r["dataset"], r["model"]): r for r in rows}
    for dataset in dict.fromkeys(r["dataset"] for r in rows):
        ours = by_key.get((dataset, SKSEQ))
        if ours is None:
            continue
        for name in MODELS[1:]:
            peer = by_key.get((dataset, name))
            if peer is None:
                continue
            published = ("—" if peer["published_accuracy"] is None else
                         f"{ours['accuracy'] - peer['published_accuracy']:+.3f}")
            projected = ("—" if peer["projected_default_s"] is None else
                         f"{ours['fit_s'] / peer['projected_default_s']:.3g}")
            lines.append(
                f"| {dataset} | {name} "
                f"| {ours['accuracy'] - peer['accuracy']:+.3f} | {published} "
                f"| {ours['fit_s'] / peer['fit_s']:.3g} | {projected} |")
    return "\n".join(lines)


def versions():
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for package in ("skseq", "aeon", "sktime", "keras", "tensorflow",
                    "tensorflow-cpu", "scikit-learn", "numpy"):
        try:
            found.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            pass
    return ", ".join(found)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(DEFAULT_DATASETS),
                        help="any names skseq.datasets.load_ucr accepts")
    parser.add_argument("--models", nargs="+", default=list(MODELS),
                        choices=MODELS, metavar="MODEL",
                        help=f"subset of: {', '.join(MODELS)}")
    parser.add_argument("--peer-epochs", type=int, default=20,
                        help="epochs per network for the deep peers "
                        "(default 20; their defaults are 1500-2000)")
    parser.add_argument("--skseq-epochs", type=int, default=None,
                        help="cap skseq's epochs (default: its own, for "
                        "smoke tests only)")
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--csv", help="also save all rows to this CSV file")
    args = parser.parse_args(argv)
    if args.peer_epochs < 2:
        parser.error("--peer-epochs must be at least 2: the first epoch "
                     "traces the model and is left out of s/epoch.")
    start = time.perf_counter()
    rows = run(args.datasets, args.models, peer_epochs=args.peer_epochs,
               skseq_epochs=args.skseq_epochs, random_state=args.random_state)
    elapsed = time.perf_counter() - start
    print(table(rows))
    print()
    print(f"Measured: one run, `random_state={args.random_state}`, published "
          f"train/test splits, deep peers at `--peer-epochs "
          f"{args.peer_epochs}`, CPU ({platform.machine()}, {os.cpu_count()} "
          f"cores, load average {os.getloadavg()[0]:.1f} at the end); "
          f"{elapsed / 60:.1f} min in all. s/epoch: median epoch time "
          "without each network's first epoch. Projected: measured fit time "
          "+ networks x (default - run epochs) x s/epoch. Published: "
          "aeon's results files, first resample (the default split); "
          "'(_eq)' = the equal-length version of a ragged set.")
    print(f"Versions: {versions()}.")
    print()
    print(ratios(rows))
    if args.csv:
        with open(args.csv, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
    return rows


if __name__ == "__main__":
    main()
