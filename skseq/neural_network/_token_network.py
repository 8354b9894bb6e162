"""The network over token ids, up to its output layer.

An Embedding (its channels and whole words dropped in training), then, for
``architecture='conv_lstm'`` (the default), one convolution over 5-grams
pooled until the LSTM reads at most ``MAX_LSTM_STEPS`` steps, the LSTM's
outputs pooled by their mean and max over real steps, and beside it the
5-grams' maximum over the text (Kim 2014's convolutional text classifier);
for ``architecture='lstm'``, the LSTM over the masked embeddings.
"""

import math

from keras import initializers, layers, ops

from ._layers import MaskedDownsample1D, MaskedGlobalPooling1D
from ._recurrent import (beside_lstm, downsampling_factors, layer_seed,
                         lstm_stack, summarise)

__all__ = ["token_features"]


def token_features(token_ids, meta, *, units, n_layers, bidirectional,
                   dropout, pooling, architecture, embedding_dim,
                   random_state):
    """The features the output layer reads, for ``(batch, steps)`` ids."""
    conv = architecture == "conv_lstm"
    x = layers.Embedding(
        meta["vocabulary_size"], embedding_dim, mask_zero=not conv,
        embeddings_initializer=initializers.RandomUniform(
            -0.05, 0.05, seed=layer_seed(random_state, 1)),
        name="embedding")(token_ids)
    if dropout:
        # Whole embedding channels are dropped for a sequence: dropping
        # single entries of a word vector barely regularises it.
        x = layers.SpatialDropout1D(dropout, seed=layer_seed(random_state, 2),
                                    name="embedding_dropout")(x)
        # And whole words, each step's vector zeroed at once (Iyyer et
        # al. 2015's word dropout), so that no few words decide a text.
        # benchmarks/text.py, balanced accuracy with / without: debates
        # 0.740 / 0.721, speeches 0.819 / 0.799 (5 folds), seed-style
        # 0.849 / 0.849, Rotten Tomatoes 0.758 / 0.760.
        x = layers.Dropout(dropout, noise_shape=(None, None, 1),
                           seed=layer_seed(random_state, 3),
                           name="word_dropout")(x)
    mask = None
    if conv:
        x, mask = _front_end(x, token_ids, meta, units, random_state)
        # The n-grams' strongest match over the review (Kim 2014's
        # convolutional text classifier) beside the LSTM's summary,
        # which is dropped whole as for numeric input. Balanced
        # accuracy, benchmarks/text.py's seed-style task at seeds 0 / 1
        # and Rotten Tomatoes (seed 0), one network: 0.824 / 0.830 and
        # 0.760 against 0.809 / 0.799 and 0.750 with the LSTM alone
        # (counts / TF-IDF + LogisticRegression: 0.804 / 0.822, 0.760);
        # 0.825 / 0.833 without the whole-summary dropout.
        ngrams = MaskedGlobalPooling1D("max", name="conv_pool")(
            x, mask=mask)
    x = summarise(lstm_stack(x, units, n_layers, bidirectional, dropout,
                             pooling, random_state, mask=mask),
                  pooling, random_state, mask=mask)
    if conv:
        x = beside_lstm(x, ngrams, random_state)
    return x


def _front_end(x, token_ids, meta, units, random_state):
    """One convolution over token n-grams, pooled to at most 64 steps.

    The padding id's embedding is zeroed first (the convolution ignores
    masks), and the mask is pooled with the steps.
    """
    mask = layers.Masking(mask_value=0, name="padding_mask").compute_mask(
        ops.expand_dims(token_ids, -1))
    x = layers.Multiply(name="zero_padding")(
        [x, ops.expand_dims(ops.cast(mask, x.dtype), -1)])
    x = layers.Conv1D(units, 5, padding="same", activation="relu",
                      kernel_initializer=initializers.HeUniform(
                          seed=layer_seed(random_state, 70)),
                      name="conv_0")(x)
    factor = math.prod(downsampling_factors(meta["n_timesteps"]))
    if factor > 1:
        pool = MaskedDownsample1D(factor, name="downsample_0")
        x, mask = pool(x, mask=mask), pool.pooled_mask(mask)
    return x, mask
