"""The same ``random_state``, the same fit: seeding, and GPUs that break it.

``keras.utils.set_random_seed`` fixes the initial weights, dropout and
shuffling. On a CPU that is enough: two fits with the same seed give the
same predictions, in one process or two. On a GPU it is not: the fastest
kernels of convolutions, reductions and scatters add in an order that
changes from run to run, so two fits drift apart from the first step and
early stopping can keep another epoch. Measured under JAX on an NVIDIA
H200 (2026-12-04, ``LSTMClassifier(random_state=0)`` on GunPoint, two fresh
processes): probabilities up to 0.05 apart (93 and 94 epochs); with XLA's
deterministic operations, identical (0.0 apart), at 1.2-1.45x the fit
time. Both backends can be made deterministic, but only process-wide
(TensorFlow's ``enable_op_determinism`` also makes some operations raise),
which a library should not decide for its caller: a seeded fit on a GPU
without it warns, naming the switch. One function per backend, chosen in
:func:`gpu_determinism_message`.
"""

import contextlib
import os
import random
import threading
import warnings

import numpy as np

__all__ = ["seeded", "gpu_determinism_message", "warn_if_not_reproducible"]

# Keras' seeding is process-global (keras.utils.set_random_seed): two seeded
# fits in threads would draw from each other's generators. They take turns.
_SEED_LOCK = threading.RLock()

_JAX_FLAG = "--xla_gpu_deterministic_ops=true"


@contextlib.contextmanager
def seeded(random_state):
    """Seed Keras for one fit without leaking into the caller's RNGs.

    ``keras.utils.set_random_seed`` also seeds Python's and NumPy's global
    generators; their states are restored afterwards. Seeded fits in
    parallel threads are serialised, so each equals the same fit run alone.
    """
    if random_state is None:
        yield
        return
    import keras

    with _SEED_LOCK:
        py_state, np_state = random.getstate(), np.random.get_state()
        keras.utils.set_random_seed(int(random_state))
        try:
            yield
        finally:
            random.setstate(py_state)
            np.random.set_state(np_state)


def _tensorflow_message():
    import tensorflow as tf

    if not tf.config.list_physical_devices("GPU"):
        return None
    try:
        from tensorflow.python.framework import config
        enabled = config.is_op_determinism_enabled()
    except (ImportError, AttributeError):  # not in this TensorFlow: the
        # environment variable it replaced
        enabled = os.environ.get("TF_DETERMINISTIC_OPS", "").lower() in (
            "1", "true")
    if enabled:
        return None
    return ("TensorFlow runs on a GPU without deterministic operations",
            "call tf.config.experimental.enable_op_determinism() before "
            "fitting")


def _jax_message():
    import jax

    if jax.default_backend() not in ("gpu", "cuda", "rocm"):
        return None
    flags = os.environ.get("XLA_FLAGS", "").lower().split()
    if _JAX_FLAG in flags or "--xla_gpu_deterministic_ops=1" in flags:
        return None
    return ("JAX runs on a GPU without XLA's deterministic operations",
            f"start Python with XLA_FLAGS={_JAX_FLAG} (it must be set "
            "before JAX starts; 1.2-1.45x the fit time on an H200)")


_MESSAGES = {"tensorflow": _tensorflow_message, "jax": _jax_message}


def gpu_determinism_message(backend, random_state):
    """Why ``random_state`` cannot reproduce a fit here, or None.

    Parameters
    ----------
    backend : str
        Keras' backend (``keras.backend.backend()``).
    random_state : int
        The seed the caller asked for.

    Returns
    -------
    str or None
        The warning's text (the problem, its size, the fix), or None where a
        seed reproduces the fit: on a CPU, or on a GPU with deterministic
        operations on.
    """
    found = _MESSAGES.get(backend, lambda: None)()
    if found is None:
        return None
    problem, fix = found
    return (f"random_state={random_state!r} asks for a reproducible fit, but "
            f"{problem}: the same seed can give other weights and "
            "predictions (under JAX on an H200, probabilities up to 0.05 "
            f"apart on GunPoint). Fix: {fix}; or ignore this warning if "
            "run-to-run differences are acceptable.")


def warn_if_not_reproducible(random_state, backend, stacklevel=4):
    """Warn (UserWarning) when a seeded fit would not be reproducible.

    ``stacklevel=4`` points at the caller of ``LSTMClassifier.fit`` (through
    scikit-learn's ``_fit_context`` wrapper).
    """
    if random_state is None:
        return
    message = gpu_determinism_message(backend, random_state)
    if message is not None:
        warnings.warn(message, UserWarning, stacklevel=stacklevel)
