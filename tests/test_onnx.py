"""ONNX export of the whole predict path, compared with ONNX Runtime."""

import keras
import numpy as np
import pytest

from skseq import LSTMClassifier
from skseq.persistence import export_onnx

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("tf2onnx")
pytestmark = pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                                reason="Keras exports ONNX through tf2onnx")


def _run(path, X):
    session = ort.InferenceSession(str(path))
    return session.run(None, {session.get_inputs()[0].name: X})[0]


@pytest.mark.parametrize("n_networks", [1, 2])
def test_numeric_graph_scales_and_masks_like_predict_proba(tmp_path,
                                                           n_networks):
    rng = np.random.default_rng(0)
    lengths = rng.integers(2, 12, 50)
    y = np.where(np.arange(50) % 2, "up", "down")
    # Features on very different scales: without the fitted scaling in the
    # graph, the numbers would differ.
    X = [(rng.normal(size=(m, 3)) * [1, 10, 0.1] + [0, 5, 0]
          + (y[i] == "up")).astype(np.float32) for i, m in enumerate(lengths)]
    X[0] = np.vstack([X[0][:1], np.zeros((1, 3), np.float32), X[0][1:]])
    clf = LSTMClassifier(units=4, epochs=2, scaling="robust",
                         n_networks=n_networks, random_state=0).fit(X, y)
    export_onnx(clf, tmp_path / "clf.onnx")
    padded = np.zeros((len(X), max(map(len, X)), 3), np.float32)
    for i, x in enumerate(X):
        padded[i, :len(x)] = x  # post-padded, an interior zero step in X[0]
    proba = _run(tmp_path / "clf.onnx", padded)
    assert proba.shape == (50, 2)
    np.testing.assert_allclose(proba, clf.predict_proba(X), atol=1e-5)


def test_token_graph_gives_softmax_probabilities(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.integers(1, 30, size=(45, 8)).astype(np.int32)
    X[::4, 6:] = 0
    y = np.array(["a", "b", "c"])[X[:, 0] % 3]
    clf = LSTMClassifier(units=4, epochs=2, vocabulary_size=25,
                         random_state=0).fit(X, y)
    export_onnx(clf, tmp_path / "tokens.onnx")
    X_new = X.copy()
    X_new[:, 1] = 27  # unseen ids count as padding, as in predict
    proba = _run(tmp_path / "tokens.onnx", X_new)
    assert proba.shape == (45, 3)
    np.testing.assert_allclose(proba, clf.predict_proba(X_new), atol=1e-5)


def test_export_refuses_what_it_cannot_export(tmp_path):
    with pytest.raises(ValueError, match="exports an LSTMClassifier"):
        export_onnx(object(), tmp_path / "x.onnx")


def test_export_warns_where_padding_would_be_read_as_steps(tmp_path):
    # mask_value=None on ragged data: predict_proba masks a list by its
    # lengths, the graph reads the zero padding as steps (0.27 apart).
    import warnings

    rng = np.random.default_rng(0)
    X = [rng.normal(size=(m, 2)) for m in rng.integers(3, 10, 40)]
    y = np.arange(40) % 2
    ragged = LSTMClassifier(units=4, epochs=1, mask_value=None,
                            architecture="lstm", random_state=0).fit(X, y)
    with pytest.warns(UserWarning, match="mask_value_=None and was fitted "
                      "on sequences of different lengths"):
        export_onnx(ragged, tmp_path / "ragged.onnx")
    equal = LSTMClassifier(units=4, epochs=1, mask_value=None,
                           architecture="lstm", random_state=0).fit(
        np.stack([x[:3] for x in X]), y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        export_onnx(equal, tmp_path / "equal.onnx")


@pytest.mark.parametrize("mask_value", ["auto", None])
def test_numeric_graph_keeps_a_real_step_that_scales_to_padding(tmp_path,
                                                                mask_value):
    # Integer readings, median 3 and interquartile range 2: a reading of 3
    # scales to exactly 0.0, the network's padding. predict_proba moves such
    # a step off 0.0 so that the Masking layer reads it; so must the graph
    # (0.045 apart before), whether 0.0 is padding ('auto': no reading is 0)
    # or every step is real (None).
    rng = np.random.default_rng(0)
    y = np.arange(60) % 2
    X = rng.integers(1, 6, size=(60, 8, 1)).astype(np.float32)
    clf = LSTMClassifier(units=4, epochs=2, scaling="robust",
                         mask_value=mask_value, random_state=0).fit(X, y)
    assert clf.mask_value_ == (0.0 if mask_value == "auto" else None)
    robust = clf.scaler_.scaler_
    assert (robust.center_[0], robust.scale_[0]) == (3.0, 2.0)
    X_new = X[:6].copy()
    X_new[:, 2:5] = 3.0  # real steps that scale to 0.0, the last real
    X_new[3:, 5:] = 0.0  # one in rows 3-5 where 0.0 is padding
    export_onnx(clf, tmp_path / "clf.onnx")
    proba = _run(tmp_path / "clf.onnx", X_new)
    np.testing.assert_allclose(proba, clf.predict_proba(X_new), atol=1e-5)


def _fixed_steps_builder(meta):
    inputs = keras.Input(shape=(meta["n_timesteps"], meta["n_features"]))
    x = keras.layers.Flatten()(inputs)
    return keras.Model(inputs, keras.layers.Dense(
        meta["n_outputs"], activation="sigmoid")(x))


def test_a_network_of_fixed_steps_exports_a_graph_of_fixed_steps(tmp_path):
    # Exported with an open step axis, it failed inside Keras ("expected
    # shape=(None, 6, 2), found shape=(1, 2, 2)").
    rng = np.random.default_rng(11)
    X = rng.normal(size=(30, 6, 2)).astype(np.float32)
    y = np.arange(30) % 2
    clf = LSTMClassifier(epochs=2, random_state=0,
                         model_builder=_fixed_steps_builder).fit(X, y)
    export_onnx(clf, tmp_path / "fixed.onnx")
    session = ort.InferenceSession(str(tmp_path / "fixed.onnx"))
    assert session.get_inputs()[0].shape[1:] == [6, 2]
    np.testing.assert_allclose(_run(tmp_path / "fixed.onnx", X),
                               clf.predict_proba(X), atol=1e-5)

