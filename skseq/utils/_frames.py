"""Sequences given as pandas objects: which inputs are lists of sequences,
the feature names of a list of DataFrames and their columns put in one
order, and sktime's frames, which would read as something else.

:func:`~skseq.utils._validation.check_sequences` calls these before it turns
any input into its padded array.
"""

import numpy as np

__all__ = ["check_not_sktime_frame", "frame_feature_names",
           "frame_in_column_order", "is_sequence_list",
           "record_feature_names"]


def frame_feature_names(X):
    """The feature names of a list of DataFrames (the first one's string
    column names), or None for any other input.

    Examples
    --------
    >>> import pandas as pd
    >>> frame_feature_names([pd.DataFrame({"temp": [1.0], "rpm": [2.0]})])
    array(['temp', 'rpm'], dtype=object)
    """
    if not is_sequence_list(X) or not len(X):
        return None
    columns = getattr(list(X[:1])[0], "columns", None)
    if columns is None or not all(isinstance(c, str) for c in columns):
        return None
    return np.asarray(list(columns), dtype=object)


def record_feature_names(estimator, X):
    """Set ``estimator.feature_names_in_`` from a list of DataFrames X (and
    delete a former fit's for any other input); return the names, for
    ``check_sequences(feature_names=...)`` in ``transform``, which then
    matches a later list of DataFrames to them by name.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn.base import BaseEstimator
    >>> est = BaseEstimator()
    >>> record_feature_names(est, [pd.DataFrame({"temp": [1.0]})])
    array(['temp'], dtype=object)
    >>> record_feature_names(est, [[[1.0]]]) is None
    True
    >>> hasattr(est, "feature_names_in_")
    False
    """
    names = frame_feature_names(X)
    if names is not None:
        estimator.feature_names_in_ = names
    elif hasattr(estimator, "feature_names_in_"):
        del estimator.feature_names_in_  # a former fit's
    return names


def _frames_in_column_order(X, feature_names, input_name):
    """X with every DataFrame's columns in the order of ``feature_names``
    (the first DataFrame's if None): stacked by position, frames listing
    their columns in another order (CSV files written by other tools)
    trained or predicted on swapped features, silently (probabilities 0.23
    apart, measured)."""
    if feature_names is None:
        feature_names = frame_feature_names(X)
        where = f"{input_name}[0]"
    else:
        where = "the data fitted on"
    if feature_names is None or not any(hasattr(s, "columns") for s in X):
        return X
    names = list(feature_names)
    out = list(X)
    for i, seq in enumerate(X):
        out[i] = frame_in_column_order(seq, names)
        if out[i] is None:
            raise ValueError(
                f"{input_name}[{i}] is a DataFrame of columns "
                f"{list(seq.columns)}, {where} has {names}: the features of "
                "DataFrames are matched by name. Give every DataFrame the "
                "same columns (df[names]).")
    return out


def frame_in_column_order(frame, names):
    """``frame`` with its columns in the order of ``names``: itself where
    they already are (or it has no columns, or ``names`` is None), None
    where its columns are other ones (the caller says so in its terms).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"b": [1.0], "a": [2.0]})
    >>> list(frame_in_column_order(frame, ["a", "b"]).columns)
    ['a', 'b']
    >>> frame_in_column_order(frame, ["a", "c"]) is None
    True
    """
    own = getattr(frame, "columns", None)
    if own is None or names is None or list(own) == list(names):
        return frame
    own, names = list(own), list(names)
    if len(own) != len(names) or set(own) != set(names) or \
            len(set(own)) != len(own):
        return None
    return frame[names]


def is_sequence_list(X):
    """True for a list or tuple of sequences, or a 1-D object array or
    pandas Series of them (one sequence per entry)."""
    if isinstance(X, (list, tuple)):
        return True
    if getattr(X, "ndim", None) != 1 or getattr(X, "dtype", None) != object:
        return False
    import pandas as pd

    return isinstance(X, (np.ndarray, pd.Series))


def check_not_sktime_frame(X, input_name="X", y=None):
    """Refuse sktime's frames, which read as something else, naming the fix.

    A ``pd-multiindex`` frame (one row per case and time point) reads as a
    2-D table of one-step "sequences", one per row: fit then fails on the
    number of labels and predict returns a label per time point. It is
    told from a wide table (one row per sequence, a column per step) with a
    multi-level index, e.g. (subject, trial), by its shape: a case has more
    rows (time points) than the frame has columns (channels). A
    ``nested_univ`` frame (a ``pd.Series`` per cell) is an object table.

    A case of fewer time points than channels passes that test; where the
    labels are known (``y``, in fit), one label per outer index value and
    not per row tells it too.
    """
    if not type(X).__module__.startswith("pandas") or not hasattr(
            X, "index"):
        return
    import pandas as pd

    index = X.index
    n_columns = X.shape[1] if X.ndim == 2 else 1
    if index.nlevels > 1 and len(index):
        outer = index.droplevel(-1)
        n_outer = outer.nunique()
        n_labels = len(y) if hasattr(y, "__len__") else None
        by_labels = n_labels == n_outer != len(index)
        if by_labels or np.median(outer.value_counts()) > n_columns:
            reason = (
                f"one label for each of the {n_outer} values of its "
                f"outer index levels, not one per row" if by_labels
                else "more rows for each of its outer index values than "
                "it has columns")
            raise ValueError(
                f"{input_name} is a {type(X).__name__} of "
                f"{index.nlevels} index levels with {reason}: sktime's "
                f"pd-multiindex layout (one row per case and time "
                f"point). Convert it with skseq.datasets.from_multiindex"
                f"({input_name}); if each row is one sequence, pass "
                f"{input_name}.to_numpy().")
    if isinstance(X, pd.DataFrame) and X.shape[0] and X.shape[1] and \
            isinstance(X.iat[0, 0], pd.Series):
        raise ValueError(
            f"{input_name} is a DataFrame of pd.Series cells: sktime's "
            f"nested_univ layout. Convert it with "
            f"skseq.datasets.from_nested({input_name}).")
