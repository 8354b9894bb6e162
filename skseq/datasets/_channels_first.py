"""Spotting channels-first data passed where Keras order is expected.

aeon's and sktime's ``(n_cases, n_channels, n_timepoints)`` arrays do not
fail when passed as Keras' ``(n_samples, n_timesteps, n_features)``: the
network trains, silently, on ``n_channels`` steps of ``n_timepoints``
features. :func:`channels_first_warning` spots the shapes (and, with the
data, the smooth axis) where that is almost certainly what happened; the
conversions themselves are in :mod:`._layouts`.
"""

import math
import warnings

import numpy as np

__all__ = ["channels_first_warning", "warn_if_channels_first"]

# A dense input is flagged as channels-first when the LSTM would see at most
# this many steps while each step has at least _MIN_SERIES_LENGTH "features".
# Three steps give a recurrent network almost no order to learn from, and
# real multivariate collections rarely have more than a few dozen channels
# but usually have tens to thousands of time points; the reverse reading
# (a few steps of many features) is rare for numeric data.
_MAX_SUSPICIOUS_STEPS = 3
_MIN_SERIES_LENGTH = 10
# With more "features" than steps, a dense input is also flagged when its
# features are the smooth axis (see channels_first_warning): adjacent
# features correlate at least this much ...
_SMOOTH_AXIS = 0.5
# ... and by this much more than adjacent steps.
_SMOOTHER_BY = 0.3


def channels_first_warning(shape):
    """Say whether a dense 3-D input looks like channels-first data.

    skseq reads a 3-D array as ``(n_samples, n_timesteps, n_features)``. An
    aeon/sktime array ``(n_cases, n_channels, n_timepoints)`` has the same
    number of dimensions, so it trains without error as ``n_channels``
    steps of ``n_timepoints`` features, and the LSTM learns nothing from the
    order of the time points. Flagged:

    * from the shape alone, where that reading is almost certainly a
      mistake: a single step of more than one feature, or at most 3 steps
      of at least 10 features each;
    * given the array itself, where there are more "features" than steps
      (at least 10) and the values are smooth along the features and not
      along the steps: adjacent features correlate at least
      ``_SMOOTH_AXIS`` (0.5), and by ``_SMOOTHER_BY`` (0.3) more than
      adjacent steps (:func:`_lag1_correlation`, on at most 64 rows). A
      series is smooth along time; a table's columns (the features of
      Keras order) are in no particular order. aeon's BasicMotions (6
      channels of 100 points, channels first) gives 0.65 along its points
      and 0.02 along its channels; the same data in Keras order is not
      checked (6 features).

    Parameters
    ----------
    shape : tuple of int, array-like or list of 2-D arrays
        The shape of the input, or the input itself (an object with a
        ``shape``; a NumPy array also gets the smoothness check, and so
        does a list of 2-D arrays of one shape, e.g. aeon's
        ``(n_channels, n_timepoints)`` cases, read as their stack).

    Returns
    -------
    message : str or None
        A warning that names the fix, or ``None`` when the input is not
        suspicious (including anything that is not 3-D).

    Examples
    --------
    >>> from skseq.datasets import channels_first_warning
    >>> print(channels_first_warning((50, 1, 150)))  # doctest: +ELLIPSIS
    X has shape (50, 1, 150): 1 time step of 150 features. ...
    >>> channels_first_warning((50, 150, 1)) is None
    True
    >>> t = np.linspace(0, 6, 100)
    >>> X = np.stack([np.stack([np.sin(t * (1 + c)) for c in range(6)])
    ...               for _ in range(4)])      # (4, 6, 100), channels first
    >>> print(channels_first_warning(X))  # doctest: +ELLIPSIS
    X has shape (4, 6, 100): 6 time steps of 100 features, ... smooth along ...
    >>> channels_first_warning(X.transpose(0, 2, 1)) is None
    True
    """
    if isinstance(shape, (list, tuple)) and len(shape) and \
            np.ndim(shape[0]) >= 1:
        # A list of sequences, not a shape (its arrays read as sizes).
        return _channels_first_message(*_dense_sample(shape))
    data = shape if isinstance(shape, np.ndarray) else None
    return _channels_first_message(getattr(shape, "shape", shape), data)


def _channels_first_message(shape, data=None):
    """The message of :func:`channels_first_warning` (or None).

    Parameters
    ----------
    shape : tuple of int
        The input's shape (a list's: ``(n_sequences, rows, columns)``).
    data : ndarray or None
        Rows of the input for the smoothness check; None checks the shape
        only.
    """
    shape = tuple(shape)
    if len(shape) != 3:
        return None
    shape = tuple(int(s) for s in shape)
    n_samples, n_steps, n_features = shape
    steps = "1 time step" if n_steps == 1 else f"{n_steps} time steps"
    fix = (f"If X is aeon/sktime data, channels-first (n_cases, "
           f"n_channels, n_timepoints) with {n_steps} channel(s) of "
           f"{n_features} time points, convert it with "
           f"skseq.datasets.from_channels_first(X) or "
           f"np.transpose(X, (0, 2, 1)).")
    if (n_steps == 1 and n_features > 1) or (
            n_steps <= _MAX_SUSPICIOUS_STEPS
            and n_features >= _MIN_SERIES_LENGTH):
        return (
            f"X has shape {shape}: {steps} of {n_features} features. skseq "
            f"reads (n_samples, n_timesteps, n_features), so an LSTM sees "
            f"{'no order at all' if n_steps == 1 else 'almost no order'}. "
            + fix)
    if (data is None or not len(data)
            or n_features < max(_MIN_SERIES_LENGTH, n_steps + 1)
            or not np.issubdtype(data.dtype, np.number)):
        return None
    along_steps = _lag1_correlation(data, axis=1)
    along_features = _lag1_correlation(data, axis=2)
    if not (along_features >= _SMOOTH_AXIS
            and along_features >= along_steps + _SMOOTHER_BY):
        return None
    return (
        f"X has shape {shape}: {steps} of {n_features} features, and its "
        f"values are smooth along the features (adjacent ones correlate "
        f"{along_features:.2f}) and not along the steps ({along_steps:.2f}), "
        f"as a series is along time. skseq reads (n_samples, n_timesteps, "
        f"n_features). " + fix + " If X is in that order already, ignore "
        "this warning.")


def warn_if_channels_first(X, stacklevel=2):
    """Warn (UserWarning) where :func:`channels_first_warning` flags X: an
    array, or a list of equal-shape 2-D sequences (its rows stacked); the
    one check of ``LSTMClassifier.fit`` and ``compare_baselines``."""
    message = _channels_first_message(*_dense_sample(X))
    if message is not None:
        warnings.warn(message, UserWarning, stacklevel=stacklevel + 1)


def _dense_sample(X, max_rows=64):
    """``(shape, rows)`` of X for :func:`_channels_first_message`: X itself
    when it is an array; for a list of 2-D sequences of one shape (aeon's
    ``(n_channels, n_timepoints)`` arrays of equal length), the list's shape
    and at most ``max_rows`` of them stacked; else X's shape alone."""
    if not isinstance(X, (list, tuple)):
        return np.shape(X), X if isinstance(X, np.ndarray) else None
    first = np.shape(X[0]) if len(X) else ()
    if len(first) != 2 or any(np.shape(x) != first for x in X):
        return (), None
    step = max(1, len(X) // max_rows)
    rows = np.stack([np.asarray(x) for x in X[::step][:max_rows]])
    return (len(X),) + tuple(first), rows


def _lag1_correlation(X, axis, max_rows=64, max_values=2**20):
    """Correlation of neighbours along ``axis`` of a 3-D array.

    Each row is standardised over all its values (non-finite ones read as
    0); read on at most ``max_rows`` rows spread over X, and on the first
    512 steps and 2,048 features of each, at most ``max_values`` values in
    all (a warning's check must not cost a copy of X).
    """
    n_steps, n_features = min(X.shape[1], 512), min(X.shape[2], 2048)
    n_rows = max(1, min(len(X), max_rows,
                        max_values // (n_steps * n_features)))
    rows = np.unique(np.linspace(0, len(X) - 1, n_rows).astype(int))
    sample = np.nan_to_num(
        np.asarray(X[rows, :n_steps, :n_features], dtype=np.float32),
        nan=0.0, posinf=0.0, neginf=0.0)
    sample -= sample.mean(axis=(1, 2), keepdims=True)
    std = sample.std(axis=(1, 2), keepdims=True)
    sample /= np.where(std > 0, std, 1.0)
    a = sample[:, :-1] if axis == 1 else sample[:, :, :-1]
    b = sample[:, 1:] if axis == 1 else sample[:, :, 1:]
    scale = math.sqrt(float(np.mean(a * a)) * float(np.mean(b * b)))
    return float(np.mean(a * b)) / scale if scale > 0 else 0.0
