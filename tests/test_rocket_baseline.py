"""The MiniRocket baseline of compare_baselines (aeon, behind an extra)."""

import sys

import numpy as np
import pytest

from skseq.datasets import load_ucr
from skseq.inspection import compare_baselines
from skseq.inspection._baselines import _ROCKET_NAME, _ChannelsFirstPadder


def _ragged_trends(n=30, seed=0):
    """Univariate sequences of 3-8 steps rising (1) or falling (0)."""
    rng = np.random.default_rng(seed)
    X, y = [], np.arange(n) % 2
    for label in y:
        steps = np.arange(rng.integers(3, 9), dtype=float)
        slope = 1.0 if label else -1.0
        X.append((slope * steps + rng.normal(0, 0.3, len(steps)))[:, None])
    return X, y


def test_padder_pads_ragged_at_the_end_to_nine_steps_channels_first():
    X = [np.arange(1.0, 7.0).reshape(3, 2), np.ones((5, 2))]
    padder = _ChannelsFirstPadder().fit(X)
    out = padder.transform(X)
    assert out.shape == (2, 2, 9)  # (n_cases, n_channels, n_timepoints)
    np.testing.assert_array_equal(out[0, 0], [1, 3, 5, 0, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(out[0, 1], [2, 4, 6, 0, 0, 0, 0, 0, 0])
    # Longer than in fit: padded to the longest seen, then cut at the end.
    long = _ChannelsFirstPadder().fit([np.ones((12, 1))])
    assert long.transform([np.arange(15.0)[:, None]]).shape == (1, 1, 12)
    np.testing.assert_array_equal(
        long.transform([np.arange(15.0)[:, None]])[0, 0], np.arange(12.0))


def test_rocket_parameter_checked():
    X, y = _ragged_trends()
    with pytest.raises(ValueError, match="rocket must be 'auto', True or"):
        compare_baselines(X, y, estimators={}, rocket="yes")


def test_without_aeon_auto_skips_and_true_names_the_extra(monkeypatch):
    import skseq.inspection._baselines as baselines

    monkeypatch.setattr(baselines, "_rocket_available", lambda: False)
    for name in [m for m in sys.modules if m.split(".")[0] == "aeon"] + [
            "aeon", "aeon.classification.convolution_based"]:
        monkeypatch.setitem(sys.modules, name, None)  # import fails
    X, y = _ragged_trends()
    table = compare_baselines(X, y, estimators={}, cv=2, random_state=0)
    assert _ROCKET_NAME not in table.index and len(table) == 4
    with pytest.raises(ImportError, match=r"\.\[baselines\]"):
        compare_baselines(X, y, estimators={}, rocket=True, cv=2)


def test_rocket_baseline_on_gunpoint_auto():
    pytest.importorskip("aeon", reason="aeon not installed "
                        "(pip install -e '.[baselines]')")
    X, y = load_ucr("GunPoint", split="train")
    table = compare_baselines(X, y, estimators={}, cv=2, random_state=0)
    assert list(table.index)[-1] == _ROCKET_NAME
    # MiniRocket's published GunPoint accuracy is ~0.99; a random forest on
    # summary statistics is far lower on these 50 series.
    assert table.loc[_ROCKET_NAME, "accuracy_mean"] >= 0.9
    assert table.loc[_ROCKET_NAME, "accuracy_mean"] > \
        table.loc["RandomForest (summary)", "accuracy_mean"]


def test_rocket_baseline_on_ragged_short_sequences():
    pytest.importorskip("aeon", reason="aeon not installed "
                        "(pip install -e '.[baselines]')")
    X, y = _ragged_trends()
    X_before = [x.copy() for x in X]
    table = compare_baselines(X, y, estimators={}, baselines=False,
                              rocket=True, cv=3, random_state=0)
    assert list(table.index) == [_ROCKET_NAME]
    assert table.loc[_ROCKET_NAME, "accuracy_mean"] >= 0.8
    for a, b in zip(X, X_before):
        np.testing.assert_array_equal(a, b)
