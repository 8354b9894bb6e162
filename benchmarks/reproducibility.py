"""The same random_state in two fresh processes: the same probabilities?

For each data set, ``LSTMClassifier(random_state=0)`` (defaults otherwise)
is fitted twice, each time in a new Python process, and the largest
difference between the two runs' test probabilities is printed, with the
test accuracy and fit time of each. On a CPU the difference is 0. On a GPU
it is 0 only with the backend's deterministic operations on: run it twice,
the second time with them::

    KERAS_BACKEND=jax python benchmarks/reproducibility.py
    KERAS_BACKEND=jax XLA_FLAGS=--xla_gpu_deterministic_ops=true \\
        python benchmarks/reproducibility.py
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def fit_once(name, path, epochs):
    """One fit (in this process); probabilities saved to ``path``."""
    import warnings

    from skseq import LSTMClassifier
    from skseq.datasets import load_ucr

    X_train, X_test, y_train, y_test = load_ucr(name)
    params = {} if epochs is None else {"epochs": epochs}
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the GPU's warning is the point
        clf = LSTMClassifier(random_state=0, **params).fit(X_train, y_train)
    fit_s = time.perf_counter() - start
    proba = clf.predict_proba(X_test)
    np.save(path, proba)
    accuracy = float(np.mean(clf.classes_[proba.argmax(1)] == y_test))
    print(json.dumps({"fit_s": round(fit_s, 1), "accuracy": accuracy,
                      "n_networks": clf.n_networks_, "n_iter": clf.n_iter_}))


def compare(name, epochs):
    """Two fresh processes; returns (max |diff|, [run summaries])."""
    runs, probas = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(2):
            path = os.path.join(tmp, f"{run}.npy")
            args = [sys.executable, __file__, "--child", name, path]
            if epochs is not None:
                args += ["--epochs", str(epochs)]
            out = subprocess.run(args, check=True, capture_output=True,
                                 text=True).stdout
            runs.append(json.loads(out.strip().splitlines()[-1]))
            probas.append(np.load(path))
    return float(np.abs(probas[0] - probas[1]).max()), runs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", nargs="+",
                        default=["GunPoint", "ItalyPowerDemand"])
    parser.add_argument("--epochs", type=int, default=None,
                        help="default: 'auto' (the estimator's rule)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        fit_once(*args.child, args.epochs)
        return
    import keras

    print(f"# backend={keras.backend.backend()} "
          f"XLA_FLAGS={os.environ.get('XLA_FLAGS', '')!r}")
    for name in args.datasets:
        diff, runs = compare(name, args.epochs)
        print(f"{name}: max |difference| of the two runs' probabilities "
              f"{diff:.3g}; accuracy {runs[0]['accuracy']:.3f} / "
              f"{runs[1]['accuracy']:.3f}; epochs {runs[0]['n_iter']} / "
              f"{runs[1]['n_iter']}; fit {runs[0]['fit_s']} / "
              f"{runs[1]['fit_s']} s", flush=True)


if __name__ == "__main__":
    main()
