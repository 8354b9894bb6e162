"""Data-parallel training through Keras 3's distribution API (JAX backend).

``LSTMClassifier(distribution='data_parallel')`` builds and trains its
network inside ``keras.distribution.DataParallel(...).scope()``: the
variables are replicated on every device and each batch is split across
them, Keras' own JAX trainer doing the sharding and the gradient
all-reduce. The trained weights are then copied into a single-device model
for prediction and saving. Keras' TensorFlow backend has no distribution
API (``tf.distribute`` strategies are a different mechanism), so the
parameter needs ``KERAS_BACKEND=jax``.
"""

import contextlib

__all__ = ["batch_multiple", "distribution_scope", "resolve_distribution"]


def resolve_distribution(distribution):
    """The ``keras.distribution.Distribution`` to train under, or ``None``.

    Parameters
    ----------
    distribution : None, 'data_parallel' or keras.distribution.Distribution
        See :class:`skseq.LSTMClassifier`.

    Raises
    ------
    ValueError
        When a distribution is asked for under a backend other than JAX.
    """
    if distribution is None:
        return None
    import keras

    if keras.backend.backend() != "jax":
        raise ValueError(
            f"distribution={distribution!r} needs Keras' JAX backend (its "
            f"distribution API is JAX-only); Keras runs on "
            f"{keras.backend.backend()!r}. Set KERAS_BACKEND=jax before "
            "importing Keras, or pass distribution=None.")
    if distribution == "data_parallel":
        return keras.distribution.DataParallel(
            devices=keras.distribution.list_devices())
    return distribution


def batch_multiple(distribution):
    """Devices a batch is split across (1 without a distribution)."""
    if distribution is None:
        return 1
    mesh = distribution.device_mesh
    name = getattr(distribution, "batch_dim_name", mesh.axis_names[0])
    return int(mesh.shape[list(mesh.axis_names).index(name)])


def distribution_scope(distribution):
    """``distribution.scope()``, or a no-op context without one."""
    if distribution is None:
        return contextlib.nullcontext()
    return distribution.scope()
