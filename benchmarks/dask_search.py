"""GridSearchCV on a Dask cluster against n_jobs=1, in one run.

4 candidates x 3 folds of a small LSTMClassifier, timed with ``n_jobs=1`` in
this process and on a ``LocalCluster`` of single-threaded worker processes
(``skseq.parallel.local_cluster``) through joblib's Dask backend, the two
interleaved and repeated. Prints the wall times, the median of the per-pair
ratios n_jobs=1 / Dask, and whether both gave the same scores::

    python benchmarks/dask_search.py
    python benchmarks/dask_search.py --n-workers 2 --repeats 3 --epochs 5

The cluster is started, and each worker imports TensorFlow and fits once,
before timing: a long-running cluster pays that once, not per search. The
n_jobs=1 side is warmed up likewise. The ratio's ceiling is the number of
workers; on a shared machine it also depends on the load (printed).
"""

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402


def make_data(n_samples, n_timesteps, n_features, seed=0):
    """Equal-length sequences; the class shifts feature 0."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n_samples)
    X = rng.normal(size=(n_samples, n_timesteps, n_features))
    X[y == 1, :, 0] += 0.5
    return X.astype("float32"), y


def make_search(args, n_jobs=None):
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    from skseq import LSTMClassifier

    grid = {"units": [8, 16], "learning_rate": [1e-3, 3e-3]}
    return GridSearchCV(
        LSTMClassifier(epochs=args.epochs, n_iter_no_change=None,
                       random_state=0),
        grid, cv=StratifiedKFold(3), scoring="neg_log_loss", refit=False,
        n_jobs=n_jobs)


def timed(func):
    start = time.perf_counter()
    out = func()
    return time.perf_counter() - start, out


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--n-workers", type=int, default=2)
    parser.add_argument("--n-samples", type=int, default=300)
    parser.add_argument("--n-timesteps", type=int, default=50)
    parser.add_argument("--n-features", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args(argv)

    import keras
    from distributed import Client

    from skseq.parallel import dask_backend, local_cluster

    X, y = make_data(args.n_samples, args.n_timesteps, args.n_features)
    load_before = os.getloadavg()
    print(f"# backend={keras.backend.backend()} keras={keras.__version__} "
          f"cpus={os.cpu_count()} load(1min)={load_before[0]:.2f}")
    print(f"dask search: 4 candidates x 3 folds, X={X.shape}, "
          f"epochs={args.epochs}, {args.n_workers} workers x 1 thread")

    with local_cluster(n_workers=args.n_workers, threads_per_worker=1,
                       dashboard_address=None) as cluster, \
            Client(cluster, set_as_default=False) as client:
        client.wait_for_workers(args.n_workers, timeout="300s")

        def on_dask():
            with dask_backend(client, scatter=[X, y]):
                return make_search(args).fit(X, y)

        def local():
            return make_search(args, n_jobs=1).fit(X, y)

        warm_local, _ = timed(local)
        warm_dask, _ = timed(on_dask)
        print(f"  warm-up s: n_jobs=1 {warm_local:.3g}, dask {warm_dask:.3g} "
              "(cluster start and TensorFlow import in the workers)")
        times = {"n_jobs=1": [], "dask": []}
        results = {}
        for r in range(args.repeats):
            order = [("n_jobs=1", local), ("dask", on_dask)]
            for name, func in (order if r % 2 == 0 else order[::-1]):
                seconds, search = timed(func)
                times[name].append(seconds)
                results[name] = search.cv_results_["mean_test_score"]
    load_after = os.getloadavg()
    ratio = statistics.median(a / b for a, b in zip(times["n_jobs=1"],
                                                    times["dask"]))
    same = np.allclose(results["n_jobs=1"], results["dask"],
                       rtol=1e-5, atol=1e-6)
    fmt = "/".join
    print(f"  n_jobs=1 s: {fmt(f'{t:.3g}' for t in times['n_jobs=1'])}; "
          f"dask s: {fmt(f'{t:.3g}' for t in times['dask'])}; load average "
          f"after {load_after[0]:.2f}")
    print(f"  same mean_test_score: {same} (max abs diff "
          f"{np.max(np.abs(results['n_jobs=1'] - results['dask'])):.2g})")
    print(f"  RATIO n_jobs=1/dask wall time = {ratio:.2f}")
    sys.stdout.flush()
    return ratio


if __name__ == "__main__":
    main()
