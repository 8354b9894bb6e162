"""A seeded fit on a GPU without deterministic operations says so.

The GPUs are simulated (no GPU where the tests run): each backend's device
query and determinism switch are replaced, and everything after them is the
real code. On a real GPU (JAX, an H200, 2026-12-04) two seeded fits gave
probabilities up to 0.05 apart without XLA's deterministic operations and
identical ones with them (benchmarks/README.md).
"""

import warnings

import keras
import numpy as np
import pytest

from skseq import LSTMClassifier
from skseq.neural_network._reproducibility import gpu_determinism_message

FLAG = "--xla_gpu_deterministic_ops=true"


@pytest.fixture
def jax_gpu(monkeypatch):
    jax = pytest.importorskip("jax")
    monkeypatch.setattr(jax, "default_backend", lambda: "gpu")
    monkeypatch.delenv("XLA_FLAGS", raising=False)
    return monkeypatch


@pytest.fixture
def tensorflow_gpu(monkeypatch):
    """A GPU TensorFlow lists, determinism off; returns the switch's patch."""
    tf = pytest.importorskip("tensorflow")
    from tensorflow.python.framework import config

    real = tf.config.list_physical_devices

    def devices(device_type=None):
        if device_type == "GPU":
            return [tf.config.PhysicalDevice("/physical_device:GPU:0", "GPU")]
        return real(device_type)

    monkeypatch.setattr(tf.config, "list_physical_devices", devices)
    monkeypatch.setattr(config, "is_op_determinism_enabled", lambda: False)
    return lambda on: monkeypatch.setattr(
        config, "is_op_determinism_enabled", lambda: on)


def test_jax_on_a_gpu_needs_xlas_deterministic_operations(jax_gpu):
    message = gpu_determinism_message("jax", 0)
    assert "random_state=0" in message and f"XLA_FLAGS={FLAG}" in message
    jax_gpu.setenv("XLA_FLAGS", f"--xla_force_host_platform_device_count=2 "
                                f"{FLAG}")
    assert gpu_determinism_message("jax", 0) is None
    jax_gpu.setenv("XLA_FLAGS", "--xla_gpu_deterministic_ops=false")
    assert gpu_determinism_message("jax", 0) is not None


def test_jax_on_a_cpu_is_reproducible_as_it_is(monkeypatch):
    jax = pytest.importorskip("jax")
    monkeypatch.setattr(jax, "default_backend", lambda: "cpu")
    monkeypatch.delenv("XLA_FLAGS", raising=False)
    assert gpu_determinism_message("jax", 0) is None


def test_tensorflow_on_a_gpu_needs_op_determinism(tensorflow_gpu):
    message = gpu_determinism_message("tensorflow", 7)
    assert "random_state=7" in message
    assert "enable_op_determinism()" in message
    tensorflow_gpu(True)
    assert gpu_determinism_message("tensorflow", 7) is None


def test_tensorflow_on_this_machines_cpu_is_not_warned():
    tf = pytest.importorskip("tensorflow")
    if tf.config.list_physical_devices("GPU"):
        pytest.skip("this machine has a GPU")
    assert gpu_determinism_message("tensorflow", 0) is None


@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="simulates TensorFlow's GPU")
def test_seeded_fit_on_a_gpu_warns_before_training(tensorflow_gpu,
                                                   monkeypatch):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 8, 2)), np.arange(30) % 2
    seen_at_training = []
    real_fit = keras.Model.fit

    def fit(model, *args, **kwargs):
        seen_at_training.append(len(caught))
        return real_fit(model, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", fit)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        LSTMClassifier(units=4, epochs=1, random_state=3).fit(X, y)
    found = [w for w in caught if "reproducible fit" in str(w.message)]
    assert len(found) == 1 and found[0].category is UserWarning
    assert found[0].filename == __file__  # the caller's line
    assert seen_at_training and seen_at_training[0] >= 1  # before training

    # No seed asked for: no promise to break, no warning. Determinism on:
    # the seed holds, no warning.
    for params, on in (({"random_state": None}, False),
                       ({"random_state": 3}, True)):
        tensorflow_gpu(on)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            LSTMClassifier(units=4, epochs=1, **params).fit(X, y)
        assert not [w for w in caught
                    if "reproducible fit" in str(w.message)]
