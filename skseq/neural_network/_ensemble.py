"""Several networks trained side by side in one Keras model, probabilities
averaged (``LSTMClassifier(n_networks=...)``).

InceptionTime (Fawaz et al. 2020) averages 5 networks that differ only in
their initial weights: on small training sets one network's test accuracy
moves by several points with its seed, and the average of a few is both
better and steadier. Here the members live in one Keras model, so that
``model_``, saving, ONNX export and prediction stay those of one network:

* for **training**, the model's output stacks the members' logits,
  ``(batch, n_networks, n_outputs)``, and :class:`MemberCrossentropy` sums
  each member's own cross-entropy (and reports their mean): every member
  gets the gradient it would get alone, on the same batches (no member
  learns to correct the others, which training the average's loss is known
  to cause). Logits, not probabilities: Keras' cross-entropy of
  probabilities clips them to [1e-7, 1 - 1e-7], and the clip has no
  gradient, so a member whose softmax saturated on a wrong class in its
  first steps never recovered (BasicMotions, seed 0: one of 3 members
  stuck at probability 0 for a whole class, 0.75 training accuracy, the
  ensemble's loss flat at 1.343 for 85 epochs). Under JAX one network
  trains the same way, as a stack of one: Keras finds a single softmax's
  logits behind its output under TensorFlow only;
* for **prediction**, the same members feed ``keras.layers.Average``.

Early stopping and the learning-rate schedule follow the members' mean loss.
Keras offers no such loss or metric for stacked outputs, hence the two small
classes below.
"""

import keras
from keras import ops

__all__ = ["MemberCrossentropy", "member_accuracy"]


@keras.saving.register_keras_serializable(package="skseq")
class MemberCrossentropy(keras.losses.Loss):
    """Each member's cross-entropy: the mean's value, the sum's gradient.

    ``y_pred`` is ``(batch, n_networks, n_outputs)``: logits of a sigmoid
    (``n_outputs == 1``) or of a softmax. ``y_true`` holds the encoded
    labels, ``(batch,)`` or ``(batch, 1)``. Per-sample losses ``(batch,)``
    are returned, so that sample weights apply as for one network.
    """

    def __init__(self, binary, name="member_crossentropy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.binary = bool(binary)

    def call(self, y_true, y_pred):
        n_networks = y_pred.shape[1]
        labels = ops.reshape(ops.cast(y_true, y_pred.dtype), (-1, 1))
        labels = ops.repeat(labels, n_networks, axis=1)
        if self.binary:
            loss = keras.losses.binary_crossentropy(
                ops.expand_dims(labels, -1), y_pred, from_logits=True)
        else:
            loss = keras.losses.sparse_categorical_crossentropy(
                labels, y_pred, from_logits=True)
        # The value is the members' mean (what history_, early stopping and
        # the schedule see, comparable with one network's loss); the
        # gradient is their sum's, so each member gets exactly the gradient
        # it would get alone, whatever the optimizer (SGD too).
        total = ops.sum(loss, axis=1)
        return total + ops.stop_gradient(ops.mean(loss, axis=1) - total)

    def get_config(self):
        return {**super().get_config(), "binary": self.binary}


def member_accuracy(y_true, y_pred):
    """Accuracy of the members' average (named ``accuracy`` in history).

    ``y_pred`` is the members' logits, ``(batch, n_networks, n_outputs)``,
    as the model gives them (Keras' ``MeanMetricWrapper`` passes them
    unchanged); their probabilities are averaged, as in prediction.
    """
    labels = ops.reshape(y_true, (-1,))
    if y_pred.shape[-1] == 1:
        predicted = ops.mean(ops.sigmoid(y_pred), axis=1)[:, 0] > 0.5
    else:
        predicted = ops.argmax(
            ops.mean(ops.softmax(y_pred, axis=-1), axis=1), axis=-1)
    return ops.cast(ops.equal(ops.cast(predicted, labels.dtype), labels),
                    "float32")


member_accuracy.__name__ = "accuracy"
