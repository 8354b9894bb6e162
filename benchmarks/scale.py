"""Cost at scale: LSTMClassifier.fit against hand-written Keras, per size.

For every size, both sides train the same network (one LSTM(32) read at its
last step, a sigmoid unit, Adam, binary cross-entropy) on the same
``(n, 100, 8)`` float32 data for the same epochs and batch size (256), each
in a fresh process, so that peak memory (``ru_maxrss``) belongs to that run
alone. The sides alternate, and each pair is repeated. Printed: fit wall
time, time per sequence and peak RSS of both, and the ratios skseq / Keras.

The hand-written side is what a user writes: ``keras.Sequential`` of
``LSTM(32)`` and ``Dense(1, 'sigmoid')`` fitted on the array with
``shuffle=True``. skseq runs its defaults (validation, scaling, class
weights, padding detection) with ``architecture='lstm', units=32,
batch_size=256, n_iter_no_change=None`` so that the networks match. The
labels are exactly balanced, so 'balanced' class weights are all 1.

Sizes at or above ``--memmap-from`` are written to a ``.npy`` file and
opened with ``numpy.load(mmap_mode='r')`` by both sides: skseq streams
batches from it, Keras reads it whole. Peak RSS of a memory-mapped run counts
the file pages the process touched, which the kernel can drop at will; the
``anon`` column is the peak of anonymous memory (sampled), which it cannot.

    python benchmarks/scale.py                          # 10k, 100k, 1M
    python benchmarks/scale.py --sizes 200000 --repeats 3
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

N_TIMESTEPS, N_FEATURES, UNITS, BATCH = 100, 8, 32, 256


def make_data(path, n, seed=0, chunk=50_000):
    """Standardised sequences, written in chunks; the class shifts feature 0."""
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(n) % 2)
    X = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32,
                                  shape=(n, N_TIMESTEPS, N_FEATURES))
    for start in range(0, n, chunk):
        part = rng.standard_normal(
            (min(chunk, n - start), N_TIMESTEPS, N_FEATURES), np.float32)
        part[:, :, 0] += np.where(y[start:start + len(part)] == 1,
                                  0.3, -0.3)[:, None]
        X[start:start + len(part)] = part
    X.flush()
    del X
    np.save(path + ".y.npy", y)


def _anon_peak(stop, out):
    """Sample RssAnon (kB) from /proc until ``stop`` is set."""
    while not stop.is_set():
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("RssAnon:"):
                    out[0] = max(out[0], int(line.split()[1]))
        stop.wait(0.05)


def run_side(side, path, epochs, mmap):
    """One fit in this process; prints a JSON line with its measurements."""
    import resource

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    X = np.load(path, mmap_mode="r" if mmap else None)
    y = np.load(path + ".y.npy")
    stop, anon = threading.Event(), [0]
    sampler = threading.Thread(target=_anon_peak, args=(stop, anon),
                               daemon=True)
    sampler.start()
    start = time.perf_counter()
    if side == "keras":
        keras.utils.set_random_seed(0)
        model = keras.Sequential([
            keras.Input((N_TIMESTEPS, N_FEATURES)),
            keras.layers.LSTM(UNITS),
            keras.layers.Dense(1, activation="sigmoid")])
        model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
        model.fit(X, y, batch_size=BATCH, epochs=epochs, shuffle=True,
                  verbose=0)
    else:
        from skseq import LSTMClassifier

        LSTMClassifier(architecture="lstm", units=UNITS, batch_size=BATCH,
                       epochs=epochs, n_iter_no_change=None,
                       random_state=0).fit(X, y)
    elapsed = time.perf_counter() - start
    stop.set()
    sampler.join()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"fit_s": elapsed, "peak_mb": peak,
                      "anon_mb": anon[0] / 1024}))


def measure(side, path, epochs, mmap):
    out = subprocess.run(
        [sys.executable, __file__, "--side", side, "--data", path,
         "--epochs", str(epochs)] + (["--mmap"] if mmap else []),
        capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+",
                        default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--memmap-from", type=int, default=1_000_000)
    parser.add_argument("--side", choices=["skseq", "keras"])
    parser.add_argument("--data")
    parser.add_argument("--mmap", action="store_true")
    args = parser.parse_args(argv)
    if args.side:
        run_side(args.side, args.data, args.epochs, args.mmap)
        return
    import keras

    print(f"keras {keras.__version__} ({keras.backend.backend()}), "
          f"{os.cpu_count()} CPUs; data (n, {N_TIMESTEPS}, {N_FEATURES}) "
          f"float32, LSTM({UNITS}), batch {BATCH}, epochs {args.epochs}")
    header = (f"{'n':>9} {'input':>6} | {'skseq s':>8} {'keras s':>8} "
              f"{'ratio':>6} | {'us/seq':>7} {'us/seq':>7} | "
              f"{'skseq MB':>8} {'keras MB':>8} {'ratio':>6} | "
              f"{'anon MB':>7} {'anon MB':>7}")
    print(header)
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            path = os.path.join(tmp, f"X{n}.npy")
            make_data(path, n)
            mmap = n >= args.memmap_from
            runs = {"skseq": [], "keras": []}
            for _ in range(args.repeats):
                for side in ("keras", "skseq"):
                    runs[side].append(measure(side, path, args.epochs, mmap))
            best = {side: {key: min(r[key] for r in rs) for key in rs[0]}
                    for side, rs in runs.items()}
            ratios = [s["fit_s"] / k["fit_s"]
                      for s, k in zip(runs["skseq"], runs["keras"])]
            s, k = best["skseq"], best["keras"]
            print(f"{n:>9} {'memmap' if mmap else 'array':>6} | "
                  f"{s['fit_s']:8.1f} {k['fit_s']:8.1f} "
                  f"{np.median(ratios):6.2f} | "
                  f"{1e6 * s['fit_s'] / n / args.epochs:7.1f} "
                  f"{1e6 * k['fit_s'] / n / args.epochs:7.1f} | "
                  f"{s['peak_mb']:8.0f} {k['peak_mb']:8.0f} "
                  f"{s['peak_mb'] / k['peak_mb']:6.2f} | "
                  f"{s['anon_mb']:7.0f} {k['anon_mb']:7.0f}", flush=True)
            os.remove(path)


if __name__ == "__main__":
    main()
