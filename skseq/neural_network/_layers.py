"""Layers Keras does not offer: pooling over real steps, mask downsampling."""

import keras
from keras import layers, ops

__all__ = ["MaskedGlobalPooling1D", "AttentionPooling1D", "MaskedDownsample1D"]


@keras.saving.register_keras_serializable(package="skseq")
class MaskedGlobalPooling1D(layers.Layer):
    """Mean or max over the real (unmasked) steps of ``(batch, steps, dim)``.

    Keras' ``GlobalMaxPooling1D`` ignores masks, so padded steps would win the
    max; this layer excludes them. A mask can be passed explicitly, which the
    convolutional branch uses because ``Conv1D`` drops masks.
    """

    def __init__(self, mode="mean", **kwargs):
        super().__init__(**kwargs)
        self.mode = mode
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return (ops.mean if self.mode == "mean" else ops.max)(inputs, 1)
        m = ops.expand_dims(ops.cast(mask, inputs.dtype), -1)
        if self.mode == "mean":
            total = ops.sum(inputs * m, axis=1)
            return total / ops.maximum(ops.sum(m, axis=1), 1.0)
        lowest = ops.convert_to_tensor(-1e9, dtype=inputs.dtype)
        return ops.max(ops.where(m > 0, inputs, lowest), axis=1)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


@keras.saving.register_keras_serializable(package="skseq")
class AttentionPooling1D(layers.Layer):
    """Additive attention pooling over the real steps of a sequence.

    Scores every step with a small dense layer, soft-maxes the scores over
    unmasked steps and returns the weighted sum (Bahdanau-style, one query).
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.supports_masking = True

    def build(self, input_shape):
        dim = input_shape[-1]
        init = keras.initializers.GlorotUniform(seed=self.seed)
        self.w = self.add_weight(shape=(dim, dim), initializer=init, name="w")
        self.b = self.add_weight(shape=(dim,), initializer="zeros", name="b")
        self.v = self.add_weight(shape=(dim, 1), initializer=init, name="v")

    def call(self, inputs, mask=None):
        scores = ops.matmul(ops.tanh(ops.matmul(inputs, self.w) + self.b),
                            self.v)[..., 0]
        if mask is not None:
            scores = ops.where(mask, scores, ops.full_like(scores, -1e9))
        weights = ops.softmax(scores, axis=1)
        return ops.sum(inputs * ops.expand_dims(weights, -1), axis=1)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


@keras.saving.register_keras_serializable(package="skseq")
class MaskedDownsample1D(layers.Layer):
    """Max-pool ``(batch, steps, dim)`` by ``factor`` and the mask with it.

    A pooled step is real when any of its steps is real, so post-padding
    stays post-padding (cuDNN-compatible). Padded steps are zeroed before
    pooling: the convolutions before this layer ignore masks, and their
    outputs at padded steps must not win the max. Keras' ``MaxPooling1D``
    drops the mask, which is why this layer exists.
    """

    def __init__(self, factor, **kwargs):
        super().__init__(**kwargs)
        self.factor = int(factor)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is not None:
            inputs = inputs * ops.expand_dims(ops.cast(mask, inputs.dtype), -1)
        return ops.max_pool(inputs, self.factor, strides=self.factor,
                            padding="same")

    def compute_mask(self, inputs, mask=None):
        # The next layers (convolutions) drop masks and would warn; the
        # pooled mask is handed on explicitly (``pooled_mask``).
        return None

    def pooled_mask(self, mask):
        """The mask of the pooled steps: real if any of its steps is."""
        if mask is None:
            return None
        m = ops.expand_dims(ops.cast(mask, "float32"), -1)
        pooled = ops.max_pool(m, self.factor, strides=self.factor,
                              padding="same")
        return ops.squeeze(pooled, -1) > 0

    def compute_output_shape(self, input_shape):
        steps = input_shape[1]
        if steps is not None:
            steps = -(-steps // self.factor)
        return (input_shape[0], steps, input_shape[2])

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}
