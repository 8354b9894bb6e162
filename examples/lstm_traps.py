"""Why a hand-written Keras LSTM is stuck at 50% and LSTMClassifier is not.

The data fall into every usual trap at once (see
:func:`skseq.datasets.make_trap_sequences`): 1 positive for 3 negatives,
features around 100 with a spread of 50 (unscaled), sequences of 10 steps x
5 features zero-padded at the front to different lengths, and a label that
depends on the slope of feature 0 over the real steps.

Three models, scored on the same held-out quarter by balanced accuracy (0.5
is chance whatever the class ratio):

1. ``DummyClassifier``: the floor.
2. The textbook mistake: ``Dense(1, activation="softmax")``. Softmax over a
   single unit is always exactly 1.0, so every sequence is predicted
   positive and nothing can be learned, however long it trains.
3. ``LSTMClassifier()`` with its defaults: a sigmoid output for two classes,
   per-feature scaling fitted on real steps only, the zero padding moved to
   the end and masked, ``class_weight='balanced'`` and early stopping on
   a stratified, shuffled tenth of the training data (these sequences are
   independent; overlapping windows would get the tail).

Runs in about two minutes on two CPU cores.
"""

# %%
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
from sklearn.dummy import DummyClassifier
from sklearn.metrics import balanced_accuracy_score, recall_score
from sklearn.model_selection import train_test_split

from skseq import LSTMClassifier
from skseq.datasets import make_trap_sequences

X, y = make_trap_sequences(2000, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0)
print(f"X: {X.shape}, class counts {np.bincount(y)}, "
      f"feature means {X[X.any(axis=2)].mean(axis=0).round(0)}")
print(f"share of all-zero (padding) steps: {np.mean(~X.any(axis=2)):.0%}")


def report(name, y_pred, seconds):
    print(f"{name:<38} balanced accuracy {balanced_accuracy_score(y_test, y_pred):.3f}"
          f"   minority recall {recall_score(y_test, y_pred):.3f}"
          f"   ({seconds:.1f} s)")


# %% 1. The floor
start = time.perf_counter()
dummy = DummyClassifier(strategy="most_frequent").fit(X_train.reshape(len(X_train), -1),
                                                      y_train)
report("DummyClassifier", dummy.predict(X_test.reshape(len(X_test), -1)),
       time.perf_counter() - start)

# %% 2. Plain Keras with softmax on one unit
import keras  # noqa: E402

keras.utils.set_random_seed(0)
start = time.perf_counter()
model = keras.Sequential([
    keras.Input(X.shape[1:]),
    keras.layers.LSTM(64),
    keras.layers.Dense(1, activation="softmax"),  # the trap
])
model.compile(optimizer="adam", loss="binary_crossentropy",
              metrics=["accuracy"])
model.fit(X_train, y_train, epochs=20, batch_size=32, verbose=0)
proba = model.predict(X_test, verbose=0)[:, 0]
report("Keras LSTM + Dense(1, softmax)", (proba > 0.5).astype(int),
       time.perf_counter() - start)
print(f"{'':<38} distinct predicted probabilities: {np.unique(proba)}")

# %% 3. LSTMClassifier with its defaults
start = time.perf_counter()
clf = LSTMClassifier(random_state=0).fit(X_train, y_train)
report("LSTMClassifier()", clf.predict(X_test), time.perf_counter() - start)
# Several networks (n_networks='auto') are averaged: each has its own output.
network = (clf.model_.get_layer("network_0") if clf.n_networks_ > 1
           else clf.model_)
output = network.get_layer("output")
print(f"{'':<38} stopped after {clf.n_iter_} epochs, best epoch "
      f"{clf.best_epoch_}, {clf.n_networks_} network(s), output layer "
      f"{output.units} x {output.activation.__name__}")
