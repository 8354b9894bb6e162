"""Tests for SequencePadder and SequenceScaler."""

import re

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from skseq import LSTMClassifier
from skseq.preprocessing import SequencePadder, SequenceScaler
from skseq.preprocessing._scaler import _Moments
from skseq.utils import check_sequences


def _ragged(seed=0, lengths=(5, 2, 7, 3), n_features=2, offset=10.0):
    rng = np.random.default_rng(seed)
    return [offset + 3.0 * rng.normal(size=(n, n_features)) for n in lengths]


# ---------------------------------------------------------------- padder
def test_padder_pads_post_with_float_zeros_by_default():
    seqs = _ragged()
    out = SequencePadder().fit_transform(seqs)
    assert out.shape == (4, 7, 2) and out.dtype == np.float32
    for seq, row in zip(seqs, out):
        n = len(seq)
        assert_allclose(row[:n], seq, rtol=1e-6)
        assert np.all(row[n:] == 0.0)


def test_padder_pre_padding():
    seqs = _ragged()
    out = SequencePadder(padding="pre").fit_transform(seqs)
    for seq, row in zip(seqs, out):
        n = len(seq)
        assert np.all(row[:7 - n] == 0.0)
        assert_allclose(row[7 - n:], seq, rtol=1e-6)


@pytest.mark.parametrize("truncating, kept", [("post", slice(0, 4)),
                                               ("pre", slice(-4, None))])
@pytest.mark.parametrize("padding", ["post", "pre"])
def test_padder_maxlen_truncates_on_the_chosen_side(truncating, kept,
                                                    padding):
    seqs = _ragged()
    padder = SequencePadder(maxlen=4, truncating=truncating, padding=padding)
    out = padder.fit_transform(seqs)
    assert padder.maxlen_ == 4 and out.shape == (4, 4, 2)
    assert_allclose(out[0], seqs[0][kept], rtol=1e-6)
    assert_allclose(out[2], seqs[2][kept], rtol=1e-6)
    short = out[1][:2] if padding == "post" else out[1][2:]
    assert_allclose(short, seqs[1], rtol=1e-6)


def test_padder_truncates_longer_sequences_met_after_fit():
    padder = SequencePadder().fit([np.ones((3, 1)), np.ones((2, 1))])
    out = padder.transform([np.arange(1.0, 6.0).reshape(-1, 1)])
    assert_array_equal(out[0, :, 0], [1, 2, 3])


def test_padder_value_is_written_and_read_as_padding():
    padder = SequencePadder(value=-1.0)
    out = padder.fit_transform([np.ones((3, 1)), 2 * np.ones((1, 1))])
    assert_array_equal(out[1, :, 0], [2, -1, -1])
    # Dense input padded with -1 at the front is re-padded at the end.
    dense = np.array([[[-1.0], [-1.0], [5.0]], [[4.0], [6.0], [7.0]]])
    assert_array_equal(padder.transform(dense)[:, :, 0],
                       [[5, -1, -1], [4, 6, 7]])


def test_padder_turns_pre_padded_dense_input_into_post_padded():
    dense = np.zeros((2, 4, 1))
    dense[0, 2:, 0] = [1.0, 2.0]
    dense[1, :, 0] = [3.0, 0.0, 4.0, 5.0]  # a zero in the middle is data
    padder = SequencePadder().fit(dense)
    out = padder.transform(dense)
    assert_allclose(out[:, :, 0], [[1, 2, 0, 0], [3, 0, 4, 5]], atol=1e-37)
    # The middle zero stays data under a Masking(0.0) layer too.
    assert out[1, 1, 0] != 0.0
    assert_array_equal(padder.compute_mask(out), [[1, 1, 0, 0], [1, 1, 1, 1]])


@pytest.mark.parametrize("padding", ["post", "pre"])
def test_padder_compute_mask_marks_real_steps(padding):
    seqs = _ragged()
    padder = SequencePadder(padding=padding, maxlen=6).fit(seqs)
    mask = padder.compute_mask(seqs)
    out = padder.transform(seqs)
    assert mask.shape == (4, 6) and mask.dtype == bool
    assert_array_equal(mask.sum(axis=1), [5, 2, 6, 3])
    assert np.all(out[~mask] == 0.0)
    if padding == "post":
        assert mask[:, 0].all()
    else:
        assert mask[:, -1].all()


def test_padder_in_a_pipeline_with_the_scaler():
    seqs = _ragged()
    pipe = make_pipeline(SequencePadder(), SequenceScaler())
    out = pipe.fit_transform(seqs)
    assert out.shape == (4, 7, 2)
    real = SequencePadder().fit(seqs).compute_mask(seqs)
    assert_allclose(out[real].mean(axis=0), 0.0, atol=1e-6)
    assert_allclose(out[real].std(axis=0), 1.0, atol=1e-6)
    assert np.all(out[~real] == 0.0)


def test_padder_does_not_modify_its_input():
    seqs = _ragged()
    copies = [s.copy() for s in seqs]
    SequencePadder(maxlen=3, padding="pre").fit_transform(seqs)
    for s, c in zip(seqs, copies):
        assert_array_equal(s, c)


def test_padder_errors():
    padder = SequencePadder().fit(_ragged())
    with pytest.raises(ValueError, match="X has 3 features per step, but "
                       "SequencePadder was fitted with 2"):
        padder.transform([np.ones((2, 3))])
    with pytest.raises(InvalidParameterError, match="'padding' parameter"):
        SequencePadder(padding="middle").fit(_ragged())
    with pytest.raises(InvalidParameterError, match="'maxlen' parameter"):
        SequencePadder(maxlen=0).fit(_ragged())
    with pytest.raises(ValueError, match="NaN"):
        SequencePadder().fit([np.ones((2, 1)), np.array([[np.nan]])])
    # NaN is padding at the end only: pre-padding with it wrote what
    # skseq's own transformers then refused as missing values.
    with pytest.raises(ValueError, match="value=nan with padding='pre'"):
        SequencePadder(value=np.nan, padding="pre").fit(_ragged())
    nan_post = SequencePadder(value=np.nan).fit_transform(_ragged())
    assert_array_equal(SequencePadder(value=np.nan).fit(nan_post)
                       .transform(nan_post), nan_post)


def test_pad_sequences_refuses_a_side_it_does_not_know():
    from skseq.utils import pad_sequences

    # 'Post' and 'front' were read as 'pre', silently.
    for kwargs in ({"padding": "Post"}, {"truncating": "front"},
                   {"padding": None}):
        with pytest.raises(ValueError, match=f"{next(iter(kwargs))} must "
                           "be 'post' or 'pre'"):
            pad_sequences([np.ones(2), np.ones(1)], **kwargs)
    padded, _ = pad_sequences([np.array([1., 2.]), np.array([3.])],
                              padding="pre")
    assert_array_equal(padded, [[1., 2.], [0., 3.]])


def test_padder_keeps_a_real_step_equal_to_value_real():
    # A list's last step of 0.0 was padding once padded: the padder's own
    # mask of its output dropped it, and the scaler after it too.
    seqs = [np.array([[1.0], [2.0], [0.0]]), np.arange(3.0, 7.0)[:, None]]
    for padding in ("post", "pre"):
        padder = SequencePadder(padding=padding).fit(seqs)
        out = padder.transform(seqs)
        assert_array_equal(padder.compute_mask(out), padder.compute_mask(seqs))
        assert padder.compute_mask(seqs)[0].sum() == 3
        assert_allclose(out[0, 2 if padding == "post" else 3, 0], 0.0,
                        atol=1e-37)
    piped = make_pipeline(SequencePadder(), SequenceScaler())
    assert_allclose(piped.fit_transform(seqs)[0, :3, 0],
                    SequenceScaler().fit_transform(seqs)[0][:, 0], atol=1e-6)


@pytest.mark.parametrize("value", [1e300, np.inf, -np.inf])
def test_padder_refuses_a_value_float32_cannot_hold(value):
    # Written as infinity, which its own transform then refused as data.
    with pytest.raises(ValueError, match=re.escape(f"value={value!r}")):
        SequencePadder(value=value).fit([np.ones((2, 1)), np.ones((1, 1))])


def test_scaler_transforms_an_all_nan_row_it_was_fitted_on():
    # fit took the row of NaN end padding only; transform refused it.
    X = np.arange(12.0).reshape(3, 4, 1)
    X[1] = np.nan
    X[2, 3] = np.nan
    scaler = SequenceScaler().fit(X)
    out = scaler.transform(X)
    assert np.isnan(out[1]).all() and np.isnan(out[2, 3]).all()
    assert_allclose(out, SequenceScaler().fit_transform(X))
    assert_allclose(scaler.inverse_transform(out)[[0, 2], :3],
                    X[[0, 2], :3])
    # Nothing but padding: given back as padding, not sklearn's "Found
    # array with 0 sample(s)".
    assert np.isnan(scaler.transform(np.full((2, 3, 1), np.nan))).all()
    assert_array_equal(scaler.transform(np.zeros((2, 3, 1))), 0.0)
    assert [len(s) for s in scaler.transform([np.zeros((0, 1))] * 2)] \
        == [0, 0]


def test_padder_empty_sequence_becomes_a_row_of_padding():
    seqs = [np.ones((2, 1)), np.ones((0, 1))]
    padder = SequencePadder().fit(seqs)
    assert_array_equal(padder.transform(seqs)[:, :, 0], [[1, 1], [0, 0]])
    assert_array_equal(padder.compute_mask(seqs), [[True, True],
                                                   [False, False]])


# ---------------------------------------------------------------- scaler
def _pre_padded(seqs, n_timesteps=7):
    X = np.zeros((len(seqs), n_timesteps, seqs[0].shape[1]))
    for i, s in enumerate(seqs):
        X[i, n_timesteps - len(s):] = s
    return X


@pytest.mark.parametrize("method, reference", [
    ("standard", StandardScaler), ("robust", RobustScaler),
    ("minmax", MinMaxScaler),
])
def test_scaler_statistics_ignore_padded_steps(method, reference):
    seqs = _ragged()
    real_steps = np.concatenate(seqs)
    expected = reference().fit(real_steps)
    for X in (seqs, _pre_padded(seqs)):
        scaler = SequenceScaler(method=method).fit(X)
        for attr in ("mean_", "scale_", "center_", "data_min_", "data_max_"):
            if hasattr(expected, attr):
                assert_allclose(getattr(scaler.scaler_, attr),
                                getattr(expected, attr))
    # What zero padding would do to the statistics if it were counted.
    counted = reference().fit(_pre_padded(seqs).reshape(-1, 2))
    if method == "standard":
        assert not np.allclose(counted.mean_, expected.mean_)


def test_float32_moments_of_values_whose_squares_overflow_float32():
    # 1e18-1e20 (nanosecond timestamps) in the classifier's float32 rows:
    # the float32 sums of squares overflowed to inf, the scale with them.
    rows = np.concatenate(_ragged()).astype(np.float32)
    for factor in (1.0, 1e18, 1e20):
        moments = _Moments()
        moments.update(rows * np.float32(factor))
        scaler = moments.standard_scaler()
        reference = (rows * np.float32(factor)).astype(np.float64)
        assert_allclose(scaler.mean_, reference.mean(axis=0), rtol=1e-5)
        assert_allclose(scaler.scale_, reference.std(axis=0), rtol=1e-4)


@pytest.mark.parametrize("offset, spread", [
    (0.0, 1.0), (1e6, 1.0), (101325.0, 50.0), (-3e7, 5.0), (5.0, 1e3)])
def test_float32_moments_of_values_far_from_zero(offset, spread):
    # Sensors that read an offset (air pressure in Pa, 1e6 + noise): the
    # float32 sum of 65,536 values near 1e6 is off by about 100, and the
    # mean and spread were taken around it (scale 119.6 for a spread of 1).
    # 70,000 rows: two chunks.
    rows = (offset + spread * np.random.default_rng(0).normal(
        size=(70_000, 3))).astype(np.float32)
    moments = _Moments()
    moments.update(rows)
    scaler = moments.standard_scaler()
    reference = rows.astype(np.float64)
    assert_allclose(scaler.mean_, reference.mean(axis=0),
                    atol=1e-4 * spread, rtol=0)
    assert_allclose(scaler.scale_, reference.std(axis=0), rtol=1e-4)


def test_classifier_scales_offset_sensor_values_to_unit_spread():
    rng = np.random.default_rng(0)
    X = (1e6 + rng.normal(size=(200, 400, 2))).astype(np.float32)
    y = np.arange(200) % 2
    clf = LSTMClassifier(units=2, epochs=1, n_networks=1, validation=None,
                         random_state=0).fit(X, y)
    reference = X.reshape(-1, 2).astype(np.float64)
    assert_allclose(clf.scaler_.scaler_.mean_, reference.mean(axis=0),
                    atol=1e-3, rtol=0)
    assert_allclose(clf.scaler_.scaler_.scale_, reference.std(axis=0),
                    rtol=1e-3)


@pytest.mark.parametrize("mask_value", [0.0, None, np.nan])
@pytest.mark.parametrize("ndim", [2, 3])
def test_scaler_keeps_nan_end_padding_where_it_was(mask_value, ndim):
    # The UCR/UEA archive's unequal lengths: NaN after each series' end.
    # transform cut the array to the longest real length and, with
    # mask_value None or NaN, scaled the 0.0 it wrote there as real steps.
    X = np.array([[1.0, 2.0, 3.0, np.nan, np.nan],
                  [5.0, 7.0, np.nan, np.nan, np.nan]])
    X = X if ndim == 2 else X[:, :, np.newaxis]
    scaler = SequenceScaler(mask_value=mask_value).fit(X)
    out = scaler.transform(X)
    assert out.shape == X.shape
    assert_array_equal(np.isnan(out), np.isnan(X))
    real = ~np.isnan(X)
    expected = StandardScaler().fit(X[real].reshape(-1, 1))
    assert_allclose(out[real], expected.transform(
        X[real].reshape(-1, 1)).ravel())
    assert_allclose(scaler.inverse_transform(out), X)  # NaN where NaN
    # A row alone: its own width, the values it has in the batch.
    assert_allclose(scaler.transform(X[1:]), out[1:])


def test_scaler_leaves_padded_steps_unchanged():
    seqs = _ragged()
    X = _pre_padded(seqs)
    original = X.copy()
    out = SequenceScaler().fit_transform(X)
    assert_array_equal(X, original)
    pad = np.all(X == 0.0, axis=2)
    assert np.all(out[pad] == 0.0)
    expected = StandardScaler().fit(np.concatenate(seqs))
    assert_allclose(out[~pad], expected.transform(X[~pad]))


def test_scaler_ragged_in_ragged_out():
    seqs = _ragged()
    scaler = SequenceScaler().fit(seqs)
    out = scaler.transform(seqs)
    assert isinstance(out, list) and len(out) == 4
    expected = StandardScaler().fit(np.concatenate(seqs))
    for s, o in zip(seqs, out):
        assert o.shape == s.shape
        assert_allclose(o, expected.transform(s))


@pytest.mark.parametrize("method", ["standard", "robust", "minmax"])
def test_scaler_inverse_transform_round_trip(method):
    seqs = _ragged()
    scaler = SequenceScaler(method=method).fit(seqs)
    back = scaler.inverse_transform(scaler.transform(seqs))
    for s, b in zip(seqs, back):
        assert_allclose(b, s)
    X = _pre_padded(seqs)
    scaler = SequenceScaler(method=method).fit(X)
    assert_allclose(scaler.inverse_transform(scaler.transform(X)), X)


def test_scaler_minmax_and_robust_ranges():
    seqs = _ragged(lengths=(40, 30, 50))
    out = np.concatenate(SequenceScaler(method="minmax").fit_transform(seqs))
    assert_allclose(out.min(axis=0), 0.0, atol=1e-12)
    assert_allclose(out.max(axis=0), 1.0)
    out = np.concatenate(SequenceScaler(method="robust").fit_transform(seqs))
    assert_allclose(np.median(out, axis=0), 0.0, atol=1e-12)


def test_scaler_keeps_a_real_step_that_scales_to_the_pad_value_visible():
    # Feature values 1 and 3: the mean 2 scales to exactly 0.0.
    X = np.array([[[1.0], [2.0], [3.0]]])
    out = SequenceScaler().fit_transform(X)
    assert out[0, 1, 0] != 0.0 and abs(out[0, 1, 0]) < 1e-37
    assert_allclose(out[0, :, 0], [-1.2247449, 0.0, 1.2247449], atol=1e-7)
    # Still off the padding in float32 (float64's smallest step was 0.0
    # there), and not a subnormal, which TensorFlow and XLA flush to zero.
    as_float32 = out.astype(np.float32)
    assert as_float32[0, 1, 0] >= np.finfo(np.float32).tiny
    # Real edge steps stay real once cast: lengths 4, not 2.
    X = np.array([[1., 3., 2., 2.], [2., 1., 3., 2.], [3., 3., 1., 1.]])
    Z = SequenceScaler().fit_transform(X[:, :, None]).astype(np.float32)
    assert_array_equal(check_sequences(Z)[1], [4, 4, 4])


def test_scaler_auto_mask_reads_zero_as_the_classifier_does():
    # mask_value=0.0 in front of LSTMClassifier(scaling=None) cut the leading
    # and trailing zero events off as padding where the classifier alone
    # (mask_value='auto') read them: another model, silently. 'auto' (the
    # default) decides as the classifier; an explicit 0.0 warns.
    import warnings

    rng = np.random.default_rng(0)
    events = rng.integers(0, 2, size=(60, 10, 1)).astype(float)
    with pytest.warns(UserWarning, match="so zero is read as data"):
        scaler = SequenceScaler().fit(events)
    assert scaler.mask_value_ is None
    every_step = SequenceScaler(mask_value=None).fit(events)
    assert_allclose(scaler.scaler_.mean_, every_step.scaler_.mean_)
    assert_allclose(scaler.transform(events), every_step.transform(events))
    assert scaler.transform(events)[:, 0].min() < 0  # edge zeros scaled
    with pytest.warns(UserWarning, match="zero looks like data"):
        assert SequenceScaler(mask_value=0.0).fit(events).mask_value_ == 0.0
    signal = rng.normal(size=(60, 10, 1))
    signal[:20, 7:] = 0.0  # real zero padding
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        SequenceScaler(mask_value=None).fit(events)
        auto = SequenceScaler().fit(signal)
        SequenceScaler(mask_value=0.0).fit(signal)
        SequenceScaler().fit(list(events))  # a list has no padding
    assert auto.mask_value_ == 0.0
    assert (auto.transform(signal)[:20, 7:] == 0.0).all()  # padding kept
    real = signal[:, :, 0][np.arange(10) < np.where(
        np.arange(60) < 20, 7, 10)[:, None]]
    assert_allclose(auto.scaler_.mean_, [real.mean()])


def test_scaler_two_d_input_keeps_its_shape():
    X = np.array([[0.0, 1.0, 3.0], [2.0, 4.0, 6.0]])
    out = SequenceScaler().fit_transform(X)
    assert out.shape == X.shape
    assert out[0, 0] == 0.0  # leading zero is padding
    expected = StandardScaler().fit(np.array([[1.0], [3.0], [2.0], [4.0],
                                              [6.0]]))
    assert_allclose(out[1], expected.transform(X[1].reshape(-1, 1))[:, 0])


def test_scaler_mask_value_none_counts_every_step():
    X = _pre_padded(_ragged())
    scaler = SequenceScaler(mask_value=None).fit(X)
    assert_allclose(scaler.scaler_.mean_, X.reshape(-1, 2).mean(axis=0))


def test_scaler_errors():
    scaler = SequenceScaler().fit(_ragged())
    with pytest.raises(ValueError, match="X has 3 features per step, but "
                       "SequenceScaler was fitted with 2"):
        scaler.transform(np.ones((2, 4, 3)))
    with pytest.raises(InvalidParameterError, match="'method' parameter"):
        SequenceScaler(method="log").fit(_ragged())
    with pytest.raises(ValueError, match="NaN"):
        SequenceScaler().fit([np.array([[1.0], [np.nan]])])
    # StandardScaler's own "0 sample(s)" said nothing about padding.
    with pytest.raises(ValueError, match=r"no real step to fit on: all 2 "
                       r"sequence\(s\) of X are empty or padding \(every "
                       r"step equals mask_value=0.0\).*mask_value=None"):
        SequenceScaler().fit(np.zeros((2, 3, 1)))
    with pytest.raises(ValueError, match="no real step to fit on: all 3"):
        SequenceScaler().fit([np.zeros((0, 2))] * 3)
    with pytest.raises(ValueError, match="0 timesteps"):
        SequenceScaler(mask_value=None).fit(np.zeros((2, 0, 1)))


def test_unfitted_scaler_raises_not_fitted_error():
    with pytest.raises(NotFittedError):
        SequenceScaler().transform(_ragged())
    with pytest.raises(NotFittedError):
        SequenceScaler().inverse_transform(_ragged())


def test_equal_length_sequences_are_scaled_without_a_copy_of_x():
    # No padding anywhere: the real steps are a reshape of X (a view), so a
    # large dense X is not copied again to fit or to scale.
    from skseq.preprocessing._scaler import _real_rows

    rng = np.random.default_rng(0)
    X = rng.normal(3.0, 2.0, size=(50, 7, 3)).astype(np.float32)
    real = np.ones(X.shape[:2], dtype=bool)
    assert np.shares_memory(_real_rows(X, real), X)
    scaler = SequenceScaler()._fit_padded(X, np.full(50, 7))
    reference = StandardScaler().fit(X.reshape(-1, 3))
    np.testing.assert_allclose(scaler.scaler_.mean_, reference.mean_,
                               rtol=1e-6)
    out = scaler._transform_padded(X, np.full(50, 7))
    assert out.dtype == np.float32 and not np.shares_memory(out, X)
    np.testing.assert_allclose(
        out, reference.transform(X.reshape(-1, 3)).reshape(X.shape),
        atol=1e-6)
    # The same rows with padding go through the general path.
    X_pad = np.concatenate([X, np.zeros((50, 2, 3), np.float32)], axis=1)
    padded = scaler._transform_padded(X_pad, np.full(50, 7))
    np.testing.assert_allclose(padded[:, :7], out, atol=1e-6)
    assert np.all(padded[:, 7:] == 0.0)


@pytest.mark.parametrize("ndim", [2, 3])
def test_scaler_output_is_never_a_dataframe(ndim):
    # transform_output="pandas" (set globally in many notebooks) made the
    # scaler wrap 3-D output in a DataFrame: "Must pass 2-d input".
    import sklearn
    from sklearn.linear_model import LogisticRegression

    from skseq.inspection import SequenceSummarizer

    pd = pytest.importorskip("pandas")
    X = np.random.default_rng(0).normal(size=(6, 5, 2))
    X = X[:, :, 0] if ndim == 2 else X
    y = np.arange(6) % 2
    with sklearn.config_context(transform_output="pandas"):
        out = SequenceScaler().fit_transform(X)
        pipe = make_pipeline(SequenceScaler(), SequenceSummarizer(),
                             LogisticRegression()).fit(X, y)
        features = pipe[:-1].transform(X)
    assert isinstance(out, np.ndarray) and out.shape == X.shape
    assert_allclose(out, SequenceScaler().fit_transform(X))
    # The summaries are a table: they are wrapped.
    assert isinstance(features, pd.DataFrame) and len(features) == 6



def test_scaler_keeps_float32_and_each_sequences_form():
    # float32 came back float64 (twice the memory, unlike scikit-learn's
    # scalers), and 1-D sequences of a list as (t, 1) arrays.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 5, 2)).astype(np.float32)
    scaler = SequenceScaler().fit(X)
    for out in (scaler.transform(X), scaler.inverse_transform(X),
                scaler.transform(X[:, :, :1].repeat(2, axis=2))):
        assert out.dtype == np.float32
    assert_allclose(scaler.transform(X),
                    scaler.transform(X.astype(np.float64)), rtol=1e-6)
    assert scaler.transform(X.astype(np.float64)).dtype == np.float64
    seqs = [rng.normal(size=n) for n in (3, 5)] + [
        rng.normal(size=(4, 1)).astype(np.float32)]
    out = SequenceScaler().fit(seqs).transform(seqs)
    assert [a.shape for a in out] == [(3,), (5,), (4, 1)]
    assert [a.dtype for a in out] == [np.float64, np.float64, np.float32]
