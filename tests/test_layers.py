"""The masked pooling layers: padded steps never win a max."""

import keras
import numpy as np
import pytest

from skseq.neural_network._layers import (MaskedDownsample1D,
                                          MaskedGlobalPooling1D,
                                          MaskedMaxPooling1D)


def _ragged():
    # Two sequences of 5 and 3 real steps, every real value below 0: a
    # padded step (0.0) would win any max it takes part in.
    rng = np.random.default_rng(0)
    x = -1.0 - rng.random((2, 6, 3)).astype("float32")
    mask = np.array([[1, 1, 1, 1, 1, 0], [1, 1, 1, 0, 0, 0]], bool)
    x[~mask] = 0.0
    return x, mask


def _numpy_max_pool(x, mask, size, stride):
    # 'same' padding, real steps only; pooled padded steps 0.
    steps = -(-x.shape[1] // stride)
    pad = max((steps - 1) * stride + size - x.shape[1], 0) // 2
    out = np.zeros((x.shape[0], steps, x.shape[2]), "float32")
    for b in range(x.shape[0]):
        for i in range(steps):
            lo = max(i * stride - pad, 0)
            window = slice(lo, i * stride - pad + size)
            real = mask[b, window]
            if real.any():
                out[b, i] = x[b, window][real].max(axis=0)
    return out


@pytest.mark.parametrize("layer, size, stride", [
    (MaskedMaxPooling1D(3, strides=1), 3, 1),
    (MaskedMaxPooling1D(2), 2, 2),
    (MaskedDownsample1D(3), 3, 3)])
def test_max_pooling_takes_real_steps_only(layer, size, stride):
    x, mask = _ragged()
    out = keras.ops.convert_to_numpy(layer(x, mask=mask))
    np.testing.assert_allclose(out, _numpy_max_pool(x, mask, size, stride),
                               atol=1e-6)
    pooled_mask = keras.ops.convert_to_numpy(layer.pooled_mask(mask))
    np.testing.assert_array_equal(
        pooled_mask, _numpy_max_pool(mask[..., None].astype("float32"),
                                     np.ones_like(mask), size, stride)[..., 0] > 0)
    # Without a mask every step is real.
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(layer(x)),
        _numpy_max_pool(x, np.ones_like(mask), size, stride), atol=1e-6)


def test_global_max_takes_real_steps_only():
    x, mask = _ragged()
    out = keras.ops.convert_to_numpy(MaskedGlobalPooling1D("max")(x, mask=mask))
    np.testing.assert_allclose(out[1], x[1, :3].max(axis=0))
    np.testing.assert_allclose(out[0], x[0, :5].max(axis=0))
    # No real step: 0, as the mean gives (it was -1e9, a certain class).
    mask[1] = False
    for mode in ("max", "mean"):
        out = keras.ops.convert_to_numpy(
            MaskedGlobalPooling1D(mode)(x, mask=mask))
        np.testing.assert_array_equal(out[1], 0.0)


@pytest.mark.parametrize("layer", [MaskedMaxPooling1D(3, strides=1),
                                   MaskedDownsample1D(4)])
def test_pooling_layers_round_trip_their_config(layer):
    again = keras.layers.deserialize(keras.layers.serialize(layer))
    assert type(again) is type(layer)
    assert (again.pool_size, again.strides) == (layer.pool_size, layer.strides)
