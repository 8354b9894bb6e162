"""Several networks in one model (n_networks): rule, training, prediction."""

import keras
import numpy as np
import pytest

from skseq import LSTMClassifier
from skseq.neural_network._training import (
    ENSEMBLE_WORK,
    MAX_NETWORKS,
    resolve_n_networks,
)

# Short training with a fixed schedule: the members' runs are comparable.
FIXED = dict(units=4, epochs=4, n_iter_no_change=None, lr_schedule=None,
             validation=None, random_state=0)


def _data(n=48, t=12, f=2, n_classes=2, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % n_classes
    X = rng.normal(size=(n, t, f)) + y[:, None, None] * 0.5
    return X, y


def _member_outputs(clf, X):
    x = keras.ops.convert_to_numpy(
        clf.scaler_.transform(X).astype("float32"))
    return [keras.ops.convert_to_numpy(
        clf.model_.get_layer(f"network_{k}")(x, training=False))
        for k in range(clf.n_networks_)]


def test_auto_rule_follows_the_work_of_one_network():
    # Small sets: several networks, never more than MAX_NETWORKS.
    assert resolve_n_networks("auto", "auto", 50, 400, 150) == MAX_NETWORKS
    assert resolve_n_networks("auto", "auto", 2, 10, 1) == MAX_NETWORKS
    # Work of one network at or past the budget: one network.
    work = ENSEMBLE_WORK // (1000 * 100)
    assert resolve_n_networks("auto", "auto", 1000, work, 100) == 1
    assert resolve_n_networks("auto", "auto", 200_000, 10, 100) == 1
    # In between: as many as fit, falling as the work grows.
    counts = [resolve_n_networks("auto", "auto", 100, 400, t)
              for t in (100, 2000, 3000, 5000, 9000)]
    assert counts == sorted(counts, reverse=True)
    assert counts[0] == MAX_NETWORKS and counts[-1] == 1
    # Several networks read at most ENSEMBLE_WORK steps in all.
    for t in (2000, 3000, 5000):
        k = resolve_n_networks("auto", "auto", 100, 400, t)
        assert k * 400 * 100 * t <= ENSEMBLE_WORK
    # A hand-set epoch budget keeps one network; an explicit count is kept.
    assert resolve_n_networks("auto", 30, 50, 30, 150) == 1
    assert resolve_n_networks(4, 30, 50, 30, 150) == 4


def test_auto_rule_counts_the_steps_of_bucketed_batches(monkeypatch):
    from skseq.neural_network import _training
    from skseq.neural_network._fit_inputs import prepare_fit

    # 39 sequences of 10 steps and one of 200: length bucketing reads most
    # batches at a width of 25 (200 / 8 sizes), one at 200, about 42 steps
    # a sequence; padded to the longest, every batch reads 200.
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(200 if i == 0 else 10, 1)) for i in range(40)]
    y = np.arange(40) % 2
    params = dict(units=4, batch_size=4, validation=None, random_state=0)
    epochs = _training.resolve_epochs("auto", 40, 4)
    # The budget of one network padded to the longest: never several.
    monkeypatch.setattr(_training, "ENSEMBLE_WORK", epochs * 40 * 200)

    def n_networks(**kwargs):
        state = prepare_fit(LSTMClassifier(**params, **kwargs), X, y,
                            None)["state"]
        assert state["epochs_"] == epochs
        return state["n_networks_"]

    assert n_networks() == MAX_NETWORKS
    assert n_networks(bucketing=False) == 1
    assert X[0].shape == (200, 1) and len(X) == 40  # the caller's list


@pytest.mark.filterwarnings("ignore::UserWarning")  # 10 epochs: diagnostics
def test_defaults_train_several_networks_on_a_small_set(monkeypatch):
    from skseq.neural_network import _training

    # A short 'auto' budget (the minimum of 10 epochs), still epochs='auto'.
    monkeypatch.setattr(_training, "STEP_BUDGET", 10)
    X, y = _data(n=40, t=10)
    clf = LSTMClassifier(units=4, batch_size=20, random_state=0).fit(X, y)
    assert clf.epochs_ == 10 and clf.n_networks_ == MAX_NETWORKS
    names = [layer.name for layer in clf.model_.layers]
    assert [f"network_{k}" for k in range(MAX_NETWORKS)] == \
        [n for n in names if n.startswith("network_")]
    assert clf.model_.loss == "binary_crossentropy"
    assert "accuracy" in clf.history_ and "loss" in clf.history_


@pytest.mark.parametrize("n_classes", [2, 3])
def test_prediction_is_the_average_of_networks_that_differ(n_classes):
    X, y = _data(n_classes=n_classes)
    clf = LSTMClassifier(n_networks=3, **FIXED).fit(X, y)
    members = _member_outputs(clf, X)
    proba = clf.predict_proba(X)
    mean = np.mean(members, axis=0)
    if n_classes == 2:
        mean = np.hstack([1 - mean, mean])
    np.testing.assert_allclose(proba, mean, atol=1e-5)
    # Different initial weights: the members disagree somewhere.
    assert np.abs(members[0] - members[1]).max() > 1e-3
    assert np.abs(members[1] - members[2]).max() > 1e-3


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_each_network_trains_on_its_own_loss(optimizer):
    # Member 0 has the single network's seeds and sees the same batches;
    # with its own loss's gradient (not the average's, nor a 1/n share of
    # it: SGD would not rescale that) it ends where the single network ends.
    X, y = _data(n_classes=3)
    weights = np.linspace(0.5, 2.0, len(y))
    params = dict(FIXED, optimizer=optimizer,
                  learning_rate=0.05 if optimizer == "sgd" else 1e-3)
    single = LSTMClassifier(n_networks=1, **params).fit(
        X, y, sample_weight=weights)
    pair = LSTMClassifier(n_networks=2, **params).fit(
        X, y, sample_weight=weights)
    first = _member_outputs(pair, X)[0]
    np.testing.assert_allclose(first, single.predict_proba(X), atol=2e-4)
    # That the logged loss is the members' mean, not their sum:
    # test_member_loss_reads_logits_unclipped.


def test_ensemble_is_reproducible_and_refits_the_same():
    X, y = _data()
    params = dict(FIXED, n_networks=2, lr_schedule="plateau",
                  n_iter_no_change="auto", epochs=6)
    a = LSTMClassifier(**params).fit(X, y).predict_proba(X)
    b = LSTMClassifier(**params).fit(X, y).predict_proba(X)
    np.testing.assert_allclose(a, b, atol=1e-6)


@pytest.mark.parametrize("pooling", ["last", "mean_max"])
def test_lstm_fcn_ensemble_on_equal_lengths_predicts_masked(pooling):
    # Equal lengths train an unmasked twin whose weights go into the masked
    # model; in LSTM-FCN with pooling the masked twin's extra layers change
    # a nested network's weight order (copied layer by layer, by name).
    X, y = _data()
    clf = LSTMClassifier(architecture="lstm_fcn", pooling=pooling,
                         n_networks=2, **FIXED).fit(X, y)
    padded = np.concatenate([X, np.zeros((len(X), 5, X.shape[2]))], axis=1)
    np.testing.assert_allclose(clf.predict_proba(padded),
                               clf.predict_proba(X), atol=1e-5)
    members = np.mean(_member_outputs(clf, X), axis=0)
    np.testing.assert_allclose(clf.predict_proba(X)[:, 1:], members,
                               atol=1e-5)


def test_ragged_ensemble_masks_padding():
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(rng.integers(5, 15), 2)) for _ in range(40)]
    y = np.arange(40) % 2
    clf = LSTMClassifier(n_networks=2, **FIXED).fit(X, y)
    wide = np.zeros((40, 30, 2))
    for i, x in enumerate(X):
        wide[i, :len(x)] = x
    np.testing.assert_allclose(clf.predict_proba(wide), clf.predict_proba(X),
                               atol=1e-5)


def _one_network(meta):
    inputs = keras.Input((None, meta["n_features"]))
    x = keras.layers.GlobalAveragePooling1D()(inputs)
    return keras.Model(inputs, keras.layers.Dense(
        meta["n_outputs"], activation="sigmoid")(x))


def test_model_builder_with_several_networks_is_refused_before_training():
    X, y = _data()
    clf = LSTMClassifier(model_builder=_one_network, n_networks=3, **FIXED)
    with pytest.raises(ValueError, match="n_networks=3 needs the built-in"):
        clf.fit(X, y)
    assert not hasattr(clf, "model_")
    auto = LSTMClassifier(model_builder=_one_network, **FIXED).fit(X, y)
    assert auto.n_networks_ == 1


class _SaturateNetwork(keras.callbacks.Callback):
    """Start the last network saturated: sigmoid(-20) = 2e-9 for every
    sequence."""

    def on_train_begin(self, logs=None):
        model = self.model
        if "network_1" in [layer.name for layer in model.layers]:
            model = model.get_layer("network_1")
        bias = model.get_layer("output").bias
        bias.assign(np.full(bias.shape, -20.0, "float32"))


@pytest.mark.parametrize("n_networks", [1, 2])
def test_a_saturated_network_still_learns(n_networks):
    # Keras' cross-entropy of probabilities clips them at 1e-7 and the clip
    # has no gradient: a member saturated on the wrong class stayed there
    # (BasicMotions, seed 0: one member of 3 at 0.75 training accuracy, the
    # loss flat for 85 epochs). The networks train on their logits: one
    # network too, which under JAX (the CI's JAX subset runs this test)
    # Keras trained on clipped probabilities.
    X, y = _data()
    clf = LSTMClassifier(n_networks=n_networks, callbacks=[_SaturateNetwork()],
                         **dict(FIXED, epochs=30, learning_rate=0.05)).fit(X, y)
    last = _member_outputs(clf, X)[-1][:, 0] if n_networks > 1 \
        else clf.predict_proba(X)[:, 1]
    assert np.mean((last > 0.5) == y) > 0.8
    assert clf.history_["loss"][-1] < 0.5 * clf.history_["loss"][0]


def test_member_loss_reads_logits_unclipped():
    from skseq.neural_network._ensemble import MemberCrossentropy

    # Member 0 right, member 1 wrong by a logit margin of 40: its
    # cross-entropy is 40 (probabilities clipped at 1e-7 would say 16.1),
    # and the loss reported is the members' mean, comparable with one
    # network's (their sum would be 40).
    logits = np.array([[[0.0, 40.0], [40.0, 0.0]]], "float32")
    loss = MemberCrossentropy(binary=False)(np.array([1]), logits)
    assert float(keras.ops.convert_to_numpy(loss)) == pytest.approx(20.0,
                                                                    rel=1e-4)
