"""The data-derived rules: hold-out choice, budget, schedule, architecture."""

import re
import warnings

import keras
import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.model_selection import PredefinedSplit

from skseq import LSTMClassifier
from skseq.datasets import make_windows
from skseq.model_selection import (GroupedPurgedTimeSeriesSplit,
                                   PurgedTimeSeriesSplit)
from skseq.neural_network import _holdout, _training
from skseq.neural_network._architectures import (downsampling_factors,
                                                 inception_widths)
from skseq.neural_network._fit_inputs import model_input as _model_input

TINY = dict(units=4, epochs=2, random_state=0)


def _sorted_by_class(n_per_class=40, n_classes=4, t=12, seed=0):
    # Class-sorted, like every UCR/UEA training file.
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(n_classes), n_per_class)
    X = rng.normal(size=(len(y), t, 1)) + y[:, None, None]
    return X, y


@pytest.mark.parametrize("n_train, batch", [(10, 4), (36, 4), (270, 27),
                                            (640, 64), (200_000, 64)])
def test_batch_size_is_a_tenth_of_the_data_within_bounds(n_train, batch):
    assert _training.resolve_batch_size("auto", n_train) == batch
    assert _training.resolve_batch_size(7, n_train) == 7


@pytest.mark.parametrize("n_train", [28, 50, 104, 1000, 10_000, 1_000_000])
def test_budget_is_counted_in_gradient_steps(n_train):
    batch = _training.resolve_batch_size("auto", n_train)
    epochs = _training.resolve_epochs("auto", n_train, batch)
    steps = epochs * -(-n_train // batch)
    assert 10 <= epochs <= 1500
    if 10 < epochs < 1500:
        # Within one epoch of the budget, whatever the data size.
        assert abs(steps - _training.STEP_BUDGET) <= -(-n_train // batch)
    assert _training.resolve_epochs(5, n_train, batch) == 5


def test_patience_follows_the_epoch_budget():
    assert _training.resolve_patience("auto", 400) == (80, 40)
    assert _training.resolve_patience("auto", 20) == (10, 5)
    assert _training.resolve_patience(None, 400) == (None, 40)
    assert _training.resolve_patience(6, 400) == (6, 3)


def test_fitted_stop_applies_without_a_hold_out_only():
    plan = _training.plan_schedule("auto", "plateau", 400, "loss", 4)
    assert plan["fitted_loss"] == pytest.approx(
        _training.FITTED_SHARE * np.log(4))
    assert plan["fitted_patience"] == 40
    # A hold-out's loss stops training as before; n_iter_no_change=None
    # trains every epoch.
    assert _training.plan_schedule(
        "auto", "plateau", 400, "val_loss", 4)["fitted_loss"] is None
    assert _training.plan_schedule(
        None, "plateau", 400, "loss", 4)["fitted_loss"] is None


def _first_fitted_run(losses, level, patience):
    """1-based epoch at which ``patience`` epochs in a row were below."""
    run = 0
    for epoch, loss in enumerate(losses, start=1):
        run = run + 1 if loss < level else 0
        if run >= patience:
            return epoch
    return None


def test_training_stops_once_the_training_set_is_fitted():
    # Two well-separated classes, 60 sequences (no hold-out): the loss falls
    # below 1% of ln 2 long before 300 epochs.
    rng = np.random.default_rng(0)
    y = np.arange(60) % 2
    X = rng.normal(size=(60, 12, 1)) + 3.0 * (2 * y - 1)[:, None, None]
    clf = LSTMClassifier(units=8, epochs=300, learning_rate=0.01,
                         random_state=0).fit(X, y)
    assert clf.validation_ == "none"
    losses = clf.history_["loss"]
    level = _training.FITTED_SHARE * np.log(2)
    stop = _first_fitted_run(losses, level, 30)  # a tenth of 300 epochs
    assert stop is not None and clf.n_iter_ == stop < clf.epochs_
    assert clf.predict(X).tolist() == y.tolist()
    # With early stopping off, every planned epoch is trained.
    full = LSTMClassifier(units=8, epochs=40, learning_rate=0.01,
                          n_iter_no_change=None, random_state=0).fit(X, y)
    assert full.n_iter_ == 40


def test_fit_records_the_resolved_rules():
    X, y = _sorted_by_class()
    clf = LSTMClassifier(epochs=3, units=4, random_state=0).fit(X, y)
    assert clf.batch_size_ == 16 and clf.epochs_ == 3
    assert clf.architecture_ == "conv_lstm" and clf.pooling_ == "last"
    assert clf.validation_ == "none"  # 16 held out < 30


def test_class_weight_keyed_by_digit_string_labels():
    # aeon and sktime read UCR labels as text: '0', '1', '2'.
    y = np.array(["0", "1", "2", "1"])
    y_encoded = np.unique(y, return_inverse=True)[1]
    weights = _training.check_weights(None, {"0": 1.0, "1": 2.0, "2": 4.0},
                                      y, y_encoded)
    np.testing.assert_array_equal(weights, [1.0, 2.0, 4.0, 2.0])
    # A missing key weighs 1; extra keys are fine when every label has one.
    np.testing.assert_array_equal(
        _training.check_weights(None, {"1": 3.0}, y, y_encoded),
        [1.0, 3.0, 1.0, 3.0])
    np.testing.assert_array_equal(
        _training.check_weights(None, {"0": 1, "1": 1, "2": 1, "9": 5},
                                y, y_encoded), [1.0] * 4)
    with pytest.raises(ValueError, match=r"key\(s\) \[1\].*'1' is not 1"):
        _training.check_weights(None, {1: 2.0}, y, y_encoded)


def test_class_sorted_data_get_a_stratified_hold_out_with_every_class():
    X, y = _sorted_by_class(n_per_class=80)  # 320 rows: 32 held out
    train, val, kind = _holdout.split_validation(
        "auto", 0.1, X, np.full(len(y), 12), y, random_state=0)
    assert kind == "stratified" and len(val) == 32
    assert set(y[val]) == set(range(4)) and len(np.intersect1d(train, val)) == 0
    # The tail of a class-sorted file holds one class: the old trap.
    train, val, kind = _holdout.split_validation(
        "tail", 0.1, X, np.full(len(y), 12), y, random_state=0)
    assert set(y[val]) == {3}
    with pytest.warns(UserWarning, match="holds 1 of 4 classes"):
        _holdout.warn_missing_classes(y[val], 4, "tail", stacklevel=2)


def test_the_stratified_hold_out_depends_on_the_seed_only():
    X, y = _sorted_by_class(n_per_class=80)
    lengths = np.full(len(y), 12)
    a = _holdout.split_validation("stratified", 0.1, X, lengths, y, 0)[1]
    b = _holdout.split_validation("stratified", 0.1, X, lengths, y, 0)[1]
    c = _holdout.split_validation("stratified", 0.1, X, lengths, y, 1)[1]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_no_hold_out_smaller_than_the_number_of_classes():
    # UCR's FiftyWords: 450 sequences of 50 classes, a hold-out of 45 would
    # miss classes whatever the draw (and train_test_split refused it).
    X, y = _sorted_by_class(n_per_class=9, n_classes=50, t=6)
    lengths = np.full(len(y), 6)
    train, val, kind = _holdout.split_validation("auto", 0.1, X, lengths,
                                                  y, 0)
    assert kind == "none" and len(val) == 0 and len(train) == 450
    # One more row per class than needed: a stratified hold-out again.
    train, val, kind = _holdout.split_validation("auto", 0.12, X, lengths,
                                                  y, 0)
    assert kind == "stratified" and len(set(y[val])) == 50
    clf = LSTMClassifier(**TINY).fit(X, y)
    assert clf.validation_ == "none" and "val_loss" not in clf.history_


def test_a_class_with_one_sequence_is_trained_on_not_held_out():
    X, y = _sorted_by_class(n_per_class=110, n_classes=3, t=6)
    y = y.copy()
    y[-1] = 3  # the last row is the only sequence of class 3
    lengths = np.full(len(y), 6)
    for seed in range(20):
        train, val, kind = _holdout.split_validation("auto", 0.1, X,
                                                      lengths, y, seed)
        assert kind == "stratified" and len(val) == 33
        assert len(train) + len(val) == len(y) and len(y) - 1 in train
        assert set(y[val]) == {0, 1, 2}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf = LSTMClassifier(**TINY).fit(X, y)
    assert not [w for w in caught if "hold-out" in str(w.message)]
    assert clf.validation_ == "stratified" and 3 in clf.classes_
    # Singletons do not count towards "more classes than the hold-out has
    # rows": 25 classes of 11 and 35 of one, 310 rows, 31 held out.
    y = np.r_[np.repeat(np.arange(25), 11), np.arange(25, 60)]
    X = np.random.default_rng(0).normal(size=(len(y), 6, 1))  # distinct
    train, val, kind = _holdout.split_validation(
        "stratified", 0.1, X, np.full(len(y), 6), y, 0)
    assert kind == "stratified" and len(val) == 31
    assert set(y[val]) == set(range(25))


def test_overlapping_windows_are_detected_and_get_the_tail():
    series = np.cumsum(np.random.default_rng(0).normal(size=(900, 2)), axis=0)
    X, y = make_windows(series, 30, stride=2)[:2]  # 436 windows
    lengths = np.full(len(X), 30)
    assert _holdout.looks_like_windows(X, lengths)
    train, val, kind = _holdout.split_validation("auto", 0.1, X, lengths,
                                                  y, 0)
    assert kind == "tail" and val.min() > train.max()
    # Purged: no training window's steps, nor its label (the next step),
    # reach the hold-out's first step; 14 windows of 30 steps at stride 2
    # share steps with it, and the one before them has its label there.
    _, _, index = make_windows(series, 30, stride=2, return_index=True)
    assert index.label_time[train].max() < index.start[val].min()
    n_val = len(val)
    assert list(val) == list(range(len(X) - n_val, len(X)))
    assert list(train) == list(range(len(X) - n_val - 15))
    # Independent sequences, tail asked for: nothing to purge.
    rng = np.random.default_rng(2)
    train, val, kind = _holdout.split_validation(
        "tail", 0.1, rng.normal(size=(300, 30, 2)), np.full(300, 30),
        np.arange(300) % 2, 0)
    assert kind == "tail" and list(train) == list(range(270))
    # Independent sequences are not windows.
    rng = np.random.default_rng(1)
    assert not _holdout.looks_like_windows(rng.normal(size=(300, 30, 2)),
                                            np.full(300, 30))


def test_binary_sequences_are_not_taken_for_windows_by_chance():
    # One in two consecutive pairs of 0/1 sequences share their last and
    # first step: they were taken for windows, and 20 training sequences
    # purged. Windows share steps at one shift (their stride); chance
    # matches do not.
    rng = np.random.default_rng(0)
    X = rng.integers(0, 2, size=(400, 20, 1)).astype(float)
    y = rng.integers(0, 2, 400)
    assert not _holdout.looks_like_windows(X, np.full(400, 20))
    train, val, kind = _holdout.split_validation(
        "auto", 0.1, X, np.full(400, 20), y, 0)
    assert kind == "stratified" and len(train) + len(val) == 400
    # Windows of a 0/1 series, and windows sharing a single step, are.
    X, _ = make_windows(rng.integers(0, 2, 500).astype(float), 20)
    assert _holdout.looks_like_windows(X, np.full(len(X), 20))
    X, _ = make_windows(np.cumsum(rng.normal(size=600)), 10, stride=9)
    assert _holdout.looks_like_windows(X, np.full(len(X), 10))
    # Windows of rare events at a stride of 5: all-zero windows overlap at
    # every shift, the others at 5 only (a rule on the smallest shift
    # missed them); independent sequences of rare events are not windows.
    for seed in range(5):
        rng = np.random.default_rng(seed)
        events = (rng.random(2000) < 0.05).astype(float)
        X, _ = make_windows(events, 20, stride=5, target="sign")
        assert _holdout.looks_like_windows(X, np.full(len(X), 20))
        X = (rng.random(size=(300, 20, 1)) < 0.05).astype(float)
        assert not _holdout.looks_like_windows(X, np.full(300, 20))


def test_a_splitter_gives_the_hold_out():
    X, y = _sorted_by_class(n_per_class=30)
    rng = np.random.default_rng(0)
    y = rng.permutation(y)
    splitter = PurgedTimeSeriesSplit(n_splits=3, window=5)
    clf = LSTMClassifier(validation=splitter, **TINY).fit(X, y)
    assert clf.validation_ == "splitter" and "val_loss" in clf.history_
    *_, (train, val) = splitter.split(X, y)
    assert clf.input_summary_["n_validation"] == len(val)


@pytest.mark.parametrize("validation", ["tail", "stratified", None])
def test_every_batch_pairs_each_sequence_with_its_own_label(validation):
    # The purged tail leaves rows out: the batches' sequences and labels
    # must still be read in the same order (a first version paired the
    # hold-out's windows with the labels of the rows before them).
    from skseq.neural_network._fit_inputs import prepare_fit

    series = np.cumsum(np.random.default_rng(3).normal(size=(700, 1)),
                       axis=0)
    X = make_windows(series, 30)[0]
    # A label the sequence itself tells, through any increasing scaling.
    y = (X[:, -1, 0] > X[:, 0, 0]).astype(int)
    clf = LSTMClassifier(validation=validation, bucketing=False,
                         batch_size=64, **TINY)
    data = prepare_fit(clf, X, y, None)
    assert data["state"]["validation_"] == (validation or "none")
    seen = 0
    for part in (data["train"], data["validation"]):
        if part is None:
            continue
        batches = part(None) if callable(part) else part
        for batch in batches:
            x, labels = np.asarray(batch[0]), np.asarray(batch[1]).ravel()
            assert_array_equal(labels, x[:, -1, 0] > x[:, 0, 0])
            seen += len(labels)
    assert seen == data["state"]["input_summary_"]["n_samples"]


def test_a_grouped_splitter_is_refused_with_a_way_to_hold_out_groups():
    # fit cannot pass groups: the splitter's own error asked for them.
    X, y = _sorted_by_class(n_per_class=30)
    splitter = GroupedPurgedTimeSeriesSplit(n_splits=2, window=5)
    with pytest.raises(ValueError, match="splits by groups, which fit "
                                         "cannot pass on.*PredefinedSplit"):
        LSTMClassifier(validation=splitter, **TINY).fit(X, y)
    # The way out the message names.
    groups = np.repeat(np.arange(6), 20)
    test_fold = np.where(groups == groups[-1], 0, -1)
    clf = LSTMClassifier(validation=PredefinedSplit(test_fold), **TINY)
    clf.fit(X, y)
    assert clf.validation_ == "splitter"
    assert clf.input_summary_["n_validation"] == 20


class _FixedSplit:
    """A hand-written splitter giving one (train, test) pair as it is."""

    def __init__(self, train, test):
        self.train, self.test = train, test

    def split(self, X, y=None, groups=None):
        yield self.train, self.test

    def get_n_splits(self, X=None, y=None, groups=None):
        return 1

    def __repr__(self):
        return "_FixedSplit()"


@pytest.mark.parametrize("train, test, message", [
    # Overlapping: early stopping judged rows it trained on, silently.
    (np.arange(120), np.arange(100, 120), "sharing 20 row"),
    (np.arange(100), np.arange(-20, 0), r"from -20 to -1 for 120 rows"),
    (np.arange(100), np.arange(100, 121), r"from 100 to 120 for 120 rows"),
    (np.arange(100), np.arange(100, 120) + 0.0, "integer row indices"),
    (np.arange(100), np.r_[np.arange(100, 119), 100], "repeated validation"),
])
def test_a_splitters_indices_are_checked_before_training(train, test,
                                                         message):
    X, y = _sorted_by_class(n_per_class=30)
    clf = LSTMClassifier(validation=_FixedSplit(train, test), **TINY)
    with pytest.raises(ValueError, match=message):
        clf.fit(X, y)
    assert not hasattr(clf, "model_")


def test_a_splitters_boolean_masks_are_read_as_rows():
    X, y = _sorted_by_class(n_per_class=30)
    held = np.arange(120) % 6 == 0
    train, val, kind = _holdout.split_validation(
        _FixedSplit(~held, held), 0.1, X, np.full(120, 12), y, 0)
    assert kind == "splitter"
    assert_array_equal(val, np.flatnonzero(held))
    assert_array_equal(train, np.flatnonzero(~held))


def test_hold_out_that_misses_classes_warns():
    X, y = _sorted_by_class(n_per_class=100)
    with pytest.warns(UserWarning, match="tail hold-out .* holds 1 of 4"):
        LSTMClassifier(validation="tail", **TINY).fit(X, y)
    # A tail of 60% of class-sorted rows: the rows left to train on miss
    # classes too, which nothing said.
    with pytest.warns(UserWarning, match=r"rows left to train on by the "
                      r"tail hold-out \(160 sequences\) hold 2 of 4 "
                      r"classes: the network never sees the others"):
        LSTMClassifier(validation="tail", validation_fraction=0.6,
                       **TINY).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.filterwarnings("ignore", category=Warning,
                                module="keras.*|tensorflow.*")
        clf = LSTMClassifier(validation="stratified", **TINY)
        try:
            clf.fit(X, y)
        except UserWarning as w:  # only the diagnostics may still warn
            assert "hold-out" not in str(w)


@pytest.mark.parametrize("t, expected", [(24, (1, 1)), (64, (1, 1)),
                                         (150, (2, 2)), (2000, (6, 6))])
def test_conv_lstm_shortens_sequences_to_at_most_64_steps(t, expected):
    factors = downsampling_factors(t)
    assert factors == expected
    assert -(-t // (factors[0] * factors[1])) <= 64


def test_auto_architecture_reads_long_series_through_convolutions():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(24, 500, 1))
    y = np.arange(24) % 2
    clf = LSTMClassifier(**TINY).fit(X, y)
    # 500 steps pooled 3 x 3 = 9-fold: the LSTM runs 56 steps, not 500.
    shorter = keras.Model(clf.model_.inputs,
                          clf.model_.get_layer("downsample_1").output)
    assert shorter.predict(X[:2].astype("float32"), verbose=0).shape[1] == 56
    assert clf.model_.get_layer("downsample_0").factor * \
        clf.model_.get_layer("downsample_1").factor == 9
    tokens = [rng.integers(1, 50, size=rng.integers(5, 40)) for _ in range(40)]
    clf_tokens = LSTMClassifier(**TINY).fit(tokens, np.arange(40) % 2)
    assert clf_tokens.architecture_ == "conv_lstm"
    assert clf_tokens.pooling_ == "mean_max"


@pytest.mark.parametrize("params, tokens, n_val, affordable, expected", [
    ({}, False, 30, 2, ("conv_lstm", "lstm")),
    ({}, False, 0, 3, ("conv_lstm",)),  # no hold-out to tell them apart
    ({}, False, 30, 1, ("conv_lstm",)),  # a second network not affordable
    ({}, True, 30, 3, ("conv_lstm",)),  # token input
    ({"architecture": "conv_lstm"}, False, 30, 3, ("conv_lstm",)),
    ({"architecture": "lstm"}, False, 30, 3, ("lstm",)),
])
def test_auto_architecture_candidates_follow_the_hold_out_and_budget(
        params, tokens, n_val, affordable, expected):
    from skseq.neural_network._architectures import resolve_architecture
    from skseq.neural_network._candidates import architecture_candidates

    est = LSTMClassifier(**params)
    assert architecture_candidates(
        est, resolve_architecture(est.architecture, tokens), tokens=tokens,
        n_val=n_val, distribution=None,
        affordable_networks=affordable) == expected
    builder = LSTMClassifier(model_builder=lambda meta: None, **params)
    assert len(architecture_candidates(
        builder, "conv_lstm", tokens=tokens, n_val=n_val, distribution=None,
        affordable_networks=affordable)) == 1


def _two_candidates():
    # A hold-out (30 of 60) and the 'auto' budget: both candidates train.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 8, 2))
    return X, np.arange(60) % 2, dict(
        units=4, n_networks=2, n_iter_no_change=2, validation_fraction=0.5,
        random_state=0)


def test_auto_architecture_keeps_the_lower_hold_out_loss():
    # Both candidates train, each as it would alone, and the one whose
    # kept epoch has the lower validation loss is the model.
    # Noise: the hold-out's loss stops improving within a few epochs.
    X, y, params = _two_candidates()
    clf = LSTMClassifier(**params).fit(X, y)
    losses = clf.architecture_losses_
    assert set(losses) == {"conv_lstm", "lstm"}
    # The plain LSTM only where its loss is lower by more than one
    # standard error (_candidates.choose), else the conv-LSTM.
    if clf.architecture_ == "lstm":
        assert losses["lstm"] < losses["conv_lstm"]
    # The conv-LSTM trained as n_networks, the plain LSTM tried as one:
    # each loss is the one such a fit alone keeps.
    for architecture, loss in losses.items():
        alone = LSTMClassifier(**{
            **params, "architecture": architecture,
            "n_networks": 2 if architecture == "conv_lstm" else 1}).fit(X, y)
        assert alone.architecture_losses_ is None
        kept = alone.history_["val_loss"][alone.best_epoch_ - 1]
        assert loss == pytest.approx(kept, rel=1e-3)
    # The kept one is the model, as n_networks networks.
    alone = LSTMClassifier(architecture=clf.architecture_, **params).fit(X, y)
    assert clf.n_networks_ == alone.n_networks_ == 2
    np.testing.assert_allclose(clf.predict_proba(X), alone.predict_proba(X),
                               atol=1e-5)
    np.testing.assert_allclose(clf.history_["val_loss"],
                               alone.history_["val_loss"], rtol=1e-4)
    networks = [clf.model_] + [layer for layer in clf.model_.layers
                               if isinstance(layer, keras.Model)]
    has_convolutions = any(layer.name.startswith("inception")
                           for net in networks for layer in net.layers)
    assert has_convolutions == (clf.architecture_ == "conv_lstm")
    # A hand-set budget is the caller's: one architecture, as one network.
    hand_set = LSTMClassifier(epochs=3, **params).fit(X, y)
    assert hand_set.architecture_ == "conv_lstm"
    assert hand_set.architecture_losses_ is None


@pytest.mark.parametrize("kept", ["conv_lstm", "lstm"])
def test_auto_architecture_callbacks_end_with_the_kept_network(
        kept, tmp_path, monkeypatch, capsys):
    # The plain LSTM is tried before the default: the last network
    # trained is the one kept, so a caller's callback that writes a file
    # or reports a fit's end ends with it, whichever is kept.
    import csv

    from skseq.callbacks import ProgressLogger
    from skseq.neural_network import _candidates

    monkeypatch.setattr(_candidates, "choose", lambda losses: kept)
    X, y, params = _two_candidates()
    log = tmp_path / "log.csv"
    clf = LSTMClassifier(callbacks=[
        keras.callbacks.CSVLogger(str(log)),
        ProgressLogger(name="p", every_seconds=None)], **params).fit(X, y)
    assert clf.architecture_ == kept and clf.n_networks_ == 2
    with open(log) as f:
        rows = list(csv.DictReader(f))
    np.testing.assert_allclose([float(r["val_loss"]) for r in rows],
                               clf.history_["val_loss"], rtol=1e-5)
    lines = capsys.readouterr().err.splitlines()
    done = [line for line in lines if line.startswith("p: done")]
    # A line per network trained: the tried one, the default, the kept.
    assert len(done) == (2 if kept == "conv_lstm" else 3)
    # Each training named before its epochs, the choice after the default.
    losses = clf.architecture_losses_
    assert [line for line in lines if line.startswith("p: ")
            and not line.startswith(("p: epoch", "p: done"))] == [
        "p: architecture='lstm', 1 network, tried on the hold-out",
        "p: architecture='conv_lstm', 2 networks, compared on the hold-out",
        f"p: hold-out loss per network: 'conv_lstm' "
        f"{losses['conv_lstm']:.4g}, 'lstm' {losses['lstm']:.4g}; "
        f"kept {kept!r}",
    ] + (["p: architecture='lstm', 2 networks, kept on the hold-out"]
         if kept == "lstm" else [])
    assert done[-1].startswith(f"p: done, {clf.n_iter_}/")
    assert f"best val_loss {min(clf.history_['val_loss']):.4g} " in done[-1]


def test_auto_architecture_drops_a_tried_network_that_diverges(monkeypatch,
                                                               capsys):
    # A tried plain LSTM whose loss leaves the numbers is not kept; the
    # default's training goes on (ProgressLogger says so). The default
    # diverging fails the fit, as without candidates.
    from skseq.callbacks import ProgressLogger

    X, y, params = _two_candidates()
    build = LSTMClassifier._build_and_compile

    def diverging(self, keras, meta, state, masked=True, stacked=False):
        model = build(self, keras, meta, state, masked, stacked)
        if state["architecture_"] == "lstm":
            model.optimizer.learning_rate = float("nan")
        return model

    monkeypatch.setattr(LSTMClassifier, "_build_and_compile", diverging)
    clf = LSTMClassifier(callbacks=[ProgressLogger(name="p")],
                         **params).fit(X, y)
    assert clf.architecture_ == "conv_lstm"
    assert np.isnan(clf.architecture_losses_["lstm"])
    assert re.search(r"^p: hold-out loss per network: 'conv_lstm' [\d.]+, "
                     r"'lstm' diverged \(dropped\); kept 'conv_lstm'$",
                     capsys.readouterr().err, re.MULTILINE)
    assert np.isfinite(clf.architecture_losses_["conv_lstm"])
    assert np.all(np.isfinite(clf.predict_proba(X)))
    with pytest.raises(ValueError, match="nothing was fitted"):
        LSTMClassifier(**{**params, "architecture": "lstm"}).fit(X, y)
    # The default diverging under 'auto' (the plain LSTM tried first,
    # fine), or any other error of the tried network: the fit fails and
    # the estimator is as it was.
    for fails, error, match in (("conv_lstm", None, "nothing was fitted"),
                                ("lstm", RuntimeError, "broken build")):

        def failing(self, keras, meta, state, masked=True, stacked=False,
                    fails=fails, error=error):
            if state["architecture_"] == fails and error is not None:
                raise error("broken build")
            model = build(self, keras, meta, state, masked, stacked)
            if state["architecture_"] == fails:
                model.optimizer.learning_rate = float("nan")
            return model

        monkeypatch.setattr(LSTMClassifier, "_build_and_compile", failing)
        before = {k: v for k, v in clf.__dict__.items()}
        with pytest.raises((ValueError, RuntimeError), match=match):
            clf.fit(X, y)
        assert clf.__dict__ == before


def test_auto_architecture_keeps_the_default_where_the_kept_diverges(
        monkeypatch, capsys):
    # The plain LSTM, kept on the hold-out, diverging when trained again
    # as n_networks_: the conv-LSTM trained before it is the model, with a
    # warning (and a progress line), not a failed fit.
    from skseq.callbacks import ProgressLogger
    from skseq.neural_network import _candidates

    X, y, params = _two_candidates()
    monkeypatch.setattr(_candidates, "choose", lambda losses: "lstm")
    build = LSTMClassifier._build_and_compile

    def diverging(self, keras, meta, state, masked=True, stacked=False):
        model = build(self, keras, meta, state, masked, stacked)
        if state["architecture_"] == "lstm" and state["n_networks_"] == 2:
            model.optimizer.learning_rate = float("nan")
        return model

    monkeypatch.setattr(LSTMClassifier, "_build_and_compile", diverging)
    with pytest.warns(UserWarning, match=r"architecture='lstm', kept on the "
                      r"hold-out, diverged when trained again as 2 "
                      r"networks .*architecture='conv_lstm'") as caught:
        clf = LSTMClassifier(callbacks=[ProgressLogger(name="p")],
                             **params).fit(X, y)
    assert any(w.filename == __file__ for w in caught)
    assert capsys.readouterr().err.splitlines()[-1] == (
        "p: architecture='lstm' diverged when trained again; "
        "kept 'conv_lstm'")
    assert clf.architecture_ == "conv_lstm" and clf.n_networks_ == 2
    assert set(clf.architecture_losses_) == {"conv_lstm", "lstm"}
    monkeypatch.undo()
    alone = LSTMClassifier(architecture="conv_lstm", **params).fit(X, y)
    np.testing.assert_allclose(clf.predict_proba(X), alone.predict_proba(X),
                               atol=1e-5)


def test_auto_architecture_keeps_a_tried_network_as_it_is(monkeypatch):
    # With one network and no callbacks, a kept plain LSTM is the one
    # tried (trained again it would be the same): two networks trained,
    # the predictions of architecture='lstm' alone. A caller's callback
    # sees the order: the kept one is trained again, last.
    from skseq.neural_network import _candidates

    X, y, params = _two_candidates()
    params["n_networks"] = 1
    monkeypatch.setattr(_candidates, "choose", lambda losses: "lstm")
    trained = []
    train_one = _candidates._train_one

    def counted(est, keras, builders, data, state, *args):
        trained.append(state["architecture_"])
        return train_one(est, keras, builders, data, state, *args)

    monkeypatch.setattr(_candidates, "_train_one", counted)
    clf = LSTMClassifier(**params).fit(X, y)
    assert trained == ["lstm", "conv_lstm"]
    assert (clf.architecture_, clf.n_networks_) == ("lstm", 1)
    alone = LSTMClassifier(**{**params, "architecture": "lstm"}).fit(X, y)
    np.testing.assert_allclose(clf.predict_proba(X), alone.predict_proba(X),
                               atol=1e-5)
    trained.clear()
    LSTMClassifier(callbacks=[keras.callbacks.History()], **params).fit(X, y)
    assert trained == ["lstm", "conv_lstm", "lstm"]


def test_conv_lstm_masks_padding_of_ragged_input():
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(rng.integers(80, 200), 2)) for _ in range(30)]
    y = np.arange(30) % 2
    clf = LSTMClassifier(**TINY).fit(X, y)
    wide = np.zeros((30, 400, 2))
    for i, x in enumerate(X):
        wide[i, :len(x)] = x
    # More trailing padding changes nothing: padded steps are masked
    # through the downsampling.
    np.testing.assert_allclose(clf.predict_proba(wide), clf.predict_proba(X),
                               atol=1e-5)


def test_conv_lstm_reads_through_inception_blocks():
    # InceptionTime's module: widths 40 / 20 / 10 and a max pooling side by
    # side, units // 2 filters each, a bottleneck only for several channels.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(24, 100, 3))
    clf = LSTMClassifier(units=8, epochs=1, random_state=0).fit(
        X, np.arange(24) % 2)
    widths = {layer.name: layer.kernel_size[0] for layer in clf.model_.layers
              if isinstance(layer, keras.layers.Conv1D)}
    for j in range(3):
        assert widths[f"bottleneck_{j}"] == 1
        assert [widths[f"conv_{j}_{w}"] for w in (40, 20, 10)] == [40, 20, 10]
        assert widths[f"conv_{j}_pool"] == 1
        assert clf.model_.get_layer(f"inception_{j}").output.shape[-1] == 16
    univariate = LSTMClassifier(units=8, epochs=1, random_state=0).fit(
        X[..., :1], np.arange(24) % 2)
    names = {layer.name for layer in univariate.model_.layers}
    assert "bottleneck_0" not in names and "bottleneck_1" in names


@pytest.mark.parametrize("t, expected", [(2000, (40, 20, 10)),
                                         (40, (40, 20, 10)),
                                         (30, (30, 15, 8)),
                                         (24, (24, 12, 6)), (2, (2, 1))])
def test_inception_widths_span_at_most_the_series(t, expected):
    widths = inception_widths(t)
    assert widths == expected
    assert widths[0] <= t
    assert len(set(widths)) == len(widths)


def test_short_series_get_narrower_kernels():
    # 24 steps (ItalyPowerDemand's length): no kernel reaches past the
    # series; the blocks read 24 / 12 / 6 instead of 40 / 20 / 10.
    rng = np.random.default_rng(0)
    clf = LSTMClassifier(units=8, epochs=1, random_state=0).fit(
        rng.normal(size=(24, 24, 1)), np.arange(24) % 2)
    widths = sorted(layer.kernel_size[0] for layer in clf.model_.layers
                    if isinstance(layer, keras.layers.Conv1D)
                    and layer.name.startswith("conv_0_")
                    and layer.name != "conv_0_pool")
    assert widths == [6, 12, 24]


def test_padding_never_wins_the_max_pooling_of_the_first_block():
    # A sequence that ends below zero: a padded step (0.0) next to its last
    # real step would win the width-3 max pooling if it were not masked.
    # The network itself is called, so no bucketing can hide the padding.
    rng = np.random.default_rng(1)
    X = rng.normal(size=(24, 30, 1))
    clf = LSTMClassifier(units=16, epochs=2, random_state=0).fit(
        X, np.arange(24) % 2)
    seq = rng.normal(size=(1, 30, 1)).astype(np.float32)
    seq[0, -4:] -= 5.0
    padded = np.concatenate([seq, np.zeros((1, 20, 1), np.float32)], axis=1)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(clf.model_(padded)),
        keras.ops.convert_to_numpy(clf.model_(seq)), atol=1e-5)


def test_lstm_fcn_blocks_predict_as_they_train():
    # No batch statistics in LSTM-FCN's blocks: the network answers the same
    # in training mode as when predicting, and a sequence's answer does not
    # depend on the others in its batch.
    X, y = _sorted_by_class(n_per_class=10)
    clf = LSTMClassifier(architecture="lstm_fcn", **TINY).fit(X, y)
    assert not any(isinstance(layer, (keras.layers.BatchNormalization,
                                      keras.layers.Dropout))
                   for layer in clf.model_.layers)
    X_padded = np.asarray(X, dtype=np.float32)
    x = _model_input(X_padded, np.full(len(X), X.shape[1]), clf.tokens_,
                     clf.scaler_)
    train_mode = keras.ops.convert_to_numpy(clf.model_(x, training=True))
    infer_mode = keras.ops.convert_to_numpy(clf.model_(x, training=False))
    np.testing.assert_allclose(train_mode, infer_mode, atol=1e-5)
    one_by_one = np.vstack([keras.ops.convert_to_numpy(
        clf.model_(x[i:i + 1], training=True)) for i in range(4)])
    np.testing.assert_allclose(one_by_one, train_mode[:4], atol=1e-5)


def _norm_layers(model):
    return [layer for layer in model.layers
            if isinstance(layer, keras.layers.BatchNormalization)]


def test_conv_lstm_blocks_are_batch_renormalised_over_real_steps():
    # Each inception block is normalised by batch renormalization (plain
    # BatchNormalization at batches of 4-16 taught Covid3Month_disc's
    # network statistics the moving ones did not match: 0.36 training
    # accuracy when predicting), over real steps only.
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(rng.integers(20, 60), 2)) + (i % 2)
         for i in range(30)]
    clf = LSTMClassifier(**TINY).fit(X, np.arange(30) % 2)
    norms = _norm_layers(clf.model_)
    assert [n.name for n in norms] == ["norm_0", "norm_1", "norm_2"]
    assert all(n.renorm and n.renorm_clipping["rmax"] == 3.0 for n in norms)
    # Training-mode statistics ignore padding: the same batch padded to 60
    # or to 200 steps gives the same normalised real steps. (Statistics
    # frozen for the check: a training-mode call would update them.)
    for n in norms:
        n.momentum = n.renorm_momentum = 1.0
    block = keras.Model(clf.model_.input,
                        clf.model_.get_layer("conv_relu_0").output)
    lengths = np.array([len(x) for x in X])
    short, wide = np.zeros((30, 60, 2), np.float32), \
        np.zeros((30, 200, 2), np.float32)
    for i, x in enumerate(X):
        short[i, :len(x)] = wide[i, :len(x)] = x
    a, b = (keras.ops.convert_to_numpy(block(
        _model_input(padded, lengths, False, clf.scaler_), training=True))
        for padded in (short, wide))
    for i, x in enumerate(X):
        np.testing.assert_allclose(a[i, :len(x)], b[i, :len(x)], atol=1e-4)
    # Predicting, a sequence's answer does not depend on its batch mates.
    proba = clf.predict_proba(X)
    one_by_one = np.vstack([clf.predict_proba(X[i:i + 1]) for i in range(4)])
    np.testing.assert_allclose(one_by_one, proba[:4], atol=1e-5)


def test_the_lstm_summary_is_dropped_whole_for_half_the_sequences():
    # The conv-LSTM's output layer must classify from the blocks' average
    # alone for half the training sequences: the LSTM's summary is dropped
    # as a whole (one draw per sequence), not unit by unit.
    X, y = _sorted_by_class(n_per_class=10)
    clf = LSTMClassifier(**TINY).fit(X, y)
    dropout = clf.model_.get_layer("lstm_branch_dropout")
    summary = np.ones((400, 8), np.float32)
    out = keras.ops.convert_to_numpy(dropout(summary, training=True))
    dropped = (out == 0).all(axis=1)
    np.testing.assert_allclose(out[~dropped], 2.0)
    assert 0.35 < dropped.mean() < 0.65
    np.testing.assert_allclose(keras.ops.convert_to_numpy(
        dropout(summary, training=False)), summary)


def test_lr_schedule_halves_the_rate_on_a_plateau():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 6, 1))
    y = rng.integers(0, 2, 40)
    clf = LSTMClassifier(units=4, epochs=40, n_iter_no_change=None,
                         learning_rate=0.01, random_state=0).fit(X, y)
    rates = clf.history_["learning_rate"]
    assert rates[0] == pytest.approx(0.01) and min(rates) < 0.01
    assert min(rates) >= 0.001 - 1e-9
    clf = LSTMClassifier(units=4, epochs=10, n_iter_no_change=None,
                         lr_schedule=None, random_state=0).fit(X, y)
    assert "learning_rate" not in clf.history_ or \
        len(set(clf.history_["learning_rate"])) == 1


def test_long_token_sequences_are_shortened_and_stay_masked():
    rng = np.random.default_rng(0)
    X = [rng.integers(1, 300, size=rng.integers(80, 300)) for _ in range(40)]
    y = np.arange(40) % 2
    clf = LSTMClassifier(**TINY).fit(X, y)
    assert clf.pooling_ == "mean_max" and clf.architecture_ == "conv_lstm"
    # ceil(299 / 64) = 5, taken as 3 x 2 = 6: the LSTM reads 50 steps.
    assert clf.model_.get_layer("downsample_0").factor == 6
    wide = np.zeros((40, 500), dtype=int)
    for i, x in enumerate(X):
        wide[i, :len(x)] = x
    np.testing.assert_allclose(clf.predict_proba(wide), clf.predict_proba(X),
                               atol=1e-5)


def test_token_ngram_maximum_sits_beside_the_lstm():
    # Beside the LSTM's (whole-dropped) summary, the output layer reads the
    # 5-grams' maximum over each review's real steps: a cue anywhere in a
    # long review reaches it, padding never does.
    rng = np.random.default_rng(1)
    X = [rng.integers(1, 300, size=rng.integers(80, 300)) for _ in range(40)]
    clf = LSTMClassifier(**TINY).fit(X, np.arange(40) % 2)
    model = clf.model_
    names = [t._keras_history[0].name for t in
             model.get_layer("conv_lstm")._inbound_nodes[0].input_tensors]
    assert names == ["lstm_branch_dropout", "conv_pool"]
    parts = keras.Model(model.input, [model.get_layer("downsample_0").output,
                                       model.get_layer("conv_pool").output])
    wide = np.zeros((2, 500), dtype=np.int32)
    for i in range(2):
        wide[i, :len(X[i])] = X[i]
    steps, pooled = (keras.ops.convert_to_numpy(t) for t in parts(wide))
    for i in range(2):
        real = -(-len(X[i]) // 6)
        np.testing.assert_allclose(pooled[i], steps[i, :real].max(axis=0),
                                   atol=1e-6)
    # A review's maximum ignores its padding.
    alone = keras.ops.convert_to_numpy(
        parts(wide[:1, :len(X[0])])[1])
    np.testing.assert_allclose(alone[0], pooled[0], atol=1e-5)


def test_a_hold_out_of_zero_weights_is_not_used_to_stop():
    # Its loss was 0 at every epoch: training stopped after the patience
    # and kept epoch 1's weights, silently.
    series = np.sin(np.arange(420) / 4) + 0.1 * np.random.default_rng(
        0).normal(size=420)
    X, y = make_windows(series, 8, target="direction")  # 412, 42 held out
    weights = np.ones(len(y))
    weights[-50:] = 0.0  # e.g. the latest labels are not final yet
    params = dict(architecture="lstm", units=4, epochs=4,
                  n_iter_no_change=3, random_state=0)
    with pytest.warns(UserWarning, match="sample_weight 0 everywhere"):
        clf = LSTMClassifier(**params).fit(X, y, sample_weight=weights)
    assert clf.validation_ == "none"
    assert "val_loss" not in clf.history_
    assert clf.input_summary_["n_validation"] == 0
    # Weight on the hold-out: it is used as before.
    weights[-5:] = 1.0
    clf = LSTMClassifier(**params).fit(X, y, sample_weight=weights)
    assert clf.validation_ == "tail" and "val_loss" in clf.history_


def test_copies_of_a_row_are_held_out_or_trained_on_together():
    # A random over-sampler in front of the classifier repeats rows: every
    # minority row of the stratified hold-out had copies in training.
    from skseq.sampling import SequenceRandomOverSampler

    rng = np.random.default_rng(0)
    for n_minority in (80, 81, 7):  # 640, 642 and 640 rows over-sampled
        X = rng.normal(size=(320 + n_minority, 8, 1))
        y = np.r_[np.zeros(320, int), np.ones(n_minority, int)]
        X_over, y_over = SequenceRandomOverSampler(
            random_state=0).fit_resample(X, y)
        lengths = np.full(len(X_over), 8)
        for seed in range(3):
            train, val, kind = _holdout.split_validation(
                "auto", 0.1, X_over, lengths, y_over, seed)
            assert kind == "stratified"
            # Every row on one side, no held-out row trained on.
            assert sorted(np.r_[train, val]) == list(range(len(X_over)))
            trained = {X_over[i].tobytes() for i in train}
            assert not any(X_over[i].tobytes() in trained for i in val)
            # Both classes are trained on; about a tenth is held out.
            assert set(y_over[train]) == {0, 1}
            assert 0.05 * len(X_over) < len(val) < 0.2 * len(X_over)
    # Distinct rows: the draw is the one of rows (nothing changes).
    X, y = rng.normal(size=(400, 8, 1)), np.arange(400) % 2
    train, val, _ = _holdout.split_validation("auto", 0.1, X,
                                              np.full(400, 8), y, 0)
    assert _holdout._copy_groups(X, np.full(400, 8)) is None
    assert len(val) == 40 and len(train) == 360
    # The same values at -0.0 and 0.0, and in non-contiguous rows, are one
    # row; rows equal but for their last step are two.
    rows = np.zeros((4, 40, 2))
    rows[1, 0, 0] = -0.0
    rows[2:, -1, 0] = [1.0, 2.0]
    prints = _holdout._copy_groups(np.asfortranarray(rows), np.full(4, 40))
    assert prints[0] == prints[1] and len(set(prints.tolist())) == 3


def test_rows_of_few_values_keep_a_hold_out_of_the_asked_size():
    # Repeated rows that are data (rare events: one all-zero row for most
    # of the set) are not over-sampler copies: a hold-out drawn over
    # distinct rows held out 7 to 207 of 300 rows, or none.
    for seed in range(5):
        rng = np.random.default_rng(seed)
        X = (rng.random((300, 20, 1)) < 0.02).astype(float)
        y = rng.integers(0, 2, 300)
        train, val, kind = _holdout.split_validation(
            "auto", 0.1, X, np.full(300, 20), y, seed)
        assert kind == "stratified" and len(val) == 30
        assert len(train) == 270
    X = np.random.default_rng(1).integers(0, 2, (1000, 3, 1)).astype(float)
    train, val, kind = _holdout.split_validation(
        "auto", 0.1, X, np.full(1000, 3), np.arange(1000) % 3, 0)
    assert kind == "stratified" and len(val) == 100


def test_long_independent_rare_event_sequences_are_not_windows():
    # A few steps' overlap of two mostly-zero rows matches for neighbours
    # and far pairs alike: such shifts say nothing (all were "windows").
    for seed in range(3):
        X = (np.random.default_rng(seed).random((300, 2000, 1))
             < 0.002).astype(np.float32)
        assert not _holdout.looks_like_windows(X, np.full(300, 2000))


def test_a_class_of_one_repeated_row_is_not_reported_missing():
    # Copies of one row are held out or trained on together: a class that
    # is one sequence over-sampled is never held out, like a class of one
    # row, and the hold-out missing it is no reason to warn.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 8, 1)) + np.arange(400)[:, None, None] % 2
    y = np.arange(400) % 2
    X = np.concatenate([X, np.repeat(X[:1] + 5.0, 6, axis=0)])
    y = np.r_[y, np.full(6, 2)]
    train, val, kind = _holdout.split_validation(
        "auto", 0.1, X, np.full(len(y), 8), y, 0)
    assert kind == "stratified" and 2 not in y[val]
    assert _holdout.n_never_held_out(X, y, val) == 1
    X_two = X.copy()
    X_two[-1] += 0.5  # two distinct sequences: could have been held out
    assert _holdout.n_never_held_out(X_two, y, val) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        clf = LSTMClassifier(architecture="lstm", **TINY).fit(X, y)
    assert clf.validation_ == "stratified"
    # A class of two distinct rows missing from the hold-out still warns.
    with pytest.warns(UserWarning, match="holds 2 of 3 classes"):
        _holdout.warn_missing_classes(
            y[val], 3, "stratified", stacklevel=2,
            n_single=_holdout.n_never_held_out(X_two, y, val))


def test_a_class_of_total_weight_zero_warns():
    # Its loss term is 0: nothing said so, and diagnose blamed the epochs.
    X, y = _sorted_by_class(n_per_class=10, n_classes=2)
    with pytest.warns(UserWarning, match=r"Class\(es\) \[1\] have total "
                      "weight 0"):
        LSTMClassifier(architecture="lstm", **TINY).fit(
            X, y, sample_weight=(y == 0).astype(float))
    with pytest.warns(UserWarning, match=r"Class\(es\) \['b'\]"):
        LSTMClassifier(architecture="lstm", class_weight={"b": 0.0},
                       **TINY).fit(X, np.array(["a", "b"])[y])
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        LSTMClassifier(architecture="lstm", **TINY).fit(
            X, y, sample_weight=np.r_[np.zeros(5), np.ones(15)])


def test_a_hold_out_that_leaves_no_weight_to_train_on_is_not_used():
    # The hold-out carried every weight: a training loss of 0 at every
    # epoch, nothing learnt, nothing said (the mirror of a hold-out of
    # weight 0, which trains on every sequence).
    X, y = _sorted_by_class(n_per_class=20, n_classes=2)
    held_out = np.isin(np.arange(40), [8, 9, 18, 19, 28, 29, 38, 39])
    split = PredefinedSplit(np.where(held_out, 0, -1))
    params = dict(architecture="lstm", validation=split, **TINY)
    with pytest.warns(UserWarning, match="leaves sample_weight x "
                      "class_weight 0 on all 32 sequences left to train on"):
        clf = LSTMClassifier(**params).fit(
            X, y, sample_weight=held_out.astype(float))
    assert clf.validation_ == "none" and "val_loss" not in clf.history_
    assert min(clf.history_["loss"]) > 0
    # A class weighed only in the hold-out: never learnt, the same way out.
    weights = np.where((y == 1) & ~held_out, 0.0, 1.0)
    with pytest.warns(UserWarning, match=r"0 on the training rows of "
                      r"class\(es\) \[1\]"):
        clf = LSTMClassifier(**params).fit(X, y, sample_weight=weights)
    assert clf.validation_ == "none"
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        clf = LSTMClassifier(**params).fit(
            X, y, sample_weight=np.where(held_out, 0.5, 1.0))
    assert clf.validation_ == "splitter"


def test_a_hold_out_larger_than_the_training_part_warns():
    X, y = _sorted_by_class(n_per_class=40, n_classes=2)  # 80 sequences
    with pytest.warns(UserWarning, match=r"validation_fraction=0.9 holds "
                      "out 72 sequences and trains on 8"):
        LSTMClassifier(architecture="lstm", validation_fraction=0.9,
                       **TINY).fit(X, y)
