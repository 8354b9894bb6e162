"""What counts as padding, and padding sequences to one length.

One definition of "padded" is shared by every skseq object: in a dense array,
the leading and trailing runs of steps whose every feature equals
``mask_value`` are padding; steps with that value in the middle of a sequence
are real data (see :mod:`._validation`). This module finds those runs
(:func:`padding_lengths`), decides whether zero is padding or data
(``mask_value='auto'``, :func:`resolve_mask_value`) and pads lists of
sequences at the end (:func:`pad_sequences`).
"""

import warnings

import numpy as np

__all__ = ["padding_lengths", "pad_sequences", "padding_sample",
           "resolve_auto_mask", "resolve_mask_value", "share_inside",
           "spread_indices", "warn_zero_is_data", "ZERO_DATA_SHARE"]

# mask_value='auto': zero is read as data, not padding, when at least this
# share of the steps *between* sequences' first and last non-zero steps are
# all zero. Padding is never there, so that share is how often the data
# itself is zero: about 0 for measured signals (an exact 0.0 in every
# feature), large for counts, events and one-hot steps (Covid3Month_disc:
# 42%), where a run of zeros at the start (before the first case) is as
# likely data as padding.
ZERO_DATA_SHARE = 0.01
# Rows inspected, spread over the data.
_MASK_SAMPLE = 1000


def padding_lengths(X, mask_value=0.0):
    """Return the start and end of the real (non-padded) steps of each row.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps, n_features) or \
            (n_samples, n_timesteps)
        Dense sequences.
    mask_value : float or None, default=0.0
        Value that marks padded steps (NaN marks steps whose every feature
        is NaN). ``None`` means no padding.

    Returns
    -------
    start : ndarray of shape (n_samples,)
        Index of the first real step.
    stop : ndarray of shape (n_samples,)
        One past the index of the last real step. A row that is all padding
        gets ``start == stop == 0``.

    Examples
    --------
    >>> import numpy as np
    >>> from skseq.utils import padding_lengths
    >>> X = np.array([[0., 0., 1., 2.], [3., 0., 0., 0.]])
    >>> padding_lengths(X)
    (array([2, 0]), array([4, 1]))
    """
    n_samples, n_timesteps = X.shape[:2]
    no_padding = (np.zeros(n_samples, dtype=np.intp),
                  np.full(n_samples, n_timesteps, dtype=np.intp))
    if mask_value is None or n_timesteps == 0:
        return no_padding
    # Padding is at the edges: when no first or last step is padding, no
    # step is (equal-length data, read in two steps per row, not all).
    def padded(values):
        # NaN never equals itself: NaN padding is found by isnan.
        return np.isnan(values) if mask_value != mask_value \
            else values == mask_value

    edges = padded(X[:, [0, -1]])
    if not (edges.all(axis=2) if X.ndim == 3 else edges).any():
        return no_padding
    is_pad = padded(X)
    if X.ndim == 3:
        is_pad = is_pad.all(axis=2)
    real = ~is_pad
    has_real = real.any(axis=1)
    start = np.where(has_real, real.argmax(axis=1), 0)
    stop = np.where(has_real, n_timesteps - real[:, ::-1].argmax(axis=1), 0)
    return start.astype(np.intp), stop.astype(np.intp)


def resolve_mask_value(mask_value, rows):
    """Resolve ``mask_value='auto'`` from a sample of dense rows.

    Parameters
    ----------
    mask_value : 'auto', float or None
        Anything but ``'auto'`` is returned as it is.
    rows : callable
        ``rows(n)`` returns about ``n`` raw rows spread over the data, an
        array of shape (n, n_timesteps[, n_features]); or None for input
        without a padding question (lists of sequences, tokens).

    Returns
    -------
    mask_value : 0.0 or None
        ``None`` when all-zero steps make up at least ``ZERO_DATA_SHARE`` of
        the steps between the sampled rows' first and last non-zero steps
        (zero is data there), else ``0.0``.
    edge_zeros : bool
        Whether some sampled row starts or ends with an all-zero step, i.e.
        whether the choice changes anything.

    Examples
    --------
    >>> import numpy as np
    >>> counts = np.array([[0., 0., 3., 0., 1.], [0., 2., 0., 0., 4.]])
    >>> resolve_mask_value("auto", lambda n: counts)
    (None, True)
    >>> signal = np.array([[0., 0., .3, -.2, .5], [.1, -.4, .2, .3, .6]])
    >>> resolve_mask_value("auto", lambda n: signal)
    (0.0, True)
    """
    if mask_value != "auto":
        return mask_value, False
    if rows is None:
        return 0.0, False
    X = np.asarray(rows(_MASK_SAMPLE))
    if X.size == 0:
        return 0.0, False
    share, edge_zeros = share_inside(X, 0.0)
    return (None if share >= ZERO_DATA_SHARE else 0.0), edge_zeros


def padding_sample(X, disk=None, tokens=False):
    """``rows(n)`` for :func:`resolve_mask_value`, or None where there is no
    padding to detect (token ids, lists of sequences, input that validation
    will refuse).

    ``disk`` is X already read as :class:`~skseq.utils._disk.DiskSequences`
    (None: X is looked at here, memmaps read a few rows at a time).
    """
    if disk is None and not tokens:
        # Imported here: _disk imports this module.
        from ._disk import as_disk_sequences

        disk = as_disk_sequences(X, 0.0)
    if disk is not None:
        return lambda n: disk.read(spread_indices(len(disk), n))
    if tokens or isinstance(X, (list, tuple)):
        return None
    arr = np.asarray(X) if hasattr(X, "__array__") else None
    if arr is None or arr.dtype.kind not in "fiu" or arr.ndim not in (2, 3):
        return None
    return lambda n: arr[spread_indices(len(arr), n)]


def resolve_auto_mask(mask_value, X, tokens=False):
    """``mask_value`` with ``'auto'`` resolved on X as LSTMClassifier's fit
    resolves it (zero is data where all-zero steps are common inside
    sequences); the second value says whether some row has an all-zero
    first or last step (whether the choice changes anything)."""
    return resolve_mask_value(mask_value, padding_sample(X, None, tokens))


def warn_zero_is_data(stacklevel, read_as_padding=False):
    """The warning where zero looks like data (all-zero steps common inside
    the sequences) and some sequence starts or ends with an all-zero step:
    ``mask_value='auto'`` reads those as data (padding the caller meant is
    then read as data); ``read_as_padding``, an explicit ``mask_value=0.0``
    reads them as padding (LSTMClassifier's default reads them as data)."""
    common = ("All-zero steps are common inside the sequences of X (at least "
              f"{ZERO_DATA_SHARE:.0%} of the steps between their first and "
              "last non-zero steps)")
    if read_as_padding:
        message = (common + ": zero looks like data (counts, events), yet "
                   "mask_value=0.0 reads leading and trailing zero steps as "
                   "padding, where mask_value='auto' (LSTMClassifier's "
                   "default) reads them as data. Pass mask_value=None or "
                   "'auto' if zero is data here.")
    else:
        message = (common + ", so zero is read as data: leading and trailing "
                   "zero steps are kept as real steps, not masked as "
                   "padding. If they are padding, pass mask_value=0.0; pass "
                   "mask_value=None to silence this warning.")
    warnings.warn(message, UserWarning, stacklevel=stacklevel + 1)


def share_inside(X, value):
    """Share of the steps between each row's first and last step that is not
    all ``value`` whose every feature equals ``value``, and whether some row
    starts or ends with such a step.

    Examples
    --------
    >>> import numpy as np
    >>> share_inside(np.array([[0., 1., 0., 0., 2., 0.]]), 0.0)
    (0.5, True)
    """
    same = X == value
    # Steps whose every feature is NaN (the UCR/UEA archive's unequal
    # lengths) are padding at the ends, as check_sequences reads them:
    # value steps before a NaN end are edge steps, not inside ones.
    nan = np.isnan(X) if X.dtype.kind == "f" else np.zeros(X.shape, bool)
    if X.ndim == 3:
        same, nan = same.all(axis=2), nan.all(axis=2)
    other = ~(same | nan)
    has_other = other.any(axis=1)
    width = same.shape[1]
    first = other.argmax(axis=1)
    last = width - other[:, ::-1].argmax(axis=1)
    steps = np.arange(width)
    within = (steps >= first[:, None]) & (steps < last[:, None]) & \
        has_other[:, None]
    inside = within.sum()
    same_inside = (same & within).sum()
    edges = bool((same & ~within).any())
    return (float(same_inside / inside) if inside else 0.0), edges


def spread_indices(n_samples, max_samples):
    """At most ``max_samples`` evenly spaced, sorted row indices of
    ``n_samples`` (deterministic, and covers data sorted by class)."""
    if n_samples <= max_samples:
        return np.arange(n_samples)
    return np.unique(np.linspace(0, n_samples - 1, max_samples).astype(np.intp))


def pad_sequences(sequences, *, maxlen=None, padding="post", truncating="post",
                  value=0.0, dtype=np.float32):
    """Pad a list of arrays of shape ``(t_i, ...)`` into one array.

    Unlike ``keras.utils.pad_sequences`` this pads at the end by default and
    keeps a float dtype, so that the result can feed a masked (cuDNN) LSTM.

    Parameters
    ----------
    sequences : list of ndarray
        Each of shape ``(t_i,)`` or ``(t_i, n_features)``.
    maxlen : int or None, default=None
        Length of the output; ``None`` means the longest sequence.
    padding : {'post', 'pre'}, default='post'
        Where the padding goes.
    truncating : {'post', 'pre'}, default='post'
        Which end of a sequence longer than ``maxlen`` is cut off.
    value : float, default=0.0
        Value written into padded steps.
    dtype : dtype, default=np.float32
        Output dtype.

    Returns
    -------
    padded : ndarray of shape (n_samples, maxlen, ...)
    lengths : ndarray of shape (n_samples,)
        Number of real steps kept from each sequence.

    Examples
    --------
    >>> import numpy as np
    >>> from skseq.utils import pad_sequences
    >>> padded, lengths = pad_sequences([np.array([1., 2.]), np.array([3.])])
    >>> padded
    array([[1., 2.],
           [3., 0.]], dtype=float32)
    >>> lengths
    array([2, 1])
    """
    for name, side in (("padding", padding), ("truncating", truncating)):
        # Any other value read as 'pre' turned a typo into the other side.
        if not isinstance(side, str) or side not in ("post", "pre"):
            raise ValueError(
                f"{name} must be 'post' or 'pre'; got {side!r}.")
    lengths = np.array([len(s) for s in sequences], dtype=np.intp)
    if maxlen is None:
        maxlen = int(lengths.max()) if len(lengths) else 0
    tail = sequences[0].shape[1:] if len(sequences) else ()
    padded = np.full((len(sequences), maxlen) + tail, value, dtype=dtype)
    kept = np.minimum(lengths, maxlen)
    for i, (seq, n) in enumerate(zip(sequences, kept)):
        if n == 0:
            continue
        part = seq[:n] if truncating == "post" else seq[len(seq) - n:]
        if padding == "post":
            padded[i, :n] = part
        else:
            padded[i, maxlen - n:] = part
    return padded, kept


def _dense_to_post_padded(X, mask_value, pad_value, dtype):
    """Move edge padding of a dense array to the end; return (X, lengths)."""
    start, stop = padding_lengths(X, mask_value)
    lengths = stop - start
    if np.all(start == 0) and (pad_value == mask_value or mask_value is None):
        # Already post-padded with the wanted value: no copy.
        return X.astype(dtype, copy=False), lengths
    sequences = [x[a:b] for x, a, b in zip(X, start, stop)]
    padded, _ = pad_sequences(sequences, maxlen=X.shape[1], value=pad_value,
                              dtype=dtype)
    return padded, lengths
