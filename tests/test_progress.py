"""skseq.callbacks.ProgressLogger: progress lines per fit on stderr."""

import pickle
import re

import numpy as np
import pytest

from skseq import LSTMClassifier
from skseq.callbacks import ProgressLogger


def _data(n=24, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5, 1))
    return X, (X[:, :, 0].mean(axis=1) > 0).astype(int)


def test_tiny_fit_reports_epochs_and_best_loss(capsys):
    X, y = _data()
    logger = ProgressLogger(every_seconds=None, every_epochs=1, name="t")
    clf = LSTMClassifier(units=4, epochs=3, n_iter_no_change=None,
                         n_networks=2, random_state=0,
                         callbacks=[logger]).fit(X, y)
    lines = capsys.readouterr().err.splitlines()
    progress = [line for line in lines if line.startswith("t: ")]
    # First, what trains (no hold-out here: no choice).
    assert progress.pop(0) == (
        f"t: architecture={clf.architecture_!r}, 2 networks")
    assert [re.search(r"epoch (\d+)/3,", line).group(1)
            for line in progress[:3]] == ["1", "2", "3"]
    assert all(re.search(r"best (val_)?loss \d\S* \(epoch [123]\)", line)
               for line in progress)
    assert re.match(r"t: done, 3/3 epochs \(all epochs\), best ", progress[3])
    assert len(progress) == 4
    # The caller's callback is copied for the fit, not used.
    assert not hasattr(logger, "_epochs_done")


def test_a_model_builder_network_is_named_as_such(capsys):
    import keras

    def builder(meta):
        inputs = keras.Input((None, meta["n_features"]))
        return keras.Model(inputs, keras.layers.Dense(
            1, activation="sigmoid")(keras.layers.LSTM(4)(inputs)))

    X, y = _data()
    LSTMClassifier(model_builder=builder, epochs=1, random_state=0,
                   callbacks=[ProgressLogger(name="b")]).fit(X, y)
    assert capsys.readouterr().err.splitlines()[0] == (
        "b: model_builder's network, 1 network")


def _run(logger, losses, planned, key="loss"):
    logger.set_params({"epochs": planned})
    logger.on_train_begin()
    for epoch, loss in enumerate(losses):
        logger.on_epoch_end(epoch, {"loss": 9.0, key: loss})
    logger.on_train_end()


def test_first_epoch_and_end_only_without_rules(capsys):
    _run(ProgressLogger(every_seconds=None, name="p"),
         [1.0, float("nan"), 0.5, 0.7], planned=10, key="val_loss")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("p: epoch 1/10, best val_loss 1 (epoch 1), ")
    assert "ETA <= " in lines[0]
    # NaN ignored; early stopping told apart from a full run.
    assert lines[1].startswith(
        "p: done, 4/10 epochs (stopped early), best val_loss 0.5 (epoch 3)")


def test_every_epochs_and_non_finite_start(capsys):
    _run(ProgressLogger(every_seconds=None, every_epochs=2, name="p"),
         [float("nan"), 2.0, 1.5, 1.0], planned=4)
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(",")[0] for line in lines] == [
        "p: epoch 1/4", "p: epoch 2/4", "p: epoch 4/4", "p: done"]
    assert "no finite loss yet" in lines[0]
    assert "best loss 1 (epoch 4)" in lines[3]
    # The planned last epoch has nothing left to wait for.
    assert "ETA <= " in lines[1] and "ETA" not in lines[2]


def test_default_label_names_the_process_and_pickles(capsys):
    import os

    logger = pickle.loads(pickle.dumps(ProgressLogger()))  # joblib workers
    _run(logger, [1.0], planned=1)
    assert capsys.readouterr().err.startswith(f"skseq[pid {os.getpid()}]: ")


@pytest.mark.parametrize("kwargs, message", [
    ({"every_seconds": -1}, "every_seconds must be a number >= 0"),
    ({"every_seconds": "10"}, "every_seconds must be a number >= 0"),
    ({"every_epochs": 0}, "every_epochs must be an int >= 1"),
])
def test_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ProgressLogger(**kwargs)


@pytest.mark.parametrize("seconds, expected", [
    (0.39, "0.39 s/epoch, ETA <= 0.39 s"),  # ETA <= 0 s with time left
    (4.0, "4 s/epoch, ETA <= 4 s"),
    (150.0, "150 s/epoch, ETA <= 2.5 min"),  # 1.5e+02 s/epoch
])
def test_times_read_as_numbers_at_any_scale(capsys, monkeypatch, seconds,
                                            expected):
    import skseq.callbacks as callbacks

    from types import SimpleNamespace

    clock = iter(np.arange(10) * seconds)  # one epoch per call
    monkeypatch.setattr(callbacks, "time",
                        SimpleNamespace(monotonic=lambda: next(clock)))
    _run(ProgressLogger(every_seconds=None, every_epochs=1, name="p"),
         [1.0], planned=2)
    first = capsys.readouterr().err.splitlines()[0]
    assert first.endswith(expected), first
