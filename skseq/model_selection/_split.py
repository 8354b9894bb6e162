"""Forward-chaining cross-validation for overlapping windows of time series.

Windows cut from a series with :func:`skseq.datasets.make_windows` overlap
their neighbours, and each label is read ``horizon`` steps after its window.
A training window that shares a step with a test window (its inputs or the
step its label is read from) hands the model part of the test data, so plain
``TimeSeriesSplit`` (and even more a shuffled ``KFold``) scores too high.
The splitters here drop ("purge") such training windows.
"""

import math
import warnings
from numbers import Integral

import numpy as np
from sklearn.model_selection._split import GroupsConsumerMixin, _BaseKFold
from sklearn.utils import indexable
from sklearn.utils._param_validation import (
    Interval,
    validate_parameter_constraints,
)
from sklearn.utils.validation import _num_samples

from ..utils._validation import python_scalar

__all__ = ["PurgedTimeSeriesSplit", "GroupedPurgedTimeSeriesSplit"]


class _BasePurgedSplit(_BaseKFold):
    """Parameters, validation and fold arithmetic shared by both splitters."""

    _parameter_constraints = {
        "window": [Interval(Integral, 1, None, closed="left")],
        "horizon": [Interval(Integral, 0, None, closed="left")],
        "stride": [Interval(Integral, 1, None, closed="left")],
        "embargo": [Interval(Integral, 0, None, closed="left")],
        "test_size": [Interval(Integral, 1, None, closed="left"), None],
        "max_train_size": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(self, n_splits=5, *, window, horizon=1, stride=1, embargo=0,
                 test_size=None, max_train_size=None):
        super().__init__(n_splits, shuffle=False, random_state=None)
        self.window = window
        self.horizon = horizon
        self.stride = stride
        self.embargo = embargo
        self.test_size = test_size
        self.max_train_size = max_train_size

    def _validate_params(self):
        validate_parameter_constraints(
            self._parameter_constraints,
            {name: getattr(self, name) for name in self._parameter_constraints},
            caller_name=type(self).__name__,
        )

    def _purge_gap(self):
        """Windows dropped between the last training and first test window.

        Window ``j`` spans the steps ``j * stride`` to
        ``j * stride + window - 1 + horizon`` (its label included). A training
        window ``j`` is kept before test window ``i`` only if
        ``(i - j) * stride >= window + horizon + embargo``.
        """
        reach = self.window + self.horizon + self.embargo
        return math.ceil(reach / self.stride) - 1

    def _folds(self, n_samples, where=""):
        """List of (train, test) positions for the windows of one series."""
        n_splits, gap = self.n_splits, self._purge_gap()
        test_size = self.test_size
        if test_size is None:
            test_size = (n_samples - gap) // (n_splits + 1)
        n_first_train = n_samples - gap - n_splits * test_size
        if test_size < 1 or n_first_train < 1:
            needed = gap + n_splits * (self.test_size or 1) + 1
            if test_size < 1:
                problem = (f"{max(n_samples - gap, 0)} windows are left, "
                           f"fewer than n_splits + 1 = {n_splits + 1}")
            else:
                problem = (f"{n_splits} test folds of test_size={test_size} "
                           f"leave {max(n_first_train, 0)} windows for the "
                           "first training set")
            raise ValueError(
                f"Too many splits={n_splits} for {n_samples} windows{where}: "
                f"with window={self.window}, horizon={self.horizon}, "
                f"embargo={self.embargo} and stride={self.stride}, {gap} "
                f"windows are purged before each test fold and {problem}. At "
                f"least {needed} windows are needed: use fewer splits, a "
                "smaller test_size, or more data."
            )
        folds = []
        for test_start in range(n_samples - n_splits * test_size, n_samples,
                                test_size):
            train_stop = test_start - gap
            train_start = 0
            if self.max_train_size is not None:
                train_start = max(0, train_stop - self.max_train_size)
            folds.append((np.arange(train_start, train_stop),
                          np.arange(test_start, test_start + test_size)))
        return folds


class PurgedTimeSeriesSplit(_BasePurgedSplit):
    """Forward-chaining splits of overlapping windows, without leakage.

    Like scikit-learn's ``TimeSeriesSplit``, the k-th split trains on the
    windows before the k-th test fold and tests on the fold. Unlike it, the
    gap between the two is computed from how the windows were cut (see
    :func:`skseq.datasets.make_windows`): every training window whose steps,
    label step included, come within ``embargo`` steps of the first test
    window is dropped. No training window then shares a step with any test
    window of its split.

    The samples must be windows of one series, in time order, ``stride``
    steps apart, as ``make_windows`` returns them. For several series use
    :class:`GroupedPurgedTimeSeriesSplit`.

    Parameters
    ----------
    n_splits : int, default=5
        Number of splits. Must be at least 2.
    window : int
        Steps in each window, as given to ``make_windows``.
    horizon : int, default=1
        Steps between a window's last step and its label step.
    stride : int, default=1
        Steps between the starts of consecutive windows.
    embargo : int, default=0
        Extra steps kept free between the last training label and the first
        test window, for series whose values stay correlated for a while.
    test_size : int or None, default=None
        Windows per test fold. ``None`` uses
        ``(n_samples - gap) // (n_splits + 1)``, so that the first training
        set is about as large as a test fold.
    max_train_size : int or None, default=None
        Keep at most this many (most recent) windows in a training set.

    Notes
    -----
    Window ``j`` covers the steps ``j * stride`` to
    ``j * stride + window - 1 + horizon``. The number of windows left out
    before each test fold is ``ceil((window + horizon + embargo) / stride) -
    1``; with ``window=1, horizon=0`` this is ``TimeSeriesSplit(gap=0)``.

    See Also
    --------
    sklearn.model_selection.TimeSeriesSplit : The same scheme with a fixed gap.
    GroupedPurgedTimeSeriesSplit : The same, for many independent series.

    Examples
    --------
    >>> import numpy as np
    >>> from skseq.datasets import make_windows
    >>> from skseq.model_selection import PurgedTimeSeriesSplit
    >>> X, y = make_windows(np.arange(1.0, 14.0), 3)  # 10 windows
    >>> cv = PurgedTimeSeriesSplit(n_splits=2, window=3, horizon=1)
    >>> for train, test in cv.split(X):
    ...     print(train, test)
    [0 1 2] [6 7]
    [0 1 2 3 4] [8 9]

    Window 2 spans steps 2 to 5 (its label step included) and test window 6
    starts at step 6, so windows 3 to 5 are purged from the first split.
    Settings that leave no room for training are reported with the numbers:

    >>> PurgedTimeSeriesSplit(n_splits=3, window=3, test_size=3).split(X)
    Traceback (most recent call last):
        ...
    ValueError: Too many splits=3 for 10 windows: with window=3, horizon=1, \
embargo=0 and stride=1, 3 windows are purged before each test fold and 3 \
test folds of test_size=3 leave 0 windows for the first training set. At \
least 13 windows are needed: ...
    """

    def split(self, X, y=None, groups=None):
        """Generate indices to split data into training and test set.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Windows of one series in time order.
        y : array-like of shape (n_samples,), default=None
            Always ignored, exists for API compatibility.
        groups : array-like of shape (n_samples,), default=None
            Ignored, with a warning; use
            :class:`GroupedPurgedTimeSeriesSplit` for several series.

        Yields
        ------
        train : ndarray
            The training set indices for that split.
        test : ndarray
            The testing set indices for that split.
        """
        if groups is not None:
            warnings.warn(
                f"The groups parameter is ignored by {type(self).__name__}, "
                "which treats all windows as one series. Use "
                "GroupedPurgedTimeSeriesSplit for windows of several series.",
                UserWarning,
            )
        self._validate_params()
        (X,) = indexable(X)
        # Folds are computed up front so that errors show at the call.
        return iter(self._folds(_num_samples(X)))


class GroupedPurgedTimeSeriesSplit(GroupsConsumerMixin, _BasePurgedSplit):
    """Purged forward-chaining splits of windows from many series.

    Each series (group) is split on its own clock exactly as
    :class:`PurgedTimeSeriesSplit` would split it alone, and the k-th folds of
    all series are joined into the k-th split. So every test fold holds the
    later part of every series, and no training window overlaps a test
    window of the same series. Windows of different series never overlap.

    Windows of a series must be in time order (they may be interleaved with
    other series' windows), as :func:`skseq.datasets.make_windows` returns
    them with ``index.group`` as ``groups``. Series that share a calendar
    (panel data) are split at the same dates when they cover the same
    period; series of different spans are split at different dates.

    Parameters
    ----------
    n_splits : int, default=5
        Number of splits. Must be at least 2.
    window : int
        Steps in each window, as given to ``make_windows``.
    horizon : int, default=1
        Steps between a window's last step and its label step.
    stride : int, default=1
        Steps between the starts of consecutive windows.
    embargo : int, default=0
        Extra steps kept free between the last training label and the first
        test window of each series.
    test_size : int or None, default=None
        Windows per test fold *in each series*. ``None`` uses
        ``(n_windows - gap) // (n_splits + 1)`` of each series.
    max_train_size : int or None, default=None
        Keep at most this many (most recent) windows of each series in a
        training set.

    See Also
    --------
    PurgedTimeSeriesSplit : The same for a single series.

    Examples
    --------
    >>> import numpy as np
    >>> from skseq.datasets import make_windows
    >>> from skseq.model_selection import GroupedPurgedTimeSeriesSplit
    >>> series = [np.arange(10.0), np.arange(8.0)]
    >>> X, y, index = make_windows(series, 2, return_index=True)
    >>> index.group
    array([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
    >>> cv = GroupedPurgedTimeSeriesSplit(n_splits=2, window=2)
    >>> for train, test in cv.split(X, groups=index.group):
    ...     print(train, test)
    [0 1 8 9] [ 4  5 12]
    [ 0  1  2  3  8  9 10] [ 6  7 13]
    """

    def split(self, X, y=None, groups=None):
        """Generate indices to split data into training and test set.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Windows, in time order within each series.
        y : array-like of shape (n_samples,), default=None
            Always ignored, exists for API compatibility.
        groups : array-like of shape (n_samples,)
            Series label of each window (``index.group`` of
            ``make_windows``).

        Yields
        ------
        train : ndarray
            The training set indices for that split.
        test : ndarray
            The testing set indices for that split.
        """
        if groups is None:
            raise ValueError(
                f"The 'groups' parameter should not be None: "
                f"{type(self).__name__} needs the series label of each "
                "window, e.g. index.group from make_windows(..., "
                "return_index=True)."
            )
        self._validate_params()
        X, y, groups = indexable(X, y, groups)
        groups = np.asarray(groups)
        if groups.shape != (_num_samples(X),):
            raise ValueError(
                f"groups must have one label per window: X has "
                f"{_num_samples(X)} samples, groups has shape {groups.shape}."
            )
        import pandas as pd

        missing = pd.isna(groups)
        if missing.any():
            # NaN != NaN: a NaN group matched none of its own windows.
            raise ValueError(
                f"groups has missing values ({int(missing.sum())} window(s), "
                f"e.g. window {int(np.flatnonzero(missing)[0])}): every "
                "window needs the label of its series. Fill them, e.g. "
                "with the series' name.")
        per_group = []
        # First-seen order without sorting: labels of mixed types (1 and
        # 'b') do not compare.
        codes, labels = pd.factorize(groups)
        for code, label in enumerate(labels):
            positions = np.flatnonzero(codes == code)
            # 1 or 'a' in the message, not np.int64(1) (labels of an
            # object array, e.g. pandas' strings, are Python objects).
            where = f" in group {python_scalar(label)!r}"
            folds = self._folds(len(positions), where=where)
            per_group.append([(positions[tr], positions[te])
                              for tr, te in folds])
        return iter([
            (np.sort(np.concatenate([g[k][0] for g in per_group])),
             np.sort(np.concatenate([g[k][1] for g in per_group])))
            for k in range(self.n_splits)
        ])
