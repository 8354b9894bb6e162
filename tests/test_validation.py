"""Error messages of the shared sequence validation name the problem and the fix."""

import numpy as np
import pytest

from skseq import LSTMClassifier
from skseq.preprocessing import SequenceScaler
from skseq.utils import check_sequences


@pytest.mark.parametrize("mask_value", [None, 0.0, -1.0])
def test_zero_timesteps_is_not_a_padding_question(mask_value):
    # With mask_value=None this used to advise "pass mask_value=None".
    with pytest.raises(ValueError, match=r"X has 0 timesteps \(shape "
                       r"\(4, 0, 2\)\); every sequence needs at least one "
                       "step") as exc:
        check_sequences(np.zeros((4, 0, 2)), mask_value=mask_value)
    assert "mask_value" not in str(exc.value)


def test_zero_timesteps_refused_before_training():
    clf = LSTMClassifier(mask_value=None, units=2, epochs=1)
    with pytest.raises(ValueError, match="0 timesteps"):
        clf.fit(np.zeros((4, 0, 2)), [0, 1, 0, 1])
    assert not hasattr(clf, "model_")


def test_all_padding_rows_still_point_to_mask_value():
    X = np.ones((3, 4, 1))
    X[1] = 0.0
    with pytest.raises(ValueError, match="row 1: every step equals the "
                       "padding value mask_value=0.0.*mask_value=None"):
        check_sequences(X)


def test_negative_token_ids_point_to_input_type():
    X = np.array([[1, -2, 3], [1, 2, 3]])
    with pytest.raises(ValueError, match=r"Token ids must be >= 0.*has -2\. "
                       r"With input_type='auto' \(the default\), integer "
                       r"input .* is read as token ids; pass "
                       "input_type='numeric'"):
        check_sequences(X, tokens=True)
    clf = LSTMClassifier(units=2, epochs=1)
    with pytest.raises(ValueError, match="input_type='numeric'"):
        clf.fit(X, [0, 1])
    assert not hasattr(clf, "model_")
    with pytest.raises(ValueError, match=r"X\[1\] has -4.*input_type="):
        check_sequences([[1, 2], [-4]], tokens=True)


def test_non_integer_token_dtype_points_to_input_type():
    with pytest.raises(ValueError, match="dtype complex128. A model fitted "
                       "on token ids predicts token ids; for real-valued "
                       "sequences fit with input_type='numeric'"):
        check_sequences([np.ones(3, dtype=complex)], tokens=True)


def test_ragged_sequences_without_features_are_refused():
    # Used to pad into a (1, 1, 0) array.
    with pytest.raises(ValueError, match=r"X\[0\] has 0 features per step"):
        check_sequences([np.zeros((0, 0))], allow_empty_rows=True)


def _nan_padded(n=24, width=15, seed=0):
    # The UCR/UEA archive's table for unequal lengths: NaN after each end.
    rng = np.random.default_rng(seed)
    lengths = rng.integers(4, width + 1, n)
    y = np.arange(n) % 2
    X = np.full((n, width), np.nan)
    for i, k in enumerate(lengths):
        X[i, :k] = rng.normal(size=k) + y[i]
    return X, y, lengths


def test_trailing_nan_steps_are_padding():
    X, y, lengths = _nan_padded()
    before = X.copy()
    padded, found = check_sequences(X)
    np.testing.assert_array_equal(found, lengths)
    as_list, _ = check_sequences([x[:k] for x, k in zip(X, lengths)])
    np.testing.assert_array_equal(padded, as_list)
    np.testing.assert_array_equal(X, before)  # not modified
    # Several features: a step is padding only when all of them are NaN.
    X3 = np.stack([X, X + 1.0], axis=2)
    np.testing.assert_array_equal(check_sequences(X3)[1], lengths)
    # The estimator reads the table as it reads the list of sequences.
    params = dict(units=4, epochs=3, random_state=0)
    table = LSTMClassifier(**params).fit(X, y)
    listed = LSTMClassifier(**params).fit(
        [x[:k] for x, k in zip(X, lengths)], y)
    assert table.n_timesteps_in_ == lengths.max()
    np.testing.assert_allclose(table.predict_proba(X),
                               listed.predict_proba(X), atol=1e-5)


def test_nan_ends_leave_the_other_rows_edge_padding_padding():
    # A NaN end in one row made the zero edge padding of every other row
    # real data: fit counted it, SequenceScaler.transform did not.
    rng = np.random.default_rng(0)
    X = np.full((6, 10), np.nan)
    X[0, :2] = 0.0  # pre-padding, then a NaN end
    X[0, 2:7] = rng.normal(size=5) + 3
    X[1, :6] = rng.normal(size=6) + 3  # zero post-padding, no NaN
    X[1, 6:] = 0.0
    X[2:] = rng.normal(size=(4, 10)) + 3
    X[2, -3:] = np.nan
    before = X.copy()
    _, lengths = check_sequences(X)
    np.testing.assert_array_equal(lengths, [5, 6, 7, 10, 10, 10])
    real = X[np.isfinite(X) & (X != 0)]
    scaler = SequenceScaler(mask_value=0.0).fit(X)
    np.testing.assert_allclose(scaler.scaler_.mean_, [real.mean()])
    out = scaler.transform(X)
    assert np.all(out[0, :2] == 0.0) and np.all(out[1, 6:] == 0.0)
    np.testing.assert_allclose(out[0, 2:7], (X[0, 2:7] - real.mean())
                               / real.std())
    # Where zero is data, only the NaN ends are cut.
    np.testing.assert_array_equal(check_sequences(X, mask_value=None)[1],
                                  [7, 10, 7, 10, 10, 10])
    np.testing.assert_array_equal(X, before)


def test_mask_value_auto_reads_zeros_before_a_nan_end_as_padding():
    # mask_value='auto' counted zero steps before a NaN end as zeros inside
    # the sequences: zero was "data" (12% of the steps) where the same
    # table padded with zeros instead of NaN read them as padding.
    from skseq.utils._padding import resolve_auto_mask

    X = np.random.default_rng(0).normal(size=(20, 12)) + 3
    X[:10, 6:9] = 0.0
    X[:10, 9:] = np.nan
    zero_padded = np.nan_to_num(X)
    for table in (X, zero_padded):
        assert resolve_auto_mask("auto", table) == (0.0, True)
        np.testing.assert_array_equal(check_sequences(table)[1],
                                      np.repeat([6, 12], 10))
    params = dict(architecture="lstm", units=2, epochs=1, random_state=0)
    clf = LSTMClassifier(**params).fit(X, np.arange(20) % 2)
    assert clf.mask_value_ == 0.0


@pytest.mark.parametrize("where, match", [
    ((3, 2), r"NaN\) inside 1 sequence\(s\), e.g. row 3 at step 2"),
    ((5, 0), r"row 5 at step 0"),  # leading NaN is a missing value too
])
def test_missing_values_inside_sequences_name_the_fix(where, match):
    X, y, _ = _nan_padded()
    X[where] = np.nan
    clf = LSTMClassifier(units=4, epochs=1)
    with pytest.raises(ValueError, match=match) as exc:
        clf.fit(X, y)
    assert "interpolat" in str(exc.value) and not hasattr(clf, "model_")
    # One feature of two NaN at the end is a missing value, not padding.
    X, y, lengths = _nan_padded()
    X3 = np.stack([X, X], axis=2)
    X3[0, lengths[0] - 1, 1] = np.nan
    with pytest.raises(ValueError, match="row 0 at step"):
        check_sequences(X3)
    X3 = np.stack([X, X], axis=2)
    X3[2] = np.nan
    with pytest.raises(ValueError, match="every step is NaN, e.g. row 2"):
        check_sequences(X3)


def test_channels_first_ragged_sequences_are_told_to_transpose():
    # aeon's load_classification gives unequal lengths as a list of
    # (n_channels, n_timepoints) arrays.
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(2, 10 + i)) for i in range(6)]
    clf = LSTMClassifier(units=4, epochs=1)
    with pytest.raises(ValueError, match=r"channels first.*Pass "
                       r"skseq\.datasets\.from_channels_first\(X\), or "
                       r"\[x\.T for x in X\]"):
        clf.fit(X, np.arange(6) % 2)
    assert not hasattr(clf, "model_")
    from skseq.datasets import from_channels_first

    clf.fit(from_channels_first(X), np.arange(6) % 2)
    assert clf.n_features_in_ == 2
    # Sequences whose rows differ are not flagged.
    with pytest.raises(ValueError, match="same number of features") as exc:
        check_sequences([np.ones((3, 2)), np.ones((4, 5))])
    assert "channels first" not in str(exc.value)


def test_pandas_nullable_columns_read_pd_na_as_nan():
    # DataFrame.convert_dtypes() gives Float64 columns holding pd.NA.
    pd = pytest.importorskip("pandas")
    X = np.random.default_rng(0).normal(size=(6, 20))
    frame = pd.DataFrame(X).astype("Float64")
    frame.iloc[::2, 15:] = pd.NA  # trailing: padding
    X_padded, lengths = check_sequences(frame)
    np.testing.assert_array_equal(lengths, [15, 20] * 3)
    np.testing.assert_allclose(X_padded[1, :, 0], X[1], rtol=1e-6)
    assert frame.isna().to_numpy().sum() == 15  # not modified
    frame.iloc[1, 3] = pd.NA  # inside: a missing value, refused by name
    with pytest.raises(ValueError, match="row 1 at step 3"):
        check_sequences(frame)


def test_dataframes_are_read_by_column_name_in_fit_and_predict():
    # Stacked by position, DataFrames listing their columns in another order
    # trained or predicted on swapped features (probabilities 0.23 apart).
    import pandas as pd

    from skseq import SequenceScaler

    rng = np.random.default_rng(0)
    lengths = rng.integers(5, 12, 40)
    frames = [pd.DataFrame({"temp": rng.normal(size=n),
                            "rpm": 100 + 10 * rng.normal(size=n)})
              for n in lengths]
    y = np.arange(40) % 2
    swapped = [f[["rpm", "temp"]] for f in frames]
    X, _ = check_sequences(frames[:1] + swapped[1:])
    np.testing.assert_array_equal(X, check_sequences(frames)[0])
    clf = LSTMClassifier(architecture="lstm", units=4, epochs=1,
                         random_state=0).fit(frames, y)
    assert list(clf.feature_names_in_) == ["temp", "rpm"]
    np.testing.assert_allclose(clf.predict_proba(swapped),
                               clf.predict_proba(frames), atol=1e-6)
    scaler = SequenceScaler().fit(swapped)  # fitted in rpm, temp order
    assert list(scaler.get_feature_names_out()) == ["rpm", "temp"]
    for a, b in zip(scaler.transform(frames), scaler.transform(swapped)):
        np.testing.assert_allclose(a, b)  # both read as rpm, temp
    assert abs(np.concatenate(scaler.transform(frames))[:, 0].mean()) < 1e-6
    # Other columns: refused, naming both, before anything is predicted.
    renamed = [f.rename(columns={"rpm": "speed"}) for f in frames]
    with pytest.raises(ValueError, match=r"X\[0\] is a DataFrame of "
                       r"columns \['temp', 'speed'\], the data fitted on "
                       r"has \['temp', 'rpm'\]"):
        clf.predict(renamed)
    with pytest.raises(ValueError, match=r"X\[1\] .*X\[0\] has"):
        check_sequences(frames[:1] + renamed[1:])
    # A Series of DataFrames too (its names were not recorded).
    scaler = SequenceScaler().fit(pd.Series(swapped))
    assert list(scaler.feature_names_in_) == ["rpm", "temp"]
    np.testing.assert_allclose(np.concatenate(scaler.transform(frames)),
                               np.concatenate(scaler.transform(swapped)))
    # A later fit on arrays forgets the names.
    clf.fit([f.to_numpy() for f in frames], y)
    assert not hasattr(clf, "feature_names_in_")


def test_the_baselines_transformers_read_dataframes_by_column_name():
    # SequencePadder, SequenceSummarizer and MiniRocket's padder stacked
    # each call's DataFrames in that call's X[0] order: 2 of 60 frames
    # listing their columns in another order swapped every test feature of
    # the folds they opened (compare_baselines: LogisticRegression 1.0 ->
    # 0.667).
    import pandas as pd

    from skseq.inspection import SequenceSummarizer, compare_baselines
    from skseq.inspection._baselines import _ChannelsFirstPadder
    from skseq.preprocessing import SequencePadder

    rng = np.random.default_rng(0)
    y = np.arange(60) % 2
    frames = [pd.DataFrame({"signal": rng.normal(size=8) + 3 * label,
                            "noise": 50 * rng.normal(size=8)})
              for label in y]
    swapped = [f[["noise", "signal"]] for f in frames]
    for transformer in (SequencePadder(), SequenceSummarizer(),
                        _ChannelsFirstPadder()):
        transformer.fit(frames)
        assert list(transformer.feature_names_in_) == ["signal", "noise"]
        np.testing.assert_array_equal(transformer.transform(swapped),
                                      transformer.transform(frames))
        renamed = [f.rename(columns={"noise": "hum"}) for f in frames]
        with pytest.raises(ValueError, match="the data fitted on"):
            transformer.transform(renamed)
        transformer.fit([f.to_numpy() for f in frames])
        assert not hasattr(transformer, "feature_names_in_")
    mixed = [swapped[i] if i in (20, 40) else f for i, f in enumerate(frames)]
    scores = [compare_baselines(X, y, estimators={}, rocket=False, cv=3,
                                random_state=0)["accuracy_mean"]
              for X in (frames, mixed)]
    np.testing.assert_array_equal(scores[1], scores[0])
    assert scores[0]["LogisticRegression (summary)"] > 0.9


def test_a_series_or_object_array_of_sequences_reads_as_their_list():
    # A pandas Series of per-sequence arrays failed as an object array;
    # an object array of token id lists was read as numeric sequences.
    import pandas as pd

    rng = np.random.default_rng(0)
    X = [rng.normal(size=(n, 2)) for n in rng.integers(3, 9, 40)]
    y = np.arange(40) % 2
    params = dict(architecture="lstm", units=2, epochs=1, random_state=0)
    clf = LSTMClassifier(**params).fit(pd.Series(X), y)
    np.testing.assert_allclose(clf.predict_proba(pd.Series(X)),
                               LSTMClassifier(**params).fit(X, y)
                               .predict_proba(X), atol=1e-6)
    tokens = [rng.integers(1, 20, n) for n in rng.integers(3, 9, 40)]
    as_object = np.empty(40, dtype=object)
    as_object[:] = tokens
    for form in (pd.Series(tokens), as_object):
        assert LSTMClassifier(**params).fit(form, y).tokens_


def test_nullable_integer_columns_are_token_ids_as_int64_ones_are():
    # An Int64 frame (DataFrame.convert_dtypes()) of the same ids was read
    # as numbers, silently; with pd.NA it is a padded numeric table.
    import pandas as pd

    X = np.random.default_rng(0).integers(1, 20, size=(40, 8))
    y = np.arange(40) % 2
    params = dict(architecture="lstm", units=2, epochs=1, random_state=0)
    plain = LSTMClassifier(**params).fit(pd.DataFrame(X), y)
    nullable = LSTMClassifier(**params).fit(pd.DataFrame(X).astype("Int64"),
                                            y)
    assert plain.tokens_ and nullable.tokens_
    np.testing.assert_allclose(
        nullable.predict_proba(pd.DataFrame(X).astype("Int64")),
        plain.predict_proba(X), atol=1e-6)
    padded = pd.DataFrame(X).astype("Int64")
    padded.iloc[0, -2:] = pd.NA
    assert not LSTMClassifier(**params).fit(padded, y).tokens_


def test_complex_values_and_unknown_optimizer_names_are_named():
    # scikit-learn's "Complex data not supported" printed the whole array;
    # Keras' "Could not interpret optimizer identifier" named no choice.
    X = np.random.default_rng(0).normal(size=(40, 6, 2)) + 1j
    y = np.arange(40) % 2
    for X_form, name in ((X, "X"), (list(X), r"X\[0\]")):
        with pytest.raises(ValueError, match=rf"^Complex data not supported: "
                           rf"{name} has complex values; .*two features per "
                           "step.$"):
            LSTMClassifier(epochs=1).fit(X_form, y)
    clf = LSTMClassifier(epochs=1, optimizer="adamx")
    with pytest.raises(ValueError, match="optimizer='adamx' is not the name "
                       "of a Keras optimizer; pass one such as 'adam'"):
        clf.fit(X.real, y)
    assert not hasattr(clf, "model_")
