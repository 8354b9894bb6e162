"""Save and load fitted estimators without pickle; export the network to ONNX.

:func:`save` writes one zip file (``.skseq`` by convention) holding

* ``estimator.json``: the class (from a short allowlist), the constructor
  parameters and every fitted attribute (names ending in ``_``) as plain
  JSON, nested fitted estimators (the ``scaler_`` of an ``LSTMClassifier``,
  the steps of a ``Pipeline``) in the same form;
* ``arrays.npz``: every NumPy array and scalar referenced from the JSON,
  written and read with ``allow_pickle=False``;
* ``keras/<n>.keras``: each Keras network in Keras' own format, loaded with
  ``safe_mode=True`` (no Python code such as ``Lambda`` layers is run).

:func:`load` reads it back without unpickling anything: a file from an
untrusted source can at worst fail to load or predict badly; it cannot run
code, as long as the classes named in it are the allowlisted ones.

What the format keeps: everything ``predict``/``predict_proba``/
``transform`` use (the network's architecture and weights, ``classes_``, the
fitted scaler, the vocabulary), the training history (``history_``, as JSON
numbers) and the other fitted attributes, and the constructor parameters, so
that ``clone(load(path))`` refits the same way. What it does not keep: the
optimizer's state (a loaded network is not compiled; refitting starts a new
one, as ``fit`` always does), attributes whose names start with ``_``
(caches, rebuilt when needed), and parameters holding code (a
``model_builder`` function, callback objects, a tokenizer function, an
optimizer instance): those are stored as the parameter's default with a
``UserWarning`` at save time. The network is saved whole, so the loaded
estimator predicts the same; only a refit would differ unless the parameter
is set again with ``set_params``. Custom Keras layers of a ``model_builder``
must be registered with ``keras.saving.register_keras_serializable`` and
their module imported before :func:`load`.

:func:`export_onnx` writes the whole numeric predict path, scaling
included, as an ONNX graph (needs the ``onnx`` extra).
"""

import importlib
import inspect
import io
import json
import math
import os
import tempfile
import warnings
import zipfile

import numpy as np

__all__ = ["save", "load", "export_onnx"]

FORMAT = "skseq.estimator"
FORMAT_VERSION = 1

# Public name -> (module, attribute). Only these classes are created on load;
# a subclass or any other class is refused at save time already.
_ALLOWED_CLASSES = {
    "skseq.LSTMClassifier": ("skseq.neural_network", "LSTMClassifier"),
    "skseq.SequenceScaler": ("skseq.preprocessing", "SequenceScaler"),
    "skseq.SequencePadder": ("skseq.preprocessing", "SequencePadder"),
    "skseq.TextSequencer": ("skseq.preprocessing", "TextSequencer"),
    "sklearn.preprocessing.StandardScaler": ("sklearn.preprocessing",
                                             "StandardScaler"),
    "sklearn.preprocessing.RobustScaler": ("sklearn.preprocessing",
                                           "RobustScaler"),
    "sklearn.preprocessing.MinMaxScaler": ("sklearn.preprocessing",
                                           "MinMaxScaler"),
    "sklearn.pipeline.Pipeline": ("sklearn.pipeline", "Pipeline"),
}
_TAG = "__type__"


def _allowed_class(name):
    module, attr = _ALLOWED_CLASSES[name]
    return getattr(importlib.import_module(module), attr)


def _allowed_name(obj):
    """The allowlist name of ``type(obj)``, or None (exact types only)."""
    for name in _ALLOWED_CLASSES:
        if type(obj) is _allowed_class(name):
            return name
    return None


def _is_keras_model(obj):
    if not type(obj).__module__.startswith("keras"):
        return False
    import keras

    return isinstance(obj, keras.Model)


class _Unsupported(ValueError):
    pass


def _fitted_names(est):
    # scikit-learn's convention (check_is_fitted): public names ending in _.
    return sorted(k for k in vars(est)
                  if k.endswith("_") and not k.startswith("_"))


class _Writer:
    """Turns estimators into JSON-able trees plus arrays and Keras files."""

    def __init__(self):
        self.arrays = {}
        self.models = {}

    def array(self, value):
        if value.dtype.hasobject:
            raise TypeError("object arrays are stored item by item")
        key = f"a{len(self.arrays)}"
        self.arrays[key] = np.ascontiguousarray(value)
        return key

    def encode(self, value, where):
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, np.generic):
            if isinstance(value, np.str_):
                return {_TAG: "str_scalar", "value": str(value)}
            if value.dtype.hasobject:
                raise _Unsupported(where, value)
            return {_TAG: "scalar", "key": self.array(np.asarray(value))}
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            # JSON has no NaN or infinity.
            return value if math.isfinite(value) else \
                {_TAG: "float", "value": repr(value)}
        if isinstance(value, np.ndarray):
            if value.dtype.hasobject:
                return {_TAG: "object_array", "shape": list(value.shape),
                        "items": [self.encode(v, f"{where}[{i}]") for i, v in
                                  enumerate(value.ravel().tolist())]}
            return {_TAG: "ndarray", "key": self.array(value)}
        if isinstance(value, list):
            return [self.encode(v, f"{where}[{i}]")
                    for i, v in enumerate(value)]
        if isinstance(value, tuple):
            return {_TAG: "tuple", "items": [self.encode(v, f"{where}[{i}]")
                                             for i, v in enumerate(value)]}
        if isinstance(value, dict):
            if all(isinstance(k, str) for k in value) and _TAG not in value:
                return {k: self.encode(v, f"{where}[{k!r}]")
                        for k, v in value.items()}
            return {_TAG: "dict", "items": [
                [self.encode(k, f"{where} key {k!r}"),
                 self.encode(v, f"{where}[{k!r}]")]
                for k, v in value.items()]}
        if _allowed_name(value) is not None:
            return self.estimator(value, where)
        if _is_keras_model(value):
            name = f"keras/{len(self.models)}.keras"
            self.models[name] = value
            return {_TAG: "keras_model", "file": name}
        raise _Unsupported(where, value)

    def estimator(self, est, where):
        name = _allowed_name(est)
        if name is None:
            raise _Unsupported(where, est)
        params = {}
        signature = inspect.signature(type(est).__init__).parameters
        for key, value in est.get_params(deep=False).items():
            try:
                params[key] = self.encode(value, f"{where}.{key}")
            except _Unsupported:
                default = signature[key].default
                if default is inspect.Parameter.empty or \
                        not _holds_code(value):
                    raise
                warnings.warn(
                    f"{where} parameter {key}={value!r} is code or an "
                    "object, which save() does not store; the saved "
                    f"estimator has {key}={default!r}. Its fitted state is "
                    "saved whole, so predictions are the same; set the "
                    f"parameter again with set_params({key}=...) after load "
                    "before refitting.", UserWarning, stacklevel=4)
                params[key] = self.encode(default, f"{where}.{key}")
        fitted = {}
        for key in _fitted_names(est):
            fitted[key] = self.encode(getattr(est, key), f"{where}.{key}")
        return {_TAG: "estimator", "class": name, "params": params,
                "fitted": fitted}


def _holds_code(value):
    """True for callables, classes and objects other than plain data."""
    if isinstance(value, (list, tuple)):
        return any(_holds_code(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_code(v) for v in value.values())
    return callable(value) or not isinstance(
        value, (type(None), bool, int, float, str, np.generic, np.ndarray))


class _Reader:
    """Rebuilds values from the JSON tree; creates only allowlisted classes."""

    def __init__(self, archive, arrays, tmpdir):
        self.archive, self.arrays, self.tmpdir = archive, arrays, tmpdir

    def decode(self, node):
        if isinstance(node, list):
            return [self.decode(v) for v in node]
        if not isinstance(node, dict):
            return node
        kind = node.get(_TAG)
        if kind is None:
            return {k: self.decode(v) for k, v in node.items()}
        if kind == "ndarray":
            return self.arrays[node["key"]]
        if kind == "scalar":
            return self.arrays[node["key"]][()]
        if kind == "str_scalar":
            return np.str_(node["value"])
        if kind == "float":
            return float(node["value"])
        if kind == "object_array":
            out = np.empty(len(node["items"]), dtype=object)
            out[:] = [self.decode(v) for v in node["items"]]
            return out.reshape(node["shape"])
        if kind == "tuple":
            return tuple(self.decode(v) for v in node["items"])
        if kind == "dict":
            return {_hashable(self.decode(k)): self.decode(v)
                    for k, v in node["items"]}
        if kind == "estimator":
            return self.estimator(node)
        if kind == "keras_model":
            return self.keras_model(node["file"])
        raise ValueError(f"unknown entry type {kind!r} in the saved file.")

    def estimator(self, node):
        name = node["class"]
        if name not in _ALLOWED_CLASSES:
            raise ValueError(
                f"the file asks for class {name!r}, which load() does not "
                f"create; allowed: {sorted(_ALLOWED_CLASSES)}.")
        cls = _allowed_class(name)
        valid = set(cls._get_param_names())
        unknown = set(node["params"]) - valid
        if unknown:
            raise ValueError(
                f"the file gives {name} parameter(s) {sorted(unknown)} that "
                "this version does not have; it was saved by another "
                "version of skseq or scikit-learn.")
        est = cls(**{k: self.decode(v) for k, v in node["params"].items()})
        for key, value in node["fitted"].items():
            if not (key.endswith("_") and key.isidentifier()):
                raise ValueError(f"{key!r} is not a fitted attribute name.")
            setattr(est, key, self.decode(value))
        return est

    def keras_model(self, member):
        if member not in self.archive.namelist() or \
                not member.startswith("keras/"):
            raise ValueError(f"the file has no network {member!r}.")
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import keras

        from .neural_network import _builders  # registers skseq's layers

        del _builders
        path = os.path.join(self.tmpdir, f"model{len(os.listdir(self.tmpdir))}"
                                         ".keras")
        with open(path, "wb") as fh:
            fh.write(self.archive.read(member))
        return keras.saving.load_model(path, compile=False, safe_mode=True)


def _hashable(key):
    # JSON turns tuples into lists; dict keys must be hashable again.
    return tuple(key) if isinstance(key, list) else key


def _versions():
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for package in ("skseq", "scikit-learn", "numpy", "keras"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = None
    return out


def save(estimator, path):
    """Save a fitted estimator to one file, without pickle.

    Parameters
    ----------
    estimator : estimator
        A fitted :class:`~skseq.LSTMClassifier`, one of skseq's
        preprocessing transformers, a scikit-learn ``StandardScaler``,
        ``RobustScaler`` or ``MinMaxScaler``, or a ``Pipeline`` of these.
    path : str or path-like
        File to write (a zip archive; ``.skseq`` by convention).
        Overwritten if it exists.

    Raises
    ------
    ValueError
        If the estimator's class or one of its fitted attributes cannot be
        stored as plain data; the message names the attribute. Nothing is
        written then.

    Warns
    -----
    UserWarning
        For each parameter holding code (``model_builder``, ``callbacks``,
        ``tokenizer``, an optimizer instance): it is saved as its default.

    See Also
    --------
    load : Read the file back.

    Notes
    -----
    The module docstring lists what the format keeps and what it does not.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from skseq import SequenceScaler
    >>> from skseq.persistence import load, save
    >>> X = np.array([[[1.0], [2.0], [4.0]]])
    >>> scaler = SequenceScaler().fit(X)
    >>> path = os.path.join(tempfile.mkdtemp(), "scaler.skseq")
    >>> save(scaler, path)
    >>> np.allclose(load(path).transform(X), scaler.transform(X))
    True
    """
    name = _allowed_name(estimator)
    if name is None:
        raise ValueError(
            f"save() stores {sorted(_ALLOWED_CLASSES)} only; got "
            f"{type(estimator).__module__}.{type(estimator).__qualname__}. "
            "Use pickle or joblib for other objects (only load such files "
            "from sources you trust).")
    writer = _Writer()
    top = type(estimator).__name__
    try:
        tree = writer.estimator(estimator, top)
    except _Unsupported as exc:
        where, value = exc.args
        raise ValueError(
            f"cannot save {where}: a {type(value).__module__}."
            f"{type(value).__qualname__} is not plain data. save() stores "
            "None, bool, int, float, str, NumPy arrays and scalars, lists, "
            "tuples and dicts of these, and the estimators "
            f"{sorted(_ALLOWED_CLASSES)}. Delete the attribute or convert "
            "it before saving.") from None
    document = {"format": FORMAT, "format_version": FORMAT_VERSION,
                "versions": _versions(), "estimator": tree}
    arrays = io.BytesIO()
    np.savez(arrays, allow_pickle=False, **writer.arrays)
    # Written aside and renamed: a failed save leaves no half file.
    tmp_path = f"{os.fspath(path)}.partial"
    try:
        with tempfile.TemporaryDirectory() as tmp, \
                zipfile.ZipFile(tmp_path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("estimator.json", json.dumps(document, indent=1))
            archive.writestr("arrays.npz", arrays.getvalue())
            for member, model in writer.models.items():
                local = os.path.join(tmp, member.replace("/", "_"))
                model.save(local)
                # Already a zip: compressing it again gains nothing.
                archive.write(local, member, compress_type=zipfile.ZIP_STORED)
        os.replace(tmp_path, path)
    finally:
        if os.path.exists(tmp_path):
            os.remove(tmp_path)


def load(path):
    """Load an estimator written by :func:`save`, without unpickling.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save`.

    Returns
    -------
    estimator : estimator
        The fitted estimator, ready to ``predict``.

    Raises
    ------
    ValueError
        If the file is not a skseq estimator file, comes from a newer
        format version, or names a class outside the allowlist.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skseq.persistence import load, save
    >>> path = os.path.join(tempfile.mkdtemp(), "std.skseq")
    >>> save(StandardScaler().fit([[0.0], [2.0]]), path)
    >>> load(path).mean_
    array([1.])
    """
    if not zipfile.is_zipfile(path):
        raise ValueError(
            f"{os.fspath(path)!r} is not a file written by skseq.persistence."
            "save (not a zip archive).")
    with zipfile.ZipFile(path) as archive:
        try:
            document = json.loads(archive.read("estimator.json"))
        except KeyError:
            raise ValueError(
                f"{os.fspath(path)!r} has no estimator.json: not a file "
                "written by skseq.persistence.save.") from None
        if document.get("format") != FORMAT:
            raise ValueError(f"{os.fspath(path)!r} is not a skseq estimator "
                             "file.")
        if document.get("format_version", 0) > FORMAT_VERSION:
            raise ValueError(
                f"{os.fspath(path)!r} uses format version "
                f"{document['format_version']}; this skseq reads up to "
                f"{FORMAT_VERSION}. Upgrade skseq.")
        with np.load(io.BytesIO(archive.read("arrays.npz")),
                     allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
        with tempfile.TemporaryDirectory() as tmp:
            return _Reader(archive, arrays, tmp).decode(document["estimator"])


def _affine(scaler, n_features):
    """Weights w, b with ``scaler.transform(x) == x * w + b`` per feature.

    Standard, robust and min-max scaling are all per-feature affine maps.
    """
    if scaler is None:
        return np.ones(n_features), np.zeros(n_features)
    b = scaler.scaler_.transform(np.zeros((1, n_features)))[0]
    w = scaler.scaler_.transform(np.ones((1, n_features)))[0] - b
    return w, b


def _predict_path(estimator, keras):
    """A Keras model from raw padded input to ``predict_proba``'s output."""
    from keras import ops

    class ScaleRealSteps(keras.layers.Layer):
        # Real steps: up to the last one that is not all padding, as
        # check_sequences sees post-padded input. Padded steps stay exactly
        # 0.0 so that the network's Masking layer still skips them.
        def __init__(self, w, b, pad_value, **kwargs):
            super().__init__(**kwargs)
            # NumPy, made tensors inside call: graph constants, not inputs.
            self.w, self.b = w.astype(np.float32), b.astype(np.float32)
            self.pad_value = pad_value

        def call(self, x):
            scaled = x * ops.convert_to_tensor(self.w) + \
                ops.convert_to_tensor(self.b)
            if self.pad_value is None:
                return scaled
            data = ops.cast(ops.any(ops.not_equal(x, self.pad_value), -1),
                            "int32")
            later = ops.flip(ops.cumsum(ops.flip(data, 1), axis=1), 1)
            real = ops.expand_dims(ops.greater(later, 0), -1)
            return ops.where(real, scaled, ops.zeros_like(scaled))

    class ClipTokens(keras.layers.Layer):
        # Ids the vocabulary has never seen are padding, as in predict.
        def __init__(self, vocabulary_size, **kwargs):
            super().__init__(**kwargs)
            self.vocabulary_size = vocabulary_size

        def call(self, x):
            return ops.where(ops.less(x, self.vocabulary_size), x,
                             ops.zeros_like(x))

    model = estimator.model_
    if estimator.tokens_:
        inputs = keras.Input(shape=(None,), dtype=model.inputs[0].dtype,
                             name="tokens")
        x = ClipTokens(estimator.vocabulary_size_, name="clip_tokens")(inputs)
    else:
        n_features = estimator.n_features_in_
        inputs = keras.Input(shape=(None, n_features), dtype="float32",
                             name="sequences")
        w, b = _affine(estimator.scaler_, n_features)
        x = ScaleRealSteps(w, b, estimator.mask_value, name="scaling")(inputs)
    proba = model(x)
    if proba.shape[-1] == 1:
        proba = ops.concatenate([1.0 - proba, proba], axis=-1)
    wrapper = keras.Model(inputs, proba, name="skseq_predict_proba")
    # Keras exports only models that have run once.
    dummy = np.zeros((1, 2) + tuple(inputs.shape[2:]),
                     dtype=keras.backend.standardize_dtype(inputs.dtype))
    wrapper(dummy)
    return wrapper


def export_onnx(estimator, path, *, opset_version=None):
    """Export a fitted LSTMClassifier's ``predict_proba`` as an ONNX graph.

    The graph holds the whole predict path: the fitted scaling (applied to
    real steps only, padded steps kept at 0.0 for the network's mask), the
    network, and for two classes the ``[1 - p, p]`` columns, so that ONNX
    Runtime returns what ``predict_proba`` returns. Needs the ``onnx`` extra
    (``pip install skseq[onnx]``: onnx, onnxruntime, tf2onnx) and the
    TensorFlow backend; Keras' ``model.export(format="onnx")`` converts it.

    Parameters
    ----------
    estimator : LSTMClassifier
        Fitted.
    path : str or path-like
        ``.onnx`` file to write.
    opset_version : int or None, default=None
        ONNX opset; ``None`` uses Keras' default.

    Notes
    -----
    Input of the graph: numeric ``float32`` of shape ``(batch, steps,
    n_features)``, post-padded with the estimator's ``mask_value`` (0.0 by
    default): a real step is any step up to the last one that is not all
    padding. Unlike ``predict_proba``, the graph does not turn leading
    padding into trailing padding, so pad at the end (``SequencePadder``
    does). With ``mask_value=None`` every step is real. Token input:
    ``int32`` ids of shape ``(batch, steps)``, post-padded with 0; ids the
    vocabulary has not seen are treated as padding, as in ``predict``.
    Output: ``(batch, n_classes)`` probabilities, columns ordered as
    ``classes_`` (the labels themselves are not in the graph).

    Examples
    --------
    >>> import numpy as np
    >>> from skseq import LSTMClassifier
    >>> from skseq.persistence import export_onnx
    >>> X = np.random.default_rng(0).normal(size=(20, 5, 2))
    >>> clf = LSTMClassifier(units=4, epochs=1).fit(X, np.arange(20) % 2)
    >>> export_onnx(clf, "clf.onnx")  # doctest: +SKIP
    >>> import onnxruntime  # doctest: +SKIP
    >>> session = onnxruntime.InferenceSession("clf.onnx")  # doctest: +SKIP
    >>> session.run(None, {"sequences": X.astype(np.float32)})[0].shape
    ... # doctest: +SKIP
    (20, 2)
    """
    from sklearn.utils.validation import check_is_fitted

    if type(estimator).__name__ != "LSTMClassifier":
        raise ValueError(
            f"export_onnx exports an LSTMClassifier; got "
            f"{type(estimator).__name__}. For a Pipeline, export its last "
            "step and run the earlier steps before the ONNX graph.")
    check_is_fitted(estimator)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    if keras.backend.backend() != "tensorflow":
        raise ValueError(
            f"export_onnx needs the TensorFlow backend (KERAS_BACKEND="
            f"tensorflow); this process uses {keras.backend.backend()!r}. "
            "Save with save() and export from a TensorFlow process.")
    try:
        import onnx  # noqa: F401
        import tf2onnx  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            "export_onnx needs onnx and tf2onnx: pip install 'skseq[onnx]'."
        ) from exc
    wrapper = _predict_path(estimator, keras)
    with warnings.catch_warnings():
        # Keras' tf2onnx shim probes np.object; nothing a user can act on.
        warnings.filterwarnings("ignore", message=".*np.object",
                                category=FutureWarning)
        wrapper.export(os.fspath(path), format="onnx", verbose=False,
                       opset_version=opset_version)
