"""Sequences whose own scales span orders of magnitude (sequence_scaling)."""

import math
import pickle
import subprocess
import sys

import keras
import numpy as np
import pytest

from skseq import LSTMClassifier
from skseq.neural_network import _training
from skseq.neural_network._layers import SequenceStandardization1D

FAST = dict(units=8, epochs=25, n_networks=1, random_state=0)


def _shapes_at_many_scales(n=200, t=60, decades=6, seed=0):
    """Two shapes (sine, square wave), each sequence at a random scale
    between 10**(-decades/2) and 10**(decades/2)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    steps = np.linspace(0, 4 * np.pi, t)
    shape = np.where(y[:, None] == 1, np.sin(steps)[None],
                     np.sign(np.sin(steps))[None])
    scale = 10.0 ** rng.uniform(-decades / 2, decades / 2, n)
    X = (shape + 0.3 * rng.normal(size=(n, t))) * scale[:, None]
    return X[..., None], y


@pytest.mark.parametrize("spread, on", [(1.0, False), (50.0, False),
                                        (500.0, True), (1e5, True)])
def test_auto_turns_on_past_two_orders_of_magnitude(spread, on):
    # Scales evenly spread in log: the 90th over the 10th percentile is
    # spread ** 0.8.
    log_scales = np.log(np.geomspace(1, spread ** 1.25, 101))[:, None]
    resolved = _training.resolve_sequence_scaling("auto", log_scales)
    assert (resolved is not None) is on
    assert _training.resolve_sequence_scaling(False, log_scales) is None
    assert _training.resolve_sequence_scaling(True, log_scales) is not None


def test_one_spread_feature_is_enough_and_the_gain_shifts_the_log_scale():
    rng = np.random.default_rng(0)
    log_scales = np.c_[np.zeros(64), rng.uniform(0, 10, 64)]
    resolved = _training.resolve_sequence_scaling("auto", log_scales)
    assert resolved is not None
    mean, std = resolved["log_scale_mean"], resolved["log_scale_std"]
    # The flat feature keeps a spread of 1 (a factor e): a new scale
    # never becomes a huge input.
    assert mean[0] == pytest.approx(0.0) and std[0] == 1.0
    assert std[1] == pytest.approx(log_scales[:, 1].std())
    scaled = _training.resolve_sequence_scaling(
        "auto", log_scales, gain=np.array([2.0, 0.5]))
    assert scaled["log_scale_mean"] == pytest.approx(
        [math.log(2.0), mean[1] + math.log(0.5)])
    assert _training.resolve_sequence_scaling("auto", None) is None


def _layer_model():
    inputs = keras.Input(shape=(None, 1))
    mask = keras.layers.Masking(0.0).compute_mask(inputs)
    out = SequenceStandardization1D([0.5], [2.0])(inputs, mask=mask)
    return keras.Model(inputs, out)


def test_layer_standardises_each_sequence_over_its_real_steps():
    model = _layer_model()
    rng = np.random.default_rng(0)
    seq = 1000.0 + 30.0 * rng.normal(size=(7, 1))
    short = np.zeros((1, 12, 1))
    short[0, :7] = seq
    longer = np.zeros((1, 30, 1))
    longer[0, :7] = seq
    out_short = np.asarray(model.predict(short, verbose=0))[0]
    out_long = np.asarray(model.predict(longer, verbose=0))[0]
    assert out_short.shape == (12, 3)
    real = out_short[:7]
    np.testing.assert_allclose(real[:, 0], seq[:, 0], rtol=1e-6)
    # Mean 0 and deviation 1 over the 7 real steps: the 5 padded zeros
    # would pull the mean towards 0 and inflate the deviation.
    assert abs(real[:, 1].mean()) < 1e-4
    assert real[:, 1].std() == pytest.approx(1.0, rel=1e-4)
    log_scale = (math.log(seq[:, 0].std()) - 0.5) / 2.0
    np.testing.assert_allclose(real[:, 2], log_scale, rtol=1e-4)
    # Padded steps are 0, and more padding changes nothing real.
    assert not out_short[7:].any() and not out_long[7:].any()
    np.testing.assert_allclose(out_long[:7], real, rtol=1e-5, atol=1e-6)


def test_layer_gives_a_constant_sequence_a_finite_floor():
    out = np.asarray(_layer_model().predict(np.full((1, 5, 1), 3.0),
                                            verbose=0))[0]
    assert np.all(np.isfinite(out))
    assert not out[:, 1].any()


def test_defaults_learn_shapes_at_scales_six_decades_apart():
    X, y = _shapes_at_many_scales()
    clf = LSTMClassifier(**FAST).fit(X[:150], y[:150])
    assert clf.sequence_scaling_
    assert clf.model_.get_layer("sequence_scale") is not None
    assert clf.score(X[150:], y[150:]) >= 0.9


def test_evenly_scaled_sequences_keep_the_plain_network():
    X, y = _shapes_at_many_scales(n=60, decades=0)
    clf = LSTMClassifier(units=4, epochs=2, random_state=0).fit(X, y)
    assert not clf.sequence_scaling_
    names = [layer.name for layer in clf.model_.layers]
    assert "sequence_scale" not in names
    # A hand-set True is taken, whatever the spread.
    forced = LSTMClassifier(units=4, epochs=2, sequence_scaling=True,
                            random_state=0).fit(X, y)
    assert forced.sequence_scaling_


@pytest.mark.parametrize("architecture", ["lstm", "lstm_fcn"])
def test_every_architecture_reads_the_sequence_scale(architecture):
    X, y = _shapes_at_many_scales(n=40, t=20)
    # Ragged: padded steps must stay masked after the layer.
    ragged = [x[:10 + i % 10] for i, x in enumerate(X)]
    clf = LSTMClassifier(architecture=architecture, units=4, epochs=2,
                         random_state=0).fit(ragged, y)
    assert clf.sequence_scaling_
    proba = clf.predict_proba(ragged[:3])
    # The same sequence, predicted beside others of other lengths.
    alone = clf.predict_proba(ragged[2:3])
    np.testing.assert_allclose(proba[2:3], alone, rtol=1e-4, atol=1e-5)


def test_a_sequence_scaled_model_loads_in_a_fresh_process(tmp_path):
    X, y = _shapes_at_many_scales(n=60, t=20)
    clf = LSTMClassifier(units=4, epochs=2, random_state=0).fit(X, y)
    assert clf.sequence_scaling_
    path = tmp_path / "clf.pkl"
    path.write_bytes(pickle.dumps(clf))
    np.save(tmp_path / "X.npy", X[:5])
    code = (
        "import pickle, sys, numpy as np\n"
        f"clf = pickle.loads(open({str(path)!r}, 'rb').read())\n"
        f"X = np.load({str(tmp_path / 'X.npy')!r})\n"
        "np.save(sys.argv[1], clf.predict_proba(X))\n")
    out = tmp_path / "proba.npy"
    subprocess.run([sys.executable, "-c", code, str(out)], check=True,
                   timeout=300)
    np.testing.assert_allclose(np.load(out), clf.predict_proba(X[:5]),
                               rtol=1e-5, atol=1e-6)

