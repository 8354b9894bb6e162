"""Network builders of ``LSTMClassifier``: the LSTM, LSTM-FCN, conv-LSTM.

``architecture='auto'`` resolves here (:func:`resolve_architecture`):

* numeric sequences get ``'conv_lstm'``: three inception blocks
  (InceptionTime's module of Ismail Fawaz et al. 2020: convolutions of
  widths 40, 20 and 10, narrower on series shorter than 40 steps, and a max
  pooling side by side; batch renormalization) that also shorten
  the sequence, by max pooling after the first two blocks, until the LSTM
  reads at most ``MAX_LSTM_STEPS`` steps; the LSTM's summary is
  concatenated with the global average of the last block (the FCN head).
  An LSTM read at its last step over hundreds of raw steps learns little
  and costs one sequential step per time step; the convolutions see every
  step, in parallel, and the LSTM orders what they found. In training the
  LSTM's summary is dropped whole for a random half of the sequences, so
  that the blocks' average must classify on its own too;
* token ids get the same idea over an Embedding: one convolution over
  5-grams, pooled until the LSTM reads at most ``MAX_LSTM_STEPS`` steps,
  and the LSTM's outputs pooled by their mean and max over real steps
  (``pooling='auto'``): the last state of a long review forgets its
  beginning. Beside it, as the blocks' average for numeric input, the
  5-grams' maximum over the review (Kim 2014's convolutional text
  classifier); the LSTM's summary is dropped whole the same way
  (``_token_network``).

The LSTM, its summary and the summary's whole dropout are shared by both
(``_recurrent``). Masks stay right whatever the shortening: a pooled step is
real when any of its steps is real
(:class:`~skseq.neural_network._layers.MaskedDownsample1D`).
"""

import keras
import numpy as np
from keras import layers, ops

from ._layers import (MaskedDownsample1D, MaskedGlobalPooling1D,
                      MaskedMaxPooling1D, SequenceStandardization1D)
from ._recurrent import (MAX_LSTM_STEPS, beside_lstm, downsampling_factors,
                         layer_seed, lstm_stack, summarise)
from ._token_network import token_features

__all__ = ["build_lstm_model", "copy_weights", "resolve_architecture",
           "resolve_pooling", "resolve_dropout",
           "downsampling_factors", "inception_widths", "MAX_LSTM_STEPS"]

# Convolution widths of an inception block (InceptionTime's 40 / 20 / 10).
INCEPTION_WIDTHS = (40, 20, 10)
# Batch renormalization's bounds on its corrections (Ioffe 2017's final
# values): r in [1/3, 3], |d| <= 5.
RENORM_CLIPPING = {"rmax": 3.0, "rmin": 1.0 / 3.0, "dmax": 5.0}
# Seed offset between the networks of an ensemble (their layers use offsets
# below 100 of their own seed).
MEMBER_SEED_STRIDE = 1000


def resolve_architecture(architecture, tokens):
    """``'auto'``: ``'conv_lstm'``, for numeric input and tokens alike."""
    if architecture != "auto":
        return architecture
    return "conv_lstm"


def resolve_pooling(pooling, tokens):
    """``'auto'``: ``'mean_max'`` for tokens, ``'last'`` for numeric input."""
    if pooling != "auto":
        return pooling
    return "mean_max" if tokens else "last"


def resolve_dropout(dropout, tokens):
    """``'auto'``: 0.25 for tokens (embeddings over-fit rare words), else 0."""
    if dropout != "auto":
        return float(dropout)
    return 0.25 if tokens else 0.0


def inception_widths(n_timesteps):
    """The inception blocks' widths: InceptionTime's, at most the series.

    InceptionTime's widths 40 / 20 / 10 assume series longer than 40 steps.
    On a shorter series, the taps of a kernel beyond the series' length
    read only the zeros of ``padding='same'`` at every position: weights
    that can only fit the position of a step, not its pattern. The widths
    are scaled down together, keeping their ratios, until the widest spans
    the longest training series; equal widths merge. Measured on
    ItalyPowerDemand (24 steps; ``skseq demo``'s 5-fold CV of 1,096 series,
    one network): 0.966 with 40 / 20 / 10, 0.971 with 24 / 12 / 6, equal or
    better on each fold (12 / 6 / 3, at most half the series, scored the
    same on every fold, but learnt a whole-series mean of 8 steps much more
    slowly: ``test_inspection``'s healthy fit, 0.55 against 0.90-0.975).

    Examples
    --------
    >>> inception_widths(2000), inception_widths(40), inception_widths(24)
    ((40, 20, 10), (40, 20, 10), (24, 12, 6))
    >>> inception_widths(8), inception_widths(2)
    ((8, 4, 2), (2, 1))
    """
    scale = min(1.0, n_timesteps / INCEPTION_WIDTHS[0])
    return tuple(sorted({max(1, round(width * scale))
                         for width in INCEPTION_WIDTHS}, reverse=True))


def _conv_block(x, filters, width, j, random_state):
    x = layers.Conv1D(filters, width, padding="same",
                      kernel_initializer=keras.initializers.HeUniform(
                          seed=layer_seed(random_state, 70 + j)),
                      name=f"conv_{j}")(x)
    # LSTM-FCN's blocks: no normalisation layer, unlike FCN's
    # BatchNormalization. Measured on an earlier conv-LSTM with these blocks
    # (before its inception blocks, which now use batch renormalization:
    # _inception_block), each candidate was worse (one seed, test accuracy on
    # GunPoint / Coffee / PigCVP / PickupGestureWiimoteZ / Covid3Month_disc):
    # - BatchNormalization, 0.967 / 1.0 / 0.20 / 0.62 / 0.54: at the small
    #   batches of these sets (at most 16) its batch statistics differ from
    #   the moving ones used to predict, and the network learns to rely on
    #   them (PigCVP's training accuracy when predicting: 0.30, after a
    #   training loss near 0);
    # - LayerNormalization (per step, over channels), 0.92 / 0.82 / 0.30 /
    #   0.62 / 0.56: it divides each step's features by their spread, which
    #   is the local amplitude of the window, and blows flat stretches' noise
    #   up to unit size;
    # - none: 0.987 / 1.0 / 0.52-0.58 / 0.78-0.80 / 0.59 (two runs), and no
    #   train/predict gap.
    return layers.Activation("relu", name=f"conv_relu_{j}")(x)


def _zero_padding(x, mask, j):
    """Set a conv block's outputs at padded steps to 0.

    A convolution's outputs at padded steps are not 0 (the bias); the next
    convolution would read them as neighbours of the last real steps, so a
    sequence's prediction would depend on how far it was padded. Zeroed,
    they match the zeros of ``padding='same'``.
    """
    if mask is None:
        return x
    return layers.Multiply(name=f"conv_zero_padding_{j}")(
        [x, ops.expand_dims(ops.cast(mask, x.dtype), -1)])


def build_lstm_model(meta, *, units=64, n_layers=1, bidirectional=False,
                     dropout=0.0, pooling="last", architecture="lstm",
                     embedding_dim=32, random_state=None, masked=True,
                     n_networks=1, stacked=False):
    """Build the (uncompiled) Keras model used by ``LSTMClassifier``.

    Parameters
    ----------
    meta : dict
        Facts about the data: ``n_features`` (features per step),
        ``n_outputs`` (1 for binary, else the number of classes),
        ``tokens`` (bool), ``vocabulary_size`` (for token input),
        ``n_timesteps`` (longest training sequence).
    units, n_layers, bidirectional, dropout, pooling, architecture, \
embedding_dim, random_state
        See :class:`skseq.LSTMClassifier`; ``'auto'`` values resolve by
        :func:`resolve_architecture` and :func:`resolve_pooling`.
    masked : bool, default=True
        Numeric input: mask padded (all 0.0) steps. ``False`` builds the same
        layers, with the same names, without a mask, for training on data
        that has no padding: on CPU a masked LSTM step costs about a quarter
        more, for nothing when every step is real. The trained weights then
        go into the masked model (:func:`copy_weights`), which predicts on
        padded input too.
    n_networks : int, default=1
        Networks from different initial weights (seeds ``random_state``,
        ``random_state + 1000``, ...), each a nested ``keras.Model`` named
        ``network_k``; 1 builds the network itself, not nested.
    stacked : bool, default=False
        Output the networks' logits stacked, ``(batch, n_networks,
        n_outputs)`` (one network too), for training with
        :class:`~skseq.neural_network._ensemble.MemberCrossentropy`;
        ``False`` outputs the (average of the) probabilities, for
        prediction. The same layers, with the same names: the trained
        weights go into the probability model (:func:`copy_weights`).

    Returns
    -------
    model : keras.Model
        Input: post-padded ``(batch, steps, n_features)`` floats (padding
        0.0) or ``(batch, steps)`` token ids (padding 0). Output: sigmoid
        probability of the positive class, or softmax over the classes.
    """
    tokens = meta["tokens"]
    architecture = resolve_architecture(architecture, tokens)
    pooling = resolve_pooling(pooling, tokens)
    if tokens and architecture == "lstm_fcn":
        raise ValueError(
            "architecture='lstm_fcn' needs numeric sequences; token input "
            "uses an Embedding. Use architecture='auto', 'conv_lstm' or "
            "'lstm' for tokens.")
    params = dict(units=units, n_layers=n_layers, bidirectional=bidirectional,
                  dropout=dropout, pooling=pooling, architecture=architecture,
                  embedding_dim=embedding_dim, masked=masked)
    if n_networks == 1:
        inputs = _input(meta)
        out = _network(inputs, meta, random_state=random_state,
                       logits=stacked, **params)
        if stacked:
            out = layers.Reshape((1, meta["n_outputs"]),
                                 name="stacked_networks")(out)
        return keras.Model(inputs, out, name="skseq_lstm")
    members = []
    for k in range(n_networks):
        member_inputs = _input(meta)
        members.append(keras.Model(member_inputs, _network(
            member_inputs, meta,
            random_state=layer_seed(random_state, MEMBER_SEED_STRIDE * k),
            logits=stacked, **params), name=f"network_{k}"))
    inputs = _input(meta)
    outputs = [member(inputs) for member in members]
    if stacked:
        out = layers.Reshape((n_networks, meta["n_outputs"]),
                             name="stacked_networks")(
            layers.Concatenate(name="networks")(outputs))
    else:
        out = layers.Average(name="average_of_networks")(outputs)
    return keras.Model(inputs, out, name="skseq_lstm")


def _input(meta):
    if meta["tokens"]:
        return keras.Input(shape=(None,), dtype="int32", name="tokens")
    return keras.Input(shape=(None, meta["n_features"]), name="sequences")


def _network(inputs, meta, *, units, n_layers, bidirectional, dropout,
             pooling, architecture, embedding_dim, random_state, masked,
             logits=False):
    """One network's probabilities (or ``logits``) for ``inputs`` (see
    build_lstm_model)."""
    if meta["tokens"]:
        x = token_features(inputs, meta, units=units, n_layers=n_layers,
                           bidirectional=bidirectional, dropout=dropout,
                           pooling=pooling, architecture=architecture,
                           embedding_dim=embedding_dim,
                           random_state=random_state)
    else:
        x = _numeric_features(inputs, meta, units, n_layers, bidirectional,
                              dropout, pooling, architecture, random_state,
                              masked)
    if dropout:
        x = layers.Dropout(dropout, seed=layer_seed(random_state, 50),
                           name="dropout_out")(x)
    n_outputs = meta["n_outputs"]
    activation = "sigmoid" if n_outputs == 1 else "softmax"
    outputs = layers.Dense(
        n_outputs, activation=None if logits else activation,
        kernel_initializer=keras.initializers.GlorotUniform(
            seed=layer_seed(random_state, 60)),
        name="output")(x)
    return outputs


def _numeric_features(inputs, meta, units, n_layers, bidirectional, dropout,
                      pooling, architecture, random_state, masked):
    """The features the output layer reads, for numeric sequences."""
    mask_layer = layers.Masking(mask_value=0.0, name="padding_mask")
    mask = mask_layer.compute_mask(inputs) if masked else None
    lstm_input = mask_layer(inputs) if masked else inputs
    if meta.get("sequence_scale"):
        # Each sequence on its own scale too (sequence_scaling). Its
        # mask is the raw input's: a real step may now be all 0.0.
        inputs = SequenceStandardization1D(
            **meta["sequence_scale"], name="sequence_scale")(
            inputs, mask=mask)
        lstm_input = inputs
    if architecture == "conv_lstm":
        x = _conv_lstm(inputs, mask, meta, units, n_layers, bidirectional,
                       dropout, pooling, random_state)
    else:
        x = summarise(lstm_stack(lstm_input, units, n_layers, bidirectional,
                                 dropout, pooling, random_state, mask=mask),
                      pooling, random_state, mask=mask)
        if architecture == "lstm_fcn":
            conv = inputs
            for j, (filters, width) in enumerate(
                    ((128, 8), (256, 5), (128, 3))):
                conv = _zero_padding(
                    _conv_block(conv, filters, width, j, random_state),
                    mask, j)
            x = layers.Concatenate(name="lstm_fcn")([
                x, MaskedGlobalPooling1D("mean", name="conv_pool")(
                    conv, mask=mask)])
    return x


def _inception_block(x, mask, filters, widths, j, random_state):
    """InceptionTime's module, with batch renormalization.

    A 1-wide bottleneck to ``filters`` channels (multichannel input only),
    convolutions of ``widths`` (:func:`inception_widths`) over it side by
    side, and a 1-wide convolution of a width-3 max pooling of the block's
    input; ``4 * filters`` channels out for three widths (Ismail Fawaz et
    al. 2020, 32 filters).
    Several widths let the block match patterns of the length the data
    has: PigCVP (2,000 steps, 2 training series per class), one network,
    one seed: 0.85 against 0.59-0.66 for the FCN widths 8/5/3 this
    replaced, at the same fit time (see benchmarks/README.md).

    No biases (InceptionTime's convolutions have none either): a padded
    step of the bottleneck stays 0, so the wide convolutions read the same
    zeros beyond a sequence's end as ``padding='same'`` gives a sequence
    that is not padded.

    The block's output is normalised as InceptionTime's is, but with batch
    renormalization (Ioffe 2017; ``RENORM_CLIPPING``) over real steps only
    (the mask): training normalises by the moving statistics, corrected
    towards the batch's within the clipping, so the network cannot come to
    rely on statistics of batches of 4-16 sequences that the moving ones,
    used to predict, do not match. One network, ``random_state=0``, test
    accuracy without normalisation / plain BatchNormalization / batch
    renormalization: OSULeaf 0.810 / 0.926 / 0.934, GunPoint 0.980 / 1.000
    / 1.000, PigCVP 0.846 / 0.865 / 0.904, Covid3Month_disc 0.590 / 0.295 /
    0.607 (plain BatchNormalization's training accuracy when predicting:
    0.36; its sparse series, mostly zeros, give every batch other
    statistics); per-sequence GroupNormalization (4 groups): OSULeaf 0.864,
    Covid3Month_disc 0.656.
    """
    def conv(width, k, name):
        return layers.Conv1D(
            filters, width, padding="same", use_bias=False,
            kernel_initializer=keras.initializers.HeUniform(
                seed=layer_seed(random_state, 70 + 5 * j + k)),
            name=name)

    # Also on a single feature read on its own scale beside it (3 channels,
    # SequenceStandardization1D): without this bottleneck there, one
    # network, random_state=0: PLAID 0.866 against 0.873, Covid3Month_disc
    # (3 networks) 0.705 against 0.721, for a tenth less time per epoch.
    bottleneck = x if x.shape[-1] == 1 else conv(1, 0, f"bottleneck_{j}")(x)
    branches = [conv(width, k + 1, f"conv_{j}_{width}")(bottleneck)
                for k, width in enumerate(widths)]
    # Padded steps hold 0.0, and real scaled values next to a sequence's
    # last step can be lower: they must not win the max.
    pooled = MaskedMaxPooling1D(3, strides=1, name=f"max_{j}")(x, mask=mask)
    branches.append(conv(1, 4, f"conv_{j}_pool")(pooled))
    x = layers.Concatenate(name=f"inception_{j}")(branches)
    x = layers.BatchNormalization(renorm=True, renorm_clipping=RENORM_CLIPPING,
                                  name=f"norm_{j}")(x, mask=mask)
    return layers.Activation("relu", name=f"conv_relu_{j}")(x)


def _conv_lstm(inputs, mask, meta, units, n_layers, bidirectional, dropout,
               pooling, random_state):
    """Inception blocks that shorten the sequence, an LSTM over them, GAP."""
    factors = downsampling_factors(meta["n_timesteps"]) + (1,)
    filters = max(1, units // 2)
    widths = inception_widths(meta["n_timesteps"])
    x = inputs
    for j in range(3):
        # Convolutions ignore masks; padded input steps are 0.0.
        x = _zero_padding(_inception_block(x, mask, filters, widths, j,
                                           random_state), mask, j)
        if factors[j] > 1:
            pool = MaskedDownsample1D(factors[j], name=f"downsample_{j}")
            x, mask = pool(x, mask=mask), pool.pooled_mask(mask)
    gap = MaskedGlobalPooling1D("mean", name="conv_pool")(x, mask=mask)
    seq = summarise(lstm_stack(x, units, n_layers, bidirectional, dropout,
                               pooling, random_state, mask=mask),
                    pooling, random_state, mask=mask)
    # The LSTM's summary is dropped whole (one dropout draw for all its
    # units: noise_shape (batch, 1)) for a random half of the training
    # sequences, and doubled for the others: the output layer must then
    # classify from the blocks' average alone half the time. The LSTM's
    # last state can tell every training series apart, and the output
    # layer otherwise comes to rely on it where the average generalises
    # better, on few series per class. PigCVP (2 per class), one network,
    # seeds 0 / 1 / 2: 0.846 / 0.880 / 0.861, against 0.822 / 0.832 / 0.788
    # with dropout of single units at the same rate (LSTM-FCN's, 0.8 there:
    # Karim et al. 2017), and 0.875 / 0.875 / 0.880 with no LSTM at all;
    # both kinds of dropout together, 0.861 / 0.865. 0.5, the usual rate
    # for hidden units: each of the two ways (with and without the LSTM)
    # trains on half the sequences.
    return beside_lstm(seq, gap, random_state)


def copy_weights(source, target):
    """Copy every layer's weights from ``source`` to the layer of the same
    name in ``target`` (an unmasked model's into its masked twin), into
    nested models (the networks of an ensemble) layer by layer: a nested
    model's flat weight list follows its layers' depth order, which the
    masked twin's extra layers can change."""
    for layer in source.layers:
        if not layer.weights:
            continue
        twin = target.get_layer(layer.name)
        if isinstance(layer, keras.Model):
            copy_weights(layer, twin)
        else:
            twin.set_weights(layer.get_weights())
    return target
