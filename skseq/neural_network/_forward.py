"""Forward passes for prediction: traced (TensorFlow), jitted (JAX), and run
in length-sorted chunks trimmed to their length (:func:`predict_in_chunks`).

For TensorFlow, Keras' ``predict_on_batch`` builds a ``tf.function`` per model and traces
it again for new input shapes. TensorFlow counts traces per *source
function*, across models: after five traces of Keras'
``one_step_on_data_distributed`` within a few calls, for instance one per
fold of a cross-validation, it logs "triggered tf.function retracing"
warnings that the user can do nothing about (and each trace costs time).
Here each model gets one concrete function whose batch and time axes are
unknown, traced once and called directly: a concrete function is never
retraced, so the warning cannot fire and no input shape costs a trace.
"""

import numpy as np

from ._batching import round_length
from ._builder_checks import model_inputs

__all__ = ["jax_forward", "predict_in_chunks", "tf_forward"]

# Largest batch handed to the model at once when predicting.
PREDICT_CHUNK = 1024


def tf_forward(model):
    """A function ``x -> probabilities`` for a trained Keras model, cached.

    Parameters
    ----------
    model : keras.Model
        A model with one input of shape ``(batch, steps, ...)``.

    Returns
    -------
    forward : callable or None
        Takes a NumPy batch, returns a tensor. ``None`` when the model has
        several inputs (a custom ``model_builder``): use
        ``predict_on_batch`` then.
    """
    forward = getattr(model, "_skseq_forward", None)
    if forward is not None:
        return forward
    inputs = model_inputs(model)
    if inputs is None or len(inputs) != 1:  # subclassed, or several
        return None
    import tensorflow as tf

    shape = tuple(inputs[0].shape)
    spec = tf.TensorSpec((None, None) + shape[2:], inputs[0].dtype)
    dtype = spec.dtype.as_numpy_dtype
    concrete = tf.function(
        lambda x: model(x, training=False), autograph=False,
        jit_compile=False).get_concrete_function(spec)

    def forward(x):
        return concrete(tf.constant(np.asarray(x, dtype=dtype)))

    model._skseq_forward = forward
    return forward


def jax_forward(model):
    """A jitted forward pass of a trained model (JAX), cached on the model.

    ``predict_on_batch`` gathers and writes back the whole model state on
    every call; on one short sequence that is about as long as the network
    itself. Here the jitted ``stateless_call`` gets the current variable
    values and nothing else.
    """
    forward = getattr(model, "_skseq_forward", None)
    if forward is None:
        import jax

        trainable = list(model.trainable_variables)
        non_trainable = list(model.non_trainable_variables)
        # stateless_call hands its keywords to call() as they are (model(x)
        # passes training only where call takes it): a subclassed model's
        # call(self, x) failed here after training well.
        kwargs = {"training": False} if _call_takes_training(model) else {}

        @jax.jit
        def run(trainable_values, non_trainable_values, x):
            return model.stateless_call(trainable_values, non_trainable_values,
                                        x, **kwargs)[0]

        def forward(x):
            return run([v.value for v in trainable],
                       [v.value for v in non_trainable], x)

        model._skseq_forward = forward
    return forward


def _call_takes_training(model):
    import inspect

    parameters = inspect.signature(model.call).parameters.values()
    return any(p.name == "training" or p.kind == p.VAR_KEYWORD
               for p in parameters)


def predict_in_chunks(model, X_model, lengths, n_timesteps,
                      fixed_width=None):
    """Run a trained model in length-sorted chunks trimmed to their length.

    A traced forward pass (TensorFlow, :func:`tf_forward`) and a
    jitted one (JAX) skip ``predict``'s per-call data pipeline and
    callbacks, which dominate the time for small inputs. ``n_timesteps`` is
    the longest training sequence: under JAX, widths are rounded on one grid
    that covers it, whatever the width of ``X_model``. ``fixed_width``: the
    steps a network built for a fixed number takes; every chunk is padded
    to it.
    """
    import keras

    backend = keras.backend.backend()
    # JAX compiles once per input shape: round the batch size up to a
    # power of two too, so that any stream of small batches compiles a
    # handful of shapes. TensorFlow's traced forward pass takes any
    # shape without retracing.
    pad = backend != "tensorflow"
    predict_batch = None
    if backend == "jax":
        predict_batch = jax_forward(model)
    elif backend == "tensorflow":
        # One trace per model: Keras' predict function would trace per
        # model and shape and, in a CV loop, log retracing warnings.
        from ._forward import tf_forward

        predict_batch = tf_forward(model)
    predict_batch = predict_batch or model.predict_on_batch
    # Widths on one grid whatever the width of X (padded steps are masked).
    grid = max(X_model.shape[1], n_timesteps) if pad \
        else X_model.shape[1]
    order = np.argsort(lengths, kind="stable")
    out = None
    for start in range(0, len(order), PREDICT_CHUNK):
        idx = order[start:start + PREDICT_CHUNK]
        # At least one step: a chunk of empty token sequences (texts of
        # unknown words only) reads one padding step; no step at all made
        # the LSTM fail.
        width = fixed_width or max(1, round_length(lengths[idx].max(), grid))
        batch = X_model[idx, :width]
        n_rows = 1 << (len(idx) - 1).bit_length() if pad else len(idx)
        if batch.shape != (n_rows, width) + batch.shape[2:]:
            full = np.zeros((n_rows, width) + batch.shape[2:], batch.dtype)
            full[:len(idx), :batch.shape[1]] = batch
            batch = full
        pred = np.asarray(predict_batch(batch))[:len(idx)]
        if out is None:
            out = np.empty((len(order), pred.shape[1]), dtype=pred.dtype)
        out[idx] = pred
    return out
