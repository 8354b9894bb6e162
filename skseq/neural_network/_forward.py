"""One traced forward pass per trained model, for prediction (TensorFlow).

Keras' ``predict_on_batch`` builds a ``tf.function`` per model and traces
it again for new input shapes. TensorFlow counts traces per *source
function*, across models: after five traces of Keras'
``one_step_on_data_distributed`` within a few calls, for instance one per
fold of a cross-validation, it logs "triggered tf.function retracing"
warnings that the user can do nothing about (and each trace costs time).
Here each model gets one concrete function whose batch and time axes are
unknown, traced once and called directly: a concrete function is never
retraced, so the warning cannot fire and no input shape costs a trace.
"""

__all__ = ["tf_forward"]


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
    if len(model.inputs) != 1:
        return None
    import numpy as np
    import tensorflow as tf

    shape = tuple(model.inputs[0].shape)
    spec = tf.TensorSpec((None, None) + shape[2:], model.inputs[0].dtype)
    dtype = spec.dtype.as_numpy_dtype
    concrete = tf.function(
        lambda x: model(x, training=False), autograph=False,
        jit_compile=False).get_concrete_function(spec)

    def forward(x):
        return concrete(tf.constant(np.asarray(x, dtype=dtype)))

    model._skseq_forward = forward
    return forward
