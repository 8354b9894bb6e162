"""Diagnostics, learning curves, baselines and the summary featurizer.

Each diagnostic is shown to fire on a case built to have the problem and to
stay quiet on a healthy fit. Checks of the data run on unfitted estimators
(no training needed); checks of the training run on a few tiny real fits and
on hand-made histories, which pin the exact thresholds.
"""

import math
import re
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline

from skseq import LSTMClassifier, SequenceScaler
from skseq.datasets import load_ucr, make_token_reviews
from skseq.model_selection import PurgedTimeSeriesSplit
from skseq.inspection import (
    DiagnosticReport,
    Finding,
    SequenceDiagnosticWarning,
    SequenceSummarizer,
    compare_baselines,
    diagnose,
    plot_history,
)
from skseq.inspection._diagnose import warn_after_fit
from skseq.inspection._input_summary import (
    _MAX_PROBE,
    _chance_loss,
    summarize_input,
)

matplotlib.use("Agg")

TINY = {"units": 4, "batch_size": 16, "random_state": 0}


def _signal_data(n=80, n_timesteps=8, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_timesteps, 2))
    y = (X[:, :, 0].mean(axis=1) > 0).astype(int)
    return X, y


def _fit(estimator, X, y, **fit_params):
    """Fit, returning the diagnostic warnings raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SequenceDiagnosticWarning)
        estimator.fit(X, y, **fit_params)
    return [w.message for w in caught
            if issubclass(w.category, SequenceDiagnosticWarning)]


def _codes(messages):
    return {m.finding.code for m in messages}


def _fake_fit(history, *, y, X=None, epochs=None, **params):
    """An LSTMClassifier with hand-made fitted state (no training)."""
    est = LSTMClassifier(epochs=epochs or len(history["loss"]), **params)
    X = np.random.default_rng(0).normal(size=(len(y), 5, 1)) if X is None \
        else X
    classes, y_enc = np.unique(y, return_inverse=True)
    lengths = np.full(len(y), X.shape[1])
    n_val = (len(est._held_out(X, lengths, y_enc)[1])
             if "val_loss" in history else 0)
    est.classes_ = classes
    est.history_ = history
    est.n_iter_ = len(history["loss"])
    monitor = history.get("val_loss", history["loss"])
    est.best_epoch_ = int(np.argmin(monitor)) + 1
    est.input_summary_ = summarize_input(
        X, lengths, y_enc, n_train=len(y) - n_val)
    return est


# ------------------------------------------------------------ real fits
@pytest.fixture(scope="module")
def healthy():
    X, y = _signal_data()
    clf = LSTMClassifier(epochs=40, learning_rate=0.01, n_iter_no_change=5,
                         validation_fraction=0.4, **TINY)
    return clf, _fit(clf, X, y), X, y


def test_healthy_fit_is_quiet(healthy):
    clf, messages, X, y = healthy
    assert messages == []
    report = diagnose(clf, X, y)
    assert report.warnings == []
    assert clf.score(X, y) > 0.8
    summary = clf.input_summary_
    assert summary["n_samples"] == 80 and summary["padding_fraction"] == 0
    # balanced weights (computed on all of y) on the training part: ~ln 2
    assert summary["chance_loss"] == pytest.approx(math.log(2), rel=1e-2)


def test_loss_at_chance_on_label_noise():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(64, 6, 2))
    y = rng.permutation(np.repeat([0, 1], 32))
    messages = _fit(LSTMClassifier(epochs=10, n_iter_no_change=None, **TINY),
                    X, y)
    assert "loss_at_chance" in _codes(messages)
    message = next(str(m) for m in messages
                   if m.finding.code == "loss_at_chance")
    assert "0.693" in message and "Fix:" in message


def test_collapse_on_imbalanced_data_without_class_weight():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(100, 6, 2))
    y = np.r_[np.zeros(90, int), np.ones(10, int)]
    X[y == 1, :, 0] += 0.5
    perm = rng.permutation(100)
    # The plain LSTM: its outputs stay near the prior after 10 tiny steps
    # (the conv blocks spread them more).
    clf = LSTMClassifier(epochs=10, n_iter_no_change=None, class_weight=None,
                         learning_rate=1e-5, architecture="lstm", **TINY)
    messages = _fit(clf, X[perm], y[perm])
    codes = _codes(messages)
    assert {"collapsed_predictions", "class_imbalance"} <= codes
    collapse = next(m.finding for m in messages
                    if m.finding.code == "collapsed_predictions")
    assert "class_weight='balanced'" in collapse.fix
    assert "learning_rate=1e-05" in collapse.fix


def test_overfitting_on_tiny_noisy_data():
    # Validation is needed to see over-fitting, so early stopping is on but
    # never triggers (patience > epochs) and all epochs run.
    rng = np.random.default_rng(3)
    X = rng.normal(size=(48, 5, 3))
    y = rng.permutation(np.repeat([0, 1], 24))
    clf = LSTMClassifier(units=32, epochs=60, learning_rate=0.02,
                         n_iter_no_change=1000, validation_fraction=0.625,
                         batch_size=16, random_state=0)
    messages = _fit(clf, X, y)
    report = diagnose(clf)
    assert "overfitting" in report.codes
    finding = report.findings[report.codes.index("overfitting")]
    assert f"epoch {clf.best_epoch_}" in finding.message
    assert "dropout" in finding.fix
    if finding.severity == "warning":
        assert "overfitting" in _codes(messages)


def test_short_fits_stay_quiet():
    # A 2-epoch fit has not had the chance to learn: no warning about it.
    rng = np.random.default_rng(4)
    X = rng.normal(size=(40, 5, 2))
    y = rng.permutation(np.repeat([0, 1], 20))
    assert _fit(LSTMClassifier(epochs=2, **TINY), X, y) == []


def test_fit_time_check_predicts_on_at_most_256_samples(monkeypatch):
    y = np.r_[np.zeros(500, int), np.ones(500, int)]
    est = _fake_fit({"loss": [0.6] * 12}, y=y)
    seen = []

    def predict_proba(X):
        seen.append(len(X))
        return np.tile([0.5, 0.5], (len(X), 1))

    monkeypatch.setattr(est, "predict_proba", predict_proba)
    X = list(np.zeros((1000, 3, 1)))
    with pytest.warns(SequenceDiagnosticWarning, match="collapsed_pred"):
        warn_after_fit(est, X)
    assert seen == [_MAX_PROBE]


# ----------------------------------------------- training checks, exact
def test_chance_loss_is_prior_entropy_or_ln_k():
    assert _chance_loss([50, 50], 100) == pytest.approx(math.log(2))
    assert _chance_loss([90, 10], 100) == pytest.approx(
        -(0.9 * math.log(0.9) + 0.1 * math.log(0.1)))
    # 'balanced' weights make every class weigh n / K: ln K.
    counts = np.array([70, 20, 10])
    weighted = counts * (100 / (3 * counts))
    assert _chance_loss(weighted, 100) == pytest.approx(math.log(3))


@pytest.mark.parametrize("best_loss, fires", [(0.68, True), (0.60, False)])
def test_loss_at_chance_threshold(best_loss, fires):
    est = _fake_fit({"loss": [0.70] * 11 + [best_loss]},
                    y=np.repeat([0, 1], 20))
    assert ("loss_at_chance" in diagnose(est).codes) is fires


@pytest.mark.parametrize("architecture, trained, losses, hint", [
    # 'auto' kept the plain LSTM on the hold-out: the conv-LSTM lost there.
    ("auto", "lstm", {"conv_lstm": 0.6, "lstm": 0.5}, "try pooling='mean'"),
    ("lstm", "lstm", None, "try architecture='conv_lstm'"),
    ("auto", "conv_lstm", None, None),
])
def test_long_sequence_hint_reads_the_architecture_trained(
        architecture, trained, losses, hint):
    y = np.repeat([0, 1], 20)
    X = np.random.default_rng(0).normal(size=(40, 250, 1))
    est = _fake_fit({"loss": [0.70] * 12}, y=y, X=X,
                    architecture=architecture)
    est.architecture_, est.architecture_losses_ = trained, losses
    fixes = " ".join(f.fix for f in diagnose(est).findings
                     if f.code == "loss_at_chance").lower()
    assert fixes
    if hint is None:
        assert "sequences this long" not in fixes
    else:
        assert f"for sequences this long (250 steps) {hint}" in fixes


def test_early_stopping_too_soon():
    history = {"loss": [0.693, 0.69, 0.68, 0.66, 0.62, 0.58],
               "val_loss": [0.70, 0.71, 0.72, 0.73, 0.74, 0.75]}
    est = _fake_fit(history, y=np.repeat([0, 1], 20), epochs=100,
                    n_iter_no_change=5)
    report = diagnose(est)
    assert "early_stopping_too_soon" in report.codes
    finding = report.findings[report.codes.index("early_stopping_too_soon")]
    assert "epoch 1" in finding.message and "n_iter_no_change" in finding.fix
    # The message says how the hold-out was drawn.
    def message():
        report = diagnose(est)
        return report.findings[report.codes.index(
            "early_stopping_too_soon")].message

    est.validation_ = "stratified"
    assert "on a stratified hold-out of" in message()
    assert "the last" not in message()
    est.validation_ = "tail"
    assert "on the last" in message()
    # A model that learned before the best epoch is fine.
    history = {"loss": [0.69, 0.6, 0.5, 0.45, 0.4, 0.35],
               "val_loss": [0.70, 0.60, 0.50, 0.51, 0.52, 0.53]}
    est = _fake_fit(history, y=np.repeat([0, 1], 20), epochs=100)
    assert "early_stopping_too_soon" not in diagnose(est).codes


@pytest.mark.parametrize("last_val, severity", [
    (0.41, None), (0.55, "info"), (0.70, "warning")])
def test_overfitting_thresholds(last_val, severity):
    history = {"loss": [0.69, 0.5, 0.4, 0.3, 0.2],
               "val_loss": [0.69, 0.4, 0.42, 0.45, last_val]}
    report = diagnose(_fake_fit(history, y=np.repeat([0, 1], 20)))
    found = [f.severity for f in report if f.code == "overfitting"]
    assert found == ([] if severity is None else [severity])


def test_not_converged_note():
    history = {"loss": [0.69, 0.6, 0.5], "val_loss": [0.69, 0.62, 0.55]}
    report = diagnose(_fake_fit(history, y=np.repeat([0, 1], 20)))
    assert report.codes == ["not_converged"]
    assert report.findings[0].severity == "info"
    assert "epochs" in report.findings[0].fix


@pytest.mark.parametrize("history, where", [
    ({"loss": [np.nan] * 3}, "training loss was nan at epoch 1 of 3"),
    ({"loss": [0.7, np.inf, np.nan]}, "training loss was inf at epoch 2"),
    ({"loss": [0.7, 0.6, 0.5], "val_loss": [np.nan] * 3},
     "validation loss was nan at epoch 1"),
])
def test_non_finite_loss_is_its_own_finding(history, where):
    # All-NaN histories used to crash (nanargmin: All-NaN slice) and an inf
    # loss read as "at chance", with the advice to train longer.
    est = _fake_fit(history, y=np.repeat([0, 1], 20))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        report = diagnose(est)
    assert report.codes == ["non_finite_loss"]
    finding = report.findings[0]
    assert finding.severity == "warning" and where in finding.message
    assert "learning_rate" in finding.fix and "sample_weight" in finding.fix
    assert "more than" not in finding.fix and "epochs" not in finding.fix
    # Judging "at chance" or "still falling" from broken numbers is skipped.
    assert "loss_at_chance" not in report.checked
    assert "non_finite_loss" in report.checked


def test_non_finite_fix_names_the_likely_cause():
    history = {"loss": [0.7, np.nan]}
    est = _fake_fit(history, y=np.repeat([0, 1], 20),
                    class_weight={0: np.nan, 1: 1.0}, learning_rate=1e3)
    fix = diagnose(est).findings[0].fix
    assert fix.startswith("Give class_weight finite, moderate values")
    assert "lower learning_rate=1000 to about 1e-3" in fix
    assert "Training longer does not help" in fix


def test_nan_probabilities_are_reported_not_read_as_collapse():
    X = np.random.default_rng(0).normal(size=(40, 5, 1))
    y = np.repeat([0, 1], 20)
    nan_proba = np.full((40, 2), np.nan)
    est = _fake_fit({"loss": [0.7, np.nan]}, X=X, y=y)
    est.predict_proba = lambda X: nan_proba[:len(X)]
    report = diagnose(est, X)
    assert report.codes == ["non_finite_loss"]
    assert "40 of the 40 sequence(s) checked get NaN" in \
        report.findings[0].message
    # A finite history with NaN outputs is still flagged.
    est = _fake_fit({"loss": [0.7, 0.5] * 6}, X=X, y=y)
    est.predict_proba = lambda X: nan_proba[:len(X)]
    assert "non_finite_predictions" in diagnose(est, X).codes
    assert "collapsed_predictions" not in diagnose(est, X).codes


def test_non_finite_loss_warns_after_short_fits():
    # Dynamics checks wait for 10 epochs; a NaN loss does not.
    X = np.random.default_rng(0).normal(size=(40, 5, 1))
    est = _fake_fit({"loss": [np.nan, np.nan]}, X=X, y=np.repeat([0, 1], 20))
    with pytest.warns(SequenceDiagnosticWarning, match=r"\[non_finite_loss\]"):
        warn_after_fit(est, X)


# ---------------------------------------------------- data checks (no fit)
def test_unscaled_input():
    X, y = _signal_data()
    X_raw = X * np.array([1000.0, 0.01]) + np.array([5000.0, 0.0])
    report = diagnose(LSTMClassifier(scaling=None), X_raw, y)
    assert report.codes == ["unscaled_input"]
    assert "scaling='standard'" in report.findings[0].fix
    assert diagnose(LSTMClassifier(), X_raw, y).codes == []
    assert diagnose(LSTMClassifier(scaling=None), X, y).codes == []
    # A scaler earlier in a pipeline counts.
    pipe = make_pipeline(SequenceScaler(), LSTMClassifier(scaling=None))
    assert diagnose(pipe, X_raw, y).codes == []


def test_class_imbalance_without_class_weight():
    X, _ = _signal_data(n=100)
    y = np.r_[np.zeros(85, int), np.ones(15, int)]
    report = diagnose(LSTMClassifier(class_weight=None), X, y)
    assert report.codes == ["class_imbalance"]
    assert "5.7:1" in report.findings[0].message
    assert diagnose(LSTMClassifier(), X, y).codes == []
    balanced = np.repeat([0, 1], 50)
    assert diagnose(LSTMClassifier(class_weight=None), X, balanced).codes == []


def test_no_class_imbalance_warning_when_sample_weight_balances():
    # The warning advised "or pass sample_weight" to a caller who had.
    X, _ = _signal_data(n=40)
    y = np.r_[np.zeros(30, int), np.ones(10, int)]
    clf = LSTMClassifier(class_weight=None, epochs=1, **TINY)
    for weights, warned in ((None, True),
                            (np.where(y == 1, 2.0, 2 / 3), False)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            clf.fit(X, y, sample_weight=weights)
        messages = [str(w.message) for w in caught
                    if issubclass(w.category, SequenceDiagnosticWarning)]
        assert any("imbalanced classes" in m for m in messages) == warned


def test_diagnose_reads_an_imblearn_pipeline_through_its_sampler():
    # diagnose(Pipeline([sampler, clf])) raised AttributeError ('Pipeline'
    # has no attribute 'transform' / 'fit_transform'): a sampler has
    # neither.
    from imblearn.pipeline import Pipeline

    from skseq.sampling import SequenceRandomOverSampler

    X, _ = _signal_data(n=100)
    y = np.r_[np.zeros(85, int), np.ones(15, int)]
    X_raw = X * 1000.0 + 5000.0

    def pipe(sampler):
        return Pipeline([("scale", SequenceScaler()), ("balance", sampler),
                         ("clf", LSTMClassifier(class_weight=None,
                                                scaling=None, **TINY))])

    # Unfitted: the steps run as in training. The sampler balances the
    # classes the classifier would see; the scaler before it counts.
    assert diagnose(pipe("passthrough"), X_raw, y).codes == [
        "class_imbalance"]
    assert diagnose(pipe(SequenceRandomOverSampler(random_state=0)),
                    X_raw, y).codes == []
    # Fitted: as at prediction (the sampler passes X through); the report
    # covers the training and the 100 sequences given.
    fitted = pipe(SequenceRandomOverSampler(random_state=0)).set_params(
        clf__epochs=2).fit(X_raw, y)
    report = diagnose(fitted, X_raw, y)
    assert report.summary["n_samples"] == 170  # the fit's, oversampled
    assert "unscaled_input" not in report.codes


def test_diagnose_reads_an_unfitted_search_by_the_estimator_it_searches():
    # An unfitted GridSearchCV has no best_estimator_: its own (missing)
    # scaling and class_weight read as None, and diagnose advised scaling
    # and class weights the LSTM's defaults already give.
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline

    X, _ = _signal_data(n=40)
    X = X * 50.0 + 1000.0
    y = np.r_[np.zeros(34, int), np.ones(6, int)]
    assert diagnose(LSTMClassifier(), X, y).codes == []
    search = GridSearchCV(LSTMClassifier(), {"units": [4, 8]})
    assert diagnose(search, X, y).codes == []
    piped = GridSearchCV(make_pipeline(LSTMClassifier(scaling=None)),
                         {"lstmclassifier__units": [4]})
    assert diagnose(piped, X, y).codes == ["unscaled_input"]


def test_large_share_of_padding():
    rng = np.random.default_rng(0)
    lengths = np.r_[np.full(45, 5), np.full(5, 100)]
    X = [rng.normal(size=(n, 2)) for n in lengths]
    y = np.repeat([0, 1], 25)
    report = diagnose(LSTMClassifier(bucketing=False), X, y)
    assert report.codes == ["padding_share"]
    finding = report.findings[0]
    assert finding.severity == "warning" and "bucketing='auto'" in finding.fix
    assert "maxlen" in finding.fix  # a few very long sequences
    notes = diagnose(LSTMClassifier(), X, y).findings
    assert [(f.code, f.severity) for f in notes] == [("padding_share", "info")]
    even = [rng.normal(size=(20, 2)) for _ in lengths]
    assert diagnose(LSTMClassifier(bucketing=False), even, y).codes == []


def test_padding_value_that_mask_value_misses():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 12, 2))
    lengths = rng.integers(4, 10, size=40)
    for row, n in zip(X, lengths):
        row[n:] = -1.0  # padded with -1 at the end
    y = np.repeat([0, 1], 20)
    report = diagnose(LSTMClassifier(), X, y)
    assert report.codes == ["padding_value_mismatch"]
    assert "mask_value=-1" in report.findings[0].fix
    assert diagnose(LSTMClassifier(mask_value=-1.0), X, y).codes == []
    # Zero pre-padding with mask_value=None: read as data.
    X0 = rng.normal(size=(40, 12, 2))
    for row, n in zip(X0, lengths):
        row[:12 - n] = 0.0
    report = diagnose(LSTMClassifier(mask_value=None), X0, y)
    assert report.codes == ["padding_value_mismatch"]
    assert report.findings[0].message.count("start") == 1
    assert diagnose(LSTMClassifier(), X0, y).codes == []


def test_summary_before_fit_counts_the_hold_out_fit_draws():
    """diagnose(est, X, y) summarises the rows fit trains on: a stratified
    hold-out drawn from a class-sorted file, none where a tenth of the rows
    is fewer than the classes (fit then trains on everything)."""
    rng = np.random.default_rng(0)
    est = LSTMClassifier(units=2, epochs=1, random_state=0)
    keys = ("n_validation", "chance_loss", "val_chance_loss")
    sorted_file = np.repeat([0, 1], [110, 220])  # a tail would be all 1s
    many_classes = np.repeat(np.arange(50), 9)   # a tenth: 45 rows
    for y, n_val in ((sorted_file, 33), (many_classes, 0)):
        X = rng.normal(size=(len(y), 6, 1))
        before = diagnose(est, X, y).summary
        after = clone(est).fit(X, y).input_summary_
        assert before["n_validation"] == n_val
        for key in keys:
            assert before[key] == pytest.approx(after[key]), key
    # A splitter's gap is left out; labels read as text, class_weight
    # keyed by them (aeon's '0', '1').
    y = np.repeat(["0", "1"], 20)[np.argsort(rng.random(40))]
    X = rng.normal(size=(40, 6, 1))
    est = LSTMClassifier(units=2, epochs=1, random_state=0,
                         class_weight={"0": 1.0, "1": 3.0},
                         validation=PurgedTimeSeriesSplit(n_splits=3,
                                                          window=6))
    before = diagnose(est, X, y).summary
    after = clone(est).fit(X, y).input_summary_
    assert before["n_samples"] == after["n_samples"] < 40
    for key in keys:
        assert before[key] == pytest.approx(after[key]), key


def test_diagnose_needs_data_for_unfitted_estimator():
    with pytest.raises(ValueError, match="diagnose needs X and y"):
        diagnose(LSTMClassifier())
    # Anything else made a report (its settings read as None).
    X = np.random.default_rng(0).normal(size=(40, 6, 1))
    for wrong in ("abc", LSTMClassifier):
        with pytest.raises(ValueError, match="diagnose needs an estimator: "
                           "an LSTMClassifier, or a Pipeline or search "
                           "ending in one; got "):
            diagnose(wrong, X, np.arange(40) % 2)


@pytest.mark.parametrize("y, message", [
    (np.arange(30) % 2, r"\[40, 30\]"),
    (np.zeros(40), "only one class"),
    (np.linspace(0, 1, 40), "continuous"),
    (np.c_[np.arange(40) % 2, np.arange(40) % 2], r"shape \(40, 2\)"),
])
def test_diagnose_checks_y_as_fit_does(y, message):
    # Unfitted, it read y as it came: "No problems found" for one class,
    # a continuous y, or y shorter than X; a 2-D y by its first column.
    X = np.random.default_rng(0).normal(size=(40, 6, 1))
    with pytest.raises(ValueError, match=message):
        diagnose(LSTMClassifier(), X, y)


def test_report_renders_findings_and_fixes():
    finding = Finding("loss_at_chance", "warning", "Stuck <here>.", "Do x.")
    report = DiagnosticReport(findings=(finding,), checked=("loss_at_chance",))
    text = str(report)
    assert "1 warning(s)" in text and "fix: Do x." in text
    assert repr(report) == "<DiagnosticReport ['loss_at_chance']>"
    assert "&lt;here&gt;" in report._repr_html_()
    assert list(report) == [finding] and len(report) == 1
    assert "No problems found" in str(DiagnosticReport())


# ----------------------------------------------------------- plot_history
def test_plot_history_draws_curves_and_best_epoch(healthy):
    clf = healthy[0]
    axes = plot_history(clf)
    # The plateau schedule records the learning rate: its own panel.
    assert [ax.get_ylabel() for ax in axes] == ["loss", "accuracy",
                                                "learning_rate"]
    labels = [line.get_label() for line in axes[0].get_lines()]
    assert labels == ["train", "validation", f"best epoch {clf.best_epoch_}"]
    xdata = axes[0].get_lines()[0].get_xdata()
    assert len(xdata) == clf.n_iter_ and xdata[0] == 1
    matplotlib.pyplot.close("all")


def test_plot_history_on_given_axes_and_dict():
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    axes = plot_history({"loss": [0.7, 0.6], "accuracy": [0.5, 0.6]}, ax=ax)
    assert axes[0] is ax and ax.get_ylabel() == "loss"
    assert len(ax.get_lines()) == 2  # train and best epoch
    with pytest.raises(ValueError, match="1 Axes for 2 metric"):
        plot_history({"loss": [0.7], "accuracy": [0.5]}, ax=ax,
                     metrics=["loss", "accuracy"])
    with pytest.raises(ValueError, match="not in the history"):
        plot_history({"loss": [0.7]}, metrics=["auc"])
    with pytest.raises(ValueError, match="fit it first"):
        plot_history(LSTMClassifier())
    # One metric by name: it was split into letters ('l', 'o', 's', 's').
    axes = plot_history({"loss": [0.7, 0.6], "accuracy": [0.5, 0.6]},
                        metrics="accuracy")
    assert len(axes) == 1 and axes[0].get_ylabel() == "accuracy"
    # A diverged fit's history, its losses all NaN: drawn, no best epoch.
    nan = float("nan")
    axes = plot_history({"loss": [nan, nan], "val_loss": [nan, nan]})
    assert [line.get_label() for line in axes[0].get_lines()] == [
        "train", "validation"]
    # NumPy arrays ("truth value of an array is ambiguous"), an empty
    # val_loss (matplotlib's shape error): the best epoch by the loss.
    axes = plot_history({"loss": np.array([0.7, 0.5, 0.6]), "val_loss": []})
    assert [line.get_label() for line in axes[0].get_lines()] == [
        "train", "best epoch 2"]
    # A validation curve asked for by name is labelled as one.
    axes = plot_history({"loss": [0.7, 0.6], "val_loss": [0.8, 0.7]},
                        metrics="val_loss")
    assert axes[0].get_lines()[0].get_label() == "validation"
    # matplotlib's "Number of columns must be a positive integer, not 0"
    # for no metric and for validation curves only; one Axes asked for a
    # loss the history did not have.
    with pytest.raises(ValueError, match=re.escape(
            "No metric to plot: metrics is empty; name at least one of "
            "those recorded, ['loss'].")):
        plot_history({"loss": [0.7, 0.6]}, metrics=[])
    with pytest.raises(ValueError, match="the history is empty"):
        plot_history({})
    validation_only = {"val_loss": [0.8, 0.7], "val_accuracy": [0.5, 0.6]}
    axes = plot_history(validation_only)
    assert [a.get_ylabel() for a in axes] == ["val_loss", "val_accuracy"]
    assert axes[0].get_lines()[0].get_label() == "validation"
    axes = plot_history(validation_only, metrics="accuracy")
    assert [a.get_ylabel() for a in axes] == ["val_accuracy"]
    _, ax = plt.subplots()
    assert plot_history({"accuracy": [0.5, 0.6]}, ax=ax)[0].get_ylabel() == \
        "accuracy"
    plt.close("all")


# -------------------------------------------------------- compare_baselines
def test_compare_baselines_refuses_a_one_class_training_fold_first():
    # KFold on class-sorted labels: the dummy's folds ran, then
    # LogisticRegression raised scikit-learn's "needs samples of at least
    # 2 classes".
    from sklearn.model_selection import KFold

    X, _ = _signal_data(n=40)
    # Labels as numbers, and as strings in an object column (NumPy's
    # unique refuses axis=0 for those).
    for y in (np.repeat([0, 1], 20),
              pd.Series(np.repeat(["down", "up"], 20), dtype=object)):
        with pytest.raises(ValueError, match=r"Training fold 0 of "
                           r"cv=KFold.* holds one class only \(20 "
                           r"sequences\)"):
            compare_baselines(X, y, estimators={}, rocket=False,
                              cv=KFold(2))
    table = compare_baselines(
        X, pd.Series(np.tile(["down", "up"], 20), dtype=object),
        estimators={}, rocket=False, cv=2)
    assert len(table) == 4  # the dummy and three baselines, scored


def test_compare_baselines_names_a_class_no_split_can_train_on():
    # One sequence of class 1: the message told to pass stratified folds,
    # which cv=3 already was.
    X, _ = _signal_data(n=30)
    with pytest.warns(UserWarning, match="least populated class"), \
            pytest.raises(ValueError, match=re.escape(
                "holds one class only: class 1 has a single sequence, in "
                "this fold's test part, so no split trains on it in every "
                "fold. Collect more sequences of that class, or drop or "
                "merge it.")):
        compare_baselines(X, np.r_[np.zeros(29, int), 1], estimators={},
                          rocket=False, cv=3)


def test_compare_baselines_reads_token_ids_as_tokens():
    # Token ids were summarised as numbers (their mean, max, last id) and
    # MiniRocket convolved them, beside an LSTM that embeds them.
    X, y = make_token_reviews(300, random_state=0)
    expected = ["Dummy (most frequent)", "LogisticRegression (token counts)"]
    table = compare_baselines(X, y, estimators={}, cv=3, random_state=0)
    assert list(table.index) == expected
    assert table.loc[expected[1], "balanced_accuracy_mean"] > 0.55
    # The counts are of ids (0 is padding), as a 2-D array or a DataFrame.
    rng = np.random.default_rng(0)
    T = rng.integers(1, 40, size=(60, 12))
    y = np.arange(60) % 2
    T[y == 1, :3] = 40  # id 40 opens every sequence of class 1
    T[:, -2:] = 0
    for form in (T, pd.DataFrame(T)):
        table = compare_baselines(form, y, estimators={}, cv=3,
                                  scoring=None, random_state=0)
        assert list(table.index) == expected
        assert table.loc[expected[1], "score_mean"] == 1.0
    with pytest.raises(ValueError, match="rocket=True: X holds token ids"):
        compare_baselines(T, y, estimators={}, rocket=True)
    # Integers as readings: as floats, every model reads numbers.
    table = compare_baselines(T.astype(float), y, estimators={}, cv=3,
                              rocket=False, random_state=0)
    assert "RandomForest (summary)" in table.index


def test_compare_baselines_table():
    X, y = _signal_data(n=40)
    table = compare_baselines(
        X, y, estimators={"lstm": LSTMClassifier(
            epochs=2, n_iter_no_change=None, **TINY)}, cv=2,
        rocket=False, random_state=0)
    assert isinstance(table, pd.DataFrame)
    assert list(table.index) == [
        "Dummy (most frequent)", "LogisticRegression (summary)",
        "RandomForest (summary)", "RandomForest (resampled)", "lstm"]
    assert list(table.columns) == [
        "accuracy_mean", "accuracy_std", "balanced_accuracy_mean",
        "balanced_accuracy_std", "fit_time_mean", "fit_time_std"]
    assert np.isfinite(table.to_numpy()).all()
    assert table.loc["Dummy (most frequent)", "balanced_accuracy_mean"] == 0.5
    assert table.loc["LogisticRegression (summary)", "accuracy_mean"] > 0.8


def test_compare_baselines_keeps_time_ordered_folds_in_order():
    # Shuffled training folds of windows hid their overlap from
    # LSTMClassifier, which then held out a random (leaking) share instead
    # of the purged tail.
    from sklearn.model_selection import StratifiedKFold, TimeSeriesSplit

    from skseq.inspection._baselines import _fold_splits

    y = np.arange(200) % 2

    def in_order(splits):
        return [bool(np.all(np.diff(train) > 0)) for train, _ in splits]

    purged = PurgedTimeSeriesSplit(n_splits=3, window=10)
    # The same folds as a list (they were shuffled).
    as_lists = [(list(a), list(b)) for a, b in purged.split(y)]
    for cv in (purged, TimeSeriesSplit(n_splits=3), list(purged.split(y)),
               as_lists):
        assert in_order(_fold_splits(cv, y, None, "auto", 0)) == [True] * 3
        assert not any(in_order(_fold_splits(cv, y, None, True, 0)))
    folds = StratifiedKFold(3)
    assert not any(in_order(_fold_splits(folds, y, None, "auto", 0)))
    assert all(in_order(_fold_splits(folds, y, None, False, 0)))
    # The folds themselves never change.
    for shuffle in ("auto", True, False):
        assert [sorted(train) for train, _ in _fold_splits(
            folds, y, None, shuffle, 0)] == [sorted(train) for train, _ in
                                             folds.split(y, y)]
    with pytest.raises(ValueError, match="shuffle must be 'auto', True or "
                                         "False; got 'yes'"):
        compare_baselines(np.zeros((200, 5, 1)), y, shuffle="yes")


def test_baselines_read_padding_as_the_lstm_does():
    # 0/1 events: zero is data (mask_value='auto'). With 0.0 the baselines
    # cut leading and trailing zero events off as padding: their 'last'
    # was the last 1, not the last step, and an all-zero sequence failed
    # the whole comparison, while the LSTM read every step.
    rng = np.random.default_rng(0)
    X = rng.integers(0, 2, size=(60, 10, 1)).astype(float)
    y = X[:, -1, 0].astype(int)
    X[0] = 0.0
    summary = SequenceSummarizer(stats=("last",), mask_value="auto").fit(X)
    assert summary.mask_value_ is None
    np.testing.assert_array_equal(summary.transform(X)[:, 0], X[:, -1, 0])
    assert SequenceSummarizer().fit(X[1:]).mask_value_ == 0.0
    table = compare_baselines(X, y, estimators={}, rocket=False, cv=3,
                              random_state=0, scoring="accuracy")
    # The label is the last step: 0.467 when zero events were padding.
    assert table.loc["LogisticRegression (summary)", "accuracy_mean"] > 0.9
    # Measured signals: zero is padding, as before.
    signal = rng.normal(size=(30, 8, 1))
    signal[:10, 5:] = 0.0
    assert SequenceSummarizer(mask_value="auto").fit(signal).mask_value_ == 0.0


def test_compare_baselines_ragged_and_options():
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(rng.integers(3, 9), 2)) for _ in range(30)]
    y = np.array([int(x[:, 0].mean() > 0) for x in X])
    table = compare_baselines(X, y, estimators={}, cv=3, scoring="f1",
                              rocket=False, random_state=0)
    assert len(table) == 4 and "f1_mean" in table
    with pytest.raises(ValueError, match="Nothing to compare"):
        compare_baselines(X, y, estimators={}, baselines=False)
    # Checked before the first fit: a list of estimators failed as
    # "dictionary update sequence element #0", one class inside the
    # logistic regression after the dummy's folds.
    with pytest.raises(ValueError, match="estimators must map names"):
        compare_baselines(X, y, estimators=[LSTMClassifier()])
    with pytest.raises(ValueError, match="y has only one class: 0.0"):
        compare_baselines(X, np.zeros(30), estimators={}, rocket=False)


def test_compare_baselines_takes_a_pandas_series_of_sequences():
    # IndexError: its median length was read as the second axis of X.
    import pandas as pd

    rng = np.random.default_rng(0)
    X = [rng.normal(size=(rng.integers(3, 9), 2)) for _ in range(30)]
    y = np.array([int(x[:, 0].mean() > 0) for x in X])
    kwargs = dict(estimators={}, cv=3, rocket=False, random_state=0)
    table = compare_baselines(pd.Series(X, index=np.arange(30) + 100), y,
                              **kwargs)
    expected = compare_baselines(X, y, **kwargs)
    scores = [c for c in table if c.startswith("accuracy")]
    assert scores and list(table.index) == list(expected.index)
    np.testing.assert_allclose(table[scores], expected[scores], atol=1e-12)


def test_compare_baselines_warns_once_on_channels_first_data():
    # aeon's BasicMotions as load_classification gives it: (n, 6, 100).
    X, y = load_ucr("BasicMotions", split="train")
    with pytest.warns(UserWarning, match="from_channels_first") as caught:
        compare_baselines(X.transpose(0, 2, 1), y, estimators={}, cv=2,
                          rocket=False, random_state=0)
    assert sum("from_channels_first" in str(w.message) for w in caught) == 1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        compare_baselines(X, y, estimators={}, cv=2, rocket=False,
                          random_state=0)
    assert not [w for w in caught if "channels" in str(w.message)]


# ------------------------------------------------------ SequenceSummarizer
def test_summarizer_ignores_padding_and_handles_ragged():
    seqs = [np.array([[1.0, 10.0], [3.0, 30.0]]),
            np.array([[2.0, 0.5], [4.0, 1.0], [9.0, 2.0]])]
    stats = ("mean", "std", "min", "max", "first", "last", "slope")
    ragged = SequenceSummarizer(stats=stats).fit_transform(seqs)
    expected = [[np.mean(s[:, j]) for j in range(2)] +
                [np.std(s[:, j]) for j in range(2)] +
                [s[:, j].min() for j in range(2)] +
                [s[:, j].max() for j in range(2)] +
                list(s[0]) + list(s[-1]) +
                [np.polyfit(np.arange(len(s)), s[:, j], 1)[0]
                 for j in range(2)] for s in seqs]
    np.testing.assert_allclose(ragged, expected)
    # Zero pre-padding of the same data gives the same summary.
    dense = np.zeros((2, 3, 2))
    dense[0, 1:], dense[1] = seqs[0], seqs[1]
    np.testing.assert_allclose(
        SequenceSummarizer(stats=stats).fit_transform(dense), ragged)


def test_summarizer_resample_and_names():
    X = [np.arange(4.0).reshape(-1, 1), np.arange(2.0).reshape(-1, 1)]
    summarizer = SequenceSummarizer(stats=("last",), n_resample=3).fit(X)
    np.testing.assert_allclose(summarizer.transform(X),
                               [[3.0, 0.0, 1.5, 3.0], [1.0, 0.0, 0.5, 1.0]])
    assert list(summarizer.get_feature_names_out()) == [
        "last_f0", "f0_t0", "f0_t1", "f0_t2"]


def test_a_failed_summarizer_refit_leaves_its_padding_rule():
    # mask_value_ was set before X was checked: the failed refit left 0.0
    # (zeros as padding) beside the old fit, which had read zeros as data.
    counts = np.tile([0., 1., 0., 0., 1., 1., 0., 1.], (10, 1))
    summarizer = SequenceSummarizer(mask_value="auto").fit(counts)
    before = summarizer.transform(counts[:1])
    assert summarizer.mask_value_ is None
    bad = np.ones((10, 8))
    bad[0, 3] = np.nan
    with pytest.raises(ValueError, match="missing values"):
        summarizer.fit(bad)
    assert summarizer.mask_value_ is None
    np.testing.assert_array_equal(summarizer.transform(counts[:1]), before)


def test_summarizer_errors():
    X = np.ones((3, 4, 2))
    with pytest.raises(ValueError, match="Unknown statistic"):
        SequenceSummarizer(stats=("median",)).fit(X)
    with pytest.raises(ValueError, match="nothing to compute"):
        SequenceSummarizer(stats=()).fit(X)
    fitted = SequenceSummarizer().fit(X)
    with pytest.raises(ValueError, match="fitted with 2"):
        fitted.transform(np.ones((3, 4, 3)))
    # clone keeps the parameters
    assert clone(fitted).get_params() == fitted.get_params()


def test_divergence_is_flagged_in_short_fits():
    # learning_rate=1e3 sends the loss to hundreds from the first epoch
    # while the usual loss checks wait for 10 epochs: warned at once. The
    # plain LSTM, whose tanh keeps the loss finite: the conv-LSTM's
    # unbounded ReLU blocks reach NaN at this rate, which fit refuses with
    # an error instead (test_fit_state).
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 10, 2)).astype("float32")
    y = np.array([0, 1] * 20)
    clf = LSTMClassifier(units=4, epochs=2, learning_rate=1e3,
                         architecture="lstm", random_state=0)
    messages = _fit(clf, X, y)
    assert "diverging_loss" in _codes(messages)
    finding = next(m.finding for m in messages
                   if m.finding.code == "diverging_loss")
    assert "learning_rate=1000" in finding.fix
    assert "diverging_loss" in diagnose(clf).codes
    # The same check on a recorded history; a loss near chance is quiet.
    report = diagnose(_fake_fit({"loss": [175.0, 684.0, 303.0]},
                                y=np.repeat([0, 1], 20)))
    assert report.codes[0] == "diverging_loss"
    assert "684" in report.findings[0].message
    quiet = diagnose(_fake_fit({"loss": [1.2, 0.9, 0.6]},
                               y=np.repeat([0, 1], 20)))
    assert "diverging_loss" not in quiet.codes
    assert "diverging_loss" in quiet.checked
    # Extreme sample weights bring the class prior's loss near 0 (here
    # 0.001); the first epochs start from uniform probabilities above it.
    # That is not divergence.
    w = np.where(y == 1, 1.0, 1e-4)
    weighted = LSTMClassifier(units=4, epochs=5, learning_rate=0.02,
                              class_weight=None, random_state=0)
    messages = _fit(weighted, X, y, sample_weight=w)
    assert weighted.input_summary_["chance_loss"] < 0.01
    assert "diverging_loss" not in _codes(messages)
