"""Length bucketing: batches of sequences of similar length.

Padding every sequence to the longest one makes an LSTM run every batch for
the longest length. Grouping sequences of similar length and trimming each
batch to its own longest member cuts that work; rounding the trimmed length to
a small set of sizes keeps the number of compiled shapes (tf.function traces,
JAX jit compilations) small.
"""

import math

import numpy as np

__all__ = ["batch_widths", "bucket_batches", "round_length", "should_bucket",
           "steps_read"]

N_LENGTH_SIZES = 8


def round_length(length, max_length):
    """Round ``length`` up to one of ``N_LENGTH_SIZES`` sizes up to max."""
    step = max(1, math.ceil(max_length / N_LENGTH_SIZES))
    return int(min(max_length, max(1, math.ceil(length / step) * step)))


def should_bucket(lengths, bucketing):
    """Decide whether bucketing pays off for these lengths.

    ``'auto'`` buckets when padding to the longest would make at least a
    third of all steps padding; a dense array of equal lengths is never
    bucketed.
    """
    if bucketing is False or bucketing is None:
        return False
    if bucketing is True:
        return True
    return lengths.sum() < (2 / 3) * lengths.max() * len(lengths)


def bucket_batches(lengths, batch_size, rng=None):
    """Split sample indices into batches of similar length.

    Parameters
    ----------
    lengths : ndarray of shape (n_samples,)
        Real length of every sequence.
    batch_size : int
        Samples per batch (the last batch of a bucket may be smaller).
    rng : numpy.random.Generator or None
        If given, sequences of equal length are shuffled before sorting and
        the batch order is shuffled, so every epoch sees new batches.

    Returns
    -------
    batches : list of ndarray
        Index arrays, one per batch.
    """
    n = len(lengths)
    order = np.arange(n) if rng is None else rng.permutation(n)
    order = order[np.argsort(lengths[order], kind="stable")]
    batches = [order[i:i + batch_size] for i in range(0, n, batch_size)]
    if rng is not None:
        batches = [batches[i] for i in rng.permutation(len(batches))]
    return batches


def batch_widths(lengths, batches, max_length, round_widths=True):
    """Width of each batch: its longest member, rounded up unless told not.

    Parameters
    ----------
    lengths : ndarray of shape (n_samples,)
        Real length of every sequence.
    batches : list of ndarray
        Index arrays, as from :func:`bucket_batches`.
    max_length : int
        Width of the padded array (the largest width).
    round_widths : bool, default=True
        Round up to one of ``N_LENGTH_SIZES`` sizes (few compiled shapes);
        ``False`` keeps each batch's exact longest length (at least 1).

    Returns
    -------
    widths : ndarray of shape (n_batches,)
    """
    longest = [int(lengths[b].max()) for b in batches]
    if round_widths:
        return np.array([round_length(m, max_length) for m in longest],
                        dtype=np.int64)
    return np.maximum(np.array(longest, dtype=np.int64), 1)


def steps_read(lengths, batch_size, max_length, bucket):
    """Steps an epoch reads per sequence: padded width, batches considered.

    Unbucketed, every batch is padded to ``max_length``. Bucketed, a batch
    runs for its longest member's length rounded up (:func:`batch_widths`),
    so the epoch reads about the mean length, not the longest: counted over
    the batches of an unshuffled epoch (shuffling only breaks length ties).

    Examples
    --------
    >>> import numpy as np
    >>> lengths = np.array([100] * 9 + [800])
    >>> steps_read(lengths, 3, 800, False), steps_read(lengths, 3, 800, True)
    (800.0, 170.0)
    """
    if not bucket or not len(lengths):
        return float(max_length)
    batches = bucket_batches(lengths, batch_size)
    widths = batch_widths(lengths, batches, max_length)
    sizes = np.array([len(b) for b in batches])
    return float(np.dot(widths, sizes) / sizes.sum())
