"""Data-parallel training with Keras' distribution API, on two CPU devices.

JAX presents one CPU as two devices when ``XLA_FLAGS`` asks for it before
JAX starts, so the test runs in a fresh process under the JAX backend. A
GPU machine with several devices runs the same code; only the devices
differ.
"""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sklearn.base import clone

from skseq import LSTMClassifier

pytest.importorskip("jax")

_SCRIPT = textwrap.dedent("""
    import json
    import sys

    import jax
    import keras
    import numpy as np
    from skseq import LSTMClassifier

    seen = {}

    class Devices(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            value = self.model.trainable_variables[0].value
            seen["devices"] = len(value.sharding.device_set)

    rng = np.random.default_rng(0)
    X = rng.normal(size=(192, 16, 3)).astype(np.float32)
    y = (X[:, :, 0].mean(axis=1) > 0).astype(int)
    results = {}
    # One device through the same distribution API: the same batches.
    one_device = keras.distribution.DataParallel(devices=jax.devices()[:1])
    for architecture, n_networks in json.loads(sys.argv[1]):
        params = dict(units=8, epochs=4, batch_size=32, validation=None,
                      random_state=0, architecture=architecture,
                      n_networks=n_networks)
        single = LSTMClassifier(distribution=one_device, **params).fit(X, y)
        plain = LSTMClassifier(**params).fit(X, y)
        parallel = LSTMClassifier(distribution="data_parallel",
                                  callbacks=[Devices()], **params).fit(X, y)
        results[f"{architecture}-{n_networks}"] = {
            "trained_on": seen.pop("devices"),
            "max_diff": float(np.abs(single.predict_proba(X)
                                     - parallel.predict_proba(X)).max()),
            "loss_diff": float(np.abs(np.subtract(
                single.history_["loss"], parallel.history_["loss"])).max()),
            "kept_on": len(parallel.model_.trainable_variables[0].value
                           .sharding.device_set),
            "plain_diff": float(np.abs(single.predict_proba(X)
                                       - plain.predict_proba(X)).max()),
        }
    # Uneven sizes: 301 rows, a stratified hold-out of 31; every batch of
    # both must still split in two.
    X3 = rng.normal(size=(301, 16, 3)).astype(np.float32)
    y3 = (X3[:, :, 0].mean(axis=1) > 0).astype(int)
    uneven = LSTMClassifier(units=8, epochs=2, random_state=0,
                            distribution="data_parallel").fit(X3, y3)
    # A model_builder's network, built again for one device after
    # training (its layers then have other automatic names: the weights
    # were matched by name and fit failed, "No such layer: lstm").
    def build(meta):
        return keras.Sequential([
            keras.Input((None, meta["n_features"])), keras.layers.LSTM(4),
            keras.layers.Dense(1, activation="sigmoid")])

    params = dict(model_builder=build, epochs=2, batch_size=32,
                  validation=None, random_state=0)
    built = [LSTMClassifier(distribution=d, **params).fit(X, y)
             .predict_proba(X) for d in (one_device, "data_parallel")]
    # A trained distribution instance holds devices, which do not pickle:
    # the pickled copy has distribution=None, with a warning.
    import pickle
    import warnings

    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        copy = pickle.loads(pickle.dumps(single))
    # bucketing=True cannot apply under a distribution: said so.
    ragged = [x[: 4 + i % 12] for i, x in enumerate(X[:64])]
    with warnings.catch_warnings(record=True) as bucketing:
        warnings.simplefilter("always")
        LSTMClassifier(units=4, epochs=1, bucketing=True, random_state=0,
                       distribution="data_parallel").fit(ragged, y[:64])
    print(json.dumps({
        "n_devices": len(jax.devices()),
        "uneven": [uneven.batch_size_, uneven.validation_,
                   len(uneven.history_["val_loss"])],
        "configs": results,
        "builder_diff": float(np.abs(built[0] - built[1]).max()),
        "pickled": [copy.distribution is None, float(np.abs(
            copy.predict_proba(X) - single.predict_proba(X)).max()),
            any("holds devices" in str(w.message) for w in record)],
        "bucketing_warned": any("bucketing=True is not used under a "
                                "distribution" in str(w.message)
                                for w in bucketing),
    }))
""")


# The plain LSTM and conv_lstm (batch renormalisation's statistics too),
# one network and two averaged (nested models, copied to one device after).
CONFIGS = [("lstm", 1), ("conv_lstm", 1), ("conv_lstm", 2)]


def test_data_parallel_on_two_devices_matches_one_device():
    # One process for every configuration: JAX starts once (a process per
    # configuration took 38-47 s each on 2 loaded cores).
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu",
           "XLA_FLAGS": "--xla_force_host_platform_device_count=2",
           "TF_CPP_MIN_LOG_LEVEL": "2"}
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT, json.dumps(CONFIGS)],
        capture_output=True, text=True, timeout=600, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["n_devices"] == 2
    assert sorted(result["configs"]) == sorted(
        f"{a}-{n}" for a, n in CONFIGS)
    for name, config in result["configs"].items():
        # Trained with the variables on both devices, batches split in
        # two ...
        assert config["trained_on"] == 2, name
        # ... to the same model as on one device with the same batches
        # (float tolerance: the gradient of a batch is summed in two
        # halves) ...
        assert config["loss_diff"] < 1e-4, (name, config)
        assert config["max_diff"] < 1e-4, (name, config)
        # ... kept on one device for prediction and saving.
        assert config["kept_on"] == 1, name
        # Without a distribution, skseq's batches too, in the same order:
        # the same training as on one device through the API.
        assert config["plain_diff"] < 1e-6, (name, config)
    # A batch size and last batches that split evenly, whatever the sizes.
    batch_size, validation, n_epochs = result["uneven"]
    assert batch_size % 2 == 0 and validation == "stratified"
    assert n_epochs == 2
    assert result["builder_diff"] < 1e-4
    none_now, pickled_diff, warned = result["pickled"]
    assert none_now and warned and pickled_diff < 1e-6
    assert result["bucketing_warned"]


def test_distribution_needs_the_jax_backend_and_is_checked_first():
    import keras

    if keras.backend.backend() == "jax":
        pytest.skip("the TensorFlow backend's refusal")
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 5, 2)), np.arange(40) % 2
    clf = LSTMClassifier(distribution="data_parallel")
    with pytest.raises(ValueError, match="KERAS_BACKEND=jax"):
        clf.fit(X, y)
    assert not hasattr(clf, "model_")
    assert clone(clf).distribution == "data_parallel"
