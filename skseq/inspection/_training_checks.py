"""Checks of the training: its loss history and its predictions.

A NaN or infinite loss, a loss that diverged, one that never left chance
level, early stopping that kept the weights of before the model learned,
predictions collapsed to one class, over-fitting, and a loss still falling
at the last epoch; each with the likely causes as its fix.
"""

import math
import numbers
from numbers import Integral

import numpy as np

from ._data_checks import _IMBALANCE_RATIO, _class_name
from ._report import Finding

__all__ = []

# Training dynamics are judged after this many epochs, or after early stopping.
_MIN_EPOCHS = 10
# Best training loss above this share of the chance-level loss: not learning.
_CHANCE_RATIO = 0.95
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
    # The architecture trained ('auto' may have chosen the plain LSTM, over
    # a conv-LSTM whose hold-out loss was higher: not advised again).
    architecture = getattr(est, "architecture_",
                           getattr(est, "architecture", ""))
    if s["length_max"] > 200 and architecture == "lstm":
        conv_lstm = ("" if getattr(est, "architecture_losses_", None)
                     else "architecture='conv_lstm' (convolutions that "
                     "shorten the series before the LSTM) or ")
        fixes.append(
            f"for sequences this long ({s['length_max']} steps) try "
            f"{conv_lstm}pooling='mean'")
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
        f" on {_hold_out_words(est)} {s['n_validation']} sample(s) "
        f"(validation_fraction="
        f"{getattr(est, 'validation_fraction', '?')}) did not improve within "
        f"n_iter_no_change={_patience(est)} epochs, "
        "before the model had started to learn.",
        fix[0].upper() + fix[1:] + ".")]


def _hold_out_words(est):
    """How fit drew its hold-out, for messages."""
    return {"tail": "the last", "stratified": "a stratified hold-out of",
            "splitter": "the splitter's hold-out of"}.get(
                getattr(est, "validation_", None), "the hold-out of")


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
        f"The training loss never fell clearly below chance level (to "
        f"{_CHANCE_RATIO:.0%} of it): best "
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
