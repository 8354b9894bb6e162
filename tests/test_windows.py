"""Tests for skseq.datasets.make_windows and the bundled CO2 series."""

import re

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal
from sklearn.utils._param_validation import InvalidParameterError

from skseq.datasets import load_co2, make_windows


def _series(n_time=50, n_features=1, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n_time, n_features))


def test_sign_of_next_value_after_100_step_window_stride_10():
    returns = _series(1000)[:, 0]
    X, y, index = make_windows(returns, 100, stride=10, return_index=True)
    # Starts 0, 10, ..., 890: the last window ends at 989, its label at 990.
    assert X.shape == (90, 100, 1)
    assert_array_equal(index.start, np.arange(0, 900, 10))
    assert_array_equal(index.end, index.start + 99)
    assert_array_equal(index.label_time, index.start + 100)
    assert_array_equal(index.group, np.zeros(90))
    for i in (0, 1, 45, 89):
        assert_array_equal(X[i, :, 0], returns[10 * i:10 * i + 100])
        assert y[i] == int(returns[10 * i + 100] > 0)
    assert y.dtype.kind == "i" and set(np.unique(y)) == {0, 1}


@pytest.mark.parametrize("window, stride, horizon", [
    (1, 1, 0), (5, 1, 1), (5, 3, 4), (7, 7, 2), (10, 2, 0),
])
def test_windows_match_index_for_multivariate_series(window, stride, horizon):
    series = _series(40, n_features=3)
    X, y, index = make_windows(series, window, stride=stride, horizon=horizon,
                               target="value", target_column=2,
                               return_index=True)
    expected = (40 - window - horizon) // stride + 1
    assert X.shape == (expected, window, 3)
    assert_array_equal(np.diff(index.start), stride)
    assert index.label_time[-1] <= 39
    # One more window would not have fitted.
    assert index.label_time[-1] + stride > 39
    for i in range(expected):
        assert_array_equal(X[i], series[index.start[i]:index.end[i] + 1])
        assert y[i] == series[index.label_time[i], 2]


def test_direction_target_compares_label_with_last_step():
    levels = np.array([1., 2., 3., 2., 5., 4., 4., 6.])
    X, y = make_windows(levels, 2, horizon=2, target="direction")
    # Last steps 2, 3, 2, 5, 4 against label steps 2, 5, 4, 4, 6.
    assert_array_equal(y, [0, 1, 1, 0, 1])
    X, y = make_windows(levels, 3, horizon=1, target="sign")
    assert_array_equal(y, np.ones(5))


def test_callable_target_sees_window_and_next_horizon_steps():
    series = _series(30, n_features=2)
    seen = []

    def target(past, future):
        seen.append((past.copy(), future.copy()))
        past[:] = 0.0  # must not reach X or the caller's series
        return future[:, 1].sum() - past[-1, 0]

    original = series.copy()
    X, y, index = make_windows(series, 6, stride=4, horizon=3, target=target,
                               return_index=True)
    assert_array_equal(series, original)
    assert len(seen) == len(X)
    for (past, future), start, end, label, Xi, yi in zip(
            seen, index.start, index.end, index.label_time, X, y):
        assert_array_equal(past, series[start:end + 1])
        assert_array_equal(Xi, past)
        assert_array_equal(future, series[end + 1:label + 1])
        assert yi == pytest.approx(future[:, 1].sum())


def test_several_series_get_groups_and_never_mix():
    a, b, c = _series(20, 2, seed=1), _series(13, 2, seed=2), _series(9, 2, 3)
    X, y, index = make_windows([a, b, c], 4, stride=2, horizon=2,
                               target="value", return_index=True)
    counts = [(len(s) - 4 - 2) // 2 + 1 for s in (a, b, c)]
    assert_array_equal(np.bincount(index.group), counts)
    assert_array_equal(index.group, np.repeat([0, 1, 2], counts))
    for i, g in enumerate(index.group):
        source = (a, b, c)[g]
        assert_array_equal(X[i], source[index.start[i]:index.end[i] + 1])
        assert index.label_time[i] < len(source)
        assert y[i] == source[index.label_time[i], 0]
    # Positions restart with every series.
    assert index.start[counts[0]] == 0


def test_three_d_array_is_several_series_and_list_of_numbers_is_one():
    stack = _series(60, 2).reshape(3, 20, 2)
    X3, y3 = make_windows(stack, 5)
    Xl, yl = make_windows(list(stack), 5)
    assert_array_equal(X3, Xl)
    assert_array_equal(y3, yl)
    X, y = make_windows([1.0, -2.0, 3.0, -4.0], 2)
    assert X.shape == (2, 2, 1)
    assert_array_equal(y, [1, 0])


def test_pandas_input_and_named_target_column():
    frame = pd.DataFrame({"price": np.arange(10.0), "ret": np.tile([1.0, -1.0], 5)})
    X, y = make_windows(frame, 3, target="sign", target_column="ret")
    assert X.shape == (7, 3, 2)
    assert_array_equal(y, [0, 1, 0, 1, 0, 1, 0])
    X, y = make_windows(frame["price"], 3, target="direction")
    assert_array_equal(y, np.ones(7))


def test_frames_are_matched_by_column_name_not_position():
    a = pd.DataFrame({"price": np.arange(1.0, 7.0), "volume": -np.ones(6)})
    b = a[["volume", "price"]]  # the same columns, another order
    X, y = make_windows([a, b], 3, target="sign", target_column="price")
    assert_array_equal(y, np.ones(6))
    assert_array_equal(X[:3], X[3:])
    with pytest.raises(ValueError, match=r"series\[1\] has columns "
                                         r"\['price', 'size'\]"):
        make_windows([a, a.rename(columns={"volume": "size"})], 3,
                     target_column="price")


def test_a_time_index_out_of_order_is_refused():
    # Windows were cut from shuffled time silently (after df.sample).
    times = pd.date_range("2020-01-01", periods=30, freq="D")
    series = pd.Series(np.arange(30.0), index=times)
    shuffled = series.sample(frac=1, random_state=0)
    with pytest.raises(ValueError, match=r"series\[1\] has a time index "
                       "out of order .*sort_index"):
        make_windows([series, shuffled], 5)
    X, y = make_windows(shuffled.sort_index(), 5, target="value")
    np.testing.assert_array_equal(X[:, :, 0], make_windows(
        series, 5, target="value")[0][:, :, 0])
    # A missing time (NaT) is named, not a bare IndexError.
    with pytest.raises(ValueError, match=r"missing times \(NaT, first at "
                       r"row 3\)"):
        make_windows(pd.Series(np.arange(30.0), index=times.where(
            np.arange(30) != 3)), 5)
    # A numeric index may be row ids: left as given.
    make_windows(pd.Series(np.arange(30.0), index=np.arange(30)[::-1]), 5)


def test_a_panel_frame_is_windowed_series_by_series():
    # A (series, time) MultiIndex frame was windowed as one series: a
    # window crossed from one ticker into the next and took its label there.
    dates = pd.date_range("2020-01-01", periods=6, freq="D")
    index = pd.MultiIndex.from_product([["AAA", "BBB"], dates],
                                       names=["ticker", "date"])
    panel = pd.DataFrame({"ret": np.r_[np.arange(1.0, 7.0),
                                       -np.arange(1.0, 7.0)],
                          "vol": np.arange(12.0)}, index=index)
    X, y, where = make_windows(panel, 3, target="value", return_index=True)
    Xs, ys = zip(*(make_windows(panel.loc[t], 3, target="value")
                   for t in ("AAA", "BBB")))
    assert_array_equal(X, np.concatenate(Xs))
    assert_array_equal(y, np.concatenate(ys))
    assert_array_equal(where.group, [0, 0, 0, 1, 1, 1])
    # Rows interleaved by date: each series still in its own order.
    X2, y2 = make_windows(panel.sort_index(level="date"), 3, target="value")
    assert_array_equal(X2, X)
    assert_array_equal(y2, y)
    assert_array_equal(make_windows(panel["ret"], 3, target="value")[1], y)
    with pytest.raises(ValueError, match=r"series 'BBB' has a time index "
                       r"out of order .*series\.sort_index"):
        make_windows(panel.iloc[[0, 1, 2, 3, 4, 5, 7, 6, 8, 9, 10, 11]], 3)
    # A too-short series is named by its key.
    with pytest.raises(ValueError, match="series 'AAA' has 6 steps"):
        make_windows(panel, 6)
    # The frames of panel.groupby keep their MultiIndex: one series each.
    X3, y3 = make_windows([part for _, part in panel.groupby(level=0)], 3,
                          target="value")
    assert_array_equal(X3, X)
    assert_array_equal(y3, y)
    with pytest.raises(ValueError, match=r"series\[1\] is a panel of 2 "
                       "series"):
        make_windows([panel.loc["AAA"], panel], 3)
    # (series..., time) as in sktime: all levels but the last name a series.
    regions = panel.set_index(pd.Index(np.repeat(["eu", "us"], 6),
                                       name="region"), append=True)
    regions = regions.reorder_levels(["region", "ticker", "date"])
    _, _, where3 = make_windows(regions, 3, return_index=True)
    assert_array_equal(where3.group, where.group)
    swapped = panel.swaplevel().sort_index()
    with pytest.raises(ValueError, match="first level is time and last is "
                       r"not.*swaplevel\(\)"):
        make_windows(swapped, 3)
    with pytest.raises(ValueError, match=r"series\[0\] has a MultiIndex "
                       r"\['date', 'ticker'\] whose first level is time"):
        make_windows([part for _, part in swapped.groupby(level=0)], 3)
    with pytest.raises(ValueError, match="series has no rows"):
        make_windows(panel.iloc[:0], 3)
    # A category no row has is no series.
    categorical = panel.copy()
    categorical.index = pd.MultiIndex.from_arrays(
        [pd.CategoricalIndex(index.get_level_values(0),
                             categories=["AAA", "BBB", "CCC"]),
         index.get_level_values(1)])
    assert_array_equal(make_windows(categorical, 3, target="value")[1], y)
    unnamed = panel.copy()
    unnamed.index = pd.MultiIndex.from_arrays(
        [np.array(["AAA"] * 5 + [None] + ["BBB"] * 6, dtype=object),
         index.get_level_values(1)])
    with pytest.raises(ValueError, match=r"missing values \(NaN\) in the "
                       "index levels that name its series"):
        make_windows(unnamed, 3)


def test_a_column_that_is_not_numbers_is_named():
    # A date column left in the frame failed inside float() (TypeError).
    frame = pd.DataFrame({"x": np.arange(8.0),
                          "date": pd.date_range("2020", periods=8)})
    with pytest.raises(ValueError, match="column 'date' of dtype datetime64"
                       r".*set_index"):
        make_windows(frame, 3)
    with pytest.raises(ValueError, match="column 'side' of dtype"):
        make_windows(frame.drop(columns="date").assign(side=list("ab") * 4),
                     3)
    # Numbers held as objects are numbers.
    X, _ = make_windows(frame.drop(columns="date").astype(object), 3)
    assert X.dtype == np.float64 and X.shape == (5, 3, 1)


def test_windows_are_a_copy():
    series = _series(12)
    original = series.copy()
    X, _ = make_windows(series, 4)
    X[:] = 99.0
    assert_array_equal(series, original)
    assert X.flags.writeable and X.flags.c_contiguous


def test_too_short_series_error_states_the_numbers():
    msg = re.escape("series[1] has 5 steps, fewer than window=4 + horizon=2 "
                    "= 6 needed")
    with pytest.raises(ValueError, match=msg):
        make_windows([np.ones(10), np.ones(5)], 4, horizon=2)
    with pytest.raises(ValueError, match="series has 3 steps"):
        make_windows(np.ones(3), 3)
    # The first of a list is series[0], not "series".
    with pytest.raises(ValueError, match=re.escape("series[0] has 2 steps")):
        make_windows([np.ones(2), np.ones(10)], 3)


@pytest.mark.parametrize("kwargs, match", [
    ({"window": 0}, "'window' parameter of make_windows must be an int"),
    ({"window": 2, "stride": 0}, "'stride' parameter"),
    ({"window": 2, "horizon": -1}, "'horizon' parameter"),
    ({"window": 2, "target": "up"}, "'target' parameter"),
])
def test_invalid_parameters_are_named(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        make_windows(np.ones(10), **kwargs)


def test_input_errors():
    with pytest.raises(ValueError, match="same number of features: "
                       r"series\[0\] has 2, series\[1\] has 3"):
        make_windows([np.ones((9, 2)), np.ones((9, 3))], 2)
    with pytest.raises(ValueError, match="NaN"):
        make_windows(np.array([1.0, np.nan, 2.0, 3.0]), 2)
    with pytest.raises(ValueError, match="target_column=3 is out of range "
                       "for series with 2 feature"):
        make_windows(np.ones((9, 2)), 2, target_column=3)
    with pytest.raises(ValueError, match="'close' not found: the series has "
                       "no column names"):
        make_windows(np.ones((9, 2)), 2, target_column="close")
    # True read as column 1; a named Series' name is not a column name.
    with pytest.raises(ValueError, match="position \\(int\\) or name "
                       "\\(str\\); got True"):
        make_windows(np.ones((9, 2)), 2, target_column=True)
    with pytest.raises(ValueError, match=r"no column names \(a single "
                       r"series is column 0\)"):
        make_windows(pd.Series(np.arange(9.0), name="close"), 2,
                     target_column="close")
    with pytest.raises(ValueError, match="needs horizon >= 1; got horizon=0"):
        make_windows(np.ones(9), 2, horizon=0, target="direction")
    with pytest.raises(ValueError, match="one scalar label per window"):
        make_windows(np.ones(9), 2, target=lambda past, future: past[0])
    with pytest.raises(ValueError, match="must be 1-D"):
        make_windows([np.ones((3, 2, 2))], 2)


def test_load_co2():
    co2 = load_co2()
    assert isinstance(co2, pd.Series) and co2.name == "co2"
    assert len(co2) == 2284 and not co2.isna().any()
    assert isinstance(co2.index, pd.DatetimeIndex)
    assert (np.diff(co2.index.values) == np.timedelta64(7, "D")).all()
    assert 310 < co2.min() < co2.max() < 380
    raw = load_co2(interpolate=False)
    assert raw.isna().sum() == 59
    known = raw.notna()
    assert_array_equal(co2[known], raw[known])
    X, y = make_windows(co2, 52, stride=4, target="direction")
    assert X.shape == ((2284 - 53) // 4 + 1, 52, 1)
