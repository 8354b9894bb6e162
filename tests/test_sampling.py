"""Sequence samplers: whole-sequence random over- and under-sampling."""

import pickle
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from imblearn.pipeline import Pipeline
from imblearn.utils.estimator_checks import parametrize_with_checks
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from skseq import LSTMClassifier
from skseq.datasets import make_trap_sequences
from skseq.sampling import SequenceRandomOverSampler, SequenceRandomUnderSampler

SAMPLERS = [SequenceRandomOverSampler, SequenceRandomUnderSampler]


def _ragged(n, rng, n_features=2):
    return [rng.normal(size=(rng.integers(2, 9), n_features)) for _ in range(n)]


@pytest.fixture
def imbalanced():
    """30 sequences, 3 classes with 15/10/5 members, string labels."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 6, 3))
    y = np.array(["a"] * 15 + ["b"] * 10 + ["c"] * 5)
    order = rng.permutation(30)
    return X[order], y[order]


# imbalanced-learn hands pytest a generator, which pytest deprecates: list it.
_CHECKS = parametrize_with_checks([SequenceRandomOverSampler(random_state=0),
                                   SequenceRandomUnderSampler(random_state=0)])


@pytest.mark.parametrize(_CHECKS.args[0], list(_CHECKS.args[1]),
                         **_CHECKS.kwargs)
def test_imblearn_sampler_checks(estimator, check):
    # imbalanced-learn's own sampler checks (lists, pandas, sparse, one-hot y,
    # dtypes, sample_indices_, ...), run on 2-D data.
    check(estimator)


def test_over_sampling_counts_3d(imbalanced):
    X, y = imbalanced
    sampler = SequenceRandomOverSampler(random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    assert Counter(y_res) == {"a": 15, "b": 15, "c": 15}
    assert X_res.shape == (45, 6, 3)
    assert sampler.sampling_strategy_ == {"b": 5, "c": 10}
    # Every output sequence is an input sequence, with its own label.
    np.testing.assert_array_equal(X_res, X[sampler.sample_indices_])
    np.testing.assert_array_equal(y_res, y[sampler.sample_indices_])
    # Originals are all kept; order is preserved, copies next to originals.
    assert set(sampler.sample_indices_) == set(range(30))
    assert np.all(np.diff(sampler.sample_indices_) >= 0)


def test_under_sampling_counts_3d(imbalanced):
    X, y = imbalanced
    sampler = SequenceRandomUnderSampler(random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    assert Counter(y_res) == {"a": 5, "b": 5, "c": 5}
    assert X_res.shape == (15, 6, 3)
    assert len(set(sampler.sample_indices_)) == 15  # without replacement
    assert np.all(np.diff(sampler.sample_indices_) > 0)
    np.testing.assert_array_equal(X_res, X[sampler.sample_indices_])


@pytest.mark.parametrize("Sampler, strategy, expected", [
    (SequenceRandomOverSampler, {"c": 12}, {"a": 15, "b": 10, "c": 12}),
    (SequenceRandomOverSampler, "minority", {"a": 15, "b": 10, "c": 15}),
    (SequenceRandomUnderSampler, {"a": 7}, {"a": 7, "b": 10, "c": 5}),
    (SequenceRandomUnderSampler, "majority", {"a": 5, "b": 10, "c": 5}),
])
def test_sampling_strategy_as_in_imblearn(imbalanced, Sampler, strategy,
                                          expected):
    X, y = imbalanced
    _, y_res = Sampler(sampling_strategy=strategy,
                       random_state=0).fit_resample(X, y)
    assert Counter(y_res) == expected


@pytest.mark.parametrize("Sampler, expected", [
    (SequenceRandomOverSampler, {0: 20, 1: 10}),
    (SequenceRandomUnderSampler, {0: 10, 1: 5}),
])
def test_float_sampling_strategy_binary(Sampler, expected):
    X = np.zeros((25, 4, 1))
    y = np.array([0] * 20 + [1] * 5)
    _, y_res = Sampler(sampling_strategy=0.5, random_state=0).fit_resample(X, y)
    assert Counter(y_res.tolist()) == expected


@pytest.mark.parametrize("Sampler", SAMPLERS)
def test_ragged_list_stays_a_list_of_copies(Sampler):
    rng = np.random.default_rng(1)
    X = _ragged(12, rng)
    y = [0] * 9 + [1] * 3
    X_before = [x.copy() for x in X]
    sampler = Sampler(random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    assert isinstance(X_res, list) and isinstance(y_res, list)
    assert Counter(y_res) == ({0: 9, 1: 9} if Sampler is SAMPLERS[0]
                             else {0: 3, 1: 3})
    for i, x in zip(sampler.sample_indices_, X_res):
        np.testing.assert_array_equal(x, X[i])
        assert not np.shares_memory(x, X[i])
    # Changing an output sequence touches neither the input nor other copies.
    X_res[-1][:] = 99.0
    for before, after in zip(X_before, X):
        np.testing.assert_array_equal(before, after)
    assert sum(np.all(x == 99.0) for x in X_res) == 1


@pytest.mark.parametrize("Sampler", SAMPLERS)
def test_nested_lists_are_copied_to_the_innermost_list(Sampler):
    # copy.copy copied the outer list of a sequence given as a list of
    # step lists: writing into a resampled step wrote into the caller's.
    X = [[[float(i)], [1.0]] for i in range(10)]
    y = np.array([0] * 7 + [1] * 3)
    X_res, _ = Sampler(random_state=0).fit_resample(X, y)
    for x in X_res:
        x[0][0] = 99.0
    assert [x[0][0] for x in X] == [float(i) for i in range(10)]
    with pytest.raises(ValueError, match="y is None: every sequence needs"):
        Sampler().fit_resample(X, None)


@pytest.mark.parametrize("Sampler", SAMPLERS)
@pytest.mark.parametrize("container", ["object array", "Series"])
def test_object_containers_of_sequences_are_copied(Sampler, container):
    # Indexing an object array or a Series copies references only: the
    # resampled sequences were the caller's (and each other's).
    X = np.empty(10, dtype=object)
    for i in range(10):
        X[i] = np.arange(3.0) + i
    if container == "Series":
        X = pd.Series(list(X), index=[f"s{i}" for i in range(10)], name="x")
    y = np.array([0] * 7 + [1] * 3)
    sampler = Sampler(random_state=0)
    X_res, _ = sampler.fit_resample(X, y)
    assert type(X_res) is type(X)
    if container == "Series":
        assert list(X_res.index) == [f"s{i}" for i in sampler.sample_indices_]
        assert X_res.name == "x"
    for x in X_res:
        x[0] = 99.0
    assert [x[0] for x in X] == [float(i) for i in range(10)]
    assert sum(x[0] == 99.0 for x in X_res) == len(X_res)


@pytest.mark.parametrize("Sampler", SAMPLERS)
@pytest.mark.parametrize("method", ["fit_resample", "fit"])
def test_a_failed_fit_leaves_the_sampler_as_it_was(Sampler, method,
                                                   imbalanced):
    # n_features_in_ was recorded before imbalanced-learn's checks of y.
    X, y = imbalanced
    sampler = Sampler(random_state=0)
    sampler.fit_resample(X, y)
    before = {k: v for k, v in vars(sampler).items()}
    with pytest.raises(ValueError, match="more than 1 class"):
        getattr(sampler, method)(np.ones((len(y), 4, X.shape[2] + 2)),
                                 np.zeros(len(y)))
    assert vars(sampler).keys() == before.keys()
    assert sampler.n_features_in_ == X.shape[2]
    np.testing.assert_array_equal(sampler.sample_indices_,
                                  before["sample_indices_"])


@pytest.mark.parametrize("Sampler", SAMPLERS)
def test_token_lists_and_raw_texts(Sampler):
    # Nothing inside a sample is looked at: variable-length token id lists
    # and raw strings (before a TextSequencer) are resampled as they are.
    tokens = [[2, 3], [4], [5, 6, 7], [2], [3, 3], [8, 9, 2, 4]]
    texts = ["good", "bad", "fine film", "dull", "great", "awful plot"]
    y = np.array([0, 0, 0, 0, 1, 1])
    for X in (tokens, texts):
        X_res, y_res = Sampler(random_state=0).fit_resample(X, y)
        assert isinstance(X_res, list)
        assert np.bincount(y_res).tolist() in ([4, 4], [2, 2])
        assert all(x in X for x in X_res)


@pytest.mark.parametrize("Sampler", SAMPLERS)
def test_inputs_not_modified_and_deterministic(Sampler, imbalanced):
    X, y = imbalanced
    X_copy, y_copy = X.copy(), y.copy()
    X_a, y_a = Sampler(random_state=3).fit_resample(X, y)
    X_b, y_b = Sampler(random_state=3).fit_resample(X, y)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)
    np.testing.assert_array_equal(X_a, X_b)
    np.testing.assert_array_equal(y_a, y_b)
    assert not np.shares_memory(X_a, X)


@pytest.mark.parametrize("Sampler", SAMPLERS)
def test_errors_name_the_problem(Sampler):
    with pytest.raises(ValueError, match="one sequence per sample"):
        Sampler().fit_resample("not a list of sequences", [0])
    with pytest.raises(ValueError, match=r"\[5, 6\]"):
        Sampler().fit_resample(np.zeros((5, 3, 2)), [0, 0, 0, 0, 1, 1])
    with pytest.raises(ValueError, match="sampling_strategy"):
        Sampler(sampling_strategy="everything").fit_resample(
            np.zeros((4, 3, 2)), [0, 0, 0, 1])
    # A missing string label: "'<' not supported between 'float' and 'str'".
    with pytest.raises(ValueError, match=r"y has missing labels \(1 "
                       r"sequence\(s\), e.g. row 3\)"):
        Sampler().fit_resample(np.zeros((4, 3, 2)),
                               np.array(["a", "a", "b", np.nan], object))
    # sktime's pd-multiindex frame: its rows are time points, not sequences.
    from skseq.datasets import to_multiindex

    with pytest.raises(ValueError, match="pd-multiindex"):
        Sampler().fit_resample(to_multiindex(np.zeros((6, 5, 1))),
                               [0, 0, 0, 1, 1, 1])
    # Fewer time points than channels: told by one label per case.
    with pytest.raises(ValueError, match="pd-multiindex"):
        Sampler().fit_resample(to_multiindex(np.ones((6, 2, 7))),
                               [0, 0, 0, 1, 1, 1])


@pytest.mark.parametrize("Sampler", SAMPLERS)
@pytest.mark.parametrize("X, message", [
    (np.r_[np.zeros((5, 3, 2)), np.full((1, 3, 2), np.nan)],
     "X contains NaN or infinite values"),
    (np.r_[np.zeros((5, 3)), np.full((1, 3), np.inf)],
     "X contains NaN or infinite values"),
    ([np.zeros((3, 2))] * 5 + [np.array([[0.0, np.nan]])],
     r"X\[5\] contains NaN or infinite values"),
    (np.arange(6.0), r"1-D array of numbers \(shape \(6,\)\)"),
    ([0.0, 1.0, 2.0, 3.0, 4.0, 5.0], r"X\[0\] is the number 0.0"),
    ([np.zeros((3, 2))] * 5 + [np.zeros((0, 2))],
     r"X\[5\] is an empty sequence"),
    ([[1, 2], [3], [4], [5], [6], []], r"X\[5\] is an empty sequence"),
    (np.zeros((6, 0, 2)), "0 timesteps"),
    (np.zeros((6, 3, 0)), r"0 features per step \(shape \(6, 3, 0\)\)"),
    ([np.zeros((2, 0))] * 6, r"X\[0\] has 0 features per step"),
    # A pandas Series of sequences skipped these checks.
    (pd.Series([np.zeros((3, 2))] * 5 + [np.array([[0.0, np.nan]])]),
     r"X\[5\] contains NaN or infinite values"),
    (pd.Series([np.zeros((3, 2))] * 5 + [np.zeros((0, 2))]),
     r"X\[5\] is an empty sequence"),
])
def test_unusable_sequences_are_refused(Sampler, X, message):
    # These used to be copied through silently, failing only later (or never).
    y = [0, 0, 0, 0, 1, 1]
    with pytest.raises(ValueError, match=message):
        Sampler().fit_resample(X, y)
    with pytest.raises(ValueError, match=message):
        Sampler().fit(X, y)


@pytest.mark.parametrize("Sampler", SAMPLERS)
def test_fit_and_feature_count(Sampler, imbalanced):
    X, y = imbalanced
    sampler = Sampler().fit(X, y)
    assert sampler.n_features_in_ == 3  # features per step, the last axis
    assert list(sampler.get_feature_names_out()) == ["x0", "x1", "x2"]
    sampler.fit(_ragged(30, np.random.default_rng(0)), y)
    assert not hasattr(sampler, "n_features_in_")


@pytest.mark.parametrize("Sampler", SAMPLERS)
def test_pickle(Sampler, imbalanced):
    X, y = imbalanced
    sampler = Sampler(sampling_strategy="all" if Sampler is SAMPLERS[1]
                      else "auto", random_state=0)
    X_res, _ = sampler.fit_resample(X, y)
    clone = pickle.loads(pickle.dumps(sampler))
    np.testing.assert_array_equal(clone.sample_indices_,
                                  sampler.sample_indices_)
    np.testing.assert_array_equal(clone.fit_resample(X, y)[0], X_res)


def test_sample_weight_past_a_sampler_is_refused_naming_the_cause():
    # scikit-learn said only "sample_weight.shape == (40,), expected (60,)".
    X, y = make_trap_sequences(60, n_timesteps=6, n_features=2,
                               random_state=0)
    pipe = Pipeline([
        ("sampler", SequenceRandomOverSampler(random_state=0)),
        ("clf", LSTMClassifier(units=4, epochs=1, architecture="lstm",
                               random_state=0))])
    with pytest.raises(ValueError, match=r"sample_weight has 60 values for "
                       r"\d+ sequences. In an imbalanced-learn pipeline"):
        pipe.fit(X, y, clf__sample_weight=np.ones(60))


def test_pipeline_grid_search_and_pickle_with_lstm():
    X, y = make_trap_sequences(120, n_timesteps=6, n_features=2,
                               random_state=0)
    pipe = Pipeline([
        ("sampler", SequenceRandomOverSampler(random_state=0)),
        # The plain LSTM: five fits that test the sampler's plumbing, at a
        # third of conv_lstm's graph-building time.
        ("clf", LSTMClassifier(units=4, epochs=1, class_weight=None,
                               architecture="lstm", n_iter_no_change=None,
                               random_state=0)),
    ])
    search = GridSearchCV(
        pipe,
        {"sampler": [SequenceRandomOverSampler(random_state=0),
                     SequenceRandomUnderSampler(random_state=0)]},
        cv=StratifiedKFold(2), scoring="balanced_accuracy")
    search.fit(X, y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    fitted_sampler = search.best_estimator_.named_steps["sampler"]
    # Refitted on all 120 sequences, resampled to equal class counts.
    refit_counts = Counter(y[fitted_sampler.sample_indices_].tolist())
    assert len(set(refit_counts.values())) == 1
    # Sampling happens in fit only: predict sees all 120 sequences.
    proba = search.predict_proba(X)
    assert proba.shape == (120, 2)
    restored = pickle.loads(pickle.dumps(search))
    np.testing.assert_allclose(restored.predict_proba(X), proba, atol=1e-6)


def test_pipeline_with_ragged_input():
    rng = np.random.default_rng(0)
    X = _ragged(40, rng, n_features=1)
    y = np.array([0] * 30 + [1] * 10)
    pipe = Pipeline([
        ("sampler", SequenceRandomUnderSampler(random_state=0)),
        ("clf", LSTMClassifier(units=4, epochs=1, n_iter_no_change=None,
                               random_state=0)),
    ]).fit(X, y)
    assert pipe.named_steps["clf"].classes_.tolist() == [0, 1]
    assert pipe.predict(X).shape == (40,)
