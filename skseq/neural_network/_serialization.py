"""A trained network as bytes and back, for pickle; what ``skseq.save``'s
safe loading cannot read.

Keras writes a network to a ``.keras`` file by naming each layer's class.
Its own layers and those registered with
``keras.saving.register_keras_serializable`` (skseq's among them) are found
again by name; any other class is not, and a ``Lambda`` layer's function
is Python code, which ``keras.saving.load_model(safe_mode=True)`` refuses.

Pickle runs code anyway, so a pickled estimator keeps its network's own
layer classes beside it (pickled by reference, as any class is) and loads
with ``safe_mode=False``: what pickles, unpickles (deepcopy and joblib's
workers pickle too). ``skseq.save`` promises a file that loads without
running code: it refuses those layers when saving, rather than writing a
file that ``skseq.load`` cannot read.
"""

import os
import tempfile

__all__ = ["custom_layer_classes", "lambda_layers", "model_to_bytes",
           "model_from_bytes"]


def _layers(model):
    return [model] + list(model._flatten_layers(include_self=False,
                                                recursive=True))


def custom_layer_classes(model):
    """``{name: class}`` of the layers (and the model) whose class is
    neither Keras' own nor registered: a ``.keras`` file cannot name them."""
    import keras

    out = {}
    for layer in _layers(model):
        cls = type(layer)
        if cls.__module__.split(".")[0] == "keras":
            continue
        name = keras.saving.get_registered_name(cls)
        if keras.saving.get_registered_object(name) is not cls:
            out[name] = cls
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
