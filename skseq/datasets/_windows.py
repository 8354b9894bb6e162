"""make_windows: cut time series into overlapping windows with labels."""

import numbers
from numbers import Integral

import numpy as np
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import check_array

from ..utils._frames import frame_in_column_order

__all__ = ["make_windows"]


@validate_params(
    {
        "series": ["array-like", list, tuple],
        "window": [Interval(Integral, 1, None, closed="left")],
        "stride": [Interval(Integral, 1, None, closed="left")],
        "horizon": [Interval(Integral, 0, None, closed="left")],
        "target": [StrOptions({"sign", "direction", "value"}), callable],
        "target_column": [Integral, str],
        "return_index": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def make_windows(series, window, *, stride=1, horizon=1, target="sign",
                 target_column=0, return_index=False):
    """Cut one or several time series into fixed-length labelled windows.

    Window ``i`` of a series holds the steps ``start[i]`` to ``end[i]``
    (inclusive, ``window`` steps, ``start[i] = i * stride``) and is labelled
    from the value ``horizon`` steps after its last step, at
    ``label_time[i] = end[i] + horizon``. Windows never cross from one series
    into the next. With ``stride < window + horizon`` neighbouring windows
    overlap, so their labels are not independent: shuffled cross-validation
    then leaks the future into training. Evaluate such windows with
    :class:`skseq.model_selection.PurgedTimeSeriesSplit` (one series) or
    :class:`skseq.model_selection.GroupedPurgedTimeSeriesSplit` (several),
    built with the same ``window``, ``stride`` and ``horizon``.

    Parameters
    ----------
    series : array-like of shape (n_time,) or (n_time, n_features), or list
        One series, univariate (1-D) or multivariate (2-D, time along the
        first axis; a pandas Series or DataFrame works too). A list (or a
        3-D array) holds several series of possibly different lengths and the
        same number of features; a list of numbers is one series. A pandas
        frame (or Series) with a MultiIndex is a panel, its levels
        ``(series..., time)`` as in sktime's pd-multiindex: one series per
        value of the levels before the last, in first-seen order
        (``index.group`` counts them so), each read in the order of its
        rows. A time index of several levels, e.g. ``(year, month)``, is
        thus several series: flatten it first (e.g. to a PeriodIndex).
    window : int
        Number of steps in each window.
    stride : int, default=1
        Steps between the starts of consecutive windows.
    horizon : int, default=1
        How many steps after a window's last step its label is read.
        ``0`` labels a window by its own last step (only sensible with a
        callable ``target`` that summarises the window).
    target : {'sign', 'direction', 'value'} or callable, default='sign'
        How the label is made from the ``target_column`` of the series:

        - ``'sign'``: 1 if the value at ``label_time`` is > 0, else 0 (for
          returns or other differenced series);
        - ``'direction'``: 1 if the value at ``label_time`` is greater than
          the window's last value, else 0 (for levels or prices);
        - ``'value'``: the value at ``label_time`` itself (regression);
        - a callable ``target(past, future)`` receiving the window
          ``(window, n_features)`` and the next ``horizon`` steps
          ``(horizon, n_features)`` of the series and returning the label.
    target_column : int or str, default=0
        Column (position, or name for a pandas DataFrame) the built-in
        targets read.
    return_index : bool, default=False
        Also return where each window lies in time.

    Returns
    -------
    X : ndarray of shape (n_windows, window, n_features)
        Windows in Keras order, float64. A copy: changing it leaves
        ``series`` untouched. Windows are not padded; when a real value can
        be exactly 0, pass ``mask_value=None`` to
        :class:`skseq.LSTMClassifier` so that no edge step is taken for
        padding.
    y : ndarray of shape (n_windows,)
        Labels: int 0/1 for ``'sign'`` and ``'direction'``, float for
        ``'value'``, whatever the callable returns otherwise.
    index : Bunch
        Only if ``return_index`` is True. Integer arrays of shape
        ``(n_windows,)``, positions counted from the start of each series:

        - ``group``: which series the window comes from (0 for one series);
          pass it as ``groups`` to a grouped splitter;
        - ``start``, ``end``: first and last step of the window;
        - ``label_time``: step the label is read from (``end + horizon``).

    Raises
    ------
    ValueError
        If a series is shorter than ``window + horizon`` steps, holds NaN or
        infinite values or a column that is not numbers, has a time index
        out of order, or the series differ in their number of features; if
        a panel's series are not named on every row or its first index
        level is time and its last is not.

    See Also
    --------
    skseq.model_selection.PurgedTimeSeriesSplit : Forward-chaining splits
        that drop training windows overlapping a test window.

    Examples
    --------
    Sign of the next value after a 4-step window, one window every 2 steps:

    >>> import numpy as np
    >>> from skseq.datasets import make_windows
    >>> returns = np.array([0.5, -1., 2., -0.5, 1., 3., -2., 0.5, -1., 1.])
    >>> X, y, index = make_windows(returns, 4, stride=2, return_index=True)
    >>> X.shape
    (3, 4, 1)
    >>> y
    array([1, 0, 0])
    >>> index.start, index.end, index.label_time
    (array([0, 2, 4]), array([3, 5, 7]), array([4, 6, 8]))
    """
    arrays, columns, names = _as_series_list(series)
    column = _resolve_column(target_column, columns, arrays[0].shape[1])
    if target == "direction" and horizon == 0:
        raise ValueError(
            "target='direction' compares the value horizon steps after the "
            "window with the window's last value, so it needs horizon >= 1; "
            "got horizon=0."
        )
    parts = [_windows_of_one(arr, name, window, stride, horizon, target,
                             column)
             for arr, name in zip(arrays, names)]
    X = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    if not return_index:
        return X, y
    starts = np.concatenate([p[2] for p in parts])
    groups = np.concatenate([np.full(len(p[2]), g, dtype=np.intp)
                             for g, p in enumerate(parts)])
    index = Bunch(group=groups, start=starts, end=starts + (window - 1),
                  label_time=starts + (window - 1 + horizon))
    return X, y, index


def _as_series_list(series):
    """Return (list of 2-D float arrays, column names or None, each
    series' name in messages)."""
    columns = getattr(series, "columns", None)
    keys = None
    if isinstance(series, (list, tuple)) and len(series) and \
            np.ndim(series[0]) >= 1:
        items = list(series)
        columns = getattr(items[0], "columns", None)
    elif np.ndim(series) == 3:
        items = list(np.asarray(series))
    elif _is_panel(series):
        items, keys = _panel_series(series)
    else:
        items = [series]
    arrays, names = [], []
    for i, item in enumerate(items):
        name = "series" if len(items) == 1 else f"series[{i}]"
        if keys is not None:
            name = f"series {keys[i]!r}"
        elif _is_panel(item):
            item = _one_series(item, name)
        item = _in_column_order(item, columns, name)
        _check_time_order(item, name)
        _check_numeric_columns(item, name)
        if isinstance(item, numbers.Number) or np.ndim(item) not in (1, 2):
            raise ValueError(
                f"Each series must be 1-D (n_time,) or 2-D (n_time, "
                f"n_features); {name} has shape {np.shape(item)}. Pass "
                "several series as a list."
            )
        arr = np.asarray(item)
        arr = check_array(arr.reshape(-1, 1) if arr.ndim == 1 else arr,
                          dtype=np.float64, input_name=name,
                          ensure_min_samples=1, ensure_min_features=1)
        if arrays and arr.shape[1] != arrays[0].shape[1]:
            raise ValueError(
                f"All series must have the same number of features: "
                f"series[0] has {arrays[0].shape[1]}, {name} has "
                f"{arr.shape[1]}."
            )
        arrays.append(arr)
        names.append(name)
    return arrays, columns, names


def _is_panel(item):
    import pandas as pd

    return isinstance(getattr(item, "index", None), pd.MultiIndex)


def _is_time_index(index):
    import pandas as pd

    return isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex,
                              pd.TimedeltaIndex))


def _panel_series(panel):
    """The series of a panel, a frame whose MultiIndex is (series..., time)
    as in sktime's pd-multiindex and skseq's from_multiindex, in first-seen
    order, and their names. Windowed as one series, a window crossed from
    one series into the next and took its label there."""
    _check_panel_index(panel, "series")
    outer = list(range(panel.index.nlevels - 1))
    # observed: a category no row has is no series (pandas 2 made it one,
    # empty); a one-level list made pandas 2 warn.
    grouped = panel.groupby(level=outer[0] if len(outer) == 1 else outer,
                            sort=False, observed=True)
    keys, parts = zip(*((key, part.droplevel(outer))
                        for key, part in grouped))
    return list(parts), list(keys)


def _one_series(item, name):
    """A list's item with a MultiIndex (a frame of panel.groupby): one
    series if its levels but the last name one; several are a panel, which
    is passed on its own, not inside a list."""
    _check_panel_index(item, name)
    keys = item.index.droplevel(-1).unique()
    if len(keys) > 1:
        raise ValueError(
            f"{name} is a panel of {len(keys)} series: pass the panel "
            "alone, make_windows(panel, ...), or a list of one series each.")
    return item.droplevel(list(range(item.index.nlevels - 1)))


def _check_panel_index(panel, name):
    index = panel.index
    if len(index) == 0:
        raise ValueError(f"{name} has no rows: no series to window.")
    if index.droplevel(-1).to_frame().isna().to_numpy().any():
        raise ValueError(
            f"{name} has missing values (NaN) in the index levels that name "
            f"its series ({list(index.names[:-1])}): each row needs the "
            "series it belongs to. Fill or drop them first.")
    if _is_time_index(index.levels[0]) and \
            not _is_time_index(index.levels[-1]):
        raise ValueError(
            f"{name} has a MultiIndex {list(index.names)} whose first level "
            "is time and last is not: make_windows reads a MultiIndex as "
            "(series..., time), the last level time. Swap them first, e.g. "
            f"{name.split('[')[0]}.swaplevel().sort_index().")


def _check_numeric_columns(item, name):
    """Name a column that is not numbers (a date column left in the frame
    failed inside float())."""
    dtypes = getattr(item, "dtypes", None)
    if dtypes is None:
        return
    import pandas as pd

    frame = item.to_frame() if item.ndim == 1 else item
    for position, (column, dtype) in enumerate(frame.dtypes.items()):
        if dtype.kind in "biuf":
            continue
        values = frame.iloc[:, position]
        try:
            # Numbers held as objects (or strings of numbers) are numbers.
            numeric = pd.to_numeric(values.astype(object), errors="coerce")
            numbers_only = dtype.kind in "OSU" and \
                not (numeric.isna() & values.notna()).any()
        except (TypeError, ValueError):
            numbers_only = False
        if not numbers_only:
            raise ValueError(
                f"{name} has column {column!r} of dtype {dtype}, not "
                "numbers: windows hold numeric features. Make a time "
                "column the index (df.set_index(...)); drop or encode "
                "any other such column first.")


def _check_time_order(item, name):
    """Refuse a pandas series whose time index is out of order: windows are
    cut from the rows as they come (after ``df.sample`` or a merge they
    were windows of shuffled time, silently). Only a time index (dates,
    periods, durations) says the order; a numeric one may be row ids."""
    index = getattr(item, "index", None)
    if not _is_time_index(index):
        return
    if index.hasnans:
        raise ValueError(
            f"{name} has a time index with missing times (NaT, first at "
            f"row {int(np.flatnonzero(index.isna())[0])}): a step of "
            "unknown time has no place in a window. Drop or fill those "
            "rows first.")
    if not index.is_monotonic_increasing:
        first = int(np.flatnonzero(index[1:] < index[:-1])[0])
        raise ValueError(
            f"{name} has a time index out of order ({index[first]} is "
            f"followed by {index[first + 1]}): windows are cut from the "
            "rows in the order given. Sort it first "
            f"({name.split('[')[0].split(' ')[0]}.sort_index()).")


def _in_column_order(item, columns, name):
    """A frame's columns in series[0]'s order: features and target_column
    are matched by name, not by position (frames of one source often list
    their columns in another order)."""
    ordered = frame_in_column_order(item, columns)
    if ordered is None:
        raise ValueError(
            f"{name} has columns {list(item.columns)}, series[0] has "
            f"{list(columns)}: every series needs the same columns. Select "
            "them, e.g. [s[columns] for s in series].")
    return ordered


def _resolve_column(target_column, columns, n_features):
    if isinstance(target_column, (bool, np.bool_)):
        # An Integral to the parameter check: True read as column 1.
        raise ValueError(
            f"target_column must be a column's position (int) or name "
            f"(str); got {target_column!r}.")
    if isinstance(target_column, str):
        if columns is None or target_column not in list(columns):
            known = "the series has no column names" if columns is None \
                else f"columns are {list(columns)}"
            if columns is None and n_features == 1:
                known += " (a single series is column 0)"
            raise ValueError(
                f"target_column={target_column!r} not found: {known}."
            )
        return list(columns).index(target_column)
    if not -n_features <= target_column < n_features:
        raise ValueError(
            f"target_column={target_column} is out of range for series with "
            f"{n_features} feature(s)."
        )
    return int(target_column) % n_features


def _windows_of_one(arr, name, window, stride, horizon, target, column):
    """Windows, labels and window starts of one (n_time, n_features) series
    (``name``: how messages call it)."""
    n_time = arr.shape[0]
    if n_time < window + horizon:
        raise ValueError(
            f"{name} has {n_time} steps, fewer than window={window} + "
            f"horizon={horizon} = {window + horizon} needed for one window. "
            "Use a smaller window or horizon, or drop this series."
        )
    starts = np.arange(0, n_time - window - horizon + 1, stride, dtype=np.intp)
    views = np.lib.stride_tricks.sliding_window_view(arr, window, axis=0)
    # sliding_window_view puts the window axis last; Keras wants it second.
    X = np.ascontiguousarray(views[starts].transpose(0, 2, 1))
    ends = starts + window - 1
    label_times = ends + horizon
    values = arr[:, column]
    if target == "sign":
        y = (values[label_times] > 0).astype(np.int64)
    elif target == "direction":
        y = (values[label_times] > values[ends]).astype(np.int64)
    elif target == "value":
        y = values[label_times].copy()
    else:
        y = np.asarray([target(arr[s:e + 1].copy(), arr[e + 1:t + 1].copy())
                        for s, e, t in zip(starts, ends, label_times)])
        if y.ndim != 1:
            raise ValueError(
                f"The target callable must return one scalar label per "
                f"window; it returned values of shape {y.shape[1:]}."
            )
    return X, y, starts
