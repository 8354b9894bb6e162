"""Tests for the purged time-series splitters."""

import re
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn import config_context
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    TimeSeriesSplit,
    cross_val_score,
    cross_validate,
)
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils._param_validation import InvalidParameterError

from skseq.datasets import make_windows
from skseq.model_selection import (
    GroupedPurgedTimeSeriesSplit,
    PurgedTimeSeriesSplit,
)


def _flatten(X):
    return X.reshape(len(X), -1)


def _flat(estimator):
    return make_pipeline(FunctionTransformer(_flatten), estimator)


def _assert_no_overlap(train, test, index, embargo=0):
    """No training window, label step included, comes near a test window."""
    for g in np.unique(index.group[test]):
        tr = train[index.group[train] == g]
        te = test[index.group[test] == g]
        if len(tr) == 0:
            continue
        # Every (train, test) pair of intervals [start, label_time] of the
        # same series must be disjoint, with ``embargo`` free steps between.
        tr_lo, tr_hi = index.start[tr][:, None], index.label_time[tr][:, None]
        te_lo, te_hi = index.start[te][None, :], index.label_time[te][None, :]
        disjoint = (tr_hi + embargo < te_lo) | (te_hi + embargo < tr_lo)
        assert disjoint.all()
        # Forward chaining: training windows all come before the test fold.
        assert index.start[tr].max() < index.start[te].min()


SETTINGS = [
    # window, horizon, stride, embargo, n_splits, test_size, max_train_size
    (1, 0, 1, 0, 5, None, None),
    (10, 1, 1, 0, 5, None, None),
    (10, 5, 1, 0, 3, None, None),
    (20, 3, 4, 0, 4, None, None),
    (20, 3, 4, 7, 4, 10, None),
    (8, 2, 10, 0, 5, None, None),  # stride > window: no purge needed
    (15, 1, 3, 2, 3, 12, 30),
]


@pytest.mark.parametrize(
    "window, horizon, stride, embargo, n_splits, test_size, max_train_size",
    SETTINGS)
def test_no_training_window_overlaps_a_test_window(
        window, horizon, stride, embargo, n_splits, test_size, max_train_size):
    series = np.random.default_rng(0).normal(size=400)
    X, y, index = make_windows(series, window, stride=stride, horizon=horizon,
                               return_index=True)
    cv = PurgedTimeSeriesSplit(n_splits, window=window, horizon=horizon,
                               stride=stride, embargo=embargo,
                               test_size=test_size,
                               max_train_size=max_train_size)
    splits = list(cv.split(X, y))
    assert len(splits) == cv.get_n_splits() == n_splits
    tests = np.concatenate([test for _, test in splits])
    # Test folds are consecutive, disjoint and end with the last window.
    assert_array_equal(tests, np.arange(len(X) - len(tests), len(X)))
    for train, test in splits:
        assert len(train) > 0
        if test_size is not None:
            assert len(test) == test_size
        if max_train_size is not None:
            assert len(train) <= max_train_size
        assert_array_equal(train, np.arange(train[0], train[-1] + 1))
        _assert_no_overlap(train, test, index, embargo)
        # The purge is tight: the first dropped window would overlap.
        dropped = train[-1] + 1
        if dropped < test[0]:
            assert (index.label_time[dropped] + embargo
                    >= index.start[test[0]])


def test_default_test_size_leaves_a_first_training_set_of_a_fold():
    X = np.zeros((100, 10, 1))
    cv = PurgedTimeSeriesSplit(4, window=10, horizon=1)  # 10 windows purged
    splits = list(cv.split(X))
    assert [len(test) for _, test in splits] == [18] * 4
    assert len(splits[0][0]) == 100 - 10 - 4 * 18


def test_equals_time_series_split_with_the_computed_gap():
    X = np.zeros((60, 3))
    for ours, theirs in [
        (PurgedTimeSeriesSplit(5, window=1, horizon=0), TimeSeriesSplit(5)),
        (PurgedTimeSeriesSplit(3, window=5, horizon=2, test_size=8),
         TimeSeriesSplit(3, test_size=8, gap=6)),
        (PurgedTimeSeriesSplit(3, window=9, horizon=3, stride=4, embargo=1,
                               test_size=5, max_train_size=20),
         TimeSeriesSplit(3, test_size=5, gap=3, max_train_size=20)),
    ]:
        for (a_tr, a_te), (b_tr, b_te) in zip(ours.split(X), theirs.split(X),
                                              strict=True):
            assert_array_equal(a_tr, b_tr)
            assert_array_equal(a_te, b_te)


def test_too_many_splits_error_states_the_numbers():
    X = np.zeros((30, 5, 1))
    cv = PurgedTimeSeriesSplit(5, window=20, horizon=5)
    assert len(list(cv.split(X))) == 5  # exactly enough: 24 purged + 6
    msg = ("Too many splits=5 for 29 windows: with window=20, horizon=5, "
           "embargo=0 and stride=1, 24 windows are purged before each test "
           "fold and 5 windows are left, fewer than n_splits + 1 = 6. At "
           "least 30 windows are needed")
    # Raised at the call, before any fold is used.
    with pytest.raises(ValueError, match=re.escape(msg)):
        cv.split(X[:29])
    cv = PurgedTimeSeriesSplit(3, window=6, stride=2, test_size=8)
    msg = ("with window=6, horizon=1, embargo=0 and stride=2, 3 windows are "
           "purged before each test fold and 3 test folds of test_size=8 "
           "leave 0 windows for the first training set. At least 28 windows "
           "are needed")
    assert len(list(cv.split(X[:28]))) == 3
    with pytest.raises(ValueError, match=re.escape(msg)):
        cv.split(X[:27])


@pytest.mark.parametrize("kwargs, match", [
    ({"window": 0}, "'window' parameter of PurgedTimeSeriesSplit"),
    ({"window": 3, "horizon": -1}, "'horizon' parameter"),
    ({"window": 3, "stride": 0}, "'stride' parameter"),
    ({"window": 3, "embargo": 1.5}, "'embargo' parameter"),
    ({"window": 3, "test_size": 0}, "'test_size' parameter"),
    ({"window": 3, "max_train_size": 0}, "'max_train_size' parameter"),
])
def test_invalid_parameters_are_named(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        PurgedTimeSeriesSplit(3, **kwargs).split(np.zeros((50, 1)))


def test_n_splits_and_window_are_required():
    with pytest.raises(ValueError, match="n_splits=1"):
        PurgedTimeSeriesSplit(1, window=3)
    with pytest.raises(TypeError, match="window"):
        PurgedTimeSeriesSplit(3)
    assert " ".join(repr(PurgedTimeSeriesSplit(3, window=7)).split()) == (
        "PurgedTimeSeriesSplit(embargo=0, horizon=1, max_train_size=None, "
        "n_splits=3, stride=1, test_size=None, window=7)")


def test_groups_are_ignored_with_a_warning():
    X = np.zeros((40, 1))
    cv = PurgedTimeSeriesSplit(3, window=2)
    with pytest.warns(UserWarning, match="GroupedPurgedTimeSeriesSplit"):
        with_groups = list(cv.split(X, groups=np.zeros(40)))
    for (a, b), (c, d) in zip(with_groups, cv.split(X), strict=True):
        assert_array_equal(a, c)
        assert_array_equal(b, d)


def _several_series(lengths, window, horizon, stride, seed=0):
    rng = np.random.default_rng(seed)
    series = [rng.normal(size=n) for n in lengths]
    return make_windows(series, window, stride=stride, horizon=horizon,
                        return_index=True)


@pytest.mark.parametrize("window, horizon, stride, embargo, test_size", [
    (5, 1, 1, 0, None), (12, 4, 3, 2, None), (6, 2, 2, 0, 4),
])
def test_grouped_split_is_purged_within_every_series(window, horizon, stride,
                                                     embargo, test_size):
    X, y, index = _several_series([120, 90, 200, 75], window, horizon, stride)
    cv = GroupedPurgedTimeSeriesSplit(3, window=window, horizon=horizon,
                                      stride=stride, embargo=embargo,
                                      test_size=test_size)
    splits = list(cv.split(X, y, groups=index.group))
    assert len(splits) == cv.get_n_splits() == 3
    seen_test = np.zeros(len(X), dtype=bool)
    for train, test in splits:
        assert np.intersect1d(train, test).size == 0
        assert not seen_test[test].any()
        seen_test[test] = True
        # Every series is trained on and tested in every split.
        assert set(index.group[test]) == set(index.group[train]) == set(
            range(4))
        _assert_no_overlap(train, test, index, embargo)
    for g in range(4):
        # Each series is split exactly as it would be alone.
        rows = np.flatnonzero(index.group == g)
        alone = PurgedTimeSeriesSplit(3, window=window, horizon=horizon,
                                      stride=stride, embargo=embargo,
                                      test_size=test_size).split(X[rows])
        for (train, test), (a_tr, a_te) in zip(splits, alone, strict=True):
            assert_array_equal(np.intersect1d(train, rows), rows[a_tr])
            assert_array_equal(np.intersect1d(test, rows), rows[a_te])


def test_grouped_split_accepts_interleaved_series():
    X, y, index = _several_series([60, 45], 5, 1, 1)
    order = np.argsort(index.start, kind="stable")  # interleave by time
    cv = GroupedPurgedTimeSeriesSplit(3, window=5)
    ordered = list(cv.split(X, groups=index.group))
    mixed = list(cv.split(X[order], groups=index.group[order]))
    for (a_tr, a_te), (b_tr, b_te) in zip(ordered, mixed, strict=True):
        assert_array_equal(np.sort(order[b_tr]), a_tr)
        assert_array_equal(np.sort(order[b_te]), a_te)


def test_grouped_split_accepts_labels_of_pandas_and_object_arrays():
    # Labels of an object array (pandas' strings, a Categorical, Python
    # ints) are Python objects: "'str' object has no attribute 'item'".
    import pandas as pd

    X, y, index = _several_series([60, 45], 5, 1, 1)
    cv = GroupedPurgedTimeSeriesSplit(3, window=5)
    expected = list(cv.split(X, groups=index.group))
    names = np.where(index.group == 0, "AAPL", "MSFT")
    for groups in (pd.Series(names), pd.Categorical(names),
                   names.astype(object), index.group.astype(object)):
        for (a_tr, a_te), (b_tr, b_te) in zip(
                expected, cv.split(X, groups=groups), strict=True):
            assert_array_equal(a_tr, b_tr)
            assert_array_equal(a_te, b_te)
    with pytest.raises(ValueError, match="windows in group 'AAPL'"):
        GroupedPurgedTimeSeriesSplit(50, window=5).split(
            X, groups=pd.Series(names))


def test_grouped_split_takes_labels_of_mixed_types():
    # np.unique sorted the labels: "'<' not supported between 'int' and
    # 'str'".
    X, y, index = _several_series([60, 45], 5, 1, 1)
    cv = GroupedPurgedTimeSeriesSplit(3, window=5)
    mixed = np.array([1 if g == 0 else "b" for g in index.group], object)
    for (a_tr, a_te), (b_tr, b_te) in zip(
            cv.split(X, groups=index.group), cv.split(X, groups=mixed),
            strict=True):
        assert_array_equal(a_tr, b_tr)
        assert_array_equal(a_te, b_te)


def test_grouped_split_errors():
    X, y, index = _several_series([60, 12], 5, 1, 1)
    cv = GroupedPurgedTimeSeriesSplit(3, window=5)
    with pytest.raises(ValueError, match="'groups' parameter should not be "
                       "None"):
        cv.split(X)
    with pytest.raises(ValueError, match=r"inconsistent numbers of samples: "
                       r"\[62, 3\]"):
        cv.split(X, groups=[0, 1, 2])
    with pytest.raises(ValueError, match=r"groups has shape \(62, 2\)"):
        cv.split(X, groups=np.zeros((62, 2)))
    with pytest.raises(ValueError, match=re.escape(
            "Too many splits=3 for 7 windows in group 1: with window=5, "
            "horizon=1, embargo=0 and stride=1, 5 windows are purged")):
        cv.split(X, groups=index.group)
    # NaN labels matched none of their own windows ("0 windows in group
    # nan").
    groups = np.where(index.group == 1, np.nan, 0.0)
    with pytest.raises(ValueError, match=r"groups has missing values \(7 "
                                         r"window\(s\), e.g. window 55\)"):
        GroupedPurgedTimeSeriesSplit(2, window=5).split(X, groups=groups)


def test_cross_validate_and_grid_search_accept_the_splitters():
    rng = np.random.default_rng(0)
    X, y, index = make_windows(rng.normal(size=300), 10, horizon=2,
                               return_index=True)
    cv = PurgedTimeSeriesSplit(4, window=10, horizon=2)
    result = cross_validate(_flat(LogisticRegression()), X, y, cv=cv,
                            return_indices=True)
    assert len(result["test_score"]) == 4
    for got, (train, test) in zip(result["indices"]["train"], cv.split(X)):
        assert_array_equal(got, train)

    search = GridSearchCV(_flat(KNeighborsClassifier()),
                          {"kneighborsclassifier__n_neighbors": [1, 5]},
                          cv=cv).fit(X, y)
    assert search.n_splits_ == 4
    assert "split3_test_score" in search.cv_results_
    assert "split4_test_score" not in search.cv_results_

    X, y, index = _several_series([150, 100], 10, 2, 1)
    grouped = GroupedPurgedTimeSeriesSplit(3, window=10, horizon=2)
    search = GridSearchCV(_flat(LogisticRegression()),
                          {"logisticregression__C": [0.1, 1.0]}, cv=grouped)
    search.fit(X, y, groups=index.group)
    assert search.n_splits_ == 3
    with config_context(enable_metadata_routing=True):
        scores = cross_val_score(_flat(LogisticRegression()), X, y,
                                 cv=grouped, params={"groups": index.group})
    assert len(scores) == 3


def test_shuffled_kfold_leaks_on_a_random_walk_but_purged_split_does_not():
    # A random walk has no signal: the direction over the next 10 steps is a
    # coin flip. Overlapping windows share 9 of their 10 label steps with
    # their neighbours, and 1-NN-like models find those neighbours, so a
    # shuffled KFold reports skill that is not there.
    window, horizon = 20, 10
    knn = _flat(KNeighborsClassifier(n_neighbors=5))
    leaky, purged = [], []
    for seed in range(3):
        walk = np.cumsum(np.random.default_rng(seed).normal(size=1200))
        X, y = make_windows(walk, window, horizon=horizon, target="direction")
        leaky.append(cross_val_score(
            knn, X, y, scoring="balanced_accuracy",
            cv=KFold(5, shuffle=True, random_state=0)).mean())
        purged.append(cross_val_score(
            knn, X, y, scoring="balanced_accuracy",
            cv=PurgedTimeSeriesSplit(5, window=window,
                                     horizon=horizon)).mean())
    # Measured: shuffled 0.75, 0.74, 0.74; purged 0.48, 0.50, 0.53.
    assert min(leaky) > 0.68
    assert 0.42 < np.mean(purged) < 0.58
    assert min(leaky) - max(purged) > 0.12


def test_grid_search_of_lstm_with_purged_split():
    from skseq import LSTMClassifier

    # The sign of a noisy sine's next value: learnable from a window.
    t = np.arange(400)
    rng = np.random.default_rng(0)
    series = np.sin(2 * np.pi * t / 25) + 0.2 * rng.normal(size=len(t))
    X, y = make_windows(series, 12, stride=2, target="sign")
    cv = PurgedTimeSeriesSplit(2, window=12, stride=2)
    # The plain LSTM: five fits that test the splitter's plumbing, at a
    # third of conv_lstm's graph-building time.
    lstm = LSTMClassifier(units=4, epochs=2, batch_size=64,
                          architecture="lstm", n_iter_no_change=None,
                          mask_value=None, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        search = GridSearchCV(lstm, {"units": [4, 8]}, cv=cv,
                              error_score="raise").fit(X, y)
    assert search.n_splits_ == 2
    assert search.best_params_["units"] in (4, 8)
    scores = search.cv_results_["mean_test_score"]
    assert np.all((scores >= 0) & (scores <= 1))
    assert search.predict(X[:5]).shape == (5,)
    assert search.best_estimator_.n_features_in_ == 1
