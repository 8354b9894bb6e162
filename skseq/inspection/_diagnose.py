"""diagnose: why a sequence classifier is stuck, and what to change.

The same checks run in two places. :func:`warn_after_fit` is called at the
end of :meth:`skseq.LSTMClassifier.fit` and raises a
:class:`SequenceDiagnosticWarning` for each serious finding; it only uses a
summary of the data made during fit (``_input_summary.summarize_input``,
at most ``_MAX_PROBE`` sequences) and predictions on at most ``_MAX_PROBE``
training sequences, so it costs a fraction of one epoch. :func:`diagnose`
runs them on demand, on a fitted or unfitted estimator, and returns every
finding. The checks themselves are in ``_data_checks`` (the data and the
settings that handle it) and ``_training_checks`` (the loss history and the
predictions); this module runs them and reports.
"""

import warnings

from ..utils._padding import spread_indices
from ._data_checks import (_check_edge_padding, _check_imbalance,
                           _check_padding, _check_scaling)
from ._input_summary import _MAX_PROBE, _summary_from_data, _take
from ._report import DiagnosticReport, SequenceDiagnosticWarning
from ._training_checks import (_check_collapse, _check_converged,
                               _check_divergence, _check_early_stop,
                               _check_loss, _check_non_finite,
                               _check_overfitting, _dynamics_judged,
                               _non_finite_history)

__all__ = ["diagnose", "warn_after_fit"]

_CHECKS = ("unscaled_input", "class_imbalance", "padding_share",
           "padding_value_mismatch", "non_finite_loss",
           "non_finite_predictions", "diverging_loss", "loss_at_chance",
           "early_stopping_too_soon", "collapsed_predictions", "overfitting",
           "not_converged")


def _findings(est, s, classes, proba, fitted):
    data_checks = [_check_scaling, _check_imbalance, _check_padding,
                   _check_edge_padding]
    findings = [f for check in data_checks for f in check(est, s, classes)]
    checked = ["unscaled_input", "class_imbalance", "padding_share",
               "padding_value_mismatch"]
    if getattr(est, "history_", None) is not None:
        # Also after short fits (fitted=False from warn_after_fit): a NaN
        # loss is serious after any number of epochs.
        findings += _check_non_finite(est, s, classes, proba)
        findings += _check_divergence(est, s, classes)
        checked += ["non_finite_loss", "non_finite_predictions",
                    "diverging_loss"]
    if fitted and not _non_finite_history(est):
        # With NaN or inf losses, "at chance", "over-fitting" or "still
        # falling" would be read from broken numbers, and their advice
        # (train longer) is wrong.
        findings += _check_loss(est, s, classes)
        findings += _check_early_stop(est, s, classes)
        findings += _check_overfitting(est, s, classes)
        findings += _check_converged(est, s, classes)
        checked += ["loss_at_chance", "early_stopping_too_soon",
                    "overfitting", "not_converged"]
    if proba is not None:
        findings += _check_collapse(est, s, classes, proba)
        checked.append("collapsed_predictions")
    order = {"warning": 0, "info": 1}
    findings.sort(key=lambda f: order[f.severity])
    return findings, [c for c in _CHECKS if c in checked]


# ----------------------------------------------------------------- public
def warn_after_fit(estimator, X):
    """Warn about serious findings at the end of ``LSTMClassifier.fit``.

    Uses ``estimator.input_summary_`` (made during fit) and predictions on
    at most ``_MAX_PROBE`` of the training sequences ``X``. Checks of the
    training dynamics wait until enough epochs ran (or early stopping
    ended the fit), so that short test fits stay quiet.
    """
    summary = getattr(estimator, "input_summary_", None)
    if summary is None:
        return
    judged = _dynamics_judged(estimator)
    proba = None
    if judged:
        idx = spread_indices(summary["n_samples"], _MAX_PROBE)
        proba = estimator.predict_proba(_take(X, idx))
    findings, _ = _findings(estimator, summary, estimator.classes_, proba,
                            fitted=judged)
    for finding in findings:
        if finding.severity == "warning":
            # warn_after_fit -> fit -> _fit_context wrapper -> caller
            warning = SequenceDiagnosticWarning(
                f"[{finding.code}] {finding.message} Fix: {finding.fix}")
            warning.finding = finding
            warnings.warn(warning, stacklevel=4)


def _unwrap(estimator, X, y):
    """The final estimator of a search or pipeline, and X, y as it sees them.

    A fitted pipeline's steps transform X as at prediction, where
    imbalanced-learn's samplers pass it through; an unfitted one's steps
    are fitted as in training: a sampler resamples X and y, a transformer
    fits on them.
    """
    if hasattr(estimator, "best_estimator_"):
        estimator = estimator.best_estimator_
    elif hasattr(estimator, "estimator") and not hasattr(estimator, "steps"):
        # A search not fitted (or fitted with refit=False): the estimator
        # it searches over, whose parameters are the ones to judge (the
        # search's own have no scaling or class_weight).
        estimator = estimator.estimator
    if not hasattr(estimator, "steps"):
        return estimator, X, y
    final = estimator.steps[-1][1]
    fitted = hasattr(final, "classes_")
    if X is None or (y is None and not fitted):
        return final, X, y  # diagnose then asks for the data
    from sklearn.base import clone

    for _, step in estimator.steps[:-1]:
        if step is None or isinstance(step, str):  # 'passthrough'
            continue
        if hasattr(step, "fit_resample"):
            if not fitted:
                X, y = clone(step).fit_resample(X, y)
        elif fitted:
            X = step.transform(X)
        else:
            X = clone(step).fit_transform(X, y)
    return final, X, y


def diagnose(estimator, X=None, y=None):
    """Explain why a sequence classifier does not learn, with fixes.

    Answers "why is my LSTM stuck at 50%?". Checks the data and settings
    (unscaled inputs with ``scaling=None``, class imbalance with
    ``class_weight=None``, a large share of padding, edges that look padded
    with a value other than ``mask_value``) and, for a fitted estimator, the
    training: a NaN or infinite loss (or probabilities), with its likely
    causes; a loss that diverged (rose to more than 10 times the loss of
    uniform probabilities, judged after any number of epochs); a loss that
    never left chance level (the cross-entropy of predicting the class
    prior, ln K for K balanced classes), predictions collapsed to one class
    or nearly constant probabilities (needs ``X``), over-fitting (validation
    loss rising while the training loss falls) and a loss still falling at
    the last epoch.

    The serious findings are also raised as
    :class:`SequenceDiagnosticWarning` at the end of
    :meth:`skseq.LSTMClassifier.fit`.

    Parameters
    ----------
    estimator : LSTMClassifier, or a Pipeline or search ending in one
        Fitted or not.
    X : array-like or list of arrays, default=None
        Sequences. Required for an unfitted estimator. For a fitted one, the
        predictions on (at most 256 of) them are checked; the data checks
        use the summary of the training data made during fit.
    y : array-like of shape (n_samples,), default=None
        Labels; required with ``X`` for an unfitted estimator.

    Returns
    -------
    report : DiagnosticReport
        ``report.findings`` lists each problem with a ``fix``; ``print`` it.

    Examples
    --------
    >>> import numpy as np
    >>> from skseq import LSTMClassifier
    >>> from skseq.inspection import diagnose
    >>> rng = np.random.default_rng(0)
    >>> X = 1000 + 50 * rng.normal(size=(100, 8, 2))
    >>> y = np.r_[np.zeros(90), np.ones(10)]
    >>> report = diagnose(LSTMClassifier(scaling=None, class_weight=None), X, y)
    >>> report.codes
    ['unscaled_input', 'class_imbalance']
    """
    final, X_final, y = _unwrap(estimator, X, y)
    if isinstance(final, type) or not (hasattr(final, "fit")
                                       and hasattr(final, "get_params")):
        # Its settings (scaling, class_weight) were read as None, and a
        # report made for a string.
        raise ValueError(
            "diagnose needs an estimator: an LSTMClassifier, or a Pipeline "
            f"or search ending in one; got {type(final).__name__} "
            f"{final!r:.60}.")
    fitted = getattr(final, "history_", None) is not None
    summary = getattr(final, "input_summary_", None) if fitted else None
    if summary is None:
        if X is None or y is None:
            state = ("was fitted without a data summary" if fitted
                     else "is not fitted")
            raise ValueError(
                f"diagnose needs X and y: {type(final).__name__} {state}. "
                "Call diagnose(estimator, X, y) with the training data."
            )
        summary, classes = _summary_from_data(final, X_final, y)
    if fitted:
        classes = final.classes_
    proba = None
    if fitted and X_final is not None:
        idx = spread_indices(len(X_final), _MAX_PROBE)
        proba = final.predict_proba(_take(X_final, idx))
    findings, checked = _findings(final, summary, classes, proba, fitted)
    return DiagnosticReport(findings=tuple(findings), summary=dict(summary),
                            checked=tuple(checked))
