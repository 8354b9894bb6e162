"""Keras model builders and the few layers Keras does not offer.

Only this module (and the classifier's fit/predict) imports Keras, so that
``import skseq`` stays fast.
"""

import keras
import numpy as np
from keras import layers, ops

from ._batching import batch_widths, bucket_batches

__all__ = ["build_lstm_model", "MaskedGlobalPooling1D", "AttentionPooling1D",
           "BucketedSequence", "bucketed_tf_dataset", "trace_per_batch_size"]


def bucketed_tf_dataset(X, y, weights, lengths, batch_size, seed=None,
                        shuffle=False, round_widths=True):
    """Bucketed batches as an in-graph ``tf.data`` pipeline (TensorFlow).

    Under TensorFlow a ``PyDataset`` hands every batch through a Python
    generator, which costs about as much as the steps bucketing saves
    (``benchmarks/README.md``). Here the data are constant tensors and each
    batch is a gather of its rows sliced to its width, all inside the
    ``tf.data`` graph. :func:`trace_per_batch_size` then gives each batch
    size one trace that takes every width.

    Parameters
    ----------
    X, y : ndarray
        Post-padded model input and targets.
    weights : ndarray or None
        Sample weights; ``None`` when all are 1.
    lengths : ndarray of shape (n_samples,)
        Real length of every sequence.
    batch_size : int
        Samples per batch.
    seed : int or None, default=None
        Seed for breaking length ties and for the batch order.
    shuffle : bool, default=False
        Reshuffle the order of the batches every epoch (training).
    round_widths : bool, default=True
        Round each batch's width up to one of 8 sizes, as XLA compiles once
        per shape; ``False`` trims each batch to exactly its longest member.
    """
    import tensorflow as tf

    rng = np.random.default_rng(seed) if shuffle else None
    batches = bucket_batches(lengths, batch_size, rng)
    sizes = np.array([len(b) for b in batches], dtype=np.int64)
    stops = np.cumsum(sizes)
    widths = batch_widths(lengths, batches, X.shape[1], round_widths)
    rows = tf.constant(np.concatenate(batches).astype(np.int64))
    arrays = [tf.constant(a) for a in (X, y, weights) if a is not None]

    def take(start, stop, width):
        idx = rows[start:stop]
        x = tf.gather(arrays[0], idx)[:, :width]
        return (x,) + tuple(tf.gather(a, idx) for a in arrays[1:])

    dataset = tf.data.Dataset.from_tensor_slices((stops - sizes, stops,
                                                  widths))
    if shuffle:
        dataset = dataset.shuffle(len(batches), seed=seed,
                                  reshuffle_each_iteration=True)
    return dataset.map(take).prefetch(tf.data.AUTOTUNE)


def trace_per_batch_size(model):
    """Trace the train and test steps once per batch size (TensorFlow).

    Keras traces one ``tf.function`` and leaves unknown every axis that
    differed between the batches it saw. Bucketed batches differ in width
    and the last one is short, and an LSTM train step traced with an unknown
    batch axis runs 1.5-1.8x slower on CPU than one traced for a known batch
    size, while an unknown time axis costs little (``benchmarks/README.md``).
    That ate most of what bucketing saves. Here each batch size gets its own
    trace (usually two: full and last batch) whose time axis is unknown, so
    batches of any width run without retracing.

    Parameters
    ----------
    model : keras.Model
        A compiled model; its ``train_function`` and ``test_function`` are
        replaced until it is compiled again.
    """
    import tensorflow as tf

    def per_batch_size(step):
        traced_step = tf.function(step, autograph=False, reduce_retracing=False,
                                  jit_compile=bool(model.jit_compile))
        concrete = {}

        def function(iterator):
            data = next(iterator)
            x, *rest = tf.nest.flatten(data)
            rows = x.shape[0]
            if rows not in concrete:
                # Traced once per batch size, the time axis left unknown so
                # that all widths share it; called directly, so TensorFlow's
                # retracing warning never fires.
                spec = [tf.TensorSpec((rows, None) + tuple(x.shape[2:]),
                                      x.dtype)]
                spec += [tf.TensorSpec(t.shape, t.dtype) for t in rest]
                concrete[rows] = traced_step.get_concrete_function(
                    tf.nest.pack_sequence_as(data, spec))
            return concrete[rows](data)

        function.concrete_functions = concrete
        return function

    model.train_function = per_batch_size(model.train_step)
    model.test_function = per_batch_size(model.test_step)


class BucketedSequence(keras.utils.PyDataset):
    """Batches of similar-length sequences, each trimmed to its longest.

    Widths are rounded up to one of 8 sizes, as JAX compiles once per
    shape. Used under JAX; under TensorFlow :func:`bucketed_tf_dataset`
    yields the same batches from inside the graph.

    Parameters
    ----------
    X, y : ndarray
        Post-padded model input and targets.
    weights : ndarray or None
        Sample weights; ``None`` when all are 1.
    lengths : ndarray of shape (n_samples,)
        Real length of every sequence.
    batch_size : int
        Samples per batch.
    rng : numpy.random.Generator or None, default=None
        Reshuffles the batches after every epoch when given (training);
        ``None`` keeps one fixed order (validation).
    """

    def __init__(self, X, y, weights, lengths, batch_size, rng=None):
        super().__init__()
        self.X, self.y, self.weights = X, y, weights
        self.lengths, self.batch_size, self.rng = lengths, batch_size, rng
        self._make_batches()

    def _make_batches(self):
        self.batches = bucket_batches(self.lengths, self.batch_size, self.rng)
        self.widths = batch_widths(self.lengths, self.batches, self.X.shape[1])

    def __len__(self):
        return len(self.batches)

    def __getitem__(self, i):
        idx, width = self.batches[i], self.widths[i]
        if self.weights is None:
            return self.X[idx, :width], self.y[idx]
        return self.X[idx, :width], self.y[idx], self.weights[idx]

    def on_epoch_end(self):
        if self.rng is not None:
            self._make_batches()


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


def _seed(random_state, offset):
    return None if random_state is None else int(random_state) + offset


def build_lstm_model(meta, *, units=64, n_layers=1, bidirectional=False,
                     dropout=0.0, pooling="last", architecture="lstm",
                     embedding_dim=32, random_state=None):
    """Build the (uncompiled) Keras model used by ``LSTMClassifier``.

    Parameters
    ----------
    meta : dict
        Facts about the data: ``n_features`` (features per step),
        ``n_outputs`` (1 for binary, else the number of classes),
        ``tokens`` (bool) and ``vocabulary_size`` (for token input).
    units, n_layers, bidirectional, dropout, pooling, architecture, \
embedding_dim, random_state
        See :class:`skseq.LSTMClassifier`.

    Returns
    -------
    model : keras.Model
        Input: post-padded ``(batch, steps, n_features)`` floats (padding
        0.0) or ``(batch, steps)`` token ids (padding 0). Output: sigmoid
        probability of the positive class, or softmax over the classes.
    """
    if meta["tokens"]:
        inputs = keras.Input(shape=(None,), dtype="int32", name="tokens")
        x = layers.Embedding(
            meta["vocabulary_size"], embedding_dim, mask_zero=True,
            embeddings_initializer=keras.initializers.RandomUniform(
                -0.05, 0.05, seed=_seed(random_state, 1)),
            name="embedding")(inputs)
        mask_layer = None
    else:
        inputs = keras.Input(shape=(None, meta["n_features"]), name="sequences")
        mask_layer = layers.Masking(mask_value=0.0, name="padding_mask")
        x = mask_layer(inputs)
    seq_out = x
    for i in range(n_layers):
        last = i == n_layers - 1
        rnn = layers.LSTM(
            units,
            return_sequences=not (last and pooling == "last"),
            kernel_initializer=keras.initializers.GlorotUniform(
                seed=_seed(random_state, 10 + i)),
            recurrent_initializer=keras.initializers.Orthogonal(
                seed=_seed(random_state, 20 + i)),
            name=f"lstm_{i}",
        )
        if bidirectional:
            rnn = layers.Bidirectional(rnn, name=f"bidirectional_{i}")
        seq_out = rnn(seq_out)
        if dropout and not last:
            seq_out = layers.Dropout(dropout, seed=_seed(random_state, 30 + i),
                                     name=f"dropout_{i}")(seq_out)
    if pooling == "attention":
        x = AttentionPooling1D(seed=_seed(random_state, 40),
                               name="attention")(seq_out)
    elif pooling in ("mean", "max"):
        x = MaskedGlobalPooling1D(pooling, name=f"{pooling}_pool")(seq_out)
    else:
        x = seq_out
    if architecture == "lstm_fcn":
        x = layers.Concatenate(name="lstm_fcn")(
            [x, _conv_branch(inputs, mask_layer, random_state)])
    if dropout:
        x = layers.Dropout(dropout, seed=_seed(random_state, 50),
                           name="dropout_out")(x)
    n_outputs = meta["n_outputs"]
    outputs = layers.Dense(
        n_outputs, activation="sigmoid" if n_outputs == 1 else "softmax",
        kernel_initializer=keras.initializers.GlorotUniform(
            seed=_seed(random_state, 60)),
        name="output")(x)
    return keras.Model(inputs, outputs, name="skseq_lstm")


def _conv_branch(inputs, mask_layer, random_state):
    """Fully convolutional branch of LSTM-FCN (Karim et al., 2017)."""
    if mask_layer is None:
        raise ValueError(
            "architecture='lstm_fcn' needs numeric sequences; token input "
            "uses an Embedding. Use architecture='lstm' for tokens."
        )
    mask = mask_layer.compute_mask(inputs)
    x = inputs
    for j, (filters, width) in enumerate(((128, 8), (256, 5), (128, 3))):
        x = layers.Conv1D(filters, width, padding="same",
                          kernel_initializer=keras.initializers.HeUniform(
                              seed=_seed(random_state, 70 + j)),
                          name=f"conv_{j}")(x)
        x = layers.BatchNormalization(name=f"conv_bn_{j}")(x)
        x = layers.Activation("relu", name=f"conv_relu_{j}")(x)
    return MaskedGlobalPooling1D("mean", name="conv_pool")(x, mask=mask)
