"""The ``.skseq`` file: save and load fitted estimators without pickle."""

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

__all__ = ["save", "load"]

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
# Parameters holding code that a fitted estimator calls to predict or
# transform: saved as their default, the loaded one would silently give
# other outputs, so save() refuses them (the others only matter to a refit).
_USED_TO_PREDICT = {"skseq.TextSequencer": {"tokenizer"}}


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


# set_output's containers (sklearn.utils._set_output).
_OUTPUTS = {"default", "pandas", "polars"}


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
        # Not np.ascontiguousarray: it makes a 0-d array (a NumPy scalar's)
        # 1-d, which came back as an array where a scalar was saved.
        self.arrays[key] = np.asarray(value, order="C")
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
            from ..neural_network._serialization import check_loads_safely

            check_loads_safely(value, where)
            name = f"keras/{len(self.models)}.keras"
            self.models[name] = value, where
            return {_TAG: "keras_model", "file": name}
        raise _Unsupported(where, value)

    def estimator(self, est, where):
        name = _allowed_name(est)
        if name is None:
            raise _Unsupported(where, est)
        # The fitted state first: what refuses to save (a network load()
        # could not read) does so before the parameters' warnings.
        fitted = {}
        for key in _fitted_names(est):
            fitted[key] = self.encode(getattr(est, key), f"{where}.{key}")
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
                if key in _USED_TO_PREDICT.get(name, ()) and \
                        _fitted_names(est):
                    raise ValueError(
                        f"cannot save {where}: its {key}={value!r} is code, "
                        "which save() does not store, and transform calls "
                        "it: the loaded estimator would tokenize otherwise "
                        "and predict differently. Express the tokenization "
                        "as token_pattern (a regular expression), or save "
                        "with joblib (load such files only from sources you "
                        "trust).") from None
                warnings.warn(
                    f"{where} parameter {key}={value!r} is code or an "
                    "object (a function, a callback, a splitter), which "
                    "save() does not store; the saved "
                    f"estimator has {key}={default!r}. Its fitted state is "
                    "saved whole, so predictions are the same; set the "
                    f"parameter again with set_params({key}=...) after load "
                    "before refitting.", UserWarning, stacklevel=4)
                params[key] = self.encode(default, f"{where}.{key}")
        node = {_TAG: "estimator", "class": name, "params": params,
                "fitted": fitted}
        output = getattr(est, "_sklearn_output_config", None)
        if output:
            # set_output(transform="pandas"): a setting, not a parameter or
            # a fitted attribute; without it the loaded estimator returned
            # arrays where the saved one returned DataFrames.
            node["output"] = {str(k): str(v) for k, v in output.items()}
        return node


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
            # Files of skseq <= 0.1 stored scalars as 1-element arrays.
            return self.arrays[node["key"]].reshape(())[()]
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
        output = node.get("output")
        if output is not None:
            if not isinstance(output, dict) or not all(
                    isinstance(k, str) and v in _OUTPUTS
                    for k, v in output.items()):
                raise ValueError(
                    f"the file gives {name} an output setting {output!r}; "
                    f"expected containers among {sorted(_OUTPUTS)}.")
            est._sklearn_output_config = dict(output)
        return est

    def keras_model(self, member):
        if member not in self.archive.namelist() or \
                not member.startswith("keras/"):
            raise ValueError(f"the file has no network {member!r}.")
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import keras

        from ..neural_network import _layers  # registers skseq's layers

        del _layers
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
        stored as plain data; the message names the attribute. Also for a
        fitted ``TextSequencer`` with a ``tokenizer`` function: transform
        calls it, and a loaded one would tokenize otherwise. Also for a
        network with ``Lambda`` layers, layer classes or functions not
        registered with Keras, or anything else ``load`` could not read (the
        network's file is read back once to make sure). Nothing is written
        then.
    FileNotFoundError
        If the directory of ``path`` does not exist.

    Warns
    -----
    UserWarning
        For each parameter holding code (``model_builder``, ``callbacks``,
        an optimizer instance, a splitter as ``validation``, an unfitted
        ``TextSequencer``'s ``tokenizer``): it is saved as its default.

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
    if not os.fspath(path):
        raise ValueError("save() needs a file name; got an empty path.")
    folder = os.path.dirname(os.path.abspath(os.fspath(path)))
    if not os.path.isdir(folder):
        raise FileNotFoundError(
            f"Cannot save to {os.fspath(path)!r}: there is no directory "
            f"{folder!r}. Create it first (os.makedirs).")
    if os.path.isdir(path):
        raise IsADirectoryError(
            f"Cannot save to {os.fspath(path)!r}: it is a directory; give a "
            "file name, e.g. os.path.join(path, 'model.skseq').")
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
            from ..neural_network._serialization import check_reads_back

            for member, (model, where) in writer.models.items():
                local = os.path.join(tmp, member.replace("/", "_"))
                model.save(local)
                check_reads_back(local, where)
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
    FileNotFoundError
        If there is no file at ``path``.
    ValueError
        If the file is not a skseq estimator file (or is damaged: invalid
        JSON, no arrays), comes from a newer format version, or names a
        class outside the allowlist.

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
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No file {os.fspath(path)!r} to load.")
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
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(
                f"{os.fspath(path)!r}: its estimator.json is not valid JSON "
                f"({exc}); the file is damaged. Save the estimator again."
            ) from None
        if not isinstance(document, dict):
            raise ValueError(f"{os.fspath(path)!r} is not a skseq estimator "
                             "file.")
        if document.get("format") != FORMAT:
            raise ValueError(f"{os.fspath(path)!r} is not a skseq estimator "
                             "file.")
        if document.get("format_version", 0) > FORMAT_VERSION:
            raise ValueError(
                f"{os.fspath(path)!r} uses format version "
                f"{document['format_version']}; this skseq reads up to "
                f"{FORMAT_VERSION}. Upgrade skseq.")
        if "arrays.npz" not in archive.namelist():
            raise ValueError(
                f"{os.fspath(path)!r} has no arrays.npz (the fitted arrays): "
                "the file is incomplete. Save the estimator again.")
        try:
            with np.load(io.BytesIO(archive.read("arrays.npz")),
                         allow_pickle=False) as npz:
                arrays = {key: npz[key] for key in npz.files}
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
            # NumPy's own message for bytes it cannot read suggests loading
            # them with pickle: not for a file of unknown origin.
            raise ValueError(
                f"{os.fspath(path)!r}: its arrays.npz cannot be read "
                f"({type(exc).__name__}); the file is damaged. Save the "
                "estimator again.") from None
        if not isinstance(document.get("estimator"), dict):
            raise ValueError(
                f"{os.fspath(path)!r} holds no estimator entry; the file is "
                "damaged. Save the estimator again.")
        with tempfile.TemporaryDirectory() as tmp:
            try:
                return _Reader(archive, arrays, tmp).decode(
                    document["estimator"])
            except (KeyError, IndexError) as exc:
                # Not TypeError: Keras raises it for a custom layer that is
                # not registered, which saving again would not mend.
                raise ValueError(
                    f"{os.fspath(path)!r}: an entry of estimator.json is "
                    f"malformed ({type(exc).__name__}: {exc}); the file is "
                    "damaged. Save the estimator again.") from None
