"""ONNX export of a fitted LSTMClassifier's whole predict path."""

import os
import warnings

import numpy as np

from ..neural_network._builder_checks import network_steps
from ..preprocessing._scaler import affine_map

__all__ = ["export_onnx"]


def _predict_path(estimator, keras):
    """A Keras model from raw padded input to ``predict_proba``'s output."""
    from keras import ops

    class ScaleRealSteps(keras.layers.Layer):
        # Real steps: up to the last one that is not all padding, as
        # check_sequences sees post-padded input. Padded steps stay exactly
        # 0.0 so that the network's Masking layer still skips them; a real
        # step that scales to 0.0 in every feature gets float32's smallest
        # normal number in its first, as unmask_real_steps gives it in
        # predict_proba, so that the Masking layer reads it.
        def __init__(self, w, b, pad_value, **kwargs):
            super().__init__(**kwargs)
            # NumPy, made tensors inside call: graph constants, not inputs.
            self.w, self.b = w.astype(np.float32), b.astype(np.float32)
            self.pad_value = pad_value

        def call(self, x):
            scaled = x * ops.convert_to_tensor(self.w) + \
                ops.convert_to_tensor(self.b)
            if self.pad_value is None:
                real = ops.ones_like(scaled[..., :1], dtype="bool")
            else:
                data = ops.cast(ops.any(ops.not_equal(x, self.pad_value),
                                        -1), "int32")
                later = ops.flip(ops.cumsum(ops.flip(data, 1), axis=1), 1)
                real = ops.expand_dims(ops.greater(later, 0), -1)
                scaled = ops.where(real, scaled, ops.zeros_like(scaled))
            collide = ops.logical_and(real, ops.all(
                ops.equal(scaled, 0.0), axis=-1, keepdims=True))
            first = np.zeros(scaled.shape[-1], np.float32)
            first[0] = np.finfo(np.float32).tiny
            return ops.where(collide, ops.convert_to_tensor(first), scaled)

    class ClipTokens(keras.layers.Layer):
        # Ids the vocabulary has never seen are padding, as in predict.
        def __init__(self, vocabulary_size, **kwargs):
            super().__init__(**kwargs)
            self.vocabulary_size = vocabulary_size

        def call(self, x):
            return ops.where(ops.less(x, self.vocabulary_size), x,
                             ops.zeros_like(x))

    model = estimator.model_
    # A model_builder network built for a fixed number of steps takes
    # that many: the graph's input too (predict_proba pads to it).
    steps = network_steps(estimator)
    if estimator.tokens_:
        inputs = keras.Input(shape=(steps,), dtype=model.inputs[0].dtype,
                             name="tokens")
        x = ClipTokens(estimator.vocabulary_size_, name="clip_tokens")(inputs)
    else:
        n_features = estimator.n_features_in_
        inputs = keras.Input(shape=(steps, n_features), dtype="float32",
                             name="sequences")
        w, b = affine_map(estimator.scaler_, n_features)
        x = ScaleRealSteps(w, b, getattr(estimator, "mask_value_",
                                         estimator.mask_value),
                           name="scaling")(inputs)
    proba = model(x)
    if proba.shape[-1] == 1:
        proba = ops.concatenate([1.0 - proba, proba], axis=-1)
    wrapper = keras.Model(inputs, proba, name="skseq_predict_proba")
    # Keras exports only models that have run once.
    dummy = np.zeros((1, steps or 2) + tuple(inputs.shape[2:]),
                     dtype=keras.backend.standardize_dtype(inputs.dtype))
    wrapper(dummy)
    return wrapper


def export_onnx(estimator, path, *, opset_version=None):
    """Export a fitted LSTMClassifier's ``predict_proba`` as an ONNX graph.

    The graph holds the whole predict path: the fitted scaling (applied to
    real steps only, padded steps kept at 0.0 for the network's mask), the
    network, and for two classes the ``[1 - p, p]`` columns, so that ONNX
    Runtime returns what ``predict_proba`` returns. Needs the ``onnx`` extra
    (``pip install -e '.[onnx]'``: onnx, onnxruntime, tf2onnx) and the
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
    n_features)``, post-padded with the estimator's ``mask_value_`` (0.0
    unless ``mask_value='auto'`` found zero to be data): a real step is any
    step up to the last one that is not all padding. Unlike
    ``predict_proba``, the graph does not turn leading padding into trailing
    padding, so pad at the end (``SequencePadder`` does). With
    ``mask_value_`` None every step is real (a warning where the training
    sequences' lengths differed: padded, they read differently than
    ``predict_proba`` reads a list). Token input: ``int32`` ids of
    shape ``(batch, steps)``, post-padded with 0; ids the vocabulary has not
    seen are treated as padding, as in ``predict``.
    Output: ``(batch, n_classes)`` probabilities, columns ordered as
    ``classes_`` (the labels themselves are not in the graph). A
    ``model_builder`` network built for a fixed number of steps
    (``keras.Input(shape=(steps, ...))``) gives a graph of that many steps:
    pad each batch to them, as ``predict_proba`` does.

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
            "export_onnx needs onnx and tf2onnx: pip install -e '.[onnx]' "
            "in skseq's checkout."
        ) from exc
    summary = getattr(estimator, "input_summary_", {})
    if not estimator.tokens_ and getattr(estimator, "mask_value_", 0.0) \
            is None and summary.get("length_min") != summary.get(
                "length_max"):
        # predict_proba masks a list's sequences by their lengths; the
        # graph has no lengths and reads whatever pads them as steps
        # (probabilities 0.27 apart on zero-padded ragged input, measured).
        warnings.warn(
            "This estimator has mask_value_=None and was fitted on "
            "sequences of different lengths: the ONNX graph reads every "
            "step it is given as real, so padding them to one length "
            "changes its answers, unlike predict_proba on a list. Feed the "
            "graph each sequence at its own length (batches of equal "
            "lengths), or fit with a mask_value that padding can use.",
            UserWarning, stacklevel=2)
    wrapper = _predict_path(estimator, keras)
    with warnings.catch_warnings():
        # Keras' tf2onnx shim probes np.object; nothing a user can act on.
        warnings.filterwarnings("ignore", message=".*np.object",
                                category=FutureWarning)
        wrapper.export(os.fspath(path), format="onnx", verbose=False,
                       opset_version=opset_version)
