"""aeon/sktime layouts <-> Keras order, against the libraries' own loaders."""

import warnings

import numpy as np
import pandas as pd
import pytest

from skseq.datasets import (channels_first_warning, from_channels_first,
                            from_multiindex, from_nested, load_ucr,
                            to_channels_first, to_multiindex, to_nested)

# Both libraries parse the same archive text into float64; allow for a
# different last bit from another parser.
RTOL = 1e-12


def _same_labels(y_lib, y):
    # aeon's and sktime's .ts readers lower-case class labels
    # ('Standing' -> 'standing'); skseq keeps the file's spelling.
    np.testing.assert_array_equal(np.char.lower(y_lib.astype(str)),
                                  np.char.lower(y.astype(str)))


def _ragged(seed=0, n_features=2):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(n, n_features)) for n in (5, 3, 8)]


# ------------------------------------------------------------ channels-first
def test_channels_first_round_trip_dense_copies():
    X = np.random.default_rng(0).normal(size=(4, 2, 7))
    X_before = X.copy()
    X_keras = from_channels_first(X)
    assert X_keras.shape == (4, 7, 2)
    np.testing.assert_array_equal(X_keras[1, :, 0], X[1, 0, :])
    np.testing.assert_array_equal(to_channels_first(X_keras), X)
    X_keras[:] = 0  # a new array, not a view of the caller's
    np.testing.assert_array_equal(X, X_before)


def test_channels_first_round_trip_ragged():
    X = _ragged()
    X_cf = to_channels_first(X)
    assert [x.shape for x in X_cf] == [(2, 5), (2, 3), (2, 8)]
    back = from_channels_first(X_cf)
    for a, b in zip(back, X):
        np.testing.assert_array_equal(a, b)


def test_univariate_2d_is_one_channel():
    X = np.arange(6.0).reshape(2, 3)  # aeon: (n_cases, n_timepoints)
    assert from_channels_first(X).shape == (2, 3, 1)
    assert to_channels_first(X).shape == (2, 1, 3)
    assert [x.shape for x in from_channels_first([np.ones(4), np.ones(2)])] \
        == [(4, 1), (2, 1)]


@pytest.mark.parametrize("X, message", [
    (np.zeros((2, 3, 4, 5)), "got an array of shape (2, 3, 4, 5)"),
    ([np.zeros((2, 5)), np.zeros((3, 5))],
     "X[0] has 2, X[1] has 3. Is X in Keras"),
    ([np.zeros((2, 2, 2))], "X[0] has shape (2, 2, 2)"),
    (np.array([["a", "b"]]), "holds strings"),
    ([], "empty list"),
    (pd.DataFrame({"x": [1.0]}), "use from_multiindex"),
])
def test_from_channels_first_errors(X, message):
    with pytest.raises(ValueError) as exc:
        from_channels_first(X)
    assert message in str(exc.value)


# ------------------------------------------------------------- pandas frames
def test_multiindex_round_trip_ragged_keeps_instance_order():
    X = _ragged()
    df = to_multiindex(X, columns=["a", "b"])
    assert list(df.columns) == ["a", "b"] and len(df) == 16
    # Time points in reverse within each instance: sorted again.
    back = from_multiindex(df.iloc[[4, 3, 2, 1, 0, 7, 6, 5, *range(15, 7, -1)]])
    assert isinstance(back, list)
    for a, b in zip(back, X):
        np.testing.assert_array_equal(a, b)
    # Instances keep the order of their first row (the order of y).
    back = from_multiindex(df.iloc[np.r_[5:8, 0:5, 8:16]])
    np.testing.assert_array_equal(back[0], X[1])
    np.testing.assert_array_equal(back[1], X[0])


def test_from_multiindex_matches_a_selection_per_instance_at_scale():
    # One sort for all instances (a selection per instance was quadratic).
    rng = np.random.default_rng(4)
    X = [rng.normal(size=(n, 2)) for n in rng.integers(1, 9, 1500)]
    shuffled = to_multiindex(X).sample(frac=1.0, random_state=0)
    instances = shuffled.index.get_level_values(0)
    expected = [shuffled[instances == key].sort_index(level=1).to_numpy()
                for key in pd.unique(instances)]
    back = from_multiindex(shuffled)
    assert len(back) == len(expected)
    for a, b in zip(back, expected):
        np.testing.assert_array_equal(a, b)


def test_from_multiindex_sorts_time_points_of_mixed_types_per_instance():
    # One sort over all time points failed where instances use time points
    # of types that do not compare ('<' between str and int).
    index = pd.MultiIndex.from_tuples([("a", 1), ("a", 0), ("b", "y"),
                                       ("b", "x")])
    back = from_multiindex(pd.DataFrame({"v": [1.0, 2, 3, 4]}, index=index))
    np.testing.assert_array_equal(back, [[[2.0], [1.0]], [[4.0], [3.0]]])
    # Within one instance they have no order: said, not a bare TypeError.
    index = pd.MultiIndex.from_tuples([("a", 1), ("a", 0), ("b", 1),
                                       ("b", "x")])
    with pytest.raises(ValueError, match="instance 'b' .*cannot be ordered"):
        from_multiindex(pd.DataFrame({"v": [1.0, 2, 3, 4]}, index=index))


def test_multiindex_equal_lengths_give_array():
    X = np.random.default_rng(1).normal(size=(3, 4, 2))
    np.testing.assert_array_equal(from_multiindex(to_multiindex(X)), X)
    assert isinstance(from_multiindex(to_multiindex(X), ragged=True), list)


@pytest.mark.parametrize("edit, message", [
    (lambda df: df.reset_index(drop=True), "exactly two levels"),
    (lambda df: df.assign(dim_0="x"), "Column(s) ['dim_0'] are not numeric"),
    (lambda df: df.assign(dim_1=df.dim_1.where(
        df.index.get_level_values(1) != 2)), "missing values"),
    (lambda df: to_nested(np.zeros((2, 3, 1))), "use from_nested"),
    # A repeated row made its sequence a step longer, silently.
    (lambda df: pd.concat([df, df.iloc[[4]]]),
     "repeated (instance, time) rows, e.g. instance 1 at time 1"),
    # Rows of a NaN instance vanished and an empty sequence took their
    # place; a NaN time point was sorted last.
    (lambda df: df.set_axis(pd.MultiIndex.from_arrays(
        [[0.0, 0, 0, np.nan, np.nan, np.nan], [0, 1, 2] * 2]), axis=0),
     "instance index level has missing values (NaN in 3 row(s), e.g. row 3)"),
    (lambda df: df.set_axis(pd.MultiIndex.from_arrays(
        [[0, 0, 0, 1, 1, 1], [0, np.nan, 2, 0, 1, 2]]), axis=0),
     "time index level has missing values (NaN in 1 row(s), e.g. row 1)"),
])
def test_from_multiindex_errors(edit, message):
    df = edit(to_multiindex(np.ones((2, 3, 2))))
    with pytest.raises(ValueError) as exc:
        from_multiindex(df)
    assert message in str(exc.value)


def test_nested_round_trip_ragged():
    X = _ragged(n_features=3)
    df = to_nested(X)
    assert list(df.columns) == ["dim_0", "dim_1", "dim_2"]
    assert isinstance(df.iloc[0, 0], pd.Series)
    back = from_nested(df)
    for a, b in zip(back, X):
        np.testing.assert_array_equal(a, b)


def test_nan_end_padding_is_not_written_into_frames():
    # The UCR/UEA archive's padding of unequal lengths: kept, the round
    # trip failed on "missing values".
    X = np.array([[[1.0], [2.0], [np.nan]], [[3.0], [np.nan], [np.nan]]])
    for back in (from_multiindex(to_multiindex(X)),
                 from_nested(to_nested(X))):
        assert [a[:, 0].tolist() for a in back] == [[1.0, 2.0], [3.0]]
    assert len(to_multiindex(X)) == 3


def test_from_nested_reads_cells_in_time_order():
    # A cell indexed [2, 1, 0] was read backwards.
    df = pd.DataFrame({"a": [pd.Series([3.0, 2.0, 1.0], index=[2, 1, 0])],
                       "b": [pd.Series([30.0, 10.0, 20.0], index=[2, 0, 1])]})
    np.testing.assert_array_equal(from_nested(df),
                                  [[[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]]])


@pytest.mark.parametrize("df, message", [
    (pd.DataFrame({"a": [pd.Series([1.0, 2.0], index=[0, 1])],
                   "b": [pd.Series([1.0, 2.0], index=[5, 6])]}),
     "Row 0 has channels indexed at different time points"),
    (pd.DataFrame({"a": [pd.Series([1.0, 2.0])],
                   "b": [pd.Series([1.0])]}),
     "Row 0 has channels of different lengths (2 and 1 in column 'b')"),
    (pd.DataFrame({"a": [1.0, 2.0]}), "cell [0, 0] is float"),
    (pd.DataFrame({"a": [pd.Series([1.0, np.nan])]}), "missing values"),
    (np.zeros((2, 3)), "must be a pandas DataFrame"),
])
def test_from_nested_errors(df, message):
    with pytest.raises(ValueError) as exc:
        from_nested(df)
    assert message in str(exc.value)


# -------------------------------------------------------- the likely mistake
@pytest.mark.parametrize("shape, flagged", [
    ((50, 1, 150), True),    # GunPoint channels-first: the reported case
    ((40, 3, 100), True),
    ((10, 1, 2), True),      # one step: no order whichever reading is right
    ((50, 150, 1), False),   # Keras order
    ((40, 100, 6), False),
    ((40, 6, 100), False),   # ambiguous: 6 steps of 100 features may be real
    ((8, 3, 5), False),
    ((8, 1, 1), False),
    ((8, 150), False),       # not 3-D
])
def test_channels_first_warning(shape, flagged):
    message = channels_first_warning(shape)
    assert (message is not None) == flagged
    if flagged:
        assert f"X has shape {shape}" in message
        assert "skseq.datasets.from_channels_first(X)" in message
        assert "np.transpose(X, (0, 2, 1))" in message


def test_channels_first_warning_takes_an_array():
    assert channels_first_warning(np.zeros((2, 1, 20))) is not None
    assert channels_first_warning(np.zeros((2, 20, 1))) is None


def test_channels_first_warning_reads_which_axis_is_smooth():
    """With more "features" than steps, the array itself tells: a series
    is smooth along time, a table's columns are in no order."""
    X, _ = load_ucr("BasicMotions", split="train")       # (40, 100, 6)
    message = channels_first_warning(X.transpose(0, 2, 1))  # aeon's order
    assert message is not None and "smooth along the features" in message
    assert "from_channels_first(X)" in message
    assert channels_first_warning(X) is None
    # Shape alone stays ambiguous: no data, no smoothness check.
    assert channels_first_warning((40, 6, 100)) is None
    rng = np.random.default_rng(0)
    assert channels_first_warning(rng.normal(size=(30, 12, 50))) is None
    # Smooth along both axes (a spectrogram: frames x frequency bins).
    t, f = np.meshgrid(np.linspace(0, 3, 20), np.linspace(0, 3, 64),
                       indexing="ij")
    spectrogram = np.sin(t + f)[None] + 0.01 * rng.normal(size=(30, 20, 64))
    assert channels_first_warning(spectrogram) is None


def test_channels_first_warning_takes_a_list_of_sequences():
    # A list of aeon's (n_channels, n_timepoints) cases was read as a shape:
    # 3 of them failed inside int(), 4 gave None.
    t = np.linspace(0, 6, 100)
    case = np.stack([np.sin(t * (1 + c)) for c in range(6)])  # (6, 100)
    for n in (3, 4):
        message = channels_first_warning([case] * n)
        assert message is not None and f"X has shape ({n}, 6, 100)" in message
    assert channels_first_warning([case.T] * 4) is None
    assert channels_first_warning((4, 6, 100)) is None   # a shape, as before


def test_empty_arrays_are_refused_by_to_multiindex_and_to_nested():
    # IndexError: list index out of range.
    for convert in (to_multiindex, to_nested):
        with pytest.raises(ValueError, match=r"X holds 0 sequences \(shape "
                           r"\(0, 3, 2\)\)"):
            convert(np.zeros((0, 3, 2)))


def test_fit_warns_on_channels_first_arrays_and_lists_of_one_length():
    from skseq import LSTMClassifier

    X, y = load_ucr("BasicMotions", split="train")
    X, y = X[::2], y[::2]
    aeon_order = X.transpose(0, 2, 1)
    # The plain LSTM: the layout is checked before any layer is built, and
    # it builds its graph in a third of conv_lstm's time.
    quick = dict(units=4, epochs=1, architecture="lstm", random_state=0)
    for data in (aeon_order, list(aeon_order)):
        clf = LSTMClassifier(**quick)
        with pytest.warns(UserWarning, match="from_channels_first"):
            clf.fit(data, y)
        # Predicting on Keras order then names the fix too.
        with pytest.raises(ValueError, match="channels first, as aeon"):
            clf.predict(X)
    clf = LSTMClassifier(**quick)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf.fit(list(X), y)
    assert not [w for w in caught if "channels" in str(w.message)]
    with pytest.raises(ValueError, match="channels first, as aeon"):
        clf.predict(aeon_order)


def test_pipeline_warns_on_channels_first_through_the_scaler():
    # SequenceScaler does not check the layout itself; in a pipeline the
    # scaled data keep their smooth axis, so the LSTM's check still names
    # the fix before training.
    from sklearn.pipeline import make_pipeline

    from skseq import LSTMClassifier
    from skseq.preprocessing import SequenceScaler

    X, y = load_ucr("BasicMotions", split="train")
    pipe = make_pipeline(SequenceScaler(),
                         LSTMClassifier(units=4, epochs=1, random_state=0))
    with pytest.warns(UserWarning, match="from_channels_first"):
        pipe.fit(X[::2].transpose(0, 2, 1), y[::2])


def test_sktime_frames_are_refused_naming_their_converter():
    from skseq import LSTMClassifier

    X, y = load_ucr("GunPoint", split="train")
    X, y = X[:10], y[:10]
    clf = LSTMClassifier(units=4, epochs=1, random_state=0)
    for frame, converter in ((to_multiindex(X), "from_multiindex"),
                             (to_nested(X), "from_nested")):
        with pytest.raises(ValueError, match=rf"skseq\.datasets\.{converter}"):
            clf.fit(frame, y)  # before: "inconsistent numbers of samples"
        assert not hasattr(clf, "model_")
    clf.fit(X, y)
    # Before: one prediction per row of the frame (per time point).
    with pytest.raises(ValueError, match="from_multiindex"):
        clf.predict(to_multiindex(X))
    # A wide frame, one row per sequence, is a 2-D array as before.
    assert clf.predict(pd.DataFrame(X[:, :, 0])).shape == (10,)
    # Fewer time points than channels (2 x 7): the rows-per-case test
    # passes it, one label per case tells it (before: scikit-learn's
    # "inconsistent numbers of samples"); a wide frame indexed by
    # (subject, trial), one label per row, still fits.
    short = to_multiindex(np.random.default_rng(0).normal(size=(6, 2, 7)))
    with pytest.raises(ValueError, match="from_multiindex"):
        LSTMClassifier(units=4, epochs=1).fit(short, y[:6])
    wide = pd.DataFrame(X[:6, :5, 0], index=pd.MultiIndex.from_product(
        [["a", "b", "c"], [0, 1]]))
    assert LSTMClassifier(units=4, epochs=1, random_state=0).fit(
        wide, y[:6]).n_features_in_ == 1
    # The two reasons are told apart in the message.
    with pytest.raises(ValueError, match="one label for each of the 6 "
                       "values of its outer index levels, not one per row"):
        LSTMClassifier(units=4, epochs=1).fit(short, y[:6])
    with pytest.raises(ValueError, match="more rows for each of its outer "
                       "index values than it has columns"):
        LSTMClassifier(units=4, epochs=1).fit(to_multiindex(X), y[:3])


# ------------------------------------------------ against aeon's own loaders
@pytest.mark.parametrize("name", ["GunPoint", "ItalyPowerDemand",
                                  "BasicMotions"])
def test_equal_lengths_match_aeon(name):
    aeon_datasets = pytest.importorskip(
        "aeon.datasets", reason="aeon not installed (pip install aeon)")
    loader = {"GunPoint": aeon_datasets.load_gunpoint,
              "ItalyPowerDemand": aeon_datasets.load_italy_power_demand,
              "BasicMotions": aeon_datasets.load_basic_motions}[name]
    X_aeon, y_aeon = loader(split="train")
    X, y = load_ucr(name, split="train")
    np.testing.assert_allclose(from_channels_first(X_aeon), X, rtol=RTOL)
    np.testing.assert_allclose(to_channels_first(X), X_aeon, rtol=RTOL)
    _same_labels(y_aeon, y)


def test_unequal_lengths_match_aeon():
    aeon_datasets = pytest.importorskip(
        "aeon.datasets", reason="aeon not installed (pip install aeon)")
    X_aeon, y_aeon = aeon_datasets.load_japanese_vowels(split="test")
    X, y = load_ucr("JapaneseVowels", split="test")
    assert isinstance(X_aeon, list) and len(X_aeon) == len(X) == 370
    for a, b in zip(from_channels_first(X_aeon), X):
        np.testing.assert_allclose(a, b, rtol=RTOL)
    _same_labels(y_aeon, y)


def test_aeon_ts_file_reader_on_the_bundled_file(tmp_path):
    """aeon's .ts parser and skseq's read the bundled file alike."""
    aeon_datasets = pytest.importorskip(
        "aeon.datasets", reason="aeon not installed (pip install aeon)")
    import gzip
    from importlib import resources

    source = resources.files("skseq.datasets") / "data" / \
        "BasicMotions_TEST.ts.gz"
    path = tmp_path / "BasicMotions_TEST.ts"
    path.write_bytes(gzip.decompress(source.read_bytes()))
    X_aeon, y_aeon = aeon_datasets.load_from_ts_file(str(path))
    X, y = load_ucr("BasicMotions", split="test")
    np.testing.assert_allclose(from_channels_first(X_aeon), X, rtol=RTOL)
    _same_labels(y_aeon, y)


# ---------------------------------------------- against sktime's own loaders
@pytest.fixture
def sktime_datasets():
    return pytest.importorskip(
        "sktime.datasets", reason="sktime not installed (pip install sktime)")


def test_multiindex_and_nested_match_sktime(sktime_datasets):
    X, y = load_ucr("BasicMotions", split="train")
    df, y_sk = sktime_datasets.load_basic_motions(
        split="train", return_type="pd-multiindex")
    np.testing.assert_allclose(from_multiindex(df), X, rtol=RTOL)
    nested, _ = sktime_datasets.load_basic_motions(
        split="train", return_type="nested_univ")
    np.testing.assert_allclose(from_nested(nested), X, rtol=RTOL)
    _same_labels(y_sk, y)


def test_ragged_nested_matches_sktime(sktime_datasets):
    nested, y_sk = sktime_datasets.load_japanese_vowels(
        split="train", return_type="nested_univ")
    X, y = load_ucr("JapaneseVowels", split="train")
    back = from_nested(nested)
    assert isinstance(back, list) and len(back) == len(X)
    for a, b in zip(back, X):
        np.testing.assert_allclose(a, b, rtol=RTOL)
    _same_labels(y_sk, y)


def test_our_frames_are_valid_sktime_mtypes(sktime_datasets):
    from sktime.datatypes import check_is_mtype, convert_to

    X = _ragged()
    assert check_is_mtype(to_multiindex(X), "pd-multiindex")
    assert check_is_mtype(to_nested(X), "nested_univ")
    X_dense = np.random.default_rng(2).normal(size=(3, 6, 2))
    numpy3d = convert_to(to_multiindex(X_dense), to_type="numpy3D")
    np.testing.assert_allclose(numpy3d, to_channels_first(X_dense))
