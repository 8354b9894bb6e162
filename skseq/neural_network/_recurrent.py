"""The LSTM part of every built-in network, numeric or token.

An LSTM stack over (shortened) sequences, its summary (the last state, or a
masked pooling of its outputs), and, beside a convolutional branch, that
summary dropped whole for half the training sequences. The numeric networks
(``_architectures``) and the token network (``_token_network``) build their
LSTM here, with the same layer names and seeds.
"""

import math

from keras import initializers, layers

from ._layers import AttentionPooling1D, MaskedGlobalPooling1D

__all__ = ["beside_lstm", "downsampling_factors", "layer_seed",
           "lstm_stack", "summarise", "LSTM_BRANCH_DROPOUT",
           "MAX_LSTM_STEPS"]

# The conv-LSTM shortens sequences until the LSTM reads at most this many.
MAX_LSTM_STEPS = 64
# Share of training sequences whose LSTM summary a network with a
# convolutional branch drops whole (see _architectures._conv_lstm).
LSTM_BRANCH_DROPOUT = 0.5


def layer_seed(random_state, offset):
    """A layer's seed: the network's ``random_state`` plus its own offset."""
    return None if random_state is None else int(random_state) + offset


def downsampling_factors(n_timesteps, max_steps=MAX_LSTM_STEPS):
    """Pool sizes after the first two conv blocks: product >= t / max_steps.

    Examples
    --------
    >>> downsampling_factors(24), downsampling_factors(150)
    ((1, 1), (2, 2))
    >>> downsampling_factors(2000)
    (6, 6)
    """
    total = max(1, math.ceil(n_timesteps / max_steps))
    first = math.ceil(math.sqrt(total))
    return first, math.ceil(total / first)


def summarise(seq_out, pooling, random_state, mask=None):
    """The LSTM's summary: its outputs pooled, or its last state as it is."""
    # A mask passed explicitly (a downsampled one) replaces the one Keras
    # propagates; otherwise Keras' own is used.
    kw = {} if mask is None else {"mask": mask}
    if pooling == "attention":
        return AttentionPooling1D(seed=layer_seed(random_state, 40),
                                  name="attention")(seq_out, **kw)
    if pooling in ("mean", "max"):
        # Not "max_pool": Keras names the max_pool op of a downsampled mask so.
        return MaskedGlobalPooling1D(pooling, name=f"global_{pooling}")(
            seq_out, **kw)
    if pooling == "mean_max":
        return layers.Concatenate(name="mean_max_pool")([
            MaskedGlobalPooling1D("mean", name="global_mean")(seq_out, **kw),
            MaskedGlobalPooling1D("max", name="global_max")(seq_out, **kw)])
    return seq_out


def lstm_stack(x, units, n_layers, bidirectional, dropout, pooling,
               random_state, mask=None):
    """``n_layers`` LSTMs; the last returns its last state for 'last'."""
    for i in range(n_layers):
        last = i == n_layers - 1
        rnn = layers.LSTM(
            units,
            return_sequences=not (last and pooling == "last"),
            kernel_initializer=initializers.GlorotUniform(
                seed=layer_seed(random_state, 10 + i)),
            recurrent_initializer=initializers.Orthogonal(
                seed=layer_seed(random_state, 20 + i)),
            name=f"lstm_{i}",
        )
        if bidirectional:
            rnn = layers.Bidirectional(rnn, name=f"bidirectional_{i}")
        x = rnn(x, mask=mask) if mask is not None else rnn(x)
        if dropout and not last:
            x = layers.Dropout(dropout, seed=layer_seed(random_state, 30 + i),
                               name=f"dropout_{i}")(x)
    return x


def beside_lstm(seq, conv_summary, random_state):
    """The LSTM's summary, dropped whole for half the training sequences
    (see _architectures._conv_lstm), concatenated with the convolutions'
    own summary."""
    seq = layers.Dropout(LSTM_BRANCH_DROPOUT, noise_shape=(None, 1),
                         seed=layer_seed(random_state, 35),
                         name="lstm_branch_dropout")(seq)
    return layers.Concatenate(name="conv_lstm")([seq, conv_summary])
