"""Generated bad input: a clear error before any training, or a sound fit.

Hypothesis draws a tiny valid data set and then at most one defect from a
catalogue (NaN/inf, wrong shapes, dtypes, ragged lists, labels, weights,
parameters). Every case must either

* raise ``ValueError`` or ``TypeError`` whose message names the problem
  (one of a few words tied to the defect), before Keras' ``Model.fit`` is
  ever called and without leaving a ``model_`` behind, or
* fit and predict finite probabilities of shape ``(n_samples, n_classes)``
  that sum to 1.

Messages are matched on a few words, not on their exact text: the estimator
may reword them. ``derandomize=True`` makes the cases the same on every
machine and every run; most of them fail validation, so the test is quick,
and the fits that do run are ``units=2, epochs=1`` on at most 10 sequences.
"""

import contextlib
import warnings

import keras
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skseq import LSTMClassifier, SequencePadder, SequenceScaler
from skseq.model_selection import PurgedTimeSeriesSplit
from skseq.sampling import SequenceRandomOverSampler, SequenceRandomUnderSampler

# 24 defects x 10 = 240 generated cases for LSTMClassifier.
CASES_PER_DEFECT = 10
TINY = {"units": 2, "epochs": 1, "batch_size": 4, "random_state": 0}
SETTINGS = dict(deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.data_too_large])

# Words of which the error message must contain at least one (lower case).
NON_FINITE = ("nan", "inf")
SHAPE = ("dimension", "shape", "reshape")
EMPTY = ("empty", "timestep", "no real step", "no step", "0 sequence",
         "0 sample", "minimum")


@contextlib.contextmanager
def record_keras_fit():
    """Record every call of ``keras.Model.fit`` (the training itself)."""
    calls = []
    original = keras.Model.fit

    def spy(self, *args, **kwargs):
        calls.append(type(self).__name__)
        return original(self, *args, **kwargs)

    keras.Model.fit = spy
    try:
        yield calls
    finally:
        keras.Model.fit = original


# ------------------------------------------------------------- the catalogue
# Each defect maps (draw, case) to the words its error must contain, or to
# None where both an error and a sound fit are acceptable. ``case`` holds
# X, y, sample_weight and params of a valid tiny problem, edited in place.
def _cell(draw, X):
    return tuple(draw(st.integers(0, s - 1)) for s in X.shape)


def _nan_in_x(draw, c):
    X = c["X"].copy()
    cell, value = _cell(draw, X), draw(st.sampled_from([np.nan, np.inf,
                                                         -np.inf]))
    X[cell] = value
    c["X"] = X
    one_feature = X.ndim == 2 or X.shape[2] == 1
    if np.isnan(value) and one_feature and 0 < cell[1] == X.shape[1] - 1:
        return None  # a NaN last step is padding (UCR's unequal lengths)
    return NON_FINITE


def _nan_in_ragged(draw, c):
    seqs = [x.copy() for x in c["X"]]
    i = draw(st.integers(0, len(seqs) - 1))
    seqs[i][_cell(draw, seqs[i])] = draw(st.sampled_from([np.nan, np.inf]))
    c["X"] = _as_ragged(draw, seqs)
    return NON_FINITE


def _as_ragged(draw, seqs):
    """A ragged list as arrays, nested Python lists or a tuple."""
    form = draw(st.sampled_from(["arrays", "lists", "tuple"]))
    if form == "lists":
        return [s.tolist() for s in seqs]
    return tuple(seqs) if form == "tuple" else list(seqs)


def _wrong_ndim(draw, c):
    n = len(c["y"])
    ndim = draw(st.sampled_from([1, 4, 5]))
    shape = (n,) + tuple(draw(st.integers(1, 3)) for _ in range(ndim - 1))
    c["X"] = np.ones(shape)
    return SHAPE


def _scalar_x(draw, c):
    c["X"] = draw(st.sampled_from([3.0, 7, "text"]))
    return ("scalar", "array", "string")


def _strings_in_x(draw, c):
    X = c["X"].astype(str)
    c["X"] = X if draw(st.booleans()) else list(X)
    return ("string",)


def _object_entries(draw, c):
    X = c["X"].astype(object)
    X[_cell(draw, X)] = draw(st.sampled_from([{"a": 1}, None, [1, 2]]))
    c["X"] = X
    # None becomes NaN in a float array.
    return ("object", "number", "sequence", "convert", "nan")


def _ragged_feature_counts(draw, c):
    seqs = list(c["X"])
    i = draw(st.integers(1, len(seqs) - 1))
    seqs[i] = np.ones((2, seqs[0].shape[1] + draw(st.integers(1, 2))))
    c["X"] = _as_ragged(draw, seqs)
    return ("feature",)


def _empty_sequence(draw, c):
    seqs = list(c["X"])
    seqs[draw(st.integers(0, len(seqs) - 1))] = np.zeros((0, seqs[0].shape[1]))
    c["X"] = seqs
    return EMPTY


def _no_samples(draw, c):
    c["X"] = draw(st.sampled_from([np.zeros((0, 3, 2)), [], np.zeros((0, 3))]))
    c["y"] = np.array([], dtype=int)
    c["sample_weight"] = None
    return EMPTY


def _zero_axis(draw, c):
    n = len(c["y"])
    shape = draw(st.sampled_from([(n, 0, 2), (n, 0), (n, 3, 0)]))
    c["X"] = np.zeros(shape)
    return EMPTY + ("feature",)


def _all_padding_row(draw, c):
    X = c["X"].copy()
    X[draw(st.integers(0, len(X) - 1))] = 0.0
    c["X"] = X
    return ("padding", "mask_value", "real step")


def _complex_x(draw, c):
    c["X"] = c["X"] + 1j
    return ("complex",)


def _sparse_x(draw, c):
    c["X"] = sp.csr_matrix(c["X"].reshape(len(c["X"]), -1))
    return ("sparse",)


def _negative_tokens(draw, c):
    X = draw(st.integers(1, 9)) * np.ones((len(c["y"]), 3), dtype=int)
    X[_cell(draw, X)] = -draw(st.integers(1, 5))
    c["X"] = X
    return ("token", "input_type")


def _y_length(draw, c):
    c["y"] = c["y"][:-draw(st.integers(1, 3))]
    c["sample_weight"] = None
    return ("inconsistent", "samples", "length")


def _y_one_class(draw, c):
    c["y"] = np.full(len(c["y"]), draw(st.sampled_from([0, "a"])))
    return ("class",)


def _y_continuous(draw, c):
    c["y"] = np.linspace(0.1, 0.9, len(c["y"]))
    return ("label", "continuous", "target")


def _y_nan(draw, c):
    y = c["y"].astype(float)
    y[draw(st.integers(0, len(y) - 1))] = np.nan
    c["y"] = y
    return ("nan", "label", "target")


def _y_none(draw, c):
    c["y"] = None
    return ("y",)


def _y_2d(draw, c):
    c["y"] = np.c_[c["y"], c["y"]]
    return ("1-d", "shape", "multi", "output")


def _weight_length(draw, c):
    c["sample_weight"] = np.ones(len(c["y"]) + draw(st.sampled_from([-2, 1])))
    return ("sample_weight", "weight")


def _weight_values(draw, c):
    w = np.ones(len(c["y"]))
    # Negative weights: see KNOWN_ROOT_CAUSES.
    w[draw(st.integers(0, len(w) - 1))] = draw(
        st.sampled_from([np.nan, np.inf, -np.inf]))
    c["sample_weight"] = w
    return ("sample_weight", "weight", "nan", "inf")


def _bad_param(draw, c):
    name, value = draw(st.sampled_from([
        ("units", 0), ("units", -3), ("units", 2.5), ("units", "8"),
        ("epochs", 0), ("epochs", -1), ("batch_size", 0),
        ("learning_rate", -0.1), ("learning_rate", 0.0),
        ("learning_rate", float("nan")), ("dropout", 1.5),
        ("dropout", -0.1), ("n_layers", 0), ("class_weight", "bogus"),
        ("input_type", "images"), ("architecture", "transformer"),
        ("pooling", "median"), ("scaling", "log"),
        ("validation_fraction", 1.5), ("bidirectional", "yes"),
        ("n_networks", 0), ("n_networks", 2.5), ("n_networks", "many"),
    ]))
    c["params"][name] = value
    return (name,)


def _valid(draw, c):
    """No defect; also weights, more classes and labels of other types."""
    kind = draw(st.sampled_from(["weights", "strings", "three", "none"]))
    n = len(c["y"])
    if kind == "weights":
        c["sample_weight"] = draw(st.sampled_from([0.5, 2.0])) * np.ones(n)
    elif kind == "strings":
        c["y"] = np.where(c["y"] == 1, "yes", "no")
    elif kind == "three":
        c["y"] = np.arange(n) % 3
    return None


DEFECTS = [
    _nan_in_x, _nan_in_ragged, _wrong_ndim, _scalar_x, _strings_in_x,
    _object_entries, _ragged_feature_counts, _empty_sequence, _no_samples,
    _zero_axis, _all_padding_row, _complex_x, _sparse_x, _negative_tokens,
    _y_length, _y_one_class, _y_continuous, _y_nan, _y_none, _y_2d,
    _weight_length, _weight_values, _bad_param, _valid,
]
# Defects that edit a ragged list start from one.
_RAGGED_DEFECTS = {_nan_in_ragged, _ragged_feature_counts, _empty_sequence}
# Defects that edit the cells of a dense array need one.
_DENSE_DEFECTS = {_nan_in_x, _strings_in_x, _object_entries, _all_padding_row,
                  _complex_x, _sparse_x}


@st.composite
def cases(draw, defect):
    """A tiny binary problem, then ``defect`` applied to it."""
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    n = draw(st.integers(6, 10))
    t, f = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    X = (rng.normal(size=(n, t, f)) + 3.0).astype(dtype)  # no 0.0 padding
    y = np.arange(n) % 2
    if defect in _RAGGED_DEFECTS or draw(st.integers(0, 4)) == 0:
        X = [x[:draw(st.integers(1, t))] for x in X]
    elif draw(st.booleans()) and f == 1:
        X = X[:, :, 0]
    case = {"X": X, "y": y, "sample_weight": None, "params": dict(TINY)}
    if isinstance(X, list) and defect in _DENSE_DEFECTS:
        # Pad back to an array (with 1.0, not the 0.0 mask value).
        case["X"] = np.stack([np.pad(x, ((0, t - len(x)), (0, 0)),
                                     constant_values=1.0) for x in X])
    words = defect(draw, case)
    case["defect"] = defect.__name__
    return case, words


def check_case(case, words):
    """The property: a clear error before training, or a sound fit."""
    X, y, w = case["X"], case["y"], case["sample_weight"]
    clf = LSTMClassifier(**case["params"])
    with warnings.catch_warnings(), record_keras_fit() as fit_calls:
        warnings.simplefilter("ignore")
        try:
            clf.fit(X, y, sample_weight=w)
        except (ValueError, TypeError) as exc:
            message = str(exc).lower()
            assert fit_calls == [], (
                f"{case['defect']}: error after training started: {exc}")
            assert not hasattr(clf, "model_"), case["defect"]
            if words is not None:
                assert any(word in message for word in words), (
                    f"{case['defect']}: the message does not name the "
                    f"problem (expected one of {words}): {exc}")
            return "error"
        assert words is None, (
            f"{case['defect']}: fitted without an error; expected one "
            f"naming {words}")
        proba = clf.predict_proba(X)
    n_classes = len(np.unique(np.asarray(y)))
    assert proba.shape == (len(y), n_classes), case["defect"]
    assert np.all(np.isfinite(proba)), (
        f"{case['defect']}: non-finite probabilities {proba}")
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    return "fit"


@pytest.mark.parametrize("defect", DEFECTS, ids=lambda d: d.__name__[1:])
@settings(max_examples=CASES_PER_DEFECT, **SETTINGS)
@given(data=st.data())
def test_lstm_classifier_bad_input(defect, data):
    # Every defect gets its share of cases (drawing the defect too would
    # leave some out: Hypothesis does not draw uniformly).
    case, words = data.draw(cases(defect))
    check_case(case, words)


# Cases of issue 11's root causes, fixed inside the estimator
# (_training.check_weights, scale_weights): a NaN class weight and a
# negative sample weight are refused before training; weights of 1e38,
# which overflowed the loss, are scaled to mean 1 and train soundly.
_X = np.random.default_rng(0).normal(size=(8, 3, 2)).astype("float32")
_Y = np.arange(8) % 2
KNOWN_ROOT_CAUSES = [
    pytest.param(
        {"X": _X, "y": _Y, "sample_weight": None,
         "params": {**TINY, "class_weight": {0: np.nan, 1: 1.0}},
         "defect": "nan_class_weight"},
        ("class_weight", "nan", "non-finite", "loss"), id="nan_class_weight"),
    pytest.param(
        {"X": _X, "y": _Y, "sample_weight": np.full(8, 1e38),
         "params": dict(TINY), "defect": "huge_sample_weight"},
        None, id="huge_sample_weight"),
    pytest.param(
        {"X": _X, "y": _Y, "sample_weight": np.r_[-1.0, np.ones(7)],
         "params": dict(TINY), "defect": "negative_sample_weight"},
        ("sample_weight", "negative"), id="negative_sample_weight"),
    # A missing string label: "'<' not supported between 'float' and
    # 'str'" (a TypeError) from sorting the classes.
    pytest.param(
        {"X": _X, "y": np.array(["a", "b"] * 3 + ["a", None], object),
         "sample_weight": None, "params": dict(TINY),
         "defect": "missing_string_label"},
        ("missing labels", "row 7"), id="missing_string_label"),
]


@pytest.mark.parametrize("case, words", KNOWN_ROOT_CAUSES)
def test_lstm_classifier_known_root_causes(case, words):
    check_case(case, words)


@pytest.mark.parametrize("X, words", [
    # Finite in float64, inf in float32 (the network's type): refused.
    (_X.astype(np.float64) * 1e39, ("float32",)),
    (list(_X.astype(np.float64) * 1e39), ("float32",)),
    # Representable, but their squares overflow float32 (nanosecond
    # timestamps): scaled like any other values.
    (_X * 1e20, None),
    (_X.astype(np.float64) * 1e20, None),
])
def test_values_near_float32_limits(X, words):
    check_case({"X": X, "y": _Y, "sample_weight": None,
                "params": dict(TINY), "defect": "huge_values"}, words)


# --------------------------------------------- preprocessors and samplers
@st.composite
def sequence_inputs(draw):
    """Finite, non-finite, ragged, empty and oddly shaped sequence input."""
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    n, t, f = (draw(st.integers(0, 6)), draw(st.integers(0, 4)),
               draw(st.integers(0, 3)))
    kind = draw(st.sampled_from(["dense", "2d", "ragged", "nan", "1d",
                                 "strings"]))
    X = rng.normal(size=(n, t, f)) + 3.0
    if kind == "2d":
        X = X[:, :, 0] if f else rng.normal(size=(n, t)) + 3.0
    elif kind == "ragged":
        X = [x[:draw(st.integers(0, t))] for x in X]
    elif kind == "nan" and X.size:
        X[_cell(draw, X)] = draw(st.sampled_from([np.nan, np.inf]))
    elif kind == "1d":
        X = X.reshape(-1)
    elif kind == "strings":
        X = X.astype(str)
    return X, kind


def _has_problem(X, empty_sequences_ok=False):
    """Whether X must be refused: what no sequence can hold."""
    if isinstance(X, list):
        return (not X or any(x.shape[-1] == 0 for x in X)
                or (not empty_sequences_ok and any(len(x) == 0 for x in X)))
    if X.dtype.kind in "US" or X.ndim not in (2, 3) or 0 in X.shape \
            or np.isinf(X).any():
        return True
    # NaN is padding where a step and every later one are all NaN.
    steps = X if X.ndim == 3 else X[:, :, np.newaxis]
    all_nan = np.isnan(steps).all(axis=2)
    padding = np.flip(np.cumprod(np.flip(all_nan, 1), axis=1), 1) > 0
    return bool((np.isnan(steps).any(axis=2) & ~padding).any()
                or (not empty_sequences_ok and padding[:, 0].any()))


@settings(max_examples=150, **SETTINGS)
@given(sequence_inputs(), st.sampled_from(["scaler", "padder"]))
def test_preprocessors_bad_input(X_kind, which):
    X, kind = X_kind
    est = SequenceScaler() if which == "scaler" else SequencePadder()
    try:
        out = est.fit(X).transform(X)
    except (ValueError, TypeError) as exc:
        assert str(exc), kind
        return
    # Both pad or scale a ragged list with some empty sequences (the scaler
    # refuses one with no real step at all).
    assert not _has_problem(X, empty_sequences_ok=True), (
        f"{which} accepted {kind} input")
    values = np.concatenate([np.ravel(x) for x in out]) \
        if isinstance(out, list) else np.ravel(out)
    assert np.all(np.isfinite(values))
    assert len(out) == len(X)


@settings(max_examples=150, **SETTINGS)
@given(sequence_inputs(), st.sampled_from([SequenceRandomOverSampler,
                                           SequenceRandomUnderSampler]))
def test_samplers_bad_input(X_kind, Sampler):
    X, kind = X_kind
    y = np.arange(len(X)) % 2
    try:
        X_res, y_res = Sampler(random_state=0).fit_resample(X, y)
    except (ValueError, TypeError) as exc:
        assert str(exc), kind
        return
    # Strings are texts (not looked into); everything numeric must be usable.
    if kind != "strings":
        assert not _has_problem(X), f"sampler accepted {kind} input"
    assert len(X_res) == len(y_res) and set(np.unique(y_res)) == {0, 1}


@settings(max_examples=150, **SETTINGS)
@given(n_samples=st.integers(0, 40), n_splits=st.integers(-1, 6),
       window=st.integers(-1, 6), horizon=st.integers(-1, 3),
       stride=st.integers(0, 3), embargo=st.integers(-1, 3),
       test_size=st.one_of(st.none(), st.integers(-1, 8)))
def test_purged_split_bad_parameters(n_samples, n_splits, window, horizon,
                                     stride, embargo, test_size):
    X = np.zeros((n_samples, 2))
    try:
        cv = PurgedTimeSeriesSplit(n_splits, window=window, horizon=horizon,
                                   stride=stride, embargo=embargo,
                                   test_size=test_size)
        folds = list(cv.split(X))
    except (ValueError, TypeError) as exc:
        assert str(exc)
        return
    assert len(folds) == n_splits
    gap = cv._purge_gap()
    for train, test in folds:
        assert len(train) and len(test)
        assert 0 <= train.min() and test.max() < n_samples
        # No training window reaches into the test fold's purge zone.
        assert train.max() + gap < test.min()


def _head_of(width, activation):
    def builder(meta):
        import keras

        inputs = keras.Input((None, meta["n_features"]))
        hidden = keras.layers.LSTM(4)(inputs)
        return keras.Model(inputs, keras.layers.Dense(
            width, activation=activation)(hidden))
    return builder


@pytest.mark.parametrize("n_classes, width, activation, advice", [
    (3, 1, "sigmoid", "a softmax over the classes"),
    (2, 2, "softmax", "one sigmoid unit for two classes"),
])
def test_a_model_builder_of_the_wrong_width_is_refused_before_training(
        n_classes, width, activation, advice):
    # One unit for three classes trained under JAX and predict_proba had 2
    # columns for 3 classes; under TensorFlow, and for a 2-unit softmax on
    # two classes, Keras failed in training with a bare shape error.
    import keras

    class Never(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            raise AssertionError("training started")

    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 6, 2))
    clf = LSTMClassifier(model_builder=_head_of(width, activation),
                         epochs=2, callbacks=[Never()], random_state=0)
    with pytest.raises(ValueError, match=rf"outputs {width} value\(s\) .*"
                                         rf"{advice}"):
        clf.fit(X, np.arange(30) % n_classes)
    assert not hasattr(clf, "model_")
    clf.set_params(model_builder=_not_a_model)
    with pytest.raises(ValueError, match="must return a keras.Model; got "
                                         "dict"):
        clf.fit(X, np.arange(30) % n_classes)


def _fixed_length(meta):
    # A common Keras habit: the input built for the training length.
    import keras

    inputs = keras.Input(shape=(meta["n_timesteps"], meta["n_features"]))
    hidden = keras.layers.Flatten()(inputs)
    return keras.Model(inputs, keras.layers.Dense(
        meta["n_outputs"], activation="sigmoid")(hidden))


def test_a_model_builder_of_fixed_length_trains_or_is_refused_first():
    # Ragged data in buckets of their own widths failed inside training
    # with a bare shape error; shorter or longer sequences at predict too.
    import keras

    class Never(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            raise AssertionError("training started")

    rng = np.random.default_rng(0)
    ragged = [rng.normal(size=(n, 2)) for n in rng.integers(2, 20, 60)]
    y = np.arange(60) % 2
    # Bucketed or not, such a network gets whole rows (19 steps).
    for bucketing in (True, False):
        clf = LSTMClassifier(model_builder=_fixed_length, epochs=1,
                             bucketing=bucketing, random_state=0)
        proba = clf.fit(ragged, y).predict_proba(ragged)
        assert proba.shape == (60, 2) and np.isfinite(proba).all()
    # Shorter sequences are padded to the network's 19 steps, as in fit.
    np.testing.assert_allclose(clf.predict_proba(ragged[:5]), proba[:5],
                               atol=1e-6)
    np.testing.assert_allclose(
        clf.predict_proba([x[:3] for x in ragged[:5]]),
        clf.predict_proba(np.stack([np.pad(x[:3], ((0, 16), (0, 0)))
                                    for x in ragged[:5]])), atol=1e-6)
    with pytest.raises(ValueError, match="takes 19 steps; X has sequences "
                       "of up to 25"):
        clf.predict(rng.normal(size=(3, 25, 2)))
    # Read from the fitted network: with model_builder unset after fit (as
    # a loaded estimator has it), short sequences were not padded and
    # failed inside Keras.
    short = [x[:3] for x in ragged[:5]]
    expected = clf.predict_proba(short)
    clf.set_params(model_builder=None)
    np.testing.assert_allclose(clf.predict_proba(short), expected, atol=1e-6)
    # A dense X wider than its longest sequence: batches of its width.
    wide = np.stack([np.pad(x, ((0, 22 - len(x)), (0, 0))) for x in ragged])
    clf = LSTMClassifier(model_builder=_fixed_length, epochs=1,
                         callbacks=[Never()], random_state=0)
    with pytest.raises(ValueError, match=r"takes exactly 19 steps .*batches "
                       r"of 22 steps \(the width of X"):
        clf.fit(wide, y)
    assert not hasattr(clf, "model_")


def _not_a_model(meta):
    return {"layers": []}


def _sequential_of_one_unit(meta):
    import keras

    return keras.Sequential([keras.layers.LSTM(4),
                             keras.layers.Dense(1, activation="sigmoid")])


def _subclassed_of_one_unit(meta):
    import keras

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.lstm = keras.layers.LSTM(4)
            self.head = keras.layers.Dense(1, activation="sigmoid")

        def call(self, x):
            return self.head(self.lstm(x))

    return Net()


def _two_outputs(meta):
    import keras

    inputs = keras.Input((None, meta["n_features"]))
    hidden = keras.layers.LSTM(4)(inputs)
    return keras.Model(inputs, [keras.layers.Dense(3, activation="softmax")(
        hidden), keras.layers.Dense(1)(hidden)])


def _two_inputs(meta):
    import keras

    a = keras.Input((None, meta["n_features"]))
    b = keras.Input((None, meta["n_features"]))
    hidden = keras.layers.LSTM(4)(keras.layers.Add()([a, b]))
    return keras.Model([a, b], keras.layers.Dense(
        meta["n_outputs"], activation="softmax")(hidden))


@pytest.mark.parametrize("builder, match", [
    (_sequential_of_one_unit, r"outputs 1 value\(s\)"),
    (_subclassed_of_one_unit, r"outputs 1 value\(s\)"),
    (_two_outputs, "has 2 outputs; it needs one"),
    # Keras asked for a dict of inputs at the first batch.
    (_two_inputs, "has 2 inputs; it needs one"),
])
def test_unbuilt_subclassed_and_multi_output_builders_are_checked(builder,
                                                                  match):
    # Without outputs to read (a Sequential without Input, a subclassed
    # model) the width check was skipped: Keras failed in training.
    rng = np.random.default_rng(0)
    clf = LSTMClassifier(model_builder=builder, epochs=2, random_state=0)
    with pytest.raises(ValueError, match=match):
        clf.fit(rng.normal(size=(30, 6, 2)), np.arange(30) % 3)


def test_float64_values_that_float32_cannot_tell_apart_warn():
    # 1e8 + N(0, 1) became one float32 constant before scaling, silently.
    rng = np.random.default_rng(0)
    signal = rng.normal(size=(40, 8, 1))
    y = (signal[:, :, 0].mean(axis=1) > 0).astype(int)
    params = dict(architecture="lstm", units=4, epochs=1, random_state=0)
    for X in (1e8 + signal, list(1e8 + signal)):
        with pytest.warns(UserWarning, match="far from zero for its spread"):
            LSTMClassifier(**params).fit(X, y)
    # Sensor values in Pa (101325 +- 50) keep their resolution in float32.
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        LSTMClassifier(**params).fit(101325.0 + 50 * signal, y)
