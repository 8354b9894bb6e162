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

import os
import tempfile

__all__ = ["custom_layer_classes", "lambda_layers", "model_to_bytes",
           "model_from_bytes"]


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
