"""The main command and a CV loop print nothing a user cannot act on.

TensorFlow counts tf.function traces per source function across models:
five refits of Keras' predict function in a row (one per fold) logged
"triggered tf.function retracing" in the middle of ``skseq demo``'s table.
"""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from skseq import LSTMClassifier

pytestmark = pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                                reason="retracing is a tf.function matter")


_CV_LOOP = """
import logging
import numpy as np
from sklearn.model_selection import cross_val_score
from skseq import LSTMClassifier

records = []
handler = logging.Handler(level=logging.WARNING)
handler.emit = records.append
logging.getLogger("tensorflow").addHandler(handler)
rng = np.random.default_rng(0)
X = rng.normal(size=(60, 6, 2))
y = (X[:, :, 0].mean(axis=1) > 0).astype(int)
# Several batches per epoch, as in any real fit: Keras' own train function
# is then traced once per fit among many untraced calls.
clf = LSTMClassifier(units=4, epochs=2, batch_size=8, random_state=0)
scores = cross_val_score(clf, X, y, cv=6, scoring="roc_auc")
fitted = clf.fit(X, y)
for n in (1, 3, 7, 60):  # new batch sizes and widths
    fitted.predict_proba(X[:n, : 2 + n % 4])
print(len(scores))
for r in records:
    if "retracing" in r.getMessage():
        print("RETRACE", r.getMessage()[:120])
"""


def test_predict_proba_in_a_cv_loop_does_not_retrace():
    # In a fresh process, as a user's CV loop runs: TensorFlow's count of
    # traces per source function is process-wide, so in this process the
    # single-batch fits of whichever tests ran just before counted too.
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run([sys.executable, "-c", _CV_LOOP],
                            capture_output=True, text=True, env=env,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0] == "6"
    assert not [line for line in lines if line.startswith("RETRACE")], lines


def test_predict_matches_keras_predict_on_batch():
    rng = np.random.default_rng(1)
    X = [rng.normal(size=(m, 2)) for m in rng.integers(2, 12, 30)]
    y = np.arange(30) % 3
    clf = LSTMClassifier(units=4, epochs=2, random_state=0).fit(X, y)
    X_padded = np.zeros((30, 11, 2), dtype=np.float32)
    for i, x in enumerate(X):
        X_padded[i, :len(x)] = clf.scaler_.transform([x])[0]
    np.testing.assert_allclose(clf.predict_proba(X),
                               clf.model_.predict_on_batch(X_padded),
                               atol=1e-6)


def test_demo_prints_no_warnings():
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TF_CPP", "PYTHONWARNINGS"))}
    # Five folds: five models, enough for TensorFlow's retracing warning.
    result = subprocess.run(
        [sys.executable, "-m", "skseq._cli", "demo", "--dataset",
         "BasicMotions", "--cv", "5", "--epochs", "3"],
        capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "LSTMClassifier" in result.stdout
    noisy = [line for line in result.stderr.splitlines()
             if any(word in line.lower() for word in
                    ("warning", "retracing", "absl", "tensorflow"))]
    assert not noisy, noisy
