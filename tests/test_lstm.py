"""LSTMClassifier: sklearn behaviour, defaults that avoid the classic traps."""

import pickle
import warnings

import joblib
import numpy as np
import pytest
from sklearn.base import clone, is_classifier
from sklearn.datasets import make_blobs
from sklearn.dummy import DummyClassifier
from sklearn.metrics import balanced_accuracy_score, log_loss
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    cross_val_score,
    cross_validate,
    train_test_split,
)
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError

from skseq import LSTMClassifier, SequenceScaler
from skseq.datasets import make_trap_sequences

TINY = dict(units=4, epochs=2, batch_size=16, random_state=0)
# For the tests of sklearn plumbing (folds, searches, pipelines, labels,
# shapes, the output layer), which read no layer below the head and no
# mask: the plain LSTM builds its graph in a third of conv_lstm's time
# (1.1 s against 2.7-3.2 s a fit on 2 cores), and these tests fit up to 10
# times. The tests of masks, seeds, pickling and learning keep the default
# architecture.
PLUMBING = dict(TINY, architecture="lstm")


def _signal_data(n=120, t=8, f=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, t, f))
    y = (X[:, :, 0].mean(axis=1) > 0).astype(int)
    return X, y


def _ragged(n=60, f=2, seed=0):
    rng = np.random.default_rng(seed)
    X = [rng.normal(size=(rng.integers(3, 12), f)) for _ in range(n)]
    y = np.array([int(x[:, 0].mean() > 0) for x in X])
    return X, y


# ------------------------------------------------------------- sklearn tags
def test_is_classifier_and_tags():
    est = LSTMClassifier()
    assert is_classifier(est)
    tags = est.__sklearn_tags__()
    assert tags.estimator_type == "classifier"
    assert tags.input_tags.three_d_array
    assert tags.target_tags.required
    assert tags.non_deterministic
    assert not LSTMClassifier(random_state=0).__sklearn_tags__().non_deterministic


def test_real_all_zero_steps_between_padding_are_read_not_masked():
    # A real step equal to the padding (0.0) is moved off it for the
    # Masking layer; by 1.4e-45 (a float32 subnormal) it was flushed to
    # zero by TensorFlow and XLA on CPUs and masked: the LSTM skipped it.
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(int(n), 2)) for n in rng.integers(4, 9, 40)]
    clf = LSTMClassifier(scaling=None, **PLUMBING).fit(X, np.arange(40) % 2)
    a = np.array([[1.0, 1.0], [0.0, 0.0], [0.0, 0.0], [2.0, -1.0]])
    with_zeros = clf.predict_proba([a])
    without = clf.predict_proba([a[[0, 3]]])
    assert np.abs(with_zeros - without).max() > 1e-4


def test_cross_val_score_uses_stratified_folds():
    X, y = _signal_data(n=90)
    y = np.r_[np.zeros(60, int), np.ones(30, int)]  # sorted, 2:1
    result = cross_validate(LSTMClassifier(**PLUMBING), X, y, cv=3,
                            return_indices=True)
    expected = [test for _, test in StratifiedKFold(3).split(X, y)]
    for got, want in zip(result["indices"]["test"], expected):
        np.testing.assert_array_equal(got, want)
    scores = cross_val_score(LSTMClassifier(**PLUMBING), X, y, cv=3)
    assert scores.shape == (3,) and np.all(np.isfinite(scores))


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_grid_search_roc_auc_is_finite(n_jobs):
    X, y = _signal_data()
    search = GridSearchCV(LSTMClassifier(**PLUMBING), {"units": [2, 4]}, cv=2,
                          scoring="roc_auc", n_jobs=n_jobs).fit(X, y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.best_estimator_.predict_proba(X).shape == (len(y), 2)


def test_pipeline_and_grid_search_on_ragged_input():
    X, y = _ragged()
    pipe = make_pipeline(SequenceScaler(), LSTMClassifier(**PLUMBING))
    search = GridSearchCV(pipe, {"lstmclassifier__pooling": ["last", "mean"]},
                          cv=2, scoring="roc_auc").fit(X, y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    result = cross_validate(LSTMClassifier(**PLUMBING), X, y, cv=3,
                            scoring=["accuracy", "roc_auc"])
    assert np.all(np.isfinite(result["test_roc_auc"]))


# --------------------------------------------------------------- the network
def test_binary_uses_one_sigmoid_unit_multiclass_softmax():
    X, y = _signal_data()
    clf = LSTMClassifier(**PLUMBING).fit(X, y)
    out = clf.model_.layers[-1]
    assert out.units == 1 and out.activation.__name__ == "sigmoid"
    assert "binary_crossentropy" in str(clf.model_.loss)

    y3 = np.array(["a", "b", "c"])[np.arange(len(y)) % 3]
    clf3 = LSTMClassifier(**PLUMBING).fit(X, y3)
    out3 = clf3.model_.layers[-1]
    assert out3.units == 3 and out3.activation.__name__ == "softmax"
    proba = clf3.predict_proba(X)
    assert proba.shape == (len(y), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    assert set(clf3.predict(X)) <= {"a", "b", "c"}
    np.testing.assert_array_equal(clf3.classes_, ["a", "b", "c"])


def test_probabilities_sum_to_one_in_float64():
    """log_loss (scoring='neg_log_loss') warns on rows that sum to 1 only
    within float32's precision."""
    X, y = _signal_data()
    y3 = np.array(["a", "b", "c"])[np.arange(len(y)) % 3]
    for labels in (y, y3):
        proba = LSTMClassifier(**PLUMBING).fit(X, labels).predict_proba(X)
        assert proba.dtype == np.float64
        np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=0, atol=1e-12)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            log_loss(labels, proba)


@pytest.mark.parametrize("pooling", ["last", "mean", "max", "attention"])
def test_pooling_options_train(pooling):
    X, y = _ragged()
    # Unbucketed: one padded width, so every pooling reads masked steps,
    # and one compiled training shape under JAX (buckets compiled up to 8).
    clf = LSTMClassifier(units=4, epochs=1, pooling=pooling, n_layers=2,
                         bidirectional=pooling == "mean", dropout=0.1,
                         bucketing=False, random_state=0).fit(X, y)
    assert clf.predict_proba(X).shape == (len(y), 2)


def test_blobs_accuracy_as_in_sklearn_check_classifiers_train():
    # The accuracy part of sklearn's check_classifiers_train, which is listed
    # as an expected failure in test_common only for its feature-count part.
    X, y = make_blobs(n_samples=300, random_state=0, n_features=10)
    X = (X - X.mean()) / X.std()
    clf = LSTMClassifier(units=8, epochs=15, learning_rate=0.02,
                         n_iter_no_change=None, random_state=0).fit(X, y)
    assert np.mean(clf.predict(X) == y) > 0.83


def test_padding_is_masked_whatever_its_side():
    X, y = _ragged()
    clf = LSTMClassifier(**TINY).fit(X, y)
    ragged = clf.predict_proba(X)
    post = np.zeros((len(X), 20, 2))
    pre = np.zeros((len(X), 20, 2))
    for i, x in enumerate(X):
        post[i, :len(x)] = x
        pre[i, 20 - len(x):] = x
    np.testing.assert_allclose(clf.predict_proba(post), ragged, atol=1e-5)
    np.testing.assert_allclose(clf.predict_proba(pre), ragged, atol=1e-5)
    # Dense input: 'auto' found no zero step inside any sequence.
    assert LSTMClassifier(**{**TINY, "epochs": 1}).fit(pre, y).mask_value_ == 0.0
    # With the mask switched off, the zeros are data and the answer changes.
    raw = LSTMClassifier(mask_value=None, **TINY).fit(pre, y)
    assert np.abs(raw.predict_proba(pre) - ragged).max() > 1e-3


def _counts(n=80, t=12, seed=0):
    """Counts that are often zero, half the rows starting with 5 zeros."""
    rng = np.random.default_rng(seed)
    X = rng.poisson(0.4, size=(n, t, 1)).astype(float)
    X[: n // 2, :5] = 0.0
    X[:, -1] += 1.0  # no row is all zeros
    return X, (np.arange(n) < n // 2).astype(int)


def test_zero_heavy_counts_are_data_not_padding():
    X, y = _counts()
    X_before = X.copy()
    with pytest.warns(UserWarning, match="zero is read as data"):
        clf = LSTMClassifier(**TINY).fit(X, y)
    assert clf.mask_value_ is None
    np.testing.assert_array_equal(X, X_before)
    # Its scaler reads raw X as fit did: the leading zeros are scaled.
    assert clf.scaler_.mask_value_ is None
    assert clf.scaler_.transform(X[:, :1])[:, 0].min() != 0.0
    # The same model as mask_value=None, which does not warn.
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        explicit = LSTMClassifier(mask_value=None, **TINY).fit(X, y)
    np.testing.assert_allclose(clf.predict_proba(X),
                               explicit.predict_proba(X), atol=1e-6)
    # Read as padding, the leading zeros are cut off: another model.
    padded = LSTMClassifier(mask_value=0.0, **TINY).fit(X, y)
    assert padded.mask_value_ == 0.0
    assert np.abs(padded.predict_proba(X) - clf.predict_proba(X)).max() > 1e-3
    # Predict applies the fitted choice: leading zeros are not trimmed.
    clf.set_params(mask_value=0.0)
    np.testing.assert_allclose(clf.predict_proba(X),
                               explicit.predict_proba(X), atol=1e-6)


def test_scaler_statistics_ignore_padding():
    X, y = make_trap_sequences(400, random_state=0)
    clf = LSTMClassifier(validation="tail", **TINY).fit(X, y)
    n_val = int(np.ceil(0.1 * len(y)))  # 40: early stopping is on
    train = X[:-n_val]
    real = ~np.all(train == 0, axis=2)
    np.testing.assert_allclose(clf.scaler_.scaler_.mean_,
                               train[real].mean(axis=0), rtol=1e-4)
    assert clf.scaler_.scaler_.mean_[1] > 50  # zeros would pull it far down


def test_two_d_input_is_one_feature_per_step():
    X, y = _signal_data(f=1)
    clf = LSTMClassifier(**PLUMBING).fit(X[:, :, 0], y)
    assert clf.n_features_in_ == 1 and clf.n_timesteps_in_ == 8
    np.testing.assert_allclose(clf.predict_proba(X[:, :, 0]),
                               clf.predict_proba(X), atol=1e-6)


def test_history_and_early_stopping_restore_best_epoch():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 6, 2))
    y = rng.integers(0, 2, 100)  # pure noise: validation loss soon rises
    clf = LSTMClassifier(units=16, epochs=60, n_iter_no_change=3,
                         validation_fraction=0.3, learning_rate=0.03,
                         random_state=0).fit(X, y)
    assert {"loss", "val_loss", "accuracy", "val_accuracy"} <= set(clf.history_)
    assert clf.n_iter_ < 60
    assert clf.best_epoch_ == int(np.argmin(clf.history_["val_loss"])) + 1
    assert clf.n_iter_ == clf.best_epoch_ + 3


def test_too_small_a_hold_out_trains_on_all_data_and_keeps_lowest_loss():
    X, y = _signal_data(n=100)
    clf = LSTMClassifier(units=4, epochs=6, random_state=0).fit(X, y)
    # A hold-out of 10 < 30: all data train, the training loss is monitored.
    assert "val_loss" not in clf.history_ and clf.validation_ == "none"
    assert clf.best_epoch_ == int(np.argmin(clf.history_["loss"])) + 1
    clf = LSTMClassifier(units=4, epochs=3, n_iter_no_change=1,
                         validation_fraction=0.3, random_state=0).fit(X, y)
    assert "val_loss" in clf.history_ and clf.validation_ == "stratified"


def test_validation_fraction_is_the_tail_of_the_data():
    # The first 80% follow one rule, the last 20% the opposite rule: if the
    # tail is what early stopping validates on, learning makes it worse.
    X, y = _signal_data(n=200)
    y_flipped = y.copy()
    y_flipped[160:] = 1 - y_flipped[160:]
    clf = LSTMClassifier(units=8, epochs=30, n_iter_no_change=3,
                         validation="tail", validation_fraction=0.2,
                         learning_rate=0.02, random_state=0).fit(X, y_flipped)
    val_acc = clf.history_["val_accuracy"]
    train_acc = clf.history_["accuracy"]
    assert train_acc[-1] > 0.7 and min(val_acc) < 0.5
    assert clf.best_epoch_ < clf.n_iter_


def test_class_weight_string_labels_and_dict():
    X, y = make_trap_sequences(300, random_state=1)
    labels = np.array(["neg", "pos"])[y]
    for cw in ("balanced", {"neg": 1.0, "pos": 3.0}, None):
        clf = LSTMClassifier(class_weight=cw, **PLUMBING).fit(X, labels)
        assert set(clf.predict(X)) <= {"neg", "pos"}
    with pytest.raises(ValueError, match="class_weight"):
        LSTMClassifier(class_weight={"neg": 1.0, "oops": 2.0},
                       **PLUMBING).fit(X, labels)


def test_sample_weight_changes_the_fit():
    X, y = _signal_data()
    w = np.where(y == 1, 1.0, 1e-4)
    params = dict(units=4, epochs=10, learning_rate=0.02, class_weight=None,
                  n_iter_no_change=None, random_state=0)
    base = LSTMClassifier(**params).fit(X, y)
    weighted = LSTMClassifier(**params).fit(X, y, sample_weight=w)
    assert weighted.predict_proba(X)[:, 1].mean() > \
        base.predict_proba(X)[:, 1].mean() + 0.05


# ------------------------------------------------------ inputs never modified
def test_caller_inputs_are_not_modified():
    X, y = make_trap_sequences(120, random_state=0)
    w = np.linspace(0.5, 2.0, len(y))
    X_before, y_before, w_before = X.copy(), y.copy(), w.copy()
    Xr, yr = _ragged()
    Xr_before = [x.copy() for x in Xr]
    clf = LSTMClassifier(class_weight="balanced", **TINY)
    clf.fit(X, y, sample_weight=w)
    clf.predict_proba(X)
    LSTMClassifier(**TINY).fit(Xr, yr).predict(Xr)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)
    np.testing.assert_array_equal(w, w_before)
    for x, xb in zip(Xr, Xr_before):
        np.testing.assert_array_equal(x, xb)


# ---------------------------------------------- reproducibility and pickling
def test_same_random_state_same_predictions():
    X, y = _ragged()
    p1 = LSTMClassifier(**TINY).fit(X, y).predict_proba(X)
    p2 = LSTMClassifier(**TINY).fit(X, y).predict_proba(X)
    p3 = LSTMClassifier(**{**TINY, "random_state": 1}).fit(X, y).predict_proba(X)
    # Equal up to float rounding (bit-identical serially on one machine;
    # thread pools and kernels may reorder sums elsewhere), while another
    # seed differs by orders of magnitude more.
    np.testing.assert_allclose(p1, p2, rtol=0, atol=1e-6)
    assert np.abs(p1 - p3).max() > 1e-4


def test_seeding_leaves_global_rngs_alone():
    X, y = _signal_data()
    np.random.seed(123)
    expected = np.random.rand()
    np.random.seed(123)
    LSTMClassifier(**TINY).fit(X, y)
    assert np.random.rand() == expected


def test_clone_pickle_and_joblib_round_trip(tmp_path):
    X, y = _signal_data()
    clf = LSTMClassifier(**TINY).fit(X, y)
    expected = clf.predict_proba(X)
    restored = pickle.loads(pickle.dumps(clf))
    # The weights come back bit for bit; predictions through a rebuilt
    # model agree up to float rounding.
    for got, want in zip(restored.model_.get_weights(),
                         clf.model_.get_weights()):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_allclose(restored.predict_proba(X), expected,
                               rtol=0, atol=1e-6)
    joblib.dump(clf, tmp_path / "clf.joblib")
    np.testing.assert_allclose(
        joblib.load(tmp_path / "clf.joblib").predict_proba(X), expected,
        rtol=0, atol=1e-6)
    cloned = clone(clf)
    assert not hasattr(cloned, "model_")
    assert cloned.get_params() == clf.get_params()
    np.testing.assert_allclose(cloned.fit(X, y).predict_proba(X), expected,
                               rtol=0, atol=1e-6)


# ----------------------------------------------------------------- bad input
@pytest.mark.parametrize("make_X, match", [
    (lambda X: np.where(np.arange(X.size).reshape(X.shape) == 5, np.nan, X),
     "NaN"),
    (lambda X: np.where(np.arange(X.size).reshape(X.shape) == 5, np.inf, X),
     "infinity"),
    (lambda X: X[:, :, 0].ravel(),
     r"one univariate sequence pass X\.reshape\(1, -1\)"),
    (lambda X: X[..., np.newaxis], "4 dimension"),
    (lambda X: [x for x in X[:-1]] + [np.empty((0, 2))], "empty"),
    (lambda X: np.array([["a", "b"]] * len(X)), "TextSequencer"),
    (lambda X: [x for x in X[:-1]] + [np.ones((3, 5))], "same number of features"),
    (lambda X: np.zeros_like(X), "no real step"),
])
def test_bad_input_raises_before_training(make_X, match):
    X, y = _signal_data(n=40)
    clf = LSTMClassifier(**TINY)
    with pytest.raises(ValueError, match=match):
        clf.fit(make_X(X), y)
    assert not hasattr(clf, "model_")


def test_one_class_and_object_array_errors():
    X, y = _signal_data(n=40)
    clf = LSTMClassifier(**TINY)
    with pytest.raises(ValueError, match=r"only one class: 0\.0\.$"):
        clf.fit(X, np.zeros(40))  # not np.float64(0.0)
    for error in (TypeError, ValueError):
        with pytest.raises(error, match="object array"):
            clf.fit(np.array([[{"a": 1}, 2.0]] * 40, dtype=object), y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        clf.fit(X, y[:-1])
    assert not hasattr(clf, "model_")


def test_feature_count_checked_at_predict():
    X, y = _signal_data()
    clf = LSTMClassifier(**PLUMBING).fit(X, y)
    with pytest.raises(ValueError, match="3 features per step.*2 features"):
        clf.predict(np.ones((2, 8, 3)))
    # One sequence alone, (n_timesteps, n_features): read as 2-D sequences
    # of one feature; the message said "channels first".
    with pytest.raises(ValueError, match=r"A 2-D array is read as "
                       r"\(n_samples, n_timesteps\).*X\[np.newaxis\]") as exc:
        clf.predict(X[0])
    assert "channels first" not in str(exc.value)
    assert clf.predict(X[0][np.newaxis]).shape == (1,)
    # Padded, it was refused for its all-padding "rows" instead, advising
    # mask_value=None, which predict cannot take.
    padded = X[0].copy()
    padded[-2:] = 0.0
    with pytest.raises(ValueError, match=r"A 2-D array is read as .*"
                       r"X\[np.newaxis\] \(or \[X\]\)"):
        clf.predict(padded)
    # A DataFrame alone: X[np.newaxis] fails on it; [X] is the fix.
    import pandas as pd

    with pytest.raises(ValueError, match=r"features per step, pass \[X\]\.$"):
        clf.predict(pd.DataFrame(padded))


def test_invalid_parameter_is_named():
    X, y = _signal_data(n=40)
    with pytest.raises(ValueError, match="pooling"):
        LSTMClassifier(pooling="median").fit(X, y)


@pytest.mark.parametrize("validation", ["none", "Tail", "stratifed"])
def test_misspelt_validation_is_refused(validation):
    # Every str has a split method, as a CV splitter has.
    X, y = _signal_data(n=40)
    with pytest.raises(InvalidParameterError, match="'validation' param"):
        LSTMClassifier(validation=validation, **PLUMBING).fit(X, y)


def test_optimizer_instance_trains_at_learning_rate():
    """The one rate a search tunes; the instance's other settings kept."""
    import keras

    X, y = _signal_data(n=40)
    opt = keras.optimizers.Adam(learning_rate=1e-4, beta_1=0.5)
    with pytest.warns(UserWarning, match="learning_rate=0.0001 to train"):
        clf = LSTMClassifier(optimizer=opt, learning_rate=0.02,
                             **PLUMBING).fit(X, y)
    assert clf.history_["learning_rate"][0] == pytest.approx(0.02)
    assert float(clf.model_.optimizer.beta_1) == 0.5
    assert float(opt.learning_rate) == pytest.approx(1e-4)  # not modified
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        clf = LSTMClassifier(optimizer=opt, learning_rate=1e-4,
                             **PLUMBING).fit(X, y)
    assert clf.history_["learning_rate"][0] == pytest.approx(1e-4)
    with pytest.raises(ValueError, match="optimizer must be a name"):
        LSTMClassifier(optimizer=object(), **PLUMBING).fit(X, y)
    # A class is called with learning_rate= once the model is built: int
    # or a layer class failed there with Python's own TypeError.
    for cls in (int, dict, keras.layers.Dense):
        with pytest.raises(ValueError, match=f"optimizer={cls.__name__} is "
                           "a class but not a Keras optimizer"):
            LSTMClassifier(optimizer=cls, **PLUMBING).fit(X, y)
    assert isinstance(LSTMClassifier(optimizer=keras.optimizers.Nadam,
                                     **PLUMBING).fit(X, y).model_.optimizer,
                      keras.optimizers.Nadam)


def test_an_optimizer_with_its_own_rate_schedule_keeps_it():
    # The plateau schedule set the rate Keras refuses to set when it is a
    # schedule: a TypeError in the middle of training.
    import keras

    class Rates(keras.callbacks.Callback):
        seen = []  # a class attribute: fit copies its callbacks

        def on_epoch_end(self, epoch, logs=None):
            optimizer = self.model.optimizer
            Rates.seen.append((int(optimizer.iterations),
                               float(optimizer.learning_rate)))

    X, y = _signal_data(n=40)
    decay = keras.optimizers.schedules.ExponentialDecay(1e-2, 2, 0.5)
    clf = LSTMClassifier(optimizer=keras.optimizers.Adam(decay),
                         learning_rate=1e-9, n_iter_no_change=6,
                         callbacks=[Rates()],
                         **{**PLUMBING, "epochs": 9}).fit(X, y)
    # No plateau schedule ran (it logs the rate it sets); the optimizer's
    # own halved the rate every 2 steps, whatever the loss did.
    assert "learning_rate" not in clf.history_
    assert len(Rates.seen) == clf.n_iter_ >= 2
    for steps, rate in Rates.seen:
        assert rate == pytest.approx(1e-2 * 0.5 ** (steps / 2), rel=1e-3)


def test_numpy_integer_parameters_fit_as_python_integers():
    """What a grid of np.arange gives; Keras' layers refuse NumPy ints."""
    X, y = _signal_data(n=40)
    ids = np.random.default_rng(0).integers(1, 30, size=(40, 8))
    probas = []
    for as_int in (int, np.int64):
        numeric = LSTMClassifier(
            units=as_int(4), n_layers=as_int(2), epochs=as_int(2),
            batch_size=as_int(8), n_networks=as_int(1),
            n_iter_no_change=as_int(3), random_state=as_int(0),
            architecture="lstm").fit(X, y)
        tokens = LSTMClassifier(
            embedding_dim=as_int(4), vocabulary_size=as_int(30),
            **PLUMBING).fit(ids, y)
        probas.append((numeric.predict_proba(X), tokens.predict_proba(ids)))
    for python, numpy in zip(*probas):
        np.testing.assert_allclose(numpy, python, atol=1e-6)


# ------------------------------------------------------------- the big trap
def test_defaults_beat_dummy_on_trap_problem():
    """1:3 imbalanced, unscaled, zero pre-padded (10 x 5): defaults learn it."""
    X, y = make_trap_sequences(600, random_state=0)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, stratify=y, random_state=0)
    dummy = balanced_accuracy_score(
        y_te, DummyClassifier().fit(X_tr[:, :, 0], y_tr).predict(X_te[:, :, 0]))
    lstm = balanced_accuracy_score(
        y_te, LSTMClassifier(random_state=0).fit(X_tr, y_tr).predict(X_te))
    assert dummy == 0.5
    assert lstm > dummy + 0.25


def test_plain_keras_softmax_on_one_unit_is_stuck_at_chance():
    """The trap skseq avoids: softmax over one unit always outputs 1.0."""
    import keras

    X, y = make_trap_sequences(300, random_state=0)
    model = keras.Sequential([keras.Input((10, 5)), keras.layers.LSTM(4),
                              keras.layers.Dense(1, activation="softmax")])
    model.compile("adam", "binary_crossentropy")
    model.fit(X, y, epochs=1, verbose=0)
    proba = model.predict(X, verbose=0)[:, 0]
    # exp(z) / exp(z) is 1.0 up to rounding (0.99999994 on some CPUs): the
    # output is the same for every input, whatever the network learned.
    np.testing.assert_allclose(proba, 1.0, rtol=0, atol=1e-6)
    assert balanced_accuracy_score(y, (proba > 0.5).astype(int)) == 0.5


@pytest.mark.parametrize("ragged", [False, True])
def test_predictions_do_not_depend_on_order_or_batch_mates(ragged):
    # sklearn's check_methods_sample_order_invariance and
    # check_methods_subset_invariance at a float tolerance (they compare at
    # 1e-9 and are listed as expected failures in test_common.py): a
    # sequence's probabilities are its own, whichever sequences share its
    # batch or length bucket.
    X, y = _ragged() if ragged else _signal_data()
    clf = LSTMClassifier(**TINY).fit(X, y)
    proba = clf.predict_proba(X)
    perm = np.random.default_rng(1).permutation(len(y))
    shuffled = clf.predict_proba([X[i] for i in perm] if ragged else X[perm])
    np.testing.assert_allclose(shuffled, proba[perm], atol=1e-5)
    for part in (slice(0, 1), slice(3, 10), slice(len(y) - 5, None)):
        np.testing.assert_allclose(clf.predict_proba(X[part]), proba[part],
                                   atol=1e-5)
    assert np.ptp(proba[:, 1]) > 1e-3  # not a constant answer


@pytest.mark.parametrize("tokens", [False, True])
def test_a_long_sequence_predicts_the_same_beside_longer_ones(tokens):
    # Sequences long enough to be shortened by strides of 3 and more: the
    # pooling windows moved with the width of the predict chunk (its
    # longest row), so a sequence's probabilities moved with the lengths
    # of the sequences predicted beside it (up to 6.8e-5 and 1.1e-2 apart
    # here; the tolerance is the batch-mates test's above).
    rng = np.random.default_rng(0)
    if tokens:
        X = [rng.integers(1, 30, rng.integers(20, 150)) for _ in range(40)]
        other = lambda n: np.ones(n, dtype=int)  # noqa: E731
    else:
        X = [rng.normal(size=(rng.integers(300, 600), 1)) for _ in range(40)]
        other = lambda n: rng.normal(size=(n, 1))  # noqa: E731
    y = np.arange(40) % 2
    clf = LSTMClassifier(units=4, epochs=1, random_state=0).fit(X, y)
    alone = clf.predict_proba(X[:1])[0]
    for extra in range(1, 6):
        beside = clf.predict_proba([X[0], other(len(X[0]) + extra)])[0]
        np.testing.assert_allclose(beside, alone, rtol=0, atol=1e-5)


def _sequential_without_input(meta):
    import keras

    return keras.Sequential([
        keras.layers.Masking(0.0), keras.layers.LSTM(4),
        keras.layers.Dense(meta["n_outputs"], activation="sigmoid")])


def _subclassed(takes_training):
    import keras

    class Net(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.mask = keras.layers.Masking(0.0)
            self.lstm = keras.layers.LSTM(4)
            self.head = keras.layers.Dense(1, activation="sigmoid")

        if takes_training:
            def call(self, x, training=None):
                return self.head(self.lstm(self.mask(x)))
        else:
            def call(self, x):
                return self.head(self.lstm(self.mask(x)))

    return lambda meta: Net()


@pytest.mark.parametrize("builder", [
    _sequential_without_input, _subclassed(True), _subclassed(False)],
    ids=["sequential", "subclassed", "subclassed_call_without_training"])
def test_builders_without_input_predict_under_tf_and_jax(builder):
    # Each fit, then failed to predict: a Sequential without Input (JAX:
    # its input shape was the first batch's, "takes 8 steps"), a subclassed
    # model (TensorFlow: "no attribute 'inputs'"; JAX: call() given
    # training=False it does not take).
    X, y = _ragged(n=30)
    clf = LSTMClassifier(model_builder=builder, epochs=2,
                         random_state=0).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (30, 2) and np.isfinite(proba).all()
    longer = [np.vstack([x] * 3) for x in X[:4]]  # beyond any training length
    assert clf.predict_proba(longer).shape == (4, 2)
    np.testing.assert_allclose(clf.predict_proba(X[:1]), proba[:1], atol=1e-6)
    assert clf.network_steps_ is None


def test_a_sequential_without_input_takes_any_steps_once_loaded(tmp_path):
    # The steps it takes were read from the input shape a training batch
    # gave it, (None, 11, 2): after skseq.load, longer sequences were
    # refused, "takes 11 steps".
    import json
    import subprocess
    import sys

    import skseq

    X, y = _ragged(n=30)
    clf = LSTMClassifier(model_builder=_sequential_without_input, epochs=2,
                         random_state=0).fit(X, y)
    with pytest.warns(UserWarning, match="model_builder"):
        skseq.save(clf, tmp_path / "clf.skseq")
    longer = np.stack([np.vstack([x[:3]] * 10) for x in X[:4]])  # 30 steps
    np.save(tmp_path / "longer.npy", longer)
    code = ("import json, numpy as np, skseq; "
            f"clf = skseq.load({str(tmp_path / 'clf.skseq')!r}); "
            "print(json.dumps([clf.network_steps_, clf.predict_proba("
            f"np.load({str(tmp_path / 'longer.npy')!r}))[:, 1].tolist()]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, check=True).stdout
    steps, proba = json.loads(out.strip().splitlines()[-1])
    assert steps is None
    np.testing.assert_allclose(proba, clf.predict_proba(longer)[:, 1],
                               atol=1e-6)
