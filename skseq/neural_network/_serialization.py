"""A trained network as bytes and back, for pickle; what ``skseq.save``'s
safe loading cannot read.

Keras writes a network to a ``.keras`` file by naming each layer's class
(and the functions and classes its layers hold: activations, initializers,
regularizers, constraints). Its own and those registered with
``keras.saving.register_keras_serializable`` (skseq's among them) are found
again by name; any other is not, and a ``Lambda`` layer's function is
Python code, which ``keras.saving.load_model(safe_mode=True)`` refuses.

Pickle runs code anyway, so a pickled estimator keeps its network's own
classes and functions beside it (pickled by reference, as any class is)
and loads with ``safe_mode=False``: what pickles, unpickles (deepcopy and
joblib's workers pickle too). ``skseq.save`` promises a file that loads
without running code: it refuses such networks when saving, rather than
writing a file that ``skseq.load`` cannot read.
"""

import functools
import os
import pickle
import tempfile
import warnings

__all__ = ["check_loads_safely", "check_reads_back", "custom_layer_classes",
           "lambda_layers", "model_to_bytes", "model_from_bytes",
           "pickled_state", "unpickled_state"]


_HELD = ("activation", "_initializer", "_regularizer", "_constraint")


def _layers(model):
    return [model] + list(model._flatten_layers(include_self=False,
                                                recursive=True))


def _unfindable(obj):
    """Keras cannot find ``obj`` (a class or function) again by the name
    it writes: neither Keras' own nor registered."""
    import keras

    if (getattr(obj, "__module__", None) or "").split(".")[0] == "keras":
        return False
    name = keras.saving.get_registered_name(obj)
    return keras.saving.get_registered_object(name) is not obj


def custom_layer_classes(model):
    """``{name: class or function}`` that a ``.keras`` file of ``model``
    names and Keras cannot find again: layer (and model) classes, and the
    functions and initializer, regularizer or constraint classes its layers
    hold (a custom activation, say).

    Raises
    ------
    ValueError
        Where two of them share a name: Keras would give both the same.
    """
    import inspect

    import keras

    kinds = (keras.initializers.Initializer, keras.regularizers.Regularizer,
             keras.constraints.Constraint)
    out = {}
    for layer in _layers(model):
        # What Keras' layers write by name: activations, initializers,
        # regularizers, constraints.
        held = [type(layer)] + [
            value if inspect.isfunction(value) else type(value)
            for key, value in vars(layer).items()
            if key.endswith(_HELD) and (inspect.isfunction(value)
                                        or isinstance(value, kinds))]
        for obj in held:
            if not _unfindable(obj):
                continue
            name = keras.saving.get_registered_name(obj)
            if out.setdefault(name, obj) is not obj:
                raise ValueError(
                    f"The network has two classes or functions named "
                    f"{name!r} ({out[name].__module__} and "
                    f"{obj.__module__}), which Keras would read back as one: "
                    "register them with "
                    "@keras.saving.register_keras_serializable() under "
                    "different names.")
    return out


def lambda_layers(model):
    """Names of the network's ``Lambda`` layers."""
    import keras

    return [layer.name for layer in _layers(model)
            if isinstance(layer, keras.layers.Lambda)]


def model_to_bytes(model):
    """The network as the bytes of a ``.keras`` file."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        model.save(path)
        with open(path, "rb") as fh:
            return fh.read()


def model_from_bytes(data, custom_objects=None):
    """The network of :func:`model_to_bytes`, uncompiled; Lambda layers and
    ``custom_objects`` allowed (for pickle, which runs code anyway)."""
    import keras

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        with open(path, "wb") as fh:
            fh.write(data)
        return keras.saving.load_model(path, compile=False, safe_mode=False,
                                       custom_objects=custom_objects)


def pickled_state(state):
    """An ``LSTMClassifier``'s ``__dict__`` (a copy) as it is pickled: the
    network as the bytes of a ``.keras`` file beside its own classes and
    functions, a distribution that holds devices as None."""
    distribution = state.get("distribution")
    if distribution is not None and not isinstance(distribution, str):
        try:
            pickle.dumps(distribution)
        except Exception:
            # A Keras distribution that has trained holds JAX devices,
            # which do not pickle: kept as save() keeps it.
            warnings.warn(
                f"LSTMClassifier(distribution={distribution!r}) holds "
                "devices, which cannot be pickled: the copy has "
                "distribution=None (its fitted network predicts the same; "
                "set_params(distribution=...) before refitting it).",
                UserWarning, stacklevel=3)
            state["distribution"] = None
    model = state.pop("model_", None)
    if model is not None:
        state["_model_bytes"] = model_to_bytes(model)
        # A model_builder's own layer classes and functions (an
        # activation), by reference: a .keras file names them, and only
        # registered ones are found again.
        state["_model_layer_classes"] = custom_layer_classes(model)
    return state


def unpickled_state(state):
    """The state of :func:`pickled_state` without its network, and a
    function that builds the network (None where there is none)."""
    state = dict(state)
    data = state.pop("_model_bytes", None)
    classes = state.pop("_model_layer_classes", None)
    model = None if data is None else functools.partial(
        model_from_bytes, data, classes)
    return state, model


def check_loads_safely(model, where):
    """Refuse, before writing, a network that ``skseq.load`` (safe mode: no
    code runs) could not read back, by what it holds; pickle can (it runs
    code). :func:`check_reads_back` is the catch-all on the written file."""
    lambdas = lambda_layers(model)
    if lambdas:
        raise ValueError(
            f"{where} has Lambda layers ({', '.join(lambdas)}): a Lambda's "
            "function is Python code, which load() does not run. Write it "
            "as a layer class registered with "
            "@keras.saving.register_keras_serializable(), or pickle the "
            "estimator (joblib.dump) if you trust whoever loads it.")
    classes = custom_layer_classes(model)
    if classes:
        names = ", ".join(c.__qualname__ for c in classes.values())
        raise ValueError(
            f"{where} has layers of classes, or functions, that Keras cannot "
            f"find by name ({names}): register each with "
            "@keras.saving.register_keras_serializable() where it is defined "
            "(and import that module before load()), or pickle the "
            "estimator (joblib.dump).")


def check_reads_back(path, where):
    """Refuse a network's ``.keras`` file, as ``skseq.save`` writes it,
    that safe mode does not read: a custom object held where
    :func:`check_loads_safely` does not look."""
    import keras

    try:
        keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as exc:
        raise ValueError(
            f"{where} cannot be read back by load() (Keras' safe mode: "
            f"{type(exc).__name__}: {str(exc)[:300]}). Register its custom "
            "objects with @keras.saving.register_keras_serializable(), or "
            "pickle the estimator (joblib.dump).") from None
