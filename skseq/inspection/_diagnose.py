"""diagnose: why a sequence classifier is stuck, and what to change.

The same checks run in two places. :func:`warn_after_fit` is called at the
end of :meth:`skseq.LSTMClassifier.fit` and raises a
:class:`SequenceDiagnosticWarning` for each serious finding; it only uses a
summary of the data made during fit (:func:`summarize_input`, at most
``_MAX_PROBE`` sequences) and predictions on at most ``_MAX_PROBE`` training
sequences, so it costs a fraction of one epoch. :func:`diagnose` runs them on
demand, on a fitted or unfitted estimator, and returns every finding.
"""

import math
import numbers
import warnings
from numbers import Integral

import numpy as np

from ..preprocessing._scaler import real_step_mask
from ..utils._validation import ZERO_DATA_SHARE, share_inside, spread_indices
from ._report import DiagnosticReport, Finding, SequenceDiagnosticWarning

__all__ = ["diagnose"]

# Sequences used for the data summary and for the predictions after fit.
_MAX_PROBE = 256
# Training dynamics are judged after this many epochs, or after early stopping.
_MIN_EPOCHS = 10
# Best training loss above this share of the chance-level loss: not learning.
_CHANCE_RATIO = 0.95
# Largest over smallest class count that calls for class weights.
_IMBALANCE_RATIO = 3.0
# Share of padded steps worth a look.
_PADDING_SHARE = 0.5
# Raw features beyond this |mean| + std (or spread of stds) need scaling.
_SCALE_LIMIT = 5.0
_SCALE_SPREAD = 20.0
# Spread of predicted probabilities below which they are "constant".
_CONSTANT_PROBA_STD = 0.02
# A freshly initialised classifier starts near the loss of uniform
# probabilities; a training loss this many times above it means the updates
# overshoot (divergence), whatever the number of epochs.
_DIVERGED_RATIO = 10.0
# Rise of the validation loss above its minimum that signals over-fitting
# (note), and a rise that is a warning.
_OVERFIT_NOTE, _OVERFIT_WARN = 0.2, 0.5
# Fewer validation samples than this make early stopping unreliable.
_SMALL_VALIDATION = 30
# Share of sequences whose edges look padded with another value.
_EDGE_SHARE = 0.2

_CHECKS = ("unscaled_input", "class_imbalance", "padding_share",
           "padding_value_mismatch", "non_finite_loss",
           "non_finite_predictions", "diverging_loss", "loss_at_chance",
           "early_stopping_too_soon", "collapsed_predictions", "overfitting",
           "not_converged")


def _take(X, idx):
    from ..utils._disk import as_disk_sequences

    disk = as_disk_sequences(X, mask_value=None)
    if disk is not None:
        return disk.read(idx)
    if isinstance(X, (list, tuple)):
        return [X[i] for i in idx]
    if hasattr(X, "iloc"):
        return X.iloc[idx]
    return np.asarray(X)[idx]


def _chance_loss(weighted_counts, n_samples):
    """Lowest mean weighted cross-entropy of a model that ignores X.

    With weights, Keras' loss is ``mean(w_i * loss_i)``. A constant
    prediction ``q`` then costs ``sum_k m_k * -log(q_k)`` with ``m_k`` the
    weight of class ``k`` over ``n_samples``, which is smallest at
    ``q = m / sum(m)``: ``M * H(m / M)``. Without weights this is the entropy
    of the class prior (ln 2 for two balanced classes); with
    ``class_weight='balanced'`` it is ln K.
    """
    m = np.asarray(weighted_counts, dtype=np.float64) / max(n_samples, 1)
    total = m.sum()
    if total <= 0:
        return float("nan")
    p = m[m > 0] / total
    return float(-total * np.sum(p * np.log(p)))


def _edge_runs(X, lengths, side):
    """Per sequence: length of the run of identical steps at one edge, if
    every feature of that step is the same scalar; the scalar."""
    n, width, _ = X.shape
    rows = np.arange(n)
    edge_idx = lengths - 1 if side == "end" else np.zeros(n, dtype=np.intp)
    edge = X[rows, edge_idx]                                   # (n, F)
    scalar = np.all(edge == edge[:, :1], axis=1)
    same = np.all(X == edge[:, np.newaxis, :], axis=2) & \
        real_step_mask(lengths, width)
    if side == "end":
        # Reverse each row's real part: step j of row i is lengths[i]-1-j.
        steps = lengths[:, None] - 1 - np.arange(width)[None, :]
        same = np.where(steps >= 0, same[rows[:, None], np.maximum(steps, 0)],
                        False)
    runs = np.cumprod(same, axis=1).sum(axis=1)
    return np.where(scalar, runs, 0), edge[:, 0]


def _edge_padding(X, lengths):
    """Guess a padding value that ``mask_value`` did not catch.

    Padding shows as runs of one constant at the start or end of many
    sequences, of varying length. Real data rarely ends in an exact constant
    (equal in every feature) in a fifth of all sequences.
    """
    best = None
    for side in ("end", "start"):
        runs, values = _edge_runs(X, lengths, side)
        padded = runs >= 2
        if not padded.any():
            continue
        vals, counts = np.unique(values[padded], return_counts=True)
        value = vals[np.argmax(counts)]
        if share_inside(X, value)[0] >= ZERO_DATA_SHARE:
            # A value this common between real steps is data (counts that
            # start at 0), the rule of mask_value='auto'.
            continue
        hit = padded & (values == value)
        share = hit.mean()
        varying = len(np.unique(runs[hit])) > 1
        if share >= _EDGE_SHARE and varying and (
                best is None or share > best["share"]):
            best = {"value": float(value), "side": side,
                    "share": float(share),
                    "mean_steps": float(runs[hit].mean())}
    return best


def summarize_input(X_padded, lengths, y_encoded, weights=None, *,
                    n_train=None, tokens=False, max_samples=_MAX_PROBE):
    """Small summary of the training data that the checks need.

    Called by ``neural_network._fit_inputs.prepare_fit`` on data it has already
    validated and post-padded. Per-feature statistics use at most
    ``max_samples`` sequences, so the cost does not grow with the data.

    Parameters
    ----------
    X_padded : ndarray of shape (n_samples, n_timesteps, n_features) or \
(n_samples, n_timesteps)
        Raw (unscaled) post-padded sequences, or token ids.
    lengths : ndarray of shape (n_samples,)
        Real steps per sequence.
    y_encoded : ndarray of shape (n_samples,)
        Labels encoded as ``0 .. n_classes - 1``.
    weights : ndarray of shape (n_samples,) or None
        Per-sample training weights (class and sample weights).
    n_train : int or None
        Samples before the validation tail; ``None`` means all.
    tokens : bool
        Whether ``X_padded`` holds token ids.
    max_samples : int
        Sequences used for the feature statistics.

    Returns
    -------
    summary : dict
    """
    n = len(lengths)
    n_train = n if n_train is None else int(n_train)
    width = X_padded.shape[1]
    weights = np.ones(n) if weights is None else np.asarray(weights, float)
    n_classes = int(y_encoded.max()) + 1 if n else 0
    train_counts = np.bincount(y_encoded[:n_train], weights[:n_train],
                               minlength=n_classes)
    summary = {
        "n_samples": n,
        "n_timesteps": int(width),
        "length_min": int(lengths.min()),
        "length_median": float(np.median(lengths)),
        "length_max": int(lengths.max()),
        "padding_fraction": float(1.0 - lengths.sum() / max(n * width, 1)),
        "class_counts": np.bincount(y_encoded, minlength=n_classes),
        "chance_loss": _chance_loss(train_counts, n_train),
        "val_chance_loss": None,
        "n_validation": n - n_train,
        "tokens": bool(tokens),
    }
    if n_train < n:
        val_counts = np.bincount(y_encoded[n_train:], weights[n_train:],
                                 minlength=n_classes)
        summary["val_chance_loss"] = _chance_loss(val_counts, n - n_train)
    if not tokens:
        idx = spread_indices(n, max_samples)
        X_s, len_s = X_padded[idx], lengths[idx]
        steps = X_s[real_step_mask(len_s, width)].astype(np.float64)
        summary["feature_mean"] = steps.mean(axis=0)
        summary["feature_std"] = steps.std(axis=0)
        summary["edge_padding"] = _edge_padding(X_s, len_s)
    return summary


def _summary_from_data(est, X, y):
    """Validate X, y like ``est.fit`` would and summarise them (no fit)."""
    from sklearn.utils.class_weight import compute_sample_weight

    from ..neural_network._fit_inputs import padding_sample
    from ..utils._validation import check_sequences, resolve_mask_value

    tokens = est._resolve_tokens(X) if hasattr(est, "_resolve_tokens") \
        else False
    # mask_value='auto' resolved as fit would.
    mask_value, _ = resolve_mask_value(getattr(est, "mask_value", 0.0),
                                       padding_sample(X, None, tokens))
    X_padded, lengths = check_sequences(
        X, tokens=tokens, mask_value=mask_value,
        pad_value=0.0, allow_empty_rows=tokens)
    y = np.asarray(y).reshape(len(lengths), -1)[:, 0] if np.ndim(y) == 2 \
        else np.asarray(y)
    classes, y_encoded = np.unique(y, return_inverse=True)
    class_weight = getattr(est, "class_weight", None)
    weights = (compute_sample_weight(class_weight, y)
               if class_weight is not None else None)
    n_val = est._n_validation(len(y)) if hasattr(est, "_n_validation") else 0
    summary = summarize_input(X_padded, lengths, y_encoded, weights,
                              n_train=len(y) - n_val, tokens=tokens)
    summary["mask_value"] = mask_value
    return summary, classes


# ----------------------------------------------------------------- checks
def _fmt(x):
    return f"{x:.3g}"


def _class_name(classes, k):
    return repr(classes[k].item() if hasattr(classes[k], "item")
                else classes[k])


def _check_scaling(est, s, classes):
    if getattr(est, "scaling", None) is not None or s["tokens"]:
        return []
    mean, std = s["feature_mean"], s["feature_std"]
    size = np.abs(mean) + std
    positive = std[std > 0]
    spread = positive.max() / positive.min() if positive.size else 1.0
    if size.max() <= _SCALE_LIMIT and spread <= _SCALE_SPREAD:
        return []
    big, small = int(np.argmax(size)), int(np.argmin(np.where(std > 0, std,
                                                              np.inf)))
    return [Finding(
        "unscaled_input", "warning",
        f"scaling=None, but the raw features are far from unit scale: "
        f"feature {big} has mean {_fmt(mean[big])} and std "
        f"{_fmt(std[big])}, feature {small} has std {_fmt(std[small])}. "
        "Large inputs saturate the LSTM's sigmoid and tanh gates, so "
        "gradients vanish and the network barely learns.",
        "Use scaling='standard' (the default; fitted on real steps only) or "
        "scaling='robust' for data with outliers.")]


def _check_imbalance(est, s, classes):
    counts = s["class_counts"]
    if getattr(est, "class_weight", None) is not None or counts.min() == 0:
        return []
    ratio = counts.max() / counts.min()
    if ratio < _IMBALANCE_RATIO:
        return []
    big, small = int(np.argmax(counts)), int(np.argmin(counts))
    return [Finding(
        "class_imbalance", "warning",
        f"class_weight=None on imbalanced classes: {_class_name(classes, big)}"
        f" has {counts[big]} samples, {_class_name(classes, small)} "
        f"{counts[small]} ({ratio:.1f}:1). The unweighted loss is lowest "
        f"when the model mostly predicts {_class_name(classes, big)}, so "
        "it tends to ignore the minority class.",
        "Set class_weight='balanced' (the default) or pass sample_weight, "
        "and judge the model by balanced_accuracy rather than accuracy.")]


def _check_padding(est, s, classes):
    share = s["padding_fraction"]
    if share < _PADDING_SHARE:
        return []
    long_tail = s["length_max"] > 4 * s["length_median"]
    tail_fix = (f"Truncate the few long sequences (longest {s['length_max']}"
                f", median {s['length_median']:.0f} steps), e.g. with "
                "skseq.preprocessing.SequencePadder(maxlen=...) at the 95th "
                "percentile of the lengths.")
    msg = (f"{share:.0%} of all steps are padding (lengths "
           f"{s['length_min']}-{s['length_max']}, median "
           f"{s['length_median']:.0f}, padded to {s['n_timesteps']}).")
    if getattr(est, "bucketing", "auto") is False:
        return [Finding(
            "padding_share", "warning",
            msg + " With bucketing=False every batch runs over the full "
            "padded length: most of the training time is spent on padding "
            "(masked, so results are not affected).",
            "Set bucketing='auto' (the default) to batch sequences of "
            "similar length." + (" " + tail_fix if long_tail else ""))]
    if long_tail:
        # bucketing='auto' is on at this share of padding.
        return [Finding("padding_share", "info",
                        msg + " Bucketing trims it per batch, but the longest"
                        " sequences still make slow batches.", tail_fix)]
    return []


def _check_edge_padding(est, s, classes):
    edge = s.get("edge_padding")
    if not edge:
        return []
    mask_value = getattr(est, "mask_value_",
                         s.get("mask_value", getattr(est, "mask_value", 0.0)))
    value = edge["value"]
    return [Finding(
        "padding_value_mismatch", "warning",
        f"{edge['share']:.0%} of the sequences {edge['side']} with a run of "
        f"steps that all equal {_fmt(value)} in every feature (on average "
        f"{edge['mean_steps']:.1f} steps), which looks like padding, but "
        f"mask_value={mask_value!r}: the LSTM reads these steps as data.",
        f"If they are padding, pass mask_value={_fmt(value)} (or give ragged "
        "sequences as a list of arrays and let skseq pad them); if they are "
        "real, ignore this.")]


def _planned_epochs(est, default=None):
    """The epochs the fit planned: ``epochs_`` once fitted (``epochs`` may be
    'auto'), else an integer ``epochs``, else ``default``."""
    for planned in (getattr(est, "epochs_", None), getattr(est, "epochs", None)):
        if isinstance(planned, Integral) and not isinstance(planned, bool):
            return int(planned)
    return default


def _patience(est):
    """``n_iter_no_change`` as the fit used it (an 'auto' value resolved)."""
    # Imported here: skseq.neural_network imports this module.
    from ..neural_network._training import resolve_patience

    patience = getattr(est, "n_iter_no_change", "?")
    if patience == "auto" and _planned_epochs(est) is not None:
        return resolve_patience("auto", _planned_epochs(est))[0]
    return patience


def _training_fixes(est, s, classes):
    """Likely causes of a model that ignores its input, most likely first."""
    fixes = []
    stopped_early = getattr(est, "n_iter_", 0) < _planned_epochs(est, 0)
    if _stopped_at_chance(est, s) or (
            stopped_early and 0 < s.get("n_validation", 0) < _SMALL_VALIDATION):
        fixes.append(_EARLY_STOP_FIX + (
            f" (early stopping ended training at epoch {est.n_iter_}, judged "
            f"on {s['n_validation']} validation sample(s))"))
    counts = s["class_counts"]
    if getattr(est, "class_weight", None) is None and counts.min() > 0 and \
            counts.max() / counts.min() >= _IMBALANCE_RATIO:
        fixes.append("set class_weight='balanced'")
    if getattr(est, "scaling", None) is None and not s["tokens"]:
        fixes.append("scale the inputs (scaling='standard')")
    lr = getattr(est, "learning_rate", 1e-3)
    if lr < 1e-4:
        fixes.append(f"raise learning_rate={lr:g} to about 1e-3")
    elif lr > 3e-2:
        fixes.append(f"lower learning_rate={lr:g} to about 1e-3")
    n_iter = getattr(est, "n_iter_", None)
    if n_iter is not None and n_iter < _MIN_EPOCHS:
        fixes.append(f"train for more than {n_iter} epoch(s)")
    if s["length_max"] > 200 and getattr(est, "architecture", "") == "lstm":
        fixes.append(
            f"for sequences this long ({s['length_max']} steps) try "
            "architecture='lstm_fcn' or pooling='mean'")
    fixes.append("check that y is aligned with X, and whether simple "
                 "features beat the LSTM: skseq.compare_baselines(X, y)")
    text = "; ".join(fixes)
    return text[0].upper() + text[1:] + "."


_EARLY_STOP_FIX = (
    "give early stopping more patience or more validation data "
    "(n_iter_no_change=30, validation_fraction=0.2), or train a fixed number "
    "of epochs with n_iter_no_change=None")


def _stopped_at_chance(est, s):
    """Early stopping kept weights from before the model started to learn."""
    history = getattr(est, "history_", None) or {}
    train = history.get("loss")
    best, n_iter = getattr(est, "best_epoch_", None), getattr(est, "n_iter_", 0)
    chance = s.get("chance_loss")
    if not train or "val_loss" not in history or best is None or \
            n_iter >= _planned_epochs(est, n_iter + 1) or not chance:
        return False
    kept = train[best - 1]
    return kept >= _CHANCE_RATIO * chance and min(train) < kept


def _check_early_stop(est, s, classes):
    if not _stopped_at_chance(est, s):
        return []
    train = est.history_["loss"]
    kept = train[est.best_epoch_ - 1]
    fix = _EARLY_STOP_FIX
    return [Finding(
        "early_stopping_too_soon", "warning",
        f"Early stopping ended training at epoch {est.n_iter_} and kept the "
        f"weights of epoch {est.best_epoch_}, whose training loss "
        f"({kept:.4f}) was still at chance level ({s['chance_loss']:.4f}); "
        f"the training loss went on to {min(train):.4f}. The validation loss"
        f" on the last {s['n_validation']} sample(s) (validation_fraction="
        f"{getattr(est, 'validation_fraction', '?')}) did not improve within "
        f"n_iter_no_change={_patience(est)} epochs, "
        "before the model had started to learn.",
        fix[0].upper() + fix[1:] + ".")]


def _dynamics_judged(est):
    """Enough training happened to judge it (or early stopping gave up)."""
    n_iter = getattr(est, "n_iter_", 0)
    return n_iter >= _MIN_EPOCHS or n_iter < _planned_epochs(est, n_iter)


def _first_non_finite(values):
    """1-based epoch of the first NaN or inf in ``values``, and its value."""
    values = np.asarray(values, dtype=np.float64).ravel()
    bad = np.flatnonzero(~np.isfinite(values))
    if not bad.size:
        return None, None
    return int(bad[0]) + 1, float(values[bad[0]])


def _non_finite_history(est):
    """Whether the recorded training or validation loss has NaN or inf."""
    history = getattr(est, "history_", None) or {}
    return any(_first_non_finite(history[key])[0] is not None
               for key in ("loss", "val_loss") if history.get(key))


def _non_finite_fix(est):
    """Causes of a NaN or inf loss, the likeliest first (not "more epochs")."""
    fixes = []
    class_weight = getattr(est, "class_weight", None)
    if isinstance(class_weight, dict):
        bad = {k: v for k, v in class_weight.items()
               if not np.isfinite(np.asarray(v, dtype=np.float64))
               or abs(float(v)) > 1e6}
        if bad:
            fixes.append(f"give class_weight finite, moderate values "
                         f"(it has {bad!r})")
    lr = getattr(est, "learning_rate", None)
    if isinstance(lr, numbers.Real) and lr > 3e-2:
        fixes.append(f"lower learning_rate={lr:g} to about 1e-3")
    fixes.append("check sample_weight and class_weight for NaN, inf or huge "
                 "values")
    if getattr(est, "scaling", "standard") is None:
        fixes.append("check X for huge values or scale it "
                     "(scaling='standard')")
    else:
        fixes.append("check X for huge values")
    if not any("learning_rate" in f for f in fixes):
        fixes.append("lower learning_rate (e.g. by 10x)")
    text = "; ".join(fixes)
    return (text[0].upper() + text[1:] + ". Training longer does not help.")


def _check_non_finite(est, s, classes, proba):
    """NaN or inf in the loss history or in the predicted probabilities."""
    history = getattr(est, "history_", None) or {}
    parts = []
    for key, name in (("loss", "training"), ("val_loss", "validation")):
        if not history.get(key):
            continue
        epoch, value = _first_non_finite(history[key])
        if epoch is None:
            continue
        values = np.asarray(history[key], dtype=np.float64)
        finite = values[:epoch - 1][np.isfinite(values[:epoch - 1])]
        before = (f" (last finite value {finite[-1]:.4g})" if finite.size
                  else " (no finite value before it)")
        parts.append(f"the {name} loss was {value} at epoch {epoch} of "
                     f"{len(values)}{before}")
    bad_proba = 0
    if proba is not None:
        bad_proba = int((~np.isfinite(proba)).any(axis=1).sum())
    if not parts and not bad_proba:
        return []
    proba_text = (f" {bad_proba} of the {len(proba)} sequence(s) checked get "
                  "NaN or inf probabilities." if bad_proba else "")
    if parts:
        text = "; ".join(parts)
        return [Finding(
            "non_finite_loss", "warning",
            f"Training broke down numerically: {text}. From there on the "
            "gradients, and usually the weights, are not finite numbers: "
            f"the model's outputs cannot be trusted.{proba_text}",
            _non_finite_fix(est))]
    return [Finding(
        "non_finite_predictions", "warning",
        "The model predicts NaN or inf probabilities, although the recorded "
        f"loss is finite:{proba_text}", _non_finite_fix(est))]


def _check_divergence(est, s, classes):
    """A finite training loss far above where training starts: overshoot.

    The reference is the loss of uniform probabilities, ``ln n_classes``
    (the weights are scaled to mean 1 for training), where a freshly
    initialised network starts; not the class prior's loss, which extreme
    sample weights bring near 0 although the first epochs must pass above
    it. Judged after any number of epochs (a learning rate of 1e3 gives
    losses of hundreds from the first epoch). Non-finite losses are reported
    by :func:`_check_non_finite` instead.
    """
    history = getattr(est, "history_", None) or {}
    if not history.get("loss") or _non_finite_history(est):
        return []
    start = math.log(max(2, len(classes)))
    losses = np.asarray(history["loss"], dtype=np.float64)
    worst = int(np.argmax(losses))
    if losses[worst] < _DIVERGED_RATIO * start:
        return []
    lr = getattr(est, "learning_rate", None)
    lr_text = (f"learning_rate={lr:g}" if isinstance(lr, numbers.Real)
               else "the learning rate")
    return [Finding(
        "diverging_loss", "warning",
        f"The training loss reached {losses[worst]:.4g} at epoch "
        f"{worst + 1} of {len(losses)} (last {losses[-1]:.4g}), more than "
        f"{_DIVERGED_RATIO:g} times the loss of uniform probabilities "
        f"({start:.4f}, where training starts): the updates overshoot and "
        "the probabilities saturate at 0 or 1 instead of learning.",
        f"Lower {lr_text} (1e-3 is Adam's usual value); check X for huge "
        "values and sample_weight/class_weight for huge weights.")]


def _check_loss(est, s, classes):
    history = getattr(est, "history_", None)
    chance = s.get("chance_loss")
    model = getattr(est, "model_", None)
    own_loss = getattr(model, "loss", None) in (
        None, "binary_crossentropy", "sparse_categorical_crossentropy")
    if not history or "loss" not in history or not chance or not own_loss \
            or not np.isfinite(chance):
        return []
    best = float(np.nanmin(history["loss"]))
    if best < _CHANCE_RATIO * chance:
        return []
    return [Finding(
        "loss_at_chance", "warning",
        f"The training loss never fell below chance level: best "
        f"{best:.4f} in {len(history['loss'])} epoch(s), while predicting "
        f"the class prior for every sequence gives {chance:.4f} "
        f"(ln {len(classes)} = {math.log(len(classes)):.4f} for balanced "
        "classes). The network has not learned anything from X.",
        _training_fixes(est, s, classes))]


def _check_collapse(est, s, classes, proba):
    # NaN probabilities are reported by _check_non_finite; argmax and std
    # of them would describe nothing.
    if proba is None or len(proba) < 2 or not np.all(np.isfinite(proba)):
        return []
    pred = np.argmax(proba, axis=1)
    spread = float(proba.std(axis=0).max())
    if len(np.unique(pred)) == 1:
        what = (f"predicts only class {_class_name(classes, pred[0])} for "
                f"all {len(pred)} sequences checked")
    elif spread < _CONSTANT_PROBA_STD:
        what = (f"gives nearly the same probabilities to all {len(pred)} "
                f"sequences checked (largest std {spread:.4f})")
    else:
        return []
    return [Finding(
        "collapsed_predictions", "warning",
        f"The model {what}: its output hardly depends on the input.",
        _training_fixes(est, s, classes))]


def _check_overfitting(est, s, classes):
    history = getattr(est, "history_", None) or {}
    val, train = history.get("val_loss"), history.get("loss")
    if not val or not train or len(val) < 3:
        return []
    best = int(np.nanargmin(val))
    rise = val[-1] / val[best] - 1.0 if val[best] > 0 else 0.0
    if rise < _OVERFIT_NOTE or train[-1] >= train[best]:
        return []
    severity = "warning" if rise >= _OVERFIT_WARN else "info"
    kept = getattr(est, "best_epoch_", best + 1)
    return [Finding(
        "overfitting", severity,
        f"Over-fitting: the validation loss was lowest at epoch {best + 1} "
        f"({val[best]:.4f}) and then rose by {rise:.0%} to {val[-1]:.4f} "
        f"while the training loss kept falling ({train[best]:.4f} -> "
        f"{train[-1]:.4f}). The weights of epoch {kept} were kept.",
        "Regularise: dropout=0.2-0.5, fewer units or layers, or more "
        "training data; the epochs after the best one are wasted, so a "
        "smaller n_iter_no_change also saves time.")]


def _check_converged(est, s, classes):
    history = getattr(est, "history_", None) or {}
    monitor = history.get("val_loss") or history.get("loss")
    n_iter, epochs = getattr(est, "n_iter_", None), _planned_epochs(est)
    if not monitor or n_iter is None or epochs is None or n_iter < epochs \
            or len(monitor) < 2:
        return []
    if np.nanargmin(monitor) < len(monitor) - 1:
        return []
    name = "validation" if "val_loss" in history else "training"
    return [Finding(
        "not_converged", "info",
        f"The {name} loss was still falling at the last of epochs={epochs}.",
        "Raise epochs (early stopping with n_iter_no_change ends training "
        "when it stops improving).")]


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
    """The final estimator of a search or pipeline, and X as it sees it."""
    estimator = getattr(estimator, "best_estimator_", estimator)
    if hasattr(estimator, "steps"):
        final = estimator.steps[-1][1]
        head = estimator[:-1]
        if X is not None and len(head.steps):
            if hasattr(final, "classes_"):
                X = head.transform(X)
            else:
                from sklearn.base import clone

                X = clone(head).fit_transform(X, y)
        return final, X
    return estimator, X


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
    final, X_final = _unwrap(estimator, X, y)
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
