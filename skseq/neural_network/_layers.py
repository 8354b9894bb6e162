"""Layers Keras does not offer: pooling over real steps, masks pooled along."""

import keras
from keras import layers, ops

__all__ = ["MaskedGlobalPooling1D", "AttentionPooling1D", "MaskedMaxPooling1D",
           "MaskedDownsample1D", "SequenceStandardization1D"]


def _lowest_at_padding(inputs, mask):
    """``inputs`` with padded steps at -1e9, so that they never win a max.

    Every max over steps here must ignore padding: convolutions drop masks,
    so a padded step holds 0.0 (or a bias) where real values can be lower.
    """
    m = ops.expand_dims(ops.cast(mask, "bool"), -1)
    return ops.where(m, inputs, ops.convert_to_tensor(-1e9, inputs.dtype))


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
        if self.mode == "max":
            pooled = ops.max(_lowest_at_padding(inputs, mask), axis=1)
            # A sequence without a real step (a text of unknown words only)
            # gets 0, as its mean: -1e9 gave a probability of exactly 0/1.
            real = ops.any(ops.cast(mask, "bool"), axis=1, keepdims=True)
            return ops.where(real, pooled, ops.zeros_like(pooled))
        m = ops.expand_dims(ops.cast(mask, inputs.dtype), -1)
        total = ops.sum(inputs * m, axis=1)
        return total / ops.maximum(ops.sum(m, axis=1), 1.0)

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
class MaskedMaxPooling1D(layers.Layer):
    """Max-pool ``(batch, steps, dim)`` over real steps; the mask with it.

    Padded steps never win a max, and a pooled step is real when any of its
    steps is; pooled padded steps are 0, as the zeros that
    ``padding='same'`` gives the convolution after this layer beyond a
    sequence that is not padded. ``ceil(steps / strides)`` steps out, as
    ``padding='same'``; but with ``strides > 1`` the windows start at a
    sequence's first step, whatever the batch's width (:meth:`_max_pool`).
    ``alignment='same'`` is Keras' ``padding='same'``, whose windows move
    with the width: what a layer saved before ``alignment`` existed
    computes, and still does once loaded (:meth:`from_config`). Keras'
    ``MaxPooling1D`` ignores and drops masks, which is why this layer
    exists. The pooled mask is handed on explicitly (:meth:`pooled_mask`):
    the convolutions that read this layer's output drop masks and would
    warn about one.
    """

    def __init__(self, pool_size, strides=None, alignment="start", **kwargs):
        super().__init__(**kwargs)
        if alignment not in ("start", "same"):
            raise ValueError(
                f"alignment must be 'start' or 'same'; got {alignment!r}.")
        self.pool_size = int(pool_size)
        self.strides = self.pool_size if strides is None else int(strides)
        self.alignment = alignment
        self.supports_masking = True

    @classmethod
    def from_config(cls, config):
        # Saved before alignment existed: Keras' padding='same', as it was
        # trained (its probabilities kept across the upgrade).
        return super().from_config({"alignment": "same", **config})

    def _max_pool(self, x, fill):
        if self.strides == 1 or self.alignment == "same":
            # Stride 1: centred windows, the same at any width.
            return ops.max_pool(x, self.pool_size, strides=self.strides,
                                padding="same")
        # padding='same' puts half of the steps that a width not divisible
        # by strides lacks before the first step: a sequence's windows
        # moved with the width of the batch it came in (post-padding, the
        # longest row of a predict chunk), and so did its probabilities.
        # Filled at the end, pool_size - 1 steps give the same number of
        # windows, each starting at a multiple of strides.
        x = ops.pad(x, [[0, 0], [0, self.pool_size - 1], [0, 0]],
                    constant_values=fill)
        return ops.max_pool(x, self.pool_size, strides=self.strides,
                            padding="valid")

    def call(self, inputs, mask=None):
        if mask is None:
            return self._max_pool(inputs, -1e9)
        pooled = self._max_pool(_lowest_at_padding(inputs, mask), -1e9)
        real = ops.expand_dims(self.pooled_mask(mask), -1)
        return ops.where(real, pooled, ops.zeros_like(pooled))

    def compute_mask(self, inputs, mask=None):
        return None

    def pooled_mask(self, mask):
        """The mask of the pooled steps: real if any of its steps is."""
        if mask is None:
            return None
        m = ops.expand_dims(ops.cast(mask, "float32"), -1)
        return ops.squeeze(self._max_pool(m, 0.0), -1) > 0

    def compute_output_shape(self, input_shape):
        steps = input_shape[1]
        if steps is not None:
            steps = -(-steps // self.strides)
        return (input_shape[0], steps, input_shape[2])

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size,
                "strides": self.strides, "alignment": self.alignment}


@keras.saving.register_keras_serializable(package="skseq")
class MaskedDownsample1D(MaskedMaxPooling1D):
    """:class:`MaskedMaxPooling1D` by ``factor``, with stride ``factor``.

    Shortens a sequence ``factor`` times; post-padding stays post-padding
    (cuDNN-compatible).
    """

    def __init__(self, factor, alignment="start", **kwargs):
        super().__init__(factor, factor, alignment, **kwargs)
        self.factor = int(factor)

    def get_config(self):
        # Not MaskedMaxPooling1D's: its pool_size and strides follow factor.
        return {**layers.Layer.get_config(self), "factor": self.factor,
                "alignment": self.alignment}


@keras.saving.register_keras_serializable(package="skseq")
class SequenceStandardization1D(layers.Layer):
    """Each sequence on its own scale, beside the input: ``3 * dim`` channels.

    For every sequence and feature, the mean ``m`` and standard deviation
    ``s`` over its real steps; the output is the input, then ``(x - m) / s``
    (the sequence's shape at unit scale), then ``log s`` standardised by
    ``log_scale_mean`` and ``log_scale_std`` (its scale, the same at every
    step), with padded steps 0. A global scaling brings one typical scale to
    1; sequences whose own scales differ by orders of magnitude
    (electrical loads of different appliances) stay near 0 or far beyond 1
    after it, and the network sees flat lines or saturates. Keras'
    ``Normalization`` and ``LayerNormalization`` normalise per step or with
    fixed statistics, not per sequence over its real steps.

    Parameters
    ----------
    log_scale_mean, log_scale_std : list of float
        Per feature: mean and spread of ``log s`` over the training
        sequences (see ``_training.resolve_sequence_scaling``).
    """

    # Floor of s (the input is globally scaled: its typical s is 1).
    EPSILON = 1e-7

    def __init__(self, log_scale_mean, log_scale_std, **kwargs):
        super().__init__(**kwargs)
        self.log_scale_mean = [float(v) for v in log_scale_mean]
        self.log_scale_std = [float(v) for v in log_scale_std]
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            m = ops.ones_like(inputs[..., :1])
        else:
            m = ops.expand_dims(ops.cast(mask, inputs.dtype), -1)
        count = ops.maximum(ops.sum(m, axis=1, keepdims=True), 1.0)
        mean = ops.sum(inputs * m, axis=1, keepdims=True) / count
        var = ops.sum(ops.square(inputs - mean) * m, axis=1,
                      keepdims=True) / count
        scale = ops.sqrt(ops.maximum(var, self.EPSILON ** 2))
        shape = (inputs - mean) / scale
        log_scale = (ops.log(scale) - ops.convert_to_tensor(
            self.log_scale_mean, inputs.dtype)) / ops.convert_to_tensor(
            self.log_scale_std, inputs.dtype)
        out = ops.concatenate(
            [inputs, shape, log_scale * ops.ones_like(inputs)], axis=-1)
        return out * m

    def compute_mask(self, inputs, mask=None):
        # Handed on explicitly: the convolutions after it drop masks.
        return None

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], 3 * input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "log_scale_mean": self.log_scale_mean,
                "log_scale_std": self.log_scale_std}
