"""Behaviour behind the speed features (timings are in benchmarks/speed.py).

No test here times anything: the machines are shared and noisy. They check
that bucketing is chosen when it pays, that a bucketed batch is trimmed but
keeps every real step, that the fast predict path gives Keras' numbers, and
that small-batch prediction does not make TensorFlow retrace.
"""

import contextlib
import logging

import keras
import numpy as np
import pytest
from sklearn.metrics import accuracy_score

from skseq import LSTMClassifier
from skseq.neural_network._batching import (
    bucket_batches,
    round_length,
    should_bucket,
)
from skseq.neural_network._builders import BucketedSequence
from skseq.neural_network._fit_inputs import model_input as _model_input


@contextlib.contextmanager
def retracing_warnings():
    """Collect TensorFlow's "triggered tf.function retracing" warnings."""
    records = []
    handler = logging.Handler(level=logging.WARNING)
    handler.emit = records.append
    tf_logger = logging.getLogger("tensorflow")
    tf_logger.addHandler(handler)
    retraces = []
    try:
        yield retraces
    finally:
        tf_logger.removeHandler(handler)
        retraces.extend(r for r in records if "retracing" in r.getMessage())


def _ragged(n, low, high, n_features=2, seed=0):
    """Class 1 has a positive mean in feature 0; lengths log-uniform."""
    rng = np.random.default_rng(seed)
    lengths = np.exp(rng.uniform(np.log(low), np.log(high), n)).astype(int)
    y = rng.integers(0, 2, n)
    X = [rng.normal(size=(m, n_features)) + [1.5 * (2 * c - 1), 0]
         for m, c in zip(lengths, y)]
    return X, y


def test_auto_bucketing_only_when_padding_dominates():
    spread = np.exp(np.random.default_rng(0).uniform(np.log(100),
                                                    np.log(1344), 500))
    assert should_bucket(spread.astype(int), "auto")
    assert not should_bucket(np.full(500, 100), "auto")
    assert not should_bucket(np.r_[np.full(99, 100), 120], "auto")
    assert should_bucket(np.full(10, 100), True)
    assert not should_bucket(spread.astype(int), False)


def test_bucketed_batches_cover_every_sample_once_and_keep_real_steps():
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 300, 203)
    X = np.zeros((203, 300, 1), dtype=np.float32)
    for i, m in enumerate(lengths):
        X[i, :m] = 1.0
    seq = BucketedSequence(X, np.zeros(203), np.ones(203), lengths, 16,
                           rng=np.random.default_rng(1))
    seen, widths = [], set()
    for epoch in range(2):
        for i in range(len(seq)):
            xb, _, _ = seq[i]
            idx = seq.batches[i]
            # Trimmed to the batch, yet no real step is cut off.
            assert xb.shape[1] >= lengths[idx].max()
            assert xb.shape[1] < 300 or lengths[idx].max() > 300 - 38
            assert xb.sum() == lengths[idx].sum()
            widths.add(xb.shape[1])
            if epoch == 0:
                seen.extend(idx)
        seq.on_epoch_end()
    assert sorted(seen) == list(range(203))
    # Few distinct shapes: few tf.function traces / JAX compilations.
    assert len(widths) <= 8
    assert round_length(1, 300) == 38 and round_length(300, 300) == 300


def test_bucket_batches_group_similar_lengths():
    lengths = np.random.default_rng(0).integers(1, 1000, 640)
    batches = bucket_batches(lengths, 32)
    spreads = [lengths[b].max() - lengths[b].min() for b in batches]
    assert max(spreads) < 150  # vs ~1000 for random batches


def test_bucketing_trains_as_well_as_padding_to_the_longest():
    X, y = _ragged(240, 10, 200, seed=0)
    X_test, y_test = _ragged(120, 10, 200, seed=1)
    params = dict(units=8, epochs=6, learning_rate=0.02,
                  n_iter_no_change=None, random_state=0)
    bucketed = LSTMClassifier(bucketing=True, **params).fit(X, y)
    padded = LSTMClassifier(bucketing=False, **params).fit(X, y)
    acc_b = accuracy_score(y_test, bucketed.predict(X_test))
    acc_p = accuracy_score(y_test, padded.predict(X_test))
    assert acc_b >= 0.9 and acc_p >= 0.9
    assert abs(acc_b - acc_p) <= 0.05


@pytest.fixture(scope="module")
def fitted_ragged():
    # Trained unbucketed (one training shape to trace or compile, where
    # bucketing would compile up to 8 under JAX): these tests read predict,
    # which never depends on how the network was trained.
    X, y = _ragged(120, 5, 60, seed=2)
    clf = LSTMClassifier(units=8, epochs=2, bucketing=False, random_state=0)
    return clf.fit(X, y), X


def test_fast_predict_matches_keras_predict(fitted_ragged):
    clf, X = fitted_ragged
    X_padded = np.zeros((len(X), 60, 2), dtype=np.float32)
    lengths = np.array([len(x) for x in X])
    for i, x in enumerate(X):
        X_padded[i, :len(x)] = x
    model_input = _model_input(X_padded, lengths, clf.tokens_, clf.scaler_)
    expected = clf.model_.predict(model_input, verbose=0)[:, 0]
    np.testing.assert_allclose(clf.predict_proba(X)[:, 1], expected,
                               atol=1e-5)


def test_fast_predict_uses_the_current_weights():
    # The JAX path caches a jitted forward pass; it must read the weights
    # at every call, not the ones it first saw.
    X, y = _ragged(60, 5, 30, seed=9)
    clf = LSTMClassifier(units=4, epochs=1, bucketing=False,
                         random_state=0).fit(X, y)
    before = clf.predict_proba(X[:5])
    assert not np.allclose(before, 0.5)
    clf.model_.set_weights([np.zeros_like(w)
                            for w in clf.model_.get_weights()])
    np.testing.assert_allclose(clf.predict_proba(X[:5]), 0.5, atol=1e-6)


@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="retracing is a tf.function matter")
def test_small_batch_predict_does_not_retrace(fitted_ragged):
    clf, X = fitted_ragged
    clf.predict_proba(X[:1])  # first traces are expected
    clf.predict_proba(X[:8])
    with retracing_warnings() as retraces:
        for n in [1, 2, 3, 5, 8, 13, 21, 32, 1, 8, 32]:
            clf.predict_proba(X[:n])
            clf.predict_proba(X[n:2 * n])
    assert not retraces


@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="JAX always compiles with XLA")
def test_jit_compile_trains_with_xla_and_predicts_without():
    X, y = _ragged(96, 5, 40, seed=3)
    # The plain LSTM: the conv blocks and Adam's first steps
    # amplify XLA's different float rounding in the conv blocks.
    params = dict(units=4, epochs=2, n_iter_no_change=None, random_state=0,
                  architecture="lstm")
    seen = []  # callbacks are deep-copied: record into a shared list

    class RecordJit(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen.append(self.model.jit_compile)

    plain = LSTMClassifier(callbacks=[RecordJit()], **params).fit(X, y)
    xla = LSTMClassifier(jit_compile=True, callbacks=[RecordJit()],
                         **params).fit(X, y)
    # Keras' own choice on a CPU is no XLA; jit_compile=True overrides it.
    assert seen == [False, True]
    # Trained with XLA (same numbers up to float rounding) ...
    np.testing.assert_allclose(xla.predict_proba(X), plain.predict_proba(X),
                               atol=1e-4)
    # ... but predicts without, so a new batch size compiles nothing.
    assert not xla.model_.jit_compile
    with pytest.raises(ValueError, match="jit_compile"):
        LSTMClassifier(jit_compile="yes", **params).fit(X, y)


@pytest.mark.skipif(keras.backend.backend() != "jax",
                    reason="JAX compiles once per input shape")
def test_small_batch_predict_compiles_few_shapes_under_jax(fitted_ragged):
    import jax.monitoring

    clf, X = fitted_ragged
    compiles = []

    def listener(event, duration, **kwargs):
        if event == "/jax/core/compile/backend_compile_duration":
            compiles.append(duration)

    jax.monitoring.register_event_duration_secs_listener(listener)
    for n in range(1, 33):
        clf.predict_proba(X[:n])
    # 32 batch sizes -> 6 powers of two; widths rounded to at most 8 sizes
    # and both grow with n: at most 6 + 8 shapes, instead of 32.
    assert 0 < len(compiles) <= 14


def test_bucketed_fit_with_many_short_validation_sequences():
    # Keras (TensorFlow) fixed the input signature from the first two
    # batches of a PyDataset: had they the same width, a wider batch later
    # failed ("generator yielded an element of shape ...").
    rng = np.random.default_rng(4)
    lengths = np.where(rng.random(300) < 0.85, rng.integers(3, 8, 300),
                       rng.integers(40, 100, 300))
    y = rng.integers(0, 2, 300)
    X = [rng.normal(size=(m, 2)) + c for m, c in zip(lengths, y)]
    clf = LSTMClassifier(units=4, epochs=2, validation_fraction=0.5,
                         n_iter_no_change=5, random_state=0).fit(X, y)
    assert len(clf.history_["val_loss"]) == 2
    seq = BucketedSequence(np.zeros((300, 99, 1)), y, None, lengths, 16)
    widths = [seq[i][0].shape[1] for i in range(len(seq))]
    assert widths == [round_length(lengths[b].max(), 99)
                      for b in bucket_batches(lengths, 16)]


@pytest.mark.skipif(keras.backend.backend() != "jax",
                    reason="JAX compiles once per input shape")
def test_predict_on_any_width_compiles_a_bounded_set_of_shapes():
    import jax.monitoring

    X, y = _ragged(64, 30, 31, seed=5)
    clf = LSTMClassifier(units=4, epochs=1, random_state=0).fit(X, y)
    X_dense = np.stack([x[:30] for x in X])
    compiles = []

    def listener(event, duration, **kwargs):
        if event == "/jax/core/compile/backend_compile_duration":
            compiles.append(duration)

    jax.monitoring.register_event_duration_secs_listener(listener)
    full = clf.predict_proba(X_dense[:4])
    for width in range(1, 31):  # 30 widths, one batch size
        proba = clf.predict_proba(X_dense[:4, :width])
    np.testing.assert_allclose(proba, full, atol=1e-6)
    # Widths fall on the 8-size grid of the training length: <= 8 shapes.
    assert 0 < len(compiles) <= 8


def test_bucketed_fit_is_reproducible_and_seeds_are_ints():
    X, y = _ragged(100, 5, 120, seed=6)
    params = dict(units=4, epochs=2, bucketing=True, validation_fraction=0.3,
                  random_state=0)
    first = LSTMClassifier(**params).fit(X, y).predict_proba(X)
    second = LSTMClassifier(**params).fit(X, y).predict_proba(X)
    # Up to float rounding: exact serially here, but no test may depend on
    # bit-exact floats across CPUs, thread counts or load.
    np.testing.assert_allclose(first, second, rtol=0, atol=1e-6)
    with pytest.raises(ValueError, match="random_state"):
        LSTMClassifier(random_state=np.random.RandomState(0)).fit(X, y)


@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="tf.function traces are a TensorFlow matter")
def test_bucketed_tensorflow_fit_traces_once_per_batch_size(monkeypatch):
    # An LSTM step traced with an unknown batch axis runs 1.5-1.8x slower;
    # an unknown time axis costs little and lets every width share a trace.
    from skseq.neural_network import _builders

    X, y = _ragged(150, 5, 120, seed=7)
    lengths = np.array([len(x) for x in X])
    trained = []  # the training model (model_ is its probability twin)

    class KeepModel(keras.callbacks.Callback):
        def on_train_end(self, logs=None):
            trained.append(self.model)

    params = dict(units=4, epochs=3, batch_size=16, bucketing=True,
                  validation_fraction=0.3, n_iter_no_change=5,
                  validation="tail", random_state=0,
                  callbacks=[KeepModel()])
    # The traces are counted exactly below (TensorFlow's retracing warning
    # counts traces per source function across the process: the fits of
    # whichever tests ran before in this worker count there too).
    clf = LSTMClassifier(**params).fit(X, y)

    n_train = clf.input_summary_["n_samples"] - clf.input_summary_[
        "n_validation"]
    batches = bucket_batches(lengths[:n_train], 16)
    traced = trained[0].train_function.concrete_functions
    assert set(traced) == {len(b) for b in batches} == {16, n_train % 16}
    for rows, function in traced.items():
        x_spec = function.structured_input_signature[0][0][0]
        assert tuple(x_spec.shape) == (rows, None, 2)
    assert trained[0].test_function.concrete_functions  # validation too

    # Same numbers as Keras' own train function (one trace, unknown axes).
    monkeypatch.setattr(_builders, "trace_per_batch_size", lambda model: None)
    keras_steps = LSTMClassifier(**params).fit(X, y)
    assert not hasattr(trained[1].train_function, "concrete_functions")
    np.testing.assert_allclose(clf.predict_proba(X),
                               keras_steps.predict_proba(X), atol=1e-4)


def test_tensorflow_batches_are_trimmed_exactly_unless_xla_compiles():
    pytest.importorskip("tensorflow")
    from skseq.neural_network._builders import bucketed_tf_dataset

    rng = np.random.default_rng(8)
    lengths = rng.integers(1, 100, 70)
    X = np.zeros((70, 99, 1), dtype=np.float32)
    y = np.zeros((70, 1), dtype=np.float32)
    batches = bucket_batches(lengths, 16)
    for round_widths, expected in (
            (False, {lengths[b].max() for b in batches}),
            (True, {round_length(lengths[b].max(), 99) for b in batches})):
        dataset = bucketed_tf_dataset(X, y, None, lengths, 16,
                                      round_widths=round_widths)
        assert {x.shape[1] for x, _ in dataset} == expected


def _masked_builder(meta):
    """The built-in network, always masked (a model_builder is never
    trained unmasked)."""
    from skseq.neural_network._architectures import build_lstm_model

    params = {k: meta[k] for k in ("units", "n_layers", "bidirectional",
                                   "dropout", "pooling", "architecture",
                                   "embedding_dim", "random_state")}
    return build_lstm_model(meta, **params)


@pytest.mark.parametrize("architecture", ["lstm", "conv_lstm"])
def test_unpadded_data_trains_unmasked_and_predicts_masked(architecture):
    # Equal-length data has no padded step: the network trains without its
    # mask (a masked LSTM step is slower), then predicts with it.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 24, 2)).astype(np.float32)
    y = (X[:, :, 0].mean(axis=1) > 0).astype(int)
    params = dict(units=8, epochs=4, architecture=architecture,
                  random_state=0, validation=None)
    clf = LSTMClassifier(**params).fit(X, y)
    reference = LSTMClassifier(model_builder=_masked_builder,
                               **params).fit(X, y)
    np.testing.assert_allclose(clf.predict_proba(X),
                               reference.predict_proba(X), atol=1e-4)
    # The kept model masks: trailing zero steps change nothing.
    names = {layer.name for layer in clf.model_.layers}
    assert names & {"padding_mask", "conv_zero_padding_0"}
    padded = np.concatenate([X, np.zeros((80, 16, 2), np.float32)], axis=1)
    np.testing.assert_allclose(clf.predict_proba(padded),
                               clf.predict_proba(X), atol=1e-5)
    ragged = [x[:n] for x, n in zip(X, rng.integers(8, 25, len(X)))]
    np.testing.assert_allclose(
        clf.predict_proba(ragged),
        reference.predict_proba(ragged), atol=1e-4)


def _small_binary():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 8, 2))
    return X, (X[:, :, 0].mean(axis=1) > 0).astype(int)


@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="tf.function traces are a TensorFlow matter")
def test_tensorflow_train_step_is_traced_once():
    # Keras creates the optimizer's and the metrics' variables in the first
    # trace of the train step, unless they exist, and TensorFlow then traces
    # the whole step again: every fit paid its trace twice.
    class CountingModel(keras.Model):
        traces = 0

        def train_step(self, data):
            # Runs in Python only while TensorFlow traces the step.
            CountingModel.traces += 1
            return super().train_step(data)

    def counting_builder(meta):
        inputs = keras.Input((None, meta["n_features"]))
        hidden = keras.layers.LSTM(4)(inputs)
        return CountingModel(inputs, keras.layers.Dense(
            meta["n_outputs"], activation="sigmoid")(hidden))

    # 120 rows in batches of 16: one trace for both batch sizes (too few
    # steps for one per size), no hold-out.
    LSTMClassifier(model_builder=counting_builder, units=4, epochs=2,
                   batch_size=16, random_state=0).fit(*_small_binary())
    assert CountingModel.traces == 1


@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="tf.function traces are a TensorFlow matter")
@pytest.mark.parametrize("n_networks", [1, 3])
def test_built_in_networks_are_built_before_their_first_step(n_networks):
    # The default network, one or several members (one stacked model): its
    # optimizer and metrics exist when training begins, so the first trace
    # creates no variable (see test_tensorflow_train_step_is_traced_once).
    built_at_start = []

    class BuiltAtStart(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            built_at_start.append(self.model.optimizer.built and all(
                metric.variables for metric in self.model.metrics))

    LSTMClassifier(units=4, epochs=2, batch_size=16, n_networks=n_networks,
                   callbacks=[BuiltAtStart()],
                   random_state=0).fit(*_small_binary())
    assert built_at_start == [True]
