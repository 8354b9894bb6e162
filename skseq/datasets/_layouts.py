"""Collections in aeon's and sktime's layouts to and from Keras order.

skseq, like Keras, holds a collection of sequences *time-major*: a 3-D
array ``(n_samples, n_timesteps, n_features)``, or a list of
``(n_timesteps_i, n_features)`` arrays when the lengths differ. aeon and
sktime hold them *channels-first*: ``(n_cases, n_channels, n_timepoints)``,
or a list of ``(n_channels, n_timepoints_i)`` arrays. sktime also has two
pandas layouts:

* ``pd-multiindex``: one row per (instance, time point), a two-level row
  index, one column per channel;
* ``nested_univ``: one row per instance, one column per channel, every cell
  a ``pd.Series`` over time.

Both hold the same numbers, so a channels-first array passed where Keras
order is expected does not fail: it trains, silently, on ``n_channels``
steps of ``n_timepoints`` features. :func:`channels_first_warning` (in
:mod:`._channels_first`) spots the shapes where that is almost certainly
what happened.
"""

import numbers

import numpy as np

from ..utils._validation import python_scalar

__all__ = [
    "from_channels_first",
    "from_multiindex",
    "from_nested",
    "to_channels_first",
    "to_multiindex",
    "to_nested",
]

def _is_list_of_arrays(X):
    return isinstance(X, (list, tuple)) or (
        isinstance(X, np.ndarray) and X.dtype == object and X.ndim == 1)


def _as_float(arr, name):
    arr = np.asarray(arr)
    if arr.dtype.kind in "US":
        raise ValueError(
            f"{name} holds strings (dtype {arr.dtype}); the series must be "
            "numeric.")
    try:
        return np.array(arr, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{name} cannot be converted to numbers ({exc}); the series must "
            "be numeric.") from None


def _swap_last_two(X, *, input_layout, output_layout):
    """Swap the time and channel axes of a 3-D array or a list of 2-D ones."""
    if _is_list_of_arrays(X):
        if len(X) == 0:
            raise ValueError("X is an empty list; at least one series is "
                             "needed.")
        out, n_channels = [], None
        channel_axis = 0 if input_layout == "channels-first" else 1
        for i, x in enumerate(X):
            arr = _as_float(x, f"X[{i}]")
            if arr.ndim == 1:
                arr = arr[np.newaxis, :] if channel_axis == 0 else arr[:, None]
            if arr.ndim != 2:
                raise ValueError(
                    f"Each series in a list must be a 2-D {input_layout} "
                    f"array; X[{i}] has shape {arr.shape}.")
            if n_channels is None:
                n_channels = arr.shape[channel_axis]
            elif arr.shape[channel_axis] != n_channels:
                raise ValueError(
                    f"All series must have the same number of channels "
                    f"(axis {channel_axis} of each {input_layout} array): "
                    f"X[0] has {n_channels}, X[{i}] has "
                    f"{arr.shape[channel_axis]}. Is X in {output_layout} "
                    "order already?")
            out.append(np.ascontiguousarray(arr.T))
        return out
    if isinstance(X, numbers.Number) or isinstance(X, (str, bytes)):
        raise ValueError(f"X must be a 3-D array or a list of 2-D arrays; got "
                         f"the scalar {X!r}.")
    if hasattr(X, "iloc"):
        raise ValueError(
            "X is a pandas object; use from_multiindex for a frame with an "
            "(instance, time) row index, or from_nested for a frame of "
            "pd.Series cells.")
    arr = _as_float(X, "X")
    if arr.ndim == 2:
        # aeon and sktime read a 2-D array as (n_cases, n_timepoints).
        return arr[:, np.newaxis, :] if output_layout == "channels-first" \
            else arr[:, :, np.newaxis]
    if arr.ndim != 3:
        raise ValueError(
            f"X must be a 3-D array, a 2-D array of univariate series or a "
            f"list of 2-D arrays; got an array of shape {arr.shape}.")
    return np.ascontiguousarray(np.transpose(arr, (0, 2, 1)))


def from_channels_first(X):
    """Convert an aeon/sktime collection to skseq's (Keras) order.

    Parameters
    ----------
    X : array-like of shape (n_cases, n_channels, n_timepoints), \
            (n_cases, n_timepoints) or list of arrays
        A 3-D channels-first array, a 2-D array of univariate series, or a
        list of ``(n_channels, n_timepoints_i)`` arrays (unequal lengths),
        as aeon's and sktime's ``numpy3D``/``np-list`` layouts hold them.

    Returns
    -------
    X_keras : ndarray of shape (n_cases, n_timepoints, n_channels) or list
        A new float64 array (or a list of ``(n_timepoints_i, n_channels)``
        arrays for list input); the input is not modified.

    Raises
    ------
    ValueError
        If the input is not numeric, not 2-D/3-D, or a list whose arrays
        have different numbers of channels.

    See Also
    --------
    to_channels_first : The inverse.

    Examples
    --------
    >>> import numpy as np
    >>> from skseq.datasets import from_channels_first
    >>> X = np.zeros((5, 2, 40))  # 5 series, 2 channels, 40 time points
    >>> from_channels_first(X).shape
    (5, 40, 2)
    >>> [x.shape for x in from_channels_first([np.zeros((2, 7)),
    ...                                        np.zeros((2, 9))])]
    [(7, 2), (9, 2)]
    """
    return _swap_last_two(X, input_layout="channels-first",
                          output_layout="Keras (time-major)")


def to_channels_first(X):
    """Convert skseq (Keras-order) sequences to aeon/sktime's layout.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_timesteps, n_features), \
            (n_samples, n_timesteps) or list of arrays
        A 3-D array, a 2-D array (one feature per step) or a list of
        ``(n_timesteps_i, n_features)`` arrays.

    Returns
    -------
    X_cf : ndarray of shape (n_samples, n_features, n_timesteps) or list
        A new float64 array, or a list of ``(n_features, n_timesteps_i)``
        arrays for list input; what aeon's estimators take.

    Raises
    ------
    ValueError
        As :func:`from_channels_first`.

    Examples
    --------
    >>> import numpy as np
    >>> from skseq.datasets import load_ucr, to_channels_first
    >>> X, y = load_ucr("BasicMotions", split="train")
    >>> X.shape, to_channels_first(X).shape
    ((40, 100, 6), (40, 6, 100))
    """
    return _swap_last_two(X, input_layout="Keras (time-major)",
                          output_layout="channels-first")


def _stack_or_list(sequences, ragged):
    if ragged or len({s.shape for s in sequences}) > 1:
        return sequences
    return np.stack(sequences)


def _check_frame(df, kind):
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"{kind} input must be a pandas DataFrame; got "
                         f"{type(df).__name__}.")
    if df.shape[0] == 0 or df.shape[1] == 0:
        raise ValueError(f"The DataFrame is empty (shape {df.shape}); at "
                         "least one instance and one column are needed.")


def from_multiindex(df, *, ragged=False):
    """Convert an sktime ``pd-multiindex`` frame to skseq's (Keras) order.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per (instance, time point): a row index with two levels,
        instance then time, and one numeric column per channel. Instances
        keep the order of their first row, which is the order their labels
        ``y`` are in; time points are sorted within each instance.
    ragged : bool, default=False
        Return a list even when all instances have the same length.

    Returns
    -------
    X : ndarray of shape (n_instances, n_timepoints, n_channels) or list
        A float64 array, or a list of ``(n_timepoints_i, n_channels)``
        arrays when the lengths differ (or ``ragged=True``).

    Raises
    ------
    ValueError
        If the index does not have two levels, a column is not numeric, a
        value is missing, or an (instance, time) row is repeated.

    Examples
    --------
    >>> import pandas as pd
    >>> from skseq.datasets import from_multiindex
    >>> index = pd.MultiIndex.from_product([["a", "b"], [0, 1, 2]],
    ...                                    names=["instance", "time"])
    >>> df = pd.DataFrame({"x": range(6), "z": range(6, 12)}, index=index)
    >>> X = from_multiindex(df)
    >>> X.shape, X[1, :, 0].tolist()
    ((2, 3, 2), [3.0, 4.0, 5.0])
    """
    import pandas as pd

    _check_frame(df, "pd-multiindex")
    if not isinstance(df.index, pd.MultiIndex) or df.index.nlevels != 2:
        hint = (" It looks like a nested frame (pd.Series cells): use "
                "from_nested." if _has_series_cells(df) else "")
        raise ValueError(
            f"A pd-multiindex frame needs a row index with exactly two "
            f"levels (instance, time); this one has {df.index.nlevels}. "
            "Build one with df.set_index([instance_column, time_column])."
            + hint)
    non_numeric = [c for c in df.columns
                   if not pd.api.types.is_numeric_dtype(df[c])]
    if non_numeric:
        raise ValueError(
            f"Column(s) {non_numeric} are not numeric; every column of a "
            "pd-multiindex frame is a channel. Drop or convert them.")
    if df.isna().to_numpy().any():
        raise ValueError(
            "The frame has missing values; skseq marks unequal lengths by "
            "the number of rows per instance, not by NaN. Drop or fill them.")
    for level, name in ((0, "instance"), (1, "time")):
        missing = df.index.get_level_values(level).isna()
        if missing.any():
            raise ValueError(
                f"The frame's {name} index level has missing values (NaN "
                f"in {int(missing.sum())} row(s), e.g. row "
                f"{int(np.flatnonzero(missing)[0])}): every row needs its "
                f"{name}. Drop those rows or fill the {name}s.")
    if df.index.duplicated().any():
        instance, time = df.index[df.index.duplicated()][0]
        raise ValueError(
            f"The frame has repeated (instance, time) rows, e.g. instance "
            f"{python_scalar(instance)!r} at time {python_scalar(time)!r}: "
            "one row per time point is needed. Drop or aggregate the "
            "repeats (df.groupby(level=[0, 1]).mean()).")
    # Instances in the order of their first row, time points sorted within
    # each: one stable sort by time, then one by instance (a selection per
    # instance took time quadratic in their number).
    codes, _ = pd.factorize(df.index.get_level_values(0))
    times = df.index.get_level_values(1)
    try:
        order = np.argsort(times, kind="stable")
        order = order[np.argsort(codes[order], kind="stable")]
    except TypeError:
        # Time points of types that do not compare with each other
        # (instances indexed by numbers, others by names): sorted within
        # each instance only, as they are compared there.
        cuts = np.cumsum(np.bincount(codes))[:-1]
        by_instance = np.argsort(codes, kind="stable")
        order = []
        for rows in np.split(by_instance, cuts):
            try:
                order.append(rows[np.argsort(times[rows], kind="stable")])
            except TypeError:
                kinds = sorted({type(t).__name__ for t in times[rows]})
                raise ValueError(
                    "The time points of instance "
                    f"{python_scalar(df.index[rows[0]][0])!r} are of types "
                    f"that cannot be ordered together ({kinds}): give "
                    "every time point of an instance one type "
                    "(df.index.set_levels(...)) so that its steps have an "
                    "order.") from None
        order = np.concatenate(order)
    values = df.to_numpy(dtype=np.float64)[order]
    sequences = np.split(values, np.cumsum(np.bincount(codes))[:-1])
    return _stack_or_list(sequences, ragged)


def _has_series_cells(df):
    import pandas as pd

    return df.shape[0] > 0 and df.shape[1] > 0 and isinstance(
        df.iloc[0, 0], (pd.Series, np.ndarray, list))


def from_nested(df, *, ragged=False):
    """Convert an sktime nested (``nested_univ``) frame to Keras order.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per instance, one column per channel, each cell a
        ``pd.Series`` (or 1-D array) of the channel's values over time. All
        channels of an instance must have the same length.
    ragged : bool, default=False
        Return a list even when all instances have the same length.

    Returns
    -------
    X : ndarray of shape (n_instances, n_timepoints, n_channels) or list
        A float64 array, or a list of ``(n_timepoints_i, n_channels)``
        arrays when the lengths differ (or ``ragged=True``).

    Raises
    ------
    ValueError
        If a cell is not a series, the channels of one instance have
        different lengths, or a value is missing or not numeric.

    Examples
    --------
    >>> import pandas as pd
    >>> from skseq.datasets import from_nested
    >>> df = pd.DataFrame({"dim_0": [pd.Series([1., 2., 3.]),
    ...                              pd.Series([4., 5.])]})
    >>> [x.ravel().tolist() for x in from_nested(df)]
    [[1.0, 2.0, 3.0], [4.0, 5.0]]
    """
    _check_frame(df, "nested")
    if not _has_series_cells(df):
        raise ValueError(
            f"A nested frame holds a pd.Series in every cell; cell [0, 0] is "
            f"{type(df.iloc[0, 0]).__name__}. For one row per time point "
            "use from_multiindex.")
    sequences = []
    for i in range(df.shape[0]):
        channels, first_index = [], None
        for j, column in enumerate(df.columns):
            cell = df.iloc[i, j]
            name = f"cell (row {i}, column {column!r})"
            cell, first_index = _cell_in_time_order(cell, name, first_index,
                                                    i)
            values = _as_float(getattr(cell, "values", cell), name)
            if values.ndim != 1:
                raise ValueError(f"{name} must be a 1-D series; it has shape "
                                 f"{values.shape}.")
            if channels and len(values) != len(channels[0]):
                raise ValueError(
                    f"Row {i} has channels of different lengths "
                    f"({len(channels[0])} and {len(values)} in column "
                    f"{column!r}); every channel of an instance needs one "
                    "value per time point.")
            if np.isnan(values).any():
                raise ValueError(f"{name} has missing values; drop or fill "
                                 "them.")
            channels.append(values)
        sequences.append(np.stack(channels, axis=1))
    return _stack_or_list(sequences, ragged)


def _cell_in_time_order(cell, name, first_index, row):
    """A nested cell sorted by its time index, checked against the row's
    first channel's index: read as it came, a series indexed [2, 1, 0] was
    taken backwards, and channels indexed at other times were paired step
    by step."""
    import pandas as pd

    if not isinstance(cell, pd.Series):
        return cell, first_index
    if not cell.index.is_monotonic_increasing:
        try:
            cell = cell.sort_index()
        except TypeError:
            raise ValueError(
                f"{name} has a time index whose values cannot be ordered "
                "(e.g. numbers and strings): give it one type.") from None
    if first_index is None:
        return cell, cell.index
    if len(cell.index) == len(first_index) and \
            not cell.index.equals(first_index):
        raise ValueError(
            f"Row {row} has channels indexed at different time points "
            f"({name}: {list(cell.index[:3])}... against "
            f"{list(first_index[:3])}...): align them first (e.g. "
            "series.reindex(first.index)).")
    return cell, first_index


def _column_names(n_features, columns):
    if columns is None:
        return [f"dim_{k}" for k in range(n_features)]
    columns = list(columns)
    if len(columns) != n_features:
        raise ValueError(f"columns has {len(columns)} names for "
                         f"{n_features} features.")
    return columns


def _keras_sequences(X):
    """A list of (t_i, f) float arrays from a 3-D array or a list, steps
    whose every feature is NaN at the end cut off: they are the UCR/UEA
    archive's padding of unequal lengths, as everywhere in skseq (kept,
    from_multiindex refused the round trip as missing values)."""
    if _is_list_of_arrays(X):
        sequences = [a.T for a in to_channels_first(X)]
    else:
        sequences = list(np.moveaxis(to_channels_first(X), 1, 2))
    out = []
    for seq in sequences:
        real = ~np.isnan(seq).all(axis=1)
        # An all-NaN sequence stays whole: cut to nothing, its instance
        # would vanish from the frame.
        stop = len(real) - int(np.argmax(real[::-1])) if real.any() \
            else len(real)
        out.append(seq[:stop])
    if not out:
        raise ValueError(
            f"X holds 0 sequences (shape {np.shape(X)}); at least one "
            "series is needed.")
    return out


def to_multiindex(X, *, columns=None):
    """Convert skseq (Keras-order) sequences to an sktime pd-multiindex frame.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_timesteps, n_features) or list
        Sequences in Keras order (a list for unequal lengths).
    columns : list of str or None, default=None
        Channel names; ``None`` gives sktime's ``dim_0``, ``dim_1``, ...

    Returns
    -------
    df : pandas.DataFrame
        Index levels ``instances`` and ``timepoints`` (integers from 0), one
        float column per feature.

    Examples
    --------
    >>> import numpy as np
    >>> from skseq.datasets import to_multiindex
    >>> df = to_multiindex(np.zeros((2, 3, 1)))
    >>> df.shape, list(df.index.names)
    ((6, 1), ['instances', 'timepoints'])
    """
    import pandas as pd

    sequences = _keras_sequences(X)
    names = _column_names(sequences[0].shape[1], columns)
    index = pd.MultiIndex.from_arrays(
        [np.repeat(np.arange(len(sequences)), [len(s) for s in sequences]),
         np.concatenate([np.arange(len(s)) for s in sequences])],
        names=["instances", "timepoints"])
    return pd.DataFrame(np.concatenate(sequences), index=index, columns=names)


def to_nested(X, *, columns=None):
    """Convert skseq (Keras-order) sequences to an sktime nested frame.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_timesteps, n_features) or list
        Sequences in Keras order (a list for unequal lengths).
    columns : list of str or None, default=None
        Channel names; ``None`` gives sktime's ``dim_0``, ``dim_1``, ...

    Returns
    -------
    df : pandas.DataFrame
        One row per sequence, one column per feature, each cell a float
        ``pd.Series`` indexed by time step.

    Examples
    --------
    >>> import numpy as np
    >>> from skseq.datasets import to_nested
    >>> df = to_nested([np.ones((3, 2)), np.ones((5, 2))])
    >>> df.shape, len(df.iloc[1, 0])
    ((2, 2), 5)
    """
    import pandas as pd

    sequences = _keras_sequences(X)
    names = _column_names(sequences[0].shape[1], columns)
    return pd.DataFrame({
        name: [pd.Series(s[:, k]) for s in sequences]
        for k, name in enumerate(names)})
