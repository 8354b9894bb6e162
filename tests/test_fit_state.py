"""A fit that fails or is interrupted changes nothing; seeds hold in threads."""

import threading

import keras
import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from skseq import LSTMClassifier

TINY = dict(units=4, epochs=2, random_state=0)


def _data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 10, 2)).astype("float32")
    return X, np.array([0, 1] * (n // 2))


class _Interrupt(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        raise KeyboardInterrupt


def _fitted_attributes(clf):
    return {k for k in vars(clf) if k.endswith("_") and not k.startswith("_")}


def test_interrupted_first_fit_leaves_the_estimator_unfitted():
    X, y = _data()
    clf = LSTMClassifier(callbacks=[_Interrupt()], **TINY)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert _fitted_attributes(clf) == set()
    with pytest.raises(NotFittedError):
        clf.predict(X)


def test_interrupted_or_failed_refit_keeps_the_previous_model():
    X, y = _data()
    clf = LSTMClassifier(**TINY).fit(X, y)
    before = clf.predict_proba(X)
    state = {k: getattr(clf, k) for k in _fitted_attributes(clf)}
    clf.set_params(callbacks=[_Interrupt()])
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, np.array(["a", "b"] * 20))
    clf.set_params(callbacks=None)
    with pytest.raises(ValueError, match="at least 2 classes"):
        clf.fit(X, np.zeros(40))
    with pytest.raises(ValueError, match="features per step|3-D|dimension"):
        clf.fit(np.zeros((40, 10, 2, 2)), y)
    for name, value in state.items():
        assert getattr(clf, name) is value, name
    np.testing.assert_array_equal(clf.classes_, [0, 1])
    np.testing.assert_allclose(clf.predict_proba(X), before, atol=1e-6)


def test_a_diagnostic_made_an_error_after_training_undoes_the_fit():
    # The diagnostics run on the fitted estimator; under -W error one of
    # their warnings raised after the new model was committed.
    import warnings

    from skseq.inspection import SequenceDiagnosticWarning

    X, y = _data()
    skewed = np.r_[np.zeros(30, int), np.ones(10, int)]
    fresh = LSTMClassifier(class_weight=None, **TINY)
    clf = LSTMClassifier(**TINY).fit(X, y)
    before = clf.predict_proba(X)
    state = {k: getattr(clf, k) for k in _fitted_attributes(clf)}
    clf.set_params(class_weight=None)
    for est in (fresh, clf):
        with warnings.catch_warnings():
            warnings.simplefilter("error", SequenceDiagnosticWarning)
            with pytest.raises(SequenceDiagnosticWarning):
                est.fit(X, skewed)
    assert _fitted_attributes(fresh) == set()
    assert {k: getattr(clf, k) for k in _fitted_attributes(clf)} == state
    np.testing.assert_allclose(clf.predict_proba(X), before, atol=1e-6)


def test_failed_first_fit_then_predict_raises_not_fitted():
    X, y = _data()
    clf = LSTMClassifier(**TINY)
    with pytest.raises(ValueError):
        clf.fit(X, np.zeros(40))
    with pytest.raises(NotFittedError):
        clf.predict_proba(X)


@pytest.mark.parametrize("callbacks", [["x"], [object()], [None]])
def test_bad_callbacks_raise_before_any_model_is_built(callbacks, monkeypatch):
    built = []
    monkeypatch.setattr(keras.Model, "fit",
                        lambda *a, **k: built.append(1))
    with pytest.raises(ValueError, match="keras.callbacks.Callback"):
        LSTMClassifier(callbacks=callbacks, **TINY).fit(*_data())
    assert built == []


class _HoldsALock(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        import threading

        self.lock = threading.Lock()


def test_a_callback_that_cannot_be_copied_is_refused_by_name(monkeypatch):
    # "TypeError: cannot pickle '_thread.lock' object", from deepcopy.
    built = []
    monkeypatch.setattr(keras.Model, "fit",
                        lambda *a, **k: built.append(1))
    with pytest.raises(ValueError, match="_HoldsALock.*cannot be copied "
                       r"\(TypeError: cannot pickle '_thread.lock'"):
        LSTMClassifier(callbacks=[_HoldsALock()], **TINY).fit(*_data())
    assert built == []


def test_a_callback_watching_a_hold_out_that_is_not_there_warns(tmp_path):
    # Keras warned at every epoch that val_loss is not available, and the
    # caller's early stopping never acted.
    import warnings

    X, y = _data()  # 40 sequences: no hold-out
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=1)
    with pytest.warns(UserWarning, match="EarlyStopping monitors "
                      "'val_loss', but this fit holds nothing out") as record:
        clf = LSTMClassifier(callbacks=[stop], **TINY).fit(X, y)
    assert clf.validation_ == "none"
    [warning] = [w for w in record if "holds nothing out" in str(w.message)]
    assert warning.filename == __file__  # points at the caller
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        LSTMClassifier(callbacks=[keras.callbacks.EarlyStopping(
            monitor="loss", patience=1)], **TINY).fit(X, y)
        # Saving every epoch, a checkpoint does not read its monitor.
        LSTMClassifier(callbacks=[keras.callbacks.ModelCheckpoint(
            str(tmp_path / "m.keras"))], **TINY).fit(X, y)


def test_non_finite_class_weight_is_rejected_before_training(monkeypatch):
    calls = []
    monkeypatch.setattr(keras.Model, "fit", lambda *a, **k: calls.append(1))
    with pytest.raises(ValueError, match="class_weight .*finite"):
        LSTMClassifier(class_weight={0: np.nan, 1: 1.0}, **TINY).fit(*_data())
    with pytest.raises(ValueError, match="sample_weight .*(NaN|infinity)"):
        LSTMClassifier(**TINY).fit(*_data(), sample_weight=np.r_[np.inf,
                                                                 np.ones(39)])
    with pytest.raises(ValueError, match="[Nn]egative"):
        LSTMClassifier(**TINY).fit(*_data(), sample_weight=-np.ones(40))
    assert calls == []


def test_huge_sample_weights_train_to_finite_probabilities():
    X, y = _data()
    weights = np.full(40, 1e38)
    clf = LSTMClassifier(**TINY).fit(X, y, sample_weight=weights)
    assert np.all(np.isfinite(clf.predict_proba(X)))
    assert np.all(weights == 1e38)  # the caller's array is untouched


def _nan_model(meta):
    inputs = keras.Input(shape=(None, meta["n_features"]))
    x = keras.layers.GlobalAveragePooling1D()(inputs)
    out = keras.layers.Dense(
        1, activation="sigmoid",
        kernel_initializer=keras.initializers.Constant(float("nan")))(x)
    return keras.Model(inputs, out)


def test_non_finite_loss_stops_with_an_error_and_changes_nothing():
    X, y = _data()
    clf = LSTMClassifier(model_builder=_nan_model, **TINY)
    with pytest.raises(ValueError, match="training loss became nan at epoch 1"):
        clf.fit(X, y)
    assert _fitted_attributes(clf) == set()


class _NaNWhenPredicting(keras.layers.Layer):
    # Finite in training, NaN in prediction: what weights that overflowed
    # in the last update of training give (no loss measured after it).
    def call(self, x, training=None):
        return x if training else x * float("nan")


def _nan_at_predict_model(meta):
    inputs = keras.Input(shape=(None, meta["n_features"]))
    x = _NaNWhenPredicting()(keras.layers.GlobalAveragePooling1D()(inputs))
    return keras.Model(inputs, keras.layers.Dense(1, "sigmoid")(x))


def test_weights_that_overflow_in_the_last_update_are_caught():
    X, y = _data()
    # learning_rate=1e39 is infinity in float32: the one update of the one
    # epoch (one batch) makes the weights infinite after the epoch's loss
    # was measured. Before: fitted, predict_proba NaN, predict classes_[0].
    clf = LSTMClassifier(units=4, epochs=1, batch_size=40, random_state=0,
                         learning_rate=1e39)
    with pytest.raises(ValueError, match="holds NaN or infinity after "
                       "training.*smaller learning_rate"):
        clf.fit(X, y)
    assert _fitted_attributes(clf) == set()
    # Finite weights whose output is not a number: predict says so.
    clf = LSTMClassifier(model_builder=_nan_at_predict_model, **TINY)
    clf.fit(X, y)
    for method in (clf.predict_proba, clf.predict):
        with pytest.raises(ValueError, match=r"probabilities are not numbers "
                           r"for 40 of 40 sequences \(rows 0, 1, 2, 3, 4, "
                           r"\.\.\.\)"):
            method(X)
    # A fit long enough to be judged predicts a sample of its training
    # sequences: the error comes from fit, which leaves the estimator as it
    # was.
    fitted = LSTMClassifier(**TINY).fit(X, y)
    before = fitted.predict_proba(X)
    fitted.set_params(model_builder=_nan_at_predict_model, epochs=12,
                      n_iter_no_change=None)
    with pytest.raises(ValueError, match="probabilities are not numbers"):
        fitted.fit(X, y)
    np.testing.assert_array_equal(fitted.predict_proba(X), before)


def test_all_padding_token_sequences_are_rejected():
    X = np.zeros((20, 15), dtype=int)
    with pytest.raises(ValueError, match="empty or all padding"):
        LSTMClassifier(**TINY).fit(X, np.arange(20) % 2)


def test_seeded_fits_in_threads_equal_the_same_fits_alone():
    X, y = _data(60)
    alone = {seed: LSTMClassifier(units=4, epochs=3, random_state=seed)
             .fit(X, y).predict_proba(X) for seed in (1, 2)}
    results = {}

    def fit(seed):
        clf = LSTMClassifier(units=4, epochs=3, random_state=seed).fit(X, y)
        results[seed] = clf.predict_proba(X)

    threads = [threading.Thread(target=fit, args=(s,)) for s in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for seed in (1, 2):
        np.testing.assert_allclose(results[seed], alone[seed], atol=1e-6)


def test_a_callers_early_stopping_keeps_its_epoch():
    # skseq's own EarlyStopping restored after the caller's: the weights of
    # its best epoch were kept while best_epoch_ named the caller's.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 10, 2)).astype("float32")
    y = (X[:, :, 0].mean(axis=1) > 0).astype(int)
    params = dict(units=4, n_networks=1, architecture="lstm",
                  learning_rate=0.05, random_state=0)
    # No later epoch improves the loss by 10: epoch 1 is its best.
    mine = keras.callbacks.EarlyStopping(monitor="loss", patience=2,
                                         min_delta=10,
                                         restore_best_weights=True)
    clf = LSTMClassifier(epochs=3, callbacks=[mine], **params).fit(X, y)
    assert clf.n_iter_ == 3 and clf.best_epoch_ == 1
    one_epoch = LSTMClassifier(epochs=1, **params).fit(X, y)
    np.testing.assert_allclose(clf.predict_proba(X),
                               one_epoch.predict_proba(X), atol=1e-6)
    three = LSTMClassifier(epochs=3, **params).fit(X, y)
    assert three.best_epoch_ == 3
    assert not np.allclose(three.predict_proba(X), clf.predict_proba(X),
                           atol=1e-3)
