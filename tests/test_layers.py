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
    # ceil(steps / stride) windows, real steps only; pooled padded steps 0.
    # Stride 1: centred windows ('same'); else windows from each multiple
    # of the stride, whatever the width.
    steps = -(-x.shape[1] // stride)
    pad = (size - 1) // 2 if stride == 1 else 0
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


@pytest.mark.parametrize("layer", [MaskedMaxPooling1D(3, strides=1),
                                   MaskedDownsample1D(3),
                                   MaskedDownsample1D(4)])
def test_a_sequences_pooled_steps_do_not_move_with_the_batch_width(layer):
    # padding='same' put half of what a width not divisible by the stride
    # lacks before the first step: post-padding a batch by one step more
    # moved every sequence's windows (and its predicted probabilities).
    x, mask = _ragged()
    first = None
    for extra in range(5):
        xw = np.concatenate([x, np.zeros((2, extra, 3), "float32")], 1)
        mw = np.concatenate([mask, np.zeros((2, extra), bool)], 1)
        out = keras.ops.convert_to_numpy(layer(xw, mask=mw))
        pooled = keras.ops.convert_to_numpy(layer.pooled_mask(mw))
        assert out.shape[1] == -(-xw.shape[1] // layer.strides)
        real = [out[0, pooled[0]], out[1, pooled[1]]]
        if first is None:
            first = real
        for a, b in zip(first, real):
            np.testing.assert_array_equal(a, b)
    if layer.strides > 1:  # windows of stride steps from the first
        assert [len(r) for r in first] == [-(-5 // layer.strides),
                                           -(-3 // layer.strides)]


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
    assert again.alignment == layer.alignment == "start"


@pytest.mark.parametrize("layer, width", [
    (MaskedMaxPooling1D(3, strides=3), 7),  # 'same' pads 1 step before
    (MaskedDownsample1D(4), 6)])
def test_a_layer_saved_before_alignment_pools_as_it_was_trained(layer,
                                                               width):
    # Saved before the windows were aligned at the start: its config has no
    # alignment, and it keeps Keras' padding='same' once loaded (a model
    # saved then predicts as it did; 0.034 apart otherwise).
    config = keras.layers.serialize(layer)
    del config["config"]["alignment"]
    old = keras.layers.deserialize(config)
    assert old.alignment == "same"
    x = np.random.default_rng(0).normal(size=(2, width, 3)).astype("float32")
    expected = keras.ops.convert_to_numpy(keras.ops.max_pool(
        x, layer.pool_size, strides=layer.strides, padding="same"))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(old(x)),
                                  expected)
    assert not np.array_equal(keras.ops.convert_to_numpy(layer(x)), expected)
    with pytest.raises(ValueError, match="alignment must be 'start' or "):
        MaskedDownsample1D(3, alignment="end")
