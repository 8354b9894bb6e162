"""skseq.persistence: save/load without pickle, in a fresh process."""

import json
import os
import subprocess
import sys
import textwrap
import warnings
import zipfile

import keras
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline

from skseq import LSTMClassifier, SequenceScaler, TextSequencer
from skseq.persistence import load, save

TINY = dict(units=4, epochs=2, batch_size=8, random_state=0)

# Runs in a fresh interpreter: pickle is made unusable before anything is
# imported, each saved estimator is loaded and its probabilities written as
# .npy (allow_pickle=False both ways).
_CHILD = textwrap.dedent("""
    import pickle, sys

    def refuse(*args, **kwargs):
        raise AssertionError("pickle was used while loading")

    pickle.load = pickle.loads = refuse
    import numpy as np
    from skseq.persistence import load

    for stem in sys.argv[1:]:
        est = load(stem + ".skseq")
        with np.load(stem + ".input.npz", allow_pickle=False) as data:
            if "lengths" in data:  # ragged: rebuild the list
                cuts = np.cumsum(data["lengths"])[:-1]
                X = np.split(data["steps"], cuts)
            elif "texts" in data:
                X = [str(t) for t in data["texts"]]
            else:
                X = data["X"]
        np.save(stem + ".proba.npy", est.predict_proba(X), allow_pickle=False)
        np.save(stem + ".classes.npy", np.asarray(est.classes_, dtype=str),
                allow_pickle=False)
""")


def _cases():
    rng = np.random.default_rng(0)
    # Numeric 3-D, binary int labels, attention pooling (a custom layer).
    X3 = rng.normal(size=(40, 6, 2))
    y3 = (X3[:, :, 0].mean(axis=1) > 0).astype(int)
    # Ragged, multiclass string labels, masked mean pooling.
    lengths = rng.integers(2, 9, 45)
    yr = np.array(["low", "mid", "high"])[np.arange(45) % 3]
    Xr = [rng.normal(size=(m, 2)) + (i % 3) for i, m in enumerate(lengths)]
    # Token ids, binary string labels.
    Xt = rng.integers(1, 20, size=(40, 7))
    Xt[::3, 5:] = 0  # some post-padding
    yt = np.where(Xt[:, 0] > 10, "spam", "ham")
    # Raw texts through a pipeline, multiclass object labels (as pandas).
    words = ["good", "bad", "fine", "great", "awful", "ok"]
    texts = [" ".join(rng.choice(words, size=rng.integers(2, 6)))
             for _ in range(45)]
    ytext = np.array(["pos", "neg", "neutral"], dtype=object)[
        np.arange(45) % 3]
    return {
        "dense": (LSTMClassifier(pooling="attention", **TINY), X3, y3,
                  {"X": X3}),
        "ragged": (LSTMClassifier(pooling="mean", **TINY), Xr, yr,
                   {"steps": np.concatenate(Xr), "lengths": lengths}),
        "tokens": (LSTMClassifier(**TINY), Xt, yt, {"X": Xt}),
        # Two networks averaged: nested Keras models in the saved network.
        "ensemble": (LSTMClassifier(n_networks=2, **TINY), Xr, yr,
                     {"steps": np.concatenate(Xr), "lengths": lengths}),
        "text_pipeline": (make_pipeline(TextSequencer(),
                                        LSTMClassifier(**TINY)),
                          texts, ytext, {"texts": np.array(texts)}),
    }


def test_round_trip_in_a_fresh_process_without_pickle(tmp_path):
    stems, expected = [], {}
    for name, (est, X, y, stored_input) in _cases().items():
        est.fit(X, y)
        stem = str(tmp_path / name)
        save(est, stem + ".skseq")
        np.savez(stem + ".input.npz", allow_pickle=False, **stored_input)
        expected[name] = (est.predict_proba(X), est.classes_)
        stems.append(stem)
    result = subprocess.run([sys.executable, "-c", _CHILD, *stems],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    for name, stem in zip(expected, stems):
        proba, classes = expected[name]
        np.testing.assert_allclose(np.load(stem + ".proba.npy"), proba,
                                   atol=1e-6, rtol=0, err_msg=name)
        np.testing.assert_array_equal(np.load(stem + ".classes.npy"),
                                      classes.astype(str))
        _assert_no_pickle_inside(stem + ".skseq")


def _assert_no_pickle_inside(path):
    """The file holds JSON, a pickle-free .npz and Keras' own format."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        assert set(names) <= {"estimator.json", "arrays.npz"} | {
            n for n in names if n.startswith("keras/") and n.endswith(".keras")}
        json.loads(archive.read("estimator.json"))
        with archive.open("arrays.npz") as fh, \
                np.load(fh, allow_pickle=False) as npz:
            for key in npz.files:
                assert not npz[key].dtype.hasobject
        for name in names:
            # Protocol 2+ pickles start with b"\x80".
            assert not archive.read(name).startswith(b"\x80"), name


def test_every_kind_of_fitted_attribute_round_trips(tmp_path):
    """Attributes added by later versions need no change here."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 5, 2))
    clf = LSTMClassifier(**TINY).fit(X, np.arange(30) % 2)
    extra = {
        "counts_": np.arange(6, dtype=np.int16).reshape(2, 3),
        "threshold_": np.float32(0.25),
        "flag_": np.bool_(True),
        "name_": "x",
        "missing_": None,
        "nan_": float("nan"),
        "nested_": {"a": [1, 2.5, (3, "b")], 7: {"inf": -np.inf},
                    (1, 2): None},
        "labels_": np.array(["a", 3, None], dtype=object),
        "scalers_": [SequenceScaler().fit(X)],
    }
    for key, value in extra.items():
        setattr(clf, key, value)
    clf._cache = object()  # private: not saved, no error
    save(clf, tmp_path / "clf.skseq")
    loaded = load(tmp_path / "clf.skseq")
    assert not hasattr(loaded, "_cache")
    np.testing.assert_array_equal(loaded.counts_, extra["counts_"])
    assert loaded.counts_.dtype == np.int16
    assert loaded.threshold_ == np.float32(0.25)
    assert isinstance(loaded.threshold_, np.float32)  # a scalar, not (1,)
    assert loaded.flag_ is np.True_ or loaded.flag_ == np.True_
    assert loaded.name_ == "x" and loaded.missing_ is None
    assert np.isnan(loaded.nan_)
    assert loaded.nested_ == {"a": [1, 2.5, (3, "b")], 7: {"inf": -np.inf},
                              (1, 2): None}
    assert loaded.labels_.dtype == object
    assert loaded.labels_.tolist() == ["a", 3, None]
    np.testing.assert_allclose(loaded.scalers_[0].scaler_.mean_,
                               extra["scalers_"][0].scaler_.mean_)
    assert loaded.history_ == clf.history_
    np.testing.assert_allclose(loaded.scaler_.scaler_.scale_,
                               clf.scaler_.scaler_.scale_)
    assert loaded.get_params() == clf.get_params()
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X),
                               atol=1e-6)
    # The constructor parameters are kept: a clone refits the same way.
    assert clone(loaded).get_params() == clf.get_params()


def test_numpy_scalar_parameters_load_as_scalars_and_refit(tmp_path):
    """What np.unique and compute_class_weight give: NumPy keys and values.

    They came back as 1-element arrays: a class_weight keyed by them could
    not be loaded (unhashable keys) and a clone of the loaded estimator
    refused its own parameters.
    """
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(30, 5, 2)), np.arange(30) % 2
    weights = {k: np.float64(1.0 + k) for k in np.unique(y)}
    clf = LSTMClassifier(class_weight=weights,
                         learning_rate=np.float64(1e-3), **TINY).fit(X, y)
    save(clf, tmp_path / "clf.skseq")
    loaded = load(tmp_path / "clf.skseq")
    assert loaded.class_weight == weights
    assert all(np.ndim(k) == 0 and np.ndim(v) == 0
               for k, v in loaded.class_weight.items())
    assert isinstance(loaded.learning_rate, np.float64)
    np.testing.assert_allclose(clone(loaded).fit(X, y).predict_proba(X),
                               clone(clf).fit(X, y).predict_proba(X),
                               atol=1e-6)


def test_unsupported_attribute_is_refused_naming_it(tmp_path):
    scaler = SequenceScaler().fit(np.ones((2, 3, 1)))
    scaler.model_card_ = {"owner": {"callback": print}}
    path = tmp_path / "scaler.skseq"
    with pytest.raises(ValueError, match=r"SequenceScaler\.model_card_"
                                         r"\['owner'\]\['callback'\]"):
        save(scaler, path)
    assert not path.exists() and not os.listdir(tmp_path)

    with pytest.raises(ValueError, match="stores .* only; got .*dict"):
        save({"not": "an estimator"}, path)

    class MyScaler(SequenceScaler):
        pass

    with pytest.raises(ValueError, match="MyScaler"):
        save(MyScaler().fit(np.ones((2, 3, 1))), path)


def _builder(meta):
    from skseq.neural_network._architectures import build_lstm_model

    return build_lstm_model(meta, units=meta["units"])


def test_code_parameters_are_saved_as_defaults_with_a_warning(tmp_path):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(30, 5, 1))
    clf = LSTMClassifier(model_builder=_builder,
                         callbacks=[keras.callbacks.TerminateOnNaN()],
                         optimizer=keras.optimizers.Adam(), **TINY)
    clf.fit(X, np.arange(30) % 2)
    with pytest.warns(UserWarning) as record:
        save(clf, tmp_path / "clf.skseq")
    messages = "\n".join(str(w.message) for w in record)
    for text in ("model_builder=", "callbacks=", "optimizer=",
                 "set_params"):
        assert text in messages
    loaded = load(tmp_path / "clf.skseq")
    assert loaded.model_builder is None and loaded.callbacks is None
    assert loaded.optimizer == "adam"
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X),
                               atol=1e-6)


def test_load_refuses_classes_outside_the_allowlist(tmp_path):
    path = tmp_path / "scaler.skseq"
    save(SequenceScaler().fit(np.ones((2, 3, 1))), path)
    with zipfile.ZipFile(path) as archive:
        document = json.loads(archive.read("estimator.json"))
        arrays = archive.read("arrays.npz")
    document["estimator"]["fitted"]["scaler_"]["class"] = "os.system"
    evil = tmp_path / "evil.skseq"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("estimator.json", json.dumps(document))
        archive.writestr("arrays.npz", arrays)
    with pytest.raises(ValueError, match="'os.system', which load"):
        load(evil)

    (tmp_path / "plain.txt").write_text("hello")
    with pytest.raises(ValueError, match="not a file written by"):
        load(tmp_path / "plain.txt")
    with pytest.raises(FileNotFoundError, match="no-such.skseq"):
        load(tmp_path / "no-such.skseq")
    document["format_version"] = 99
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("estimator.json", json.dumps(document))
    with pytest.raises(ValueError, match="format version 99"):
        load(evil)


def test_set_output_survives_save_and_load(tmp_path):
    # A setting, not a parameter or fitted attribute: the loaded pipeline
    # returned an array where the saved one returned a DataFrame.
    import pandas as pd
    from sklearn.preprocessing import StandardScaler

    df = pd.DataFrame({"a": [0.0, 1.0, 2.0], "b": [1.0, 1.0, 4.0]})
    pipe = make_pipeline(StandardScaler()).set_output(
        transform="pandas").fit(df)
    save(pipe, tmp_path / "p.skseq")
    out = load(tmp_path / "p.skseq").transform(df)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == ["a", "b"]
    pd.testing.assert_frame_equal(out, pipe.transform(df))
    save(StandardScaler().fit(df), tmp_path / "plain.skseq")
    assert isinstance(load(tmp_path / "plain.skseq").transform(df),
                      np.ndarray)
    # The setting is checked like the rest of the file.
    with zipfile.ZipFile(tmp_path / "p.skseq") as archive:
        document = json.loads(archive.read("estimator.json"))
        arrays = archive.read("arrays.npz")
    document["estimator"]["output"] = {"transform": "os.system"}
    with zipfile.ZipFile(tmp_path / "bad.skseq", "w") as archive:
        archive.writestr("estimator.json", json.dumps(document))
        archive.writestr("arrays.npz", arrays)
    with pytest.raises(ValueError, match="output setting"):
        load(tmp_path / "bad.skseq")


def test_save_does_not_change_the_estimator(tmp_path):
    X = np.random.default_rng(3).normal(size=(4, 3, 2))
    scaler = SequenceScaler().fit(X)
    before = scaler.scaler_.mean_.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        save(scaler, tmp_path / "s.skseq")
    np.testing.assert_array_equal(scaler.scaler_.mean_, before)
    np.testing.assert_allclose(load(tmp_path / "s.skseq").transform(X),
                               scaler.transform(X))


def _characters(text):
    return list(text)


def test_a_tokenizer_that_transform_calls_is_refused_not_dropped(tmp_path):
    # Saved as its default, a loaded TextSequencer would split words where
    # the fitted one split characters: other ids, other predictions.
    texts = ["good movie", "bad film", "great fun", "awful thing"] * 3
    sequencer = TextSequencer(tokenizer=_characters).fit(texts)
    pipe = make_pipeline(TextSequencer(tokenizer=_characters),
                         LSTMClassifier(**TINY))
    for fitted in (sequencer, pipe.fit(texts, np.arange(12) % 2)):
        path = tmp_path / "text.skseq"
        with pytest.raises(ValueError, match=r"tokenizer=.*_characters.*"
                                             r"token_pattern"):
            save(fitted, path)
        assert not os.listdir(tmp_path)
    # Unfitted, only a refit would differ: saved as the default, warned.
    with pytest.warns(UserWarning, match="tokenizer="):
        save(TextSequencer(tokenizer=_characters), tmp_path / "u.skseq")
    assert load(tmp_path / "u.skseq").tokenizer is None
    # The regular expression a tokenizer often stands for is kept.
    by_pattern = TextSequencer(token_pattern=r"\w").fit(texts)
    save(by_pattern, tmp_path / "p.skseq")
    np.testing.assert_array_equal(load(tmp_path / "p.skseq").transform(texts),
                                  by_pattern.transform(texts))


def test_a_splitter_as_validation_is_named_in_the_warning(tmp_path):
    from skseq.model_selection import PurgedTimeSeriesSplit

    clf = LSTMClassifier(validation=PurgedTimeSeriesSplit(n_splits=3,
                                                          window=5))
    with pytest.warns(UserWarning, match=r"(?s)validation=.*splitter"):
        save(clf, tmp_path / "v.skseq")
    assert load(tmp_path / "v.skseq").validation == "auto"


def _empty_npz():
    import io

    buffer = io.BytesIO()
    np.savez(buffer)
    return buffer.getvalue()


def test_paths_and_damaged_files_get_clear_errors(tmp_path):
    scaler = SequenceScaler().fit(np.ones((2, 3, 1)))
    with pytest.raises(FileNotFoundError, match="no directory .*nodir"):
        save(scaler, tmp_path / "nodir" / "s.skseq")
    with pytest.raises(IsADirectoryError, match="is a directory"):
        save(scaler, tmp_path)
    assert not os.listdir(tmp_path)
    path = tmp_path / "s.skseq"
    save(scaler, path)
    with zipfile.ZipFile(path) as archive:
        document = archive.read("estimator.json")
    with pytest.raises(ValueError, match="empty path"):
        save(scaler, "")
    for name, members in {
            "no_arrays": {"estimator.json": document},
            "bad_json": {"estimator.json": b"{not json",
                         "arrays.npz": b""},
            # NumPy's message advised loading it with pickle.
            "bad_arrays": {"estimator.json": document,
                           "arrays.npz": b"not an npz at all"},
            "no_estimator": {"estimator.json": json.dumps(
                {"format": "skseq.estimator", "format_version": 1}),
                "arrays.npz": _empty_npz()}}.items():
        damaged = tmp_path / f"{name}.skseq"
        with zipfile.ZipFile(damaged, "w") as archive:
            for member, data in members.items():
                archive.writestr(member, data)
        with pytest.raises(ValueError, match="damaged|incomplete") as exc:
            load(damaged)
        assert "pickle" not in str(exc.value)


class _Doubled(keras.layers.Layer):
    # A model_builder's own layer, not registered with Keras.
    def call(self, x):
        return x * 2.0


def _halved_tanh(x):
    # A custom activation: a function Keras writes by its name.
    return keras.ops.tanh(x) / 2.0


def _code_builder(kind):
    def build(meta):
        inputs = keras.Input((None, meta["n_features"]))
        x = (keras.layers.Lambda(lambda t: t * 2.0, name="doubled")(inputs)
             if kind == "lambda" else _Doubled(name="doubled")(inputs)
             if kind == "class" else keras.layers.Dense(
                 3, activation=_halved_tanh, name="doubled")(inputs))
        h = keras.layers.LSTM(3)(x)
        return keras.Model(inputs, keras.layers.Dense(1, "sigmoid")(h))
    return build


def _lambda_builder(meta):
    return _code_builder("lambda")(meta)


def _custom_builder(meta):
    return _code_builder("class")(meta)


def _activation_builder(meta):
    return _code_builder("activation")(meta)


@pytest.mark.parametrize("builder, refusal", [
    (_lambda_builder, r"model_ has Lambda layers \(doubled\)"),
    (_custom_builder, r"model_ has layers of classes, or functions, .*"
                      r"\(_Doubled\): register each"),
    (_activation_builder, r"model_ has layers of classes, or functions, .*"
                          r"\(_halved_tanh\): register each"),
])
def test_networks_holding_code_pickle_and_are_refused_by_save(
        tmp_path, builder, refusal):
    # Before: pickle.dumps worked and pickle.loads (deepcopy, joblib's
    # workers) failed (Keras' safe mode; a class it cannot find by name);
    # save() wrote a file that load() could not read.
    import copy
    import pickle

    rng = np.random.default_rng(3)
    X = rng.normal(size=(30, 5, 2))
    clf = LSTMClassifier(model_builder=builder, **TINY).fit(
        X, np.arange(30) % 2)
    expected = clf.predict_proba(X)
    for restored in (pickle.loads(pickle.dumps(clf)), copy.deepcopy(clf)):
        np.testing.assert_allclose(restored.predict_proba(X), expected,
                                   atol=1e-6)
    path = tmp_path / "clf.skseq"
    with pytest.raises(ValueError, match=refusal), \
            warnings.catch_warnings():
        # Refused before the warning that model_builder is not stored.
        warnings.simplefilter("error", UserWarning)
        save(clf, path)
    assert not path.exists()
    if builder is _lambda_builder:
        # Unpickled in a fresh process (the Lambda's code travels in the
        # network's file; the builder by reference to this module).
        import joblib

        joblib.dump(clf, tmp_path / "clf.joblib")
        np.save(tmp_path / "X.npy", X)
        code = ("import sys, joblib, numpy as np; "
                "m = joblib.load(sys.argv[1]); "
                "np.save(sys.argv[3], m.predict_proba(np.load(sys.argv[2])))")
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2",
               "PYTHONPATH": os.pathsep.join(filter(None, [
                   os.path.dirname(__file__), os.environ.get("PYTHONPATH")]))}
        subprocess.run([sys.executable, "-c", code, str(tmp_path /
                        "clf.joblib"), str(tmp_path / "X.npy"),
                        str(tmp_path / "proba.npy")], check=True, env=env,
                       timeout=300)
        np.testing.assert_allclose(np.load(tmp_path / "proba.npy"), expected,
                                   atol=1e-6)


class _Same(keras.layers.Layer):
    def call(self, x):
        return x * 2.0


# Another class of the same name (as from another module): Keras writes
# both as "_Same" and would read both back as one of them.
_OtherSame = type("_Same", (keras.layers.Layer,),
                  {"call": lambda self, x: x * -3.0})


def _two_of_a_name(meta):
    inputs = keras.Input((None, meta["n_features"]))
    x = _OtherSame()(_Same()(inputs))
    h = keras.layers.LSTM(3)(x)
    return keras.Model(inputs, keras.layers.Dense(1, "sigmoid")(h))


def test_two_layer_classes_of_one_name_are_refused_when_pickled():
    # Before: both layers came back as one class, predictions 0.13 apart.
    import pickle

    rng = np.random.default_rng(4)
    clf = LSTMClassifier(model_builder=_two_of_a_name, **TINY).fit(
        rng.normal(size=(30, 5, 2)), np.arange(30) % 2)
    with pytest.raises(ValueError, match="two classes or functions named "
                       "'_Same'.*different names"):
        pickle.dumps(clf)
