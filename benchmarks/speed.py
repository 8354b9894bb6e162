"""Speed of skseq's LSTMClassifier measured against plain Keras.

Every section runs both sides in one process, interleaved and repeated, and
prints the median of the per-pair ratios, so that load from other processes
hits both sides alike. Run it under each backend::

    KERAS_BACKEND=tensorflow python benchmarks/speed.py
    KERAS_BACKEND=jax python benchmarks/speed.py --sections overhead predict
    python benchmarks/speed.py --sections ragged overhead --jit-compile true

Sections:

overhead
    ``LSTMClassifier.fit`` against a hand-written ``model.fit`` on the same
    model (``build_lstm_model``), data (already scaled, equal lengths),
    epochs, batch size, optimizer and metrics. Ratio skseq / keras.
ragged
    Per-epoch training time with length bucketing (``bucketing='auto'``)
    against padding every sequence to the longest (``bucketing=False``), on
    lengths spread log-uniformly over 100-1344 steps, with the test accuracy
    of both. Ratio pad-to-max / bucketed.
traces
    TensorFlow: one train step traced with the batch and/or time axis left
    unknown against one traced for the exact shape (why bucketed fits trace
    once per batch size). Ratio unknown / exact.
predict
    ``predict_proba`` latency on 1, 8 and 32 sequences against Keras'
    ``model.predict`` on the same model and the same (model-ready) array.
    Ratio keras / skseq. Under JAX also the jitted forward pass alone, the
    floor no wrapper can beat.
gridsearch
    ``GridSearchCV`` wall time with ``n_jobs=2`` against ``n_jobs=1``.
    Ratio n_jobs=1 / n_jobs=2 (only meaningful on an otherwise idle machine).

TensorFlow retracing warnings and the number of distinct input shapes (JAX
compiles once per shape) are counted where they matter.
"""

import argparse
import logging
import os
import platform
import statistics
import sys
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

SECTIONS = ("overhead", "ragged", "traces", "predict", "gridsearch")


# --------------------------------------------------------------------- data
def make_dense(n_samples, n_timesteps, n_features, seed=0):
    """Standardised equal-length sequences; the class shifts feature 0."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n_samples)
    X = rng.normal(size=(n_samples, n_timesteps, n_features))
    X[:, :, 0] += np.where(y == 1, 0.5, -0.5)[:, None]
    X = (X - X.mean(axis=(0, 1))) / X.std(axis=(0, 1))
    return X.astype(np.float32), y


def make_ragged(n_samples, min_length, max_length, n_features, seed=0):
    """Sequences with log-uniform lengths; the class shifts feature 0.

    The shift is present at every step, so the last LSTM state can tell the
    classes apart whatever the length: an easy task both ways of batching
    should learn equally well.
    """
    rng = np.random.default_rng(seed)
    lengths = np.exp(rng.uniform(np.log(min_length), np.log(max_length + 1),
                                 n_samples)).astype(int)
    lengths = np.clip(lengths, min_length, max_length)
    lengths[0] = max_length  # the longest one is always present
    y = rng.integers(0, 2, n_samples)
    X = []
    for length, label in zip(lengths, y):
        seq = rng.normal(size=(length, n_features)).astype(np.float32)
        seq[:, 0] += 0.7 if label else -0.7
        X.append(seq)
    return X, y, lengths


# ------------------------------------------------------------------ helpers
class RetraceLog(logging.Handler):
    """Collects TensorFlow's "triggered tf.function retracing" warnings."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        message = record.getMessage()
        if "retracing" in message:
            self.messages.append(message)

    def __enter__(self):
        logging.getLogger("tensorflow").addHandler(self)
        self._warnings = warnings.catch_warnings(record=True)
        self._caught = self._warnings.__enter__()
        warnings.simplefilter("always")
        return self

    def __exit__(self, *exc):
        logging.getLogger("tensorflow").removeHandler(self)
        self._warnings.__exit__(*exc)
        self.messages += [str(w.message) for w in self._caught
                          if "retracing" in str(w.message)]
        return False


def jax_compile_counter():
    """Return a list that grows by one per XLA compilation (JAX only)."""
    compiles = []
    try:
        import jax.monitoring
    except ImportError:
        return compiles

    def listener(event, duration, **kwargs):
        if event == "/jax/core/compile/backend_compile_duration":
            compiles.append(duration)

    jax.monitoring.register_event_duration_secs_listener(listener)
    return compiles


def timed(func):
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def interleaved(funcs, repeats):
    """Time each function ``repeats`` times, alternating the order."""
    times = {name: [] for name in funcs}
    names = list(funcs)
    for r in range(repeats):
        for name in (names if r % 2 == 0 else names[::-1]):
            times[name].append(timed(funcs[name])[0])
    return times


def ratio(numerator, denominator):
    """Median of per-repeat ratios (robust to load changing over time)."""
    return statistics.median(a / b for a, b in zip(numerator, denominator))


def fmt(seconds):
    return "/".join(f"{s:.3g}" for s in seconds)


def banner():
    import keras

    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
    print(f"# backend={keras.backend.backend()} keras={keras.__version__} "
          f"python={platform.python_version()} cpus={os.cpu_count()} "
          f"machine={platform.machine()} "
          f"load(1,5,15min)={'/'.join(f'{x:.2f}' for x in load)}")


def compile_like_skseq(model, learning_rate=1e-3, jit_compile="auto"):
    import keras

    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss="binary_crossentropy", metrics=["accuracy"],
                  jit_compile=jit_compile)
    return model


# ----------------------------------------------------------------- sections
def bench_overhead(args):
    import keras

    from skseq import LSTMClassifier
    from skseq.neural_network._architectures import build_lstm_model

    X, y = make_dense(args.n_samples, args.n_timesteps, 3)
    y_keras = y.reshape(-1, 1).astype(np.float32)
    meta = {"n_features": 3, "n_outputs": 1, "tokens": False,
            "vocabulary_size": None}
    # The hand-written side's network: an LSTM over the raw steps
    # (architecture='auto' would pick the conv-LSTM for numeric input).
    common = {"units": args.units, "epochs": args.epochs,
              "batch_size": args.batch_size, "jit_compile": args.jit_compile,
              "architecture": "lstm"}

    def keras_fit():
        keras.utils.set_random_seed(0)
        model = build_lstm_model(meta, units=args.units, random_state=0)
        compile_like_skseq(model, jit_compile=args.jit_compile)
        model.fit(X, y_keras, batch_size=args.batch_size,
                  epochs=args.epochs, shuffle=True, verbose=0)
        return model

    def skseq_fit():
        return LSTMClassifier(
            **common, scaling=None, class_weight=None, n_iter_no_change=None,
            random_state=0).fit(X, y)

    def skseq_defaults():
        # Default scaling and class weights: the extra work skseq does for
        # you (not part of the overhead target).
        return LSTMClassifier(**common, n_iter_no_change=None,
                              random_state=0).fit(X, y)

    keras_fit(), skseq_fit()  # warm-up: imports, first traces
    funcs = {"keras": keras_fit, "skseq": skseq_fit}
    if args.with_defaults:
        funcs["skseq_defaults"] = skseq_defaults
    times = interleaved(funcs, args.repeats)
    print(f"overhead: X={X.shape} units={args.units} epochs={args.epochs} "
          f"batch={args.batch_size}")
    print(f"  keras fit s: {fmt(times['keras'])}")
    print(f"  skseq fit s: {fmt(times['skseq'])}")
    print(f"  RATIO skseq/keras fit time = "
          f"{ratio(times['skseq'], times['keras']):.3f} (target <= 1.05)")
    if args.with_defaults:
        print(f"  skseq defaults (scaling+class_weight) s: "
              f"{fmt(times['skseq_defaults'])}; ratio to keras = "
              f"{ratio(times['skseq_defaults'], times['keras']):.3f}")


class EpochTimer:
    """Keras callback recording epoch durations in a shared list.

    ``LSTMClassifier`` deep-copies its callbacks, so the times go into a
    list owned by the class, not the instance.
    """

    log = []

    @classmethod
    def make(cls):
        import keras

        class _Timer(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                self._start = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                cls.log.append(time.perf_counter() - self._start)

        return _Timer()


def bench_ragged(args):
    import keras

    from skseq import LSTMClassifier
    from skseq.neural_network import _batching
    from skseq.utils import check_sequences

    X, y, lengths = make_ragged(args.n_ragged + args.n_test, args.min_length,
                                args.max_length, 3)
    n = args.n_ragged
    X_train, y_train, X_test, y_test = X[:n], y[:n], X[n:], y[n:]
    padded, train_lengths = check_sequences(X_train)
    batches = _batching.bucket_batches(train_lengths, args.ragged_batch)
    # TensorFlow without XLA trims each batch exactly (no compile per width).
    exact = (keras.backend.backend() == "tensorflow"
             and args.jit_compile is not True)
    batch_widths = _batching.batch_widths(train_lengths, batches,
                                          padded.shape[1], not exact)
    widths = (f"{len(set(batch_widths))} exact" if exact
              else f"rounded to {sorted(set(batch_widths.tolist()))}")
    # Steps computed per epoch, padded / bucketed: the most bucketing can save.
    bucketed_steps = sum(len(b) * w for b, w in zip(batches, batch_widths))
    bound = n * padded.shape[1] / bucketed_steps
    print(f"ragged: n_train={n} n_test={args.n_test} lengths "
          f"{lengths.min()}-{lengths.max()} (mean {lengths.mean():.0f}, "
          f"padding would be {1 - lengths.mean() / lengths.max():.0%} of "
          f"steps) units={args.ragged_units} epochs={args.ragged_epochs} "
          f"batch={args.ragged_batch}; bucketed widths: {widths}; steps "
          f"computed pad-to-max/bucketed = {bound:.2f} (the bound)")
    compiles = jax_compile_counter()
    results = {}
    for r in range(args.ragged_repeats):
        for bucketing in ((True, False) if r % 2 == 0 else (False, True)):
            EpochTimer.log = []
            before = len(compiles)
            clf = LSTMClassifier(
                units=args.ragged_units, epochs=args.ragged_epochs,
                batch_size=args.ragged_batch, n_iter_no_change=None,
                class_weight=None, random_state=r,
                jit_compile=args.jit_compile,
                bucketing="auto" if bucketing else False,
                callbacks=[EpochTimer.make()])
            with RetraceLog() as retraces:
                clf.fit(X_train, y_train)
            accuracy = float(np.mean(clf.predict(X_test) == y_test))
            entry = results.setdefault(bucketing, {
                "epoch": [], "first": [], "accuracy": [], "retraces": 0,
                "compiles": []})
            # The first epoch traces/compiles every shape; later epochs are
            # the steady state.
            entry["first"].append(EpochTimer.log[0])
            entry["epoch"].append(statistics.median(EpochTimer.log[1:]))
            entry["accuracy"].append(accuracy)
            entry["retraces"] += len(retraces.messages)
            entry["compiles"].append(len(compiles) - before)
            keras.backend.clear_session()
    for bucketing, name in ((True, "bucketed"), (False, "pad-to-max")):
        e = results[bucketing]
        jax_note = (f", XLA compiles per fit {e['compiles']}"
                    if keras.backend.backend() == "jax" else "")
        print(f"  {name:10s} s/epoch {fmt(e['epoch'])} (first epoch "
              f"{fmt(e['first'])}), test accuracy "
              f"{fmt(e['accuracy'])}, retracing warnings {e['retraces']}"
              f"{jax_note}")
    bucketed, padded_ = results[True], results[False]
    print(f"  RATIO pad-to-max/bucketed s/epoch = "
          f"{ratio(padded_['epoch'], bucketed['epoch']):.2f} (target >= 2); "
          f"first epoch {ratio(padded_['first'], bucketed['first']):.2f}; "
          f"accuracy difference (bucketed - padded) = "
          f"{statistics.mean(bucketed['accuracy']) - statistics.mean(padded_['accuracy']):+.3f}")


def bench_traces(args):
    """TensorFlow: one LSTM train step traced for known / unknown axes."""
    import keras

    if keras.backend.backend() != "tensorflow":
        print("traces: TensorFlow only")
        return
    import tensorflow as tf

    from skseq.neural_network._architectures import build_lstm_model

    model = build_lstm_model({"n_features": 3, "n_outputs": 1,
                              "tokens": False}, units=args.ragged_units,
                             random_state=0)
    compile_like_skseq(model)
    rng = np.random.default_rng(0)
    batch_size = args.ragged_batch
    print(f"traces: ms per train step, batch {batch_size}, units "
          f"{args.ragged_units}, input signature with the batch / time axis "
          f"known or unknown (None)")
    for width in (args.max_length // 4, args.max_length):
        x = tf.constant(rng.normal(size=(batch_size, width, 3)), tf.float32)
        y = tf.constant(rng.integers(0, 2, (batch_size, 1)), tf.float32)
        steps = {}
        for name, (rows, steps_axis) in {
                "exact shape": (batch_size, width),
                "time None": (batch_size, None),
                "batch None": (None, width),
                "both None": (None, None)}.items():
            # Concrete functions: traced here, never retraced.
            steps[name] = tf.function(
                lambda data: model.train_step(data), autograph=False,
                input_signature=[(tf.TensorSpec((rows, steps_axis, 3)),
                                  tf.TensorSpec((rows, 1)))],
            ).get_concrete_function()
            steps[name]((x, y))

        def timer(step):
            def run():
                for _ in range(3):
                    step((x, y))
            return run

        times = interleaved({k: timer(v) for k, v in steps.items()},
                            args.repeats)
        print(f"  width {width:4d}: " + ", ".join(
            f"{k} {statistics.median(v) / 3 * 1e3:.0f}"
            for k, v in times.items())
            + f"; RATIO batch None / exact = "
              f"{ratio(times['batch None'], times['exact shape']):.2f}, "
              f"time None / exact = "
              f"{ratio(times['time None'], times['exact shape']):.2f}")


def bench_predict(args):
    import keras

    from skseq import LSTMClassifier

    X, y = make_dense(256, args.n_timesteps, 3)
    clf = LSTMClassifier(units=args.units, epochs=1, batch_size=32,
                         scaling=None, n_iter_no_change=None,
                         random_state=0).fit(X, y)
    model = clf.model_
    compiles = jax_compile_counter()
    print(f"predict: sequences of {args.n_timesteps} steps x 3 features, "
          f"units={args.units}; {args.predict_calls} calls per timing")
    for size in (1, 8, 32):
        batch = X[:size]

        def skseq_predict():
            for _ in range(args.predict_calls):
                clf.predict_proba(batch)

        def keras_predict():
            for _ in range(args.predict_calls):
                model.predict(batch, verbose=0)

        sides = {"skseq": skseq_predict, "keras": keras_predict}
        if keras.backend.backend() == "jax":
            sides["network"] = network_alone(model, batch, args.predict_calls)
        for side in sides.values():
            side()  # warm-up (traces, compiles)
        with RetraceLog() as retraces:
            before = len(compiles)
            times = interleaved(sides, args.repeats)
            # Same batch sizes again: nothing should be traced or compiled.
            late = len(compiles) - before
        per_call = {k: statistics.median(v) / args.predict_calls * 1e3
                    for k, v in times.items()}
        jax_note = (f", XLA compiles after warm-up {late}"
                    if keras.backend.backend() == "jax" else "")
        if "network" in times:
            jax_note += (
                f"; the jitted network alone {per_call['network']:.2f} ms, "
                f"so at most keras/network = "
                f"{ratio(times['keras'], times['network']):.1f}")
        print(f"  batch {size:2d}: skseq predict_proba {per_call['skseq']:.2f}"
              f" ms, keras model.predict {per_call['keras']:.2f} ms; RATIO "
              f"keras/skseq = {ratio(times['keras'], times['skseq']):.1f} "
              f"(target >= 5); retracing warnings {len(retraces.messages)}"
              f"{jax_note}")
    # Many different small batch sizes and lengths, as a service would see.
    rng = np.random.default_rng(1)
    with RetraceLog() as retraces:
        before = len(compiles)
        for _ in range(60):
            size = int(rng.integers(1, 40))
            width = int(rng.integers(10, args.n_timesteps + 1))
            clf.predict_proba(X[:size, :width])
        n_compiles = len(compiles) - before
    jax_note = (f", XLA compiles {n_compiles}"
                if keras.backend.backend() == "jax" else "")
    print(f"  60 calls with random batch sizes 1-39 and lengths: retracing "
          f"warnings {len(retraces.messages)}{jax_note}")


def network_alone(model, batch, calls):
    """JAX: the jitted forward pass skseq calls, without its input handling.

    No wrapper can predict faster than this; it bounds the predict ratio.
    """
    from skseq.neural_network._forward import jax_forward as _jax_forward

    forward = _jax_forward(model)

    def run():
        for _ in range(calls):
            np.asarray(forward(batch))

    return run


def _grid_fit(n_jobs, X, y, epochs):
    from sklearn.model_selection import GridSearchCV

    from skseq import LSTMClassifier

    grid = {"units": [8, 16], "learning_rate": [1e-3, 3e-3]}
    search = GridSearchCV(
        LSTMClassifier(epochs=epochs, n_iter_no_change=None, random_state=0),
        grid, cv=3, n_jobs=n_jobs)
    return search.fit(X, y)


def bench_gridsearch(args):
    X, y = make_dense(300, 50, 2)
    load_before = os.getloadavg()
    _grid_fit(1, X, y, 1)  # warm-up in this process
    times = interleaved({"n_jobs=1": lambda: _grid_fit(1, X, y, args.epochs),
                         "n_jobs=2": lambda: _grid_fit(2, X, y, args.epochs)},
                        args.grid_repeats)
    load_after = os.getloadavg()
    print(f"gridsearch: 4 candidates x 3 folds, X={X.shape}, "
          f"epochs={args.epochs}; load average before "
          f"{load_before[0]:.2f}, after {load_after[0]:.2f} on "
          f"{os.cpu_count()} cpus")
    print(f"  n_jobs=1 s: {fmt(times['n_jobs=1'])}; n_jobs=2 s: "
          f"{fmt(times['n_jobs=2'])}")
    print(f"  RATIO n_jobs=1/n_jobs=2 wall time = "
          f"{ratio(times['n_jobs=1'], times['n_jobs=2']):.2f}")


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--sections", nargs="+", choices=SECTIONS,
                        default=list(SECTIONS))
    parser.add_argument("--repeats", type=int, default=5,
                        help="interleaved repeats per timing (overhead, "
                             "predict)")
    parser.add_argument("--n-samples", type=int, default=2000)
    parser.add_argument("--n-timesteps", type=int, default=100)
    parser.add_argument("--units", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--with-defaults", action="store_true",
                        help="overhead: also time skseq's default scaling "
                             "and class weights")
    parser.add_argument("--jit-compile", choices=("auto", "true"),
                        default="auto",
                        help="LSTMClassifier(jit_compile=...) in the overhead "
                             "(both sides) and ragged sections; 'true' turns "
                             "on XLA under TensorFlow on CPU")
    parser.add_argument("--n-ragged", type=int, default=512)
    parser.add_argument("--n-test", type=int, default=256)
    parser.add_argument("--min-length", type=int, default=100)
    parser.add_argument("--max-length", type=int, default=1344)
    parser.add_argument("--ragged-units", type=int, default=16)
    parser.add_argument("--ragged-epochs", type=int, default=4)
    parser.add_argument("--ragged-batch", type=int, default=32)
    parser.add_argument("--ragged-repeats", type=int, default=2)
    parser.add_argument("--predict-calls", type=int, default=20)
    parser.add_argument("--grid-repeats", type=int, default=2)
    args = parser.parse_args(argv)
    args.jit_compile = args.jit_compile == "true" or "auto"
    banner()
    print(f"# jit_compile={args.jit_compile}")
    for section in args.sections:
        start = time.perf_counter()
        globals()[f"bench_{section}"](args)
        print(f"  ({section} took {time.perf_counter() - start:.0f} s)")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
