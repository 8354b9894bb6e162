"""Accuracy on synthetic sequence tasks nobody tuned skseq for.

Each task draws ``--n-train`` training and ``--n-test`` test sequences from
its own generator (seeded by ``--seed``), and the models below are fitted
on the same split, side by side:

- ``LSTMClassifier()`` from skseq at its defaults (``random_state=seed``);
- a hand-written Keras LSTM as a user writes it first: features
  standardised by hand, ``LSTM(64)``, a sigmoid or softmax output, Adam,
  50 epochs of batches of 32, 10% held out with early stopping
  (patience 10, best weights restored); ragged tasks zero post-padded and
  masked;
- MiniRocket + ridge (aeon), where aeon is installed and the sequences are
  of one length.

The tasks, each a way a class can be written in a sequence:

- ``order``: two spikes in 150 noisy steps of 2 channels, the class
  being which channel spikes first (anywhere in the series);
- ``memory``: the class in the first 5 of 300 steps, noise after;
- ``count``: 1-3 spikes or 4-6 in 200 steps;
- ``frequency``: three sine frequencies 0.05 / 0.07 / 0.09 per step, random
  phase and amplitude, noise of 0.8 standard deviations;
- ``correlation``: 3 channels, the first two moving together or against;
- ``motif``: one sine bump of 15 steps somewhere in 40-200 steps of noise,
  in a quarter of the sequences (ragged, 1:3 imbalance).

Prints one row per task: balanced accuracy on the test split and fit time
per model, and the ratio of skseq's balanced accuracy to the hand-written
LSTM's.

    python benchmarks/synthetic.py                     # every task, seed 0
    python benchmarks/synthetic.py --tasks order --seed 1
"""

import argparse
import os
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def task_order(rng, n, t=150):
    X = rng.normal(0, 1, (n, t, 2))
    y = rng.integers(0, 2, n)
    for i in range(n):
        a, b = sorted(rng.choice(np.arange(5, t - 5), 2, replace=False))
        first, second = (0, 1) if y[i] == 0 else (1, 0)
        X[i, a, first] += 6
        X[i, b, second] += 6
    return X, y


def task_memory(rng, n, t=300):
    X = rng.normal(0, 1, (n, t, 1))
    y = rng.integers(0, 2, n)
    X[:, :5, 0] += np.where(y == 1, 1.5, -1.5)[:, None]
    return X, y


def task_count(rng, n, t=200):
    X = rng.normal(0, 1, (n, t, 1))
    y = rng.integers(0, 2, n)
    for i in range(n):
        k = rng.integers(1, 4) if y[i] == 0 else rng.integers(4, 7)
        X[i, rng.choice(t, k, replace=False), 0] += 5
    return X, y


def task_frequency(rng, n, t=128):
    y = rng.integers(0, 3, n)
    f = np.array([0.05, 0.07, 0.09])[y][:, None] * (
        1 + rng.normal(0, 0.03, (n, 1)))
    X = np.sin(2 * np.pi * f * np.arange(t) + rng.uniform(0, 6.3, (n, 1)))
    X = X + rng.normal(0, 0.8, (n, t))
    return X[..., None] * rng.uniform(0.5, 2, (n, 1, 1)), y


def task_correlation(rng, n, t=100):
    y = rng.integers(0, 2, n)
    z = rng.normal(0, 1, (n, t))
    sign = np.where(y == 1, 1, -1)[:, None]
    X = np.stack([z + rng.normal(0, 0.7, (n, t)),
                  sign * z + rng.normal(0, 0.7, (n, t)),
                  rng.normal(0, 1, (n, t))], -1)
    return X, y


def task_motif(rng, n, t_max=200):
    y = (rng.random(n) < 0.25).astype(int)
    bump = 2 * np.sin(np.linspace(0, 2 * np.pi, 15))
    X = []
    for label in y:
        x = rng.normal(0, 1, rng.integers(40, t_max + 1))
        if label:
            p = rng.integers(0, len(x) - 15)
            x[p:p + 15] += bump
        X.append(x[:, None])
    return X, y


TASKS = {"order": task_order, "memory": task_memory, "count": task_count,
         "frequency": task_frequency, "correlation": task_correlation,
         "motif": task_motif}


def hand_written_lstm(X_train, y_train, X_test, seed):
    """The Keras LSTM a user writes first (see the module docstring)."""
    import keras
    from keras import layers

    from skseq.utils import pad_sequences

    def padded(X, maxlen=None):
        # Ragged tasks: the test set to the training set's width, which the
        # network's input is built for (a longer test sequence would lose
        # its end; the motif task's reach 200 steps in both).
        return pad_sequences(list(X), maxlen=maxlen, padding="post",
                             dtype="float32")[0] \
            if isinstance(X, list) else np.asarray(X, "float32")

    X_train = padded(X_train)
    X_test = padded(X_test, X_train.shape[1])
    real = np.any(X_train != 0, axis=-1)
    mean, std = X_train[real].mean(0), X_train[real].std(0) + 1e-8

    def scaled(X):
        keep = np.any(X != 0, axis=-1, keepdims=True)
        return np.where(keep, (X - mean) / std, 0.0).astype("float32")

    keras.utils.set_random_seed(seed)
    n_classes = len(np.unique(y_train))
    out = (layers.Dense(1, activation="sigmoid") if n_classes == 2
           else layers.Dense(n_classes, activation="softmax"))
    model = keras.Sequential([layers.Input(X_train.shape[1:]),
                              layers.Masking(0.0), layers.LSTM(64), out])
    model.compile("adam", "binary_crossentropy" if n_classes == 2
                  else "sparse_categorical_crossentropy")
    stop = keras.callbacks.EarlyStopping(patience=10,
                                         restore_best_weights=True)
    model.fit(scaled(X_train), y_train, epochs=50, batch_size=32,
              validation_split=0.1, callbacks=[stop], verbose=0)
    proba = model.predict(scaled(X_test), verbose=0)
    return (proba[:, 0] > 0.5).astype(int) if n_classes == 2 \
        else proba.argmax(1)


def run_task(name, n_train, n_test, seed, rocket):
    from sklearn.metrics import balanced_accuracy_score

    from skseq import LSTMClassifier

    X, y = TASKS[name](np.random.default_rng(seed), n_train + n_test)
    X_train, y_train = X[:n_train], y[:n_train]
    X_test, y_test = X[n_train:], y[n_train:]
    row = {}
    start = time.perf_counter()
    clf = LSTMClassifier(random_state=seed).fit(X_train, y_train)
    losses = clf.architecture_losses_
    row["skseq"] = (balanced_accuracy_score(y_test, clf.predict(X_test)),
                    time.perf_counter() - start,
                    f"{clf.architecture_} x{clf.n_networks_}" + (
                        " ({})".format(" / ".join(
                            f"{loss:.3f}" for loss in losses.values()))
                        if losses else ""))
    start = time.perf_counter()
    predicted = hand_written_lstm(X_train, y_train, X_test, seed)
    row["keras"] = (balanced_accuracy_score(y_test, predicted),
                    time.perf_counter() - start, "")
    if rocket and not isinstance(X, list):
        from aeon.classification.convolution_based import \
            MiniRocketClassifier

        start = time.perf_counter()
        model = MiniRocketClassifier(random_state=seed).fit(
            np.transpose(X_train, (0, 2, 1)), y_train)
        predicted = model.predict(np.transpose(X_test, (0, 2, 1)))
        row["minirocket"] = (balanced_accuracy_score(y_test, predicted),
                             time.perf_counter() - start, "")
    return row


def main(argv=None):
    import importlib.util

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", nargs="+", choices=sorted(TASKS),
                        default=list(TASKS))
    parser.add_argument("--n-train", type=int, default=400)
    parser.add_argument("--n-test", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rocket = importlib.util.find_spec("aeon") is not None
    print(f"{args.n_train} training and {args.n_test} test sequences per "
          f"task, seed {args.seed}; balanced accuracy (fit time)")
    print("| task | skseq LSTMClassifier() | chosen (hold-out loss conv-LSTM "
          "/ plain LSTM) | hand-written Keras LSTM | MiniRocket + ridge |")
    print("|---|---|---|---|---|")
    for name in args.tasks:
        row = run_task(name, args.n_train, args.n_test, args.seed, rocket)
        cells = [f"{acc:.3f} ({fit:.0f} s)" for acc, fit, _ in
                 (row["skseq"], row["keras"])]
        mini = row.get("minirocket")
        print(f"| {name} | {cells[0]} | {row['skseq'][2]} | {cells[1]} | "
              f"{f'{mini[0]:.3f} ({mini[1]:.0f} s)' if mini else 'n/a'} |")
        print(f"RATIO {name}: skseq / hand-written Keras balanced accuracy "
              f"= {row['skseq'][0] / max(row['keras'][0], 1e-9):.3f}",
              flush=True)


if __name__ == "__main__":
    main()
