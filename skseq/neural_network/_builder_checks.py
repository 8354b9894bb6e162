"""Checks of a ``model_builder``'s network: what it returns, before
training, and the number of steps it takes, at fit and at predict."""

import numpy as np

__all__ = ["model_inputs", "check_built_model", "fixed_steps",
           "check_fixed_steps", "network_steps", "check_predict_steps"]


def model_inputs(model):
    """A network's input tensors, or None where it has none to read: a
    subclassed model, or a Sequential without Input before it is built."""
    try:
        return list(model.inputs)
    except (AttributeError, TypeError, ValueError):
        return None


def _output_width(model, meta):
    """The last axis of the model's one output, or None where it cannot be
    told without training. Several outputs are refused."""
    try:
        outputs = model.outputs  # a Sequential without Input has none yet
    except (AttributeError, ValueError):
        outputs = None
    if outputs is not None and len(outputs) != 1:
        raise ValueError(
            f"model_builder's network has {len(outputs)} outputs; it needs "
            "one: the class probabilities, meta['n_outputs'] per sequence.")
    if outputs:
        return outputs[0].shape[-1]
    # The longest training length: a network whose weights depend on the
    # length (Flatten, Dense over time) is built as training would build it.
    steps = meta.get("n_timesteps") or 2
    shape = (1, steps) if meta["tokens"] else (1, steps, meta["n_features"])
    try:
        return model.compute_output_shape(shape)[-1]
    except Exception:  # noqa: BLE001 - subclassed models need not have it
        pass
    try:
        # Building it is what training would do first; one tiny batch.
        out = model(np.zeros(shape, np.int32 if meta["tokens"]
                             else np.float32))
    except Exception:  # noqa: BLE001 - training will say what is wrong
        return None
    return out.shape[-1] if hasattr(out, "shape") else None


def check_built_model(model, meta, keras):
    """Refuse what a ``model_builder`` returned, before training, where it
    cannot be this classifier's network: not a Keras model, or an output
    width other than ``meta['n_outputs']`` (Keras then failed in training
    with a bare shape error under TensorFlow, or trained on under JAX and
    ``predict_proba`` had the wrong number of columns)."""
    if not isinstance(model, keras.Model):
        raise ValueError(
            f"model_builder must return a keras.Model; got "
            f"{type(model).__name__}.")
    inputs = model_inputs(model)
    if inputs is not None and len(inputs) > 1:
        # Fit feeds one array (the sequences or the ids): Keras failed at
        # the first batch asking for a dict of inputs.
        raise ValueError(
            f"model_builder's network has {len(inputs)} inputs; it needs one: "
            "the sequences, (batch, steps, meta['n_features']), or token "
            "ids, (batch, steps). Split one input inside the network "
            "instead (e.g. keras.layers.Lambda or slicing).")
    width = _output_width(model, meta)
    if width is None or width == meta["n_outputs"]:
        return
    binary = meta["n_outputs"] == 1
    raise ValueError(
        f"model_builder's network outputs {width} value(s) per sequence; "
        f"{meta['n_classes']} classes need meta['n_outputs'] = "
        f"{meta['n_outputs']}: "
        + ("one sigmoid unit for two classes (a 2-unit softmax is not "
           "used)." if binary else "a softmax over the classes.")
        + " Build the last layer with keras.layers.Dense(meta['n_outputs'], "
        f"activation={'sigmoid' if binary else 'softmax'!r}).")


def fixed_steps(model):
    """The number of steps a network's input is built for, or None where it
    takes any (``keras.Input(shape=(None, n_features))``)."""
    inputs = model_inputs(model)
    if not inputs:
        return None  # subclassed, or not built from an Input
    shape = inputs[0].shape
    return None if len(shape) < 2 or shape[1] is None else int(shape[1])


def check_fixed_steps(model, batch_width):
    """Refuse, before training, a ``model_builder`` network built for a
    fixed number of steps other than the ``batch_width`` steps of the
    training batches (X's width): Keras failed inside training with a bare
    shape error."""
    steps = fixed_steps(model)
    if steps is None or steps == batch_width:
        return
    raise ValueError(
        f"model_builder's network takes exactly {steps} steps "
        f"(keras.Input(shape=({steps}, ...))), but fit feeds it batches "
        f"of {batch_width} steps (the width of X, padded to its longest "
        "sequence). Build it for any number of steps, keras.Input(shape="
        "(None, meta['n_features'])) (then a Flatten or Dense over time "
        "becomes e.g. GlobalAveragePooling1D or an LSTM), or for "
        f"{batch_width} steps.")


def network_steps(est):
    """The steps a fitted estimator's network takes (None: any): its
    ``network_steps_``, read before training. A Sequential without Input
    gets an input shape from a training batch ((None, 8, 2) under
    TensorFlow, (4, 8, 2) under JAX) and takes any number of steps all the
    same; only estimators fitted before the attribute read the shape."""
    if "network_steps_" in vars(est):
        return est.network_steps_
    return fixed_steps(est.model_)


def check_predict_steps(est, lengths):
    """The steps the fitted network takes (:func:`network_steps`),
    refusing sequences longer than a ``model_builder`` network built for
    a fixed number takes by name (Keras failed with a bare shape error)."""
    steps = network_steps(est)
    if steps is not None and len(lengths) and lengths.max() > steps:
        raise ValueError(
            f"The network (model_builder) takes {steps} steps; X has "
            f"sequences of up to {int(lengths.max())} real steps. Cut "
            f"them to {steps} steps, or build the network with "
            "keras.Input(shape=(None, meta['n_features'])).")
    return steps
