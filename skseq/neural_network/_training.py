"""Rules that follow the data: batch size, budget, schedule, scale, weights.

Every default of :class:`~skseq.LSTMClassifier` that depends on the data is
decided here, by a stated rule, so that the estimator reads the same for
36 sequences and for 100,000:

* **batch size** -- a tenth of the training set, between 4 and 64 (the
  FCN/ResNet recipe of Wang et al. 2017 takes ``min(n / 10, 16)``; the
  upper bound is raised to 64 so that large sets train at CPU/GPU speed);
* **budget** -- counted in gradient steps, not epochs: about 4,000 steps
  (at least 10 and at most 1,500 epochs). 36 sequences at batch 4 get
  445 epochs, 10,000 at batch 64 get 26. The published recipes run 1,500-2,000
  epochs on small sets; with the plateau schedule below most of their gain
  comes in the first few thousand steps;
* **schedule** -- the learning rate halves when the monitored loss stops
  improving for a tenth of the epochs (at least 5), down to a tenth of the
  initial rate; training stops when it has not improved for a fifth of the
  epochs (at least 10) and the weights of the best epoch are kept. Without
  a hold-out it also stops once the training set is fitted: the training
  loss below ``FITTED_SHARE`` (1%) of a chance prediction's for a tenth of
  the epochs (see :func:`plan_schedule`);
* **scale** -- the network also sees each sequence on its own scale
  (standardised over its real steps, its log-scale as a channel) when the
  sequences' own scales span more than ``SCALE_SPREAD`` (100x, 10th to
  90th percentile): a global scaling cannot bring them all near 1;
* **hold-out** -- chosen in :mod:`._holdout` (stratified for independent
  sequences, the purged tail for overlapping windows, at least 30 rows);
* **architecture** -- with a hold-out and a budget that affords a second
  network, ``'auto'`` trains the conv-LSTM and the plain LSTM and keeps the
  plain one only where its hold-out loss is lower beyond one standard error
  (:mod:`._candidates`).
"""

import copy
import math
import numbers
import warnings

import numpy as np

from ..utils._validation import python_scalar

__all__ = ["check_user_callbacks", "resolve_batch_size", "resolve_epochs",
           "resolve_n_networks", "warn_if_nothing_to_monitor",
           "resolve_patience", "resolve_sequence_scaling", "SCALE_SPREAD",
           "STEP_BUDGET", "FITTED_SHARE"]

# Gradient steps of an 'auto' budget.
STEP_BUDGET = 4000
_MIN_EPOCHS, _MAX_EPOCHS = 10, 1500
# Sequence steps an 'auto' ensemble reads in training at most, and its
# most networks (see resolve_n_networks).
ENSEMBLE_WORK = 300_000_000
MAX_NETWORKS = 3
_MIN_BATCH, _MAX_BATCH = 4, 64
# Spread of the sequences' own scales (90th over 10th percentile of their
# standard deviations, in a feature) beyond which a global scaling leaves
# many sequences near 0 or far beyond 1: two orders of magnitude.
SCALE_SPREAD = 100.0
# Training loss, as a share of a chance prediction's (ln n_classes), below
# which a training set counts as fitted (see plan_schedule).
FITTED_SHARE = 0.01


def resolve_batch_size(batch_size, n_train):
    """``'auto'``: a tenth of the training set, clipped to [4, 64].

    Examples
    --------
    >>> resolve_batch_size("auto", 36), resolve_batch_size("auto", 10_000)
    (4, 64)
    """
    if batch_size != "auto":
        return int(batch_size)
    return int(np.clip(n_train // 10, _MIN_BATCH, _MAX_BATCH))


def resolve_epochs(epochs, n_train, batch_size):
    """``'auto'``: about ``STEP_BUDGET`` gradient steps, 10 to 1,500 epochs.

    Examples
    --------
    >>> resolve_epochs("auto", 36, 4), resolve_epochs("auto", 10_000, 64)
    (445, 26)
    """
    if epochs != "auto":
        return int(epochs)
    steps_per_epoch = max(1, math.ceil(n_train / batch_size))
    return int(np.clip(math.ceil(STEP_BUDGET / steps_per_epoch),
                       _MIN_EPOCHS, _MAX_EPOCHS))


def resolve_n_networks(n_networks, epochs_param, n_train, epochs,
                       steps_per_sequence):
    """``'auto'``: as many networks (1 to 3) as fit in ``ENSEMBLE_WORK``.

    One network's work is the sequence steps it reads in its budget,
    ``epochs * n_train * steps_per_sequence``, where a sequence's steps are
    the width of the batches it is read in (the longest length, or about
    the mean under length bucketing: ``_batching.steps_read``; PLAID's
    training series of 100-1,344 steps read about 450 each, and
    counting 1,344 gave them one network); ``'auto'`` trains
    ``ENSEMBLE_WORK // work`` networks, at least 1 and at most
    ``MAX_NETWORKS``, so that several networks never read more than
    ``ENSEMBLE_WORK`` steps in all (about 10 minutes on 2 CPU cores; one
    network may). Small sets, where one network's test accuracy moves most
    with its initial weights, get several (InceptionTime averages 5; 3 leave
    a third of the seed variance, 5 a fifth); sets whose one network already
    reads half of ``ENSEMBLE_WORK`` or more get one network, at the cost of
    one. A hand-set ``epochs`` is a hand-set budget: ``'auto'`` then trains
    one network.

    5 networks against 3 (``random_state=0``, test accuracy): the bundled
    sets equal but ItalyPowerDemand 0.971 / 0.969, PickupGestureWiimoteZ
    0.840 / 0.800 and Covid3Month_disc 0.672 / 0.738; ArrowHead 0.829 /
    0.794 and 0.823 / 0.829 (seeds 0 / 1); at 1.3-1.7x the fit time: no
    gain beyond the seeds' noise to pay for.

    Examples
    --------
    >>> resolve_n_networks("auto", "auto", 50, 400, 150)
    3
    >>> resolve_n_networks("auto", "auto", 200_000, 10, 100)
    1
    >>> resolve_n_networks("auto", 30, 50, 30, 150)
    1
    >>> resolve_n_networks(5, 30, 1, 1, 1)
    5
    """
    if n_networks != "auto":
        return int(n_networks)
    if epochs_param != "auto":
        return 1
    work = max(1, epochs * n_train * steps_per_sequence)
    return int(np.clip(ENSEMBLE_WORK // work, 1, MAX_NETWORKS))


def _a_tenth(epochs):
    """A tenth of the epochs, at least 5: the rules' unit of patience."""
    return max(5, epochs // 10)


def resolve_patience(n_iter_no_change, epochs):
    """Epochs without improvement before stopping, and before halving the rate.

    Returns ``(stop_patience, lr_patience)``; ``stop_patience`` is None when
    early stopping is off.

    Examples
    --------
    >>> resolve_patience("auto", 445), resolve_patience(7, 100)
    ((89, 44), (7, 3))
    """
    if n_iter_no_change is None:
        return None, _a_tenth(epochs)
    if n_iter_no_change == "auto":
        return max(10, epochs // 5), _a_tenth(epochs)
    stop = int(n_iter_no_change)
    return stop, max(1, stop // 2)


def resolve_sequence_scaling(sequence_scaling, log_scales, gain=None):
    """Whether the network also sees each sequence on its own scale.

    Parameters
    ----------
    sequence_scaling : 'auto' or bool
        See :class:`~skseq.LSTMClassifier`. ``'auto'``: when, in some
        feature, the 90th percentile of the sequences' standard deviations
        is more than ``SCALE_SPREAD`` times the 10th.
    log_scales : ndarray of shape (n_sequences, n_features) or None
        Natural log of each (probed) training sequence's standard deviation
        per feature, before scaling (``input_summary_['sequence_log_scale']``);
        None for token input.
    gain : ndarray of shape (n_features,) or None
        What the global scaling multiplies a standard deviation by.

    Returns
    -------
    log_scale : dict or None
        ``log_scale_mean`` and ``log_scale_std`` per feature, the log-scales
        after the global scaling (their spread at least 1, a factor e, so
        that a new scale never becomes a huge input), for
        :class:`~skseq.neural_network._layers.SequenceStandardization1D`;
        None when off.

    Examples
    --------
    >>> import numpy as np
    >>> stds = np.geomspace(1e-3, 1e3, 50)[:, None]
    >>> resolve_sequence_scaling("auto", np.log(stds)) is not None
    True
    >>> resolve_sequence_scaling("auto", np.log(np.ones((50, 1)))) is None
    True
    """
    if log_scales is None or len(log_scales) == 0 or \
            sequence_scaling is False:
        return None
    p10, p90 = np.percentile(log_scales, [10, 90], axis=0)
    if sequence_scaling == "auto" and \
            np.all(p90 - p10 <= math.log(SCALE_SPREAD)):
        return None
    shifted = log_scales + (0.0 if gain is None else
                            np.log(np.maximum(np.abs(gain), 1e-300)))
    return {"log_scale_mean": shifted.mean(axis=0).tolist(),
            "log_scale_std": np.maximum(shifted.std(axis=0), 1.0).tolist()}


def check_weights(sample_weight, class_weight, y, y_encoded):
    """Per-sample weights from ``sample_weight`` x ``class_weight``.

    Non-finite or negative weights raise before training (they would train
    to NaN). The result is a new float64 array; the caller's is not touched.
    """
    from sklearn.utils.class_weight import compute_sample_weight
    from sklearn.utils.validation import _check_sample_weight

    if isinstance(class_weight, dict):
        bad = {k: v for k, v in class_weight.items()
               if not (isinstance(v, numbers.Real) and np.isfinite(v)
                       and v >= 0)}
        if bad:
            raise ValueError(
                f"class_weight must map labels to finite, non-negative "
                f"numbers; got {bad}. Use e.g. class_weight='balanced'.")
    given = None if sample_weight is None else np.asarray(sample_weight)
    if given is not None and given.ndim == 1 and \
            len(given) != len(y_encoded):
        # scikit-learn said only "sample_weight.shape == (40,), expected
        # (60,)!"; the usual cause is a sampler before the classifier.
        raise ValueError(
            f"sample_weight has {len(given)} values for "
            f"{len(y_encoded)} sequences. In an imbalanced-learn pipeline "
            "the samplers resample X and y, not sample_weight: weigh "
            "classes with class_weight instead, or resample the weights "
            "with the data before fitting.")
    weights = _check_sample_weight(sample_weight, y_encoded,
                                   dtype=np.float64, copy=True,
                                   ensure_non_negative=True)
    if not np.all(np.isfinite(weights)):
        raise ValueError(
            "sample_weight has NaN or infinite values; pass finite, "
            "non-negative weights.")
    if isinstance(class_weight, dict):
        weights = weights * _class_weights_by_label(class_weight, y,
                                                    y_encoded)
    elif class_weight is not None:
        weights = weights * compute_sample_weight(class_weight, y)
    if not np.isfinite(weights.sum()) or weights.sum() <= 0:
        raise ValueError(
            "sample_weight x class_weight sums to "
            f"{weights.sum()}: at least one sequence needs a positive "
            "weight, and the weights must not overflow (they are scaled to "
            "mean 1 for training).")
    totals = np.bincount(y_encoded, weights,
                         minlength=int(y_encoded.max()) + 1)
    if (totals == 0).any():
        # Its loss term is 0: the network never learns to answer it, and
        # the diagnostics then blamed the epochs (collapsed predictions).
        labels = [python_scalar(v) for v in np.unique(y)[totals == 0]]
        warnings.warn(
            f"Class(es) {labels} have total weight 0 (sample_weight x "
            "class_weight): the network is never trained to predict them. "
            "Give their sequences weight, or drop them from X and y.",
            UserWarning, stacklevel=5)
    return weights


def scale_weights(weights, n_train):
    """Scale the training rows' weights (the first ``n_train``) and the
    hold-out's each to mean 1, in place (``weights`` is :func:`check_weights`'
    new array): the optimum is unchanged, and weights such as 1e38 cannot
    overflow the loss."""
    for rows in (slice(0, n_train), slice(n_train, None)):
        mean = weights[rows].mean() if len(weights[rows]) else 0.0
        if mean > 0:
            weights[rows] /= mean
    return weights


def _class_weights_by_label(class_weight, y, y_encoded):
    """Per-sample weights of a ``{label: weight}`` dict, keyed by the labels
    as given (classes without a key weigh 1).

    By hand because scikit-learn's ``compute_sample_weight`` reads labels
    such as ``'0', '1'`` (aeon's and sktime's, read from the archive's text)
    as the numbers 0, 1, so a dict keyed by those very labels raised "The
    classes, [0, 1, 2], are not in class_weight". Its rule is kept: keys
    that match no class are an error when some class has no key either.
    """
    classes = np.unique(y).tolist()
    per_class = np.array([float(class_weight.get(c, 1.0)) for c in classes])
    unknown = [k for k in class_weight if k not in classes]
    unweighted = [c for c in classes if c not in class_weight]
    if unknown and unweighted:
        raise ValueError(
            f"class_weight has key(s) {unknown} that are not labels of y, "
            f"and the label(s) {unweighted} have no key; key class_weight "
            f"by the labels of y as they are (types matter: '1' is not 1).")
    return per_class[y_encoded]


def plan_schedule(n_iter_no_change, lr_schedule, epochs, monitor, n_classes):
    """What the training callbacks do: monitor, patiences, least progress.

    An improvement counts when the loss falls by at least 0.1% of the loss
    of a chance prediction (``ln n_classes``): a training loss of 1e-4 that
    still creeps down is a fitted training set, not progress worth hours.

    Without a hold-out (``monitor='loss'``) and with early stopping on,
    training also stops when the training loss has stayed below
    ``FITTED_SHARE`` of the chance loss (99% of the labels' entropy
    explained) for a tenth of the epochs (at least 5): the training set is
    fitted, and only the margins grow after that. Test accuracy along
    training (3 networks, ``random_state=0``, every 10 epochs) stopped
    moving there, within a test series or two: PigCVP 0.938 when the loss
    first fell below 1% (about epoch 215 of 364), 0.933-0.947 after, 0.942
    at the end; OSULeaf 0.938 (about epoch 285 of 400), 0.938-0.946 after;
    ArrowHead 0.800 (about epoch 125 of 293), 0.783-0.806 after; GunPoint
    1.000 from epoch 50 of 216. The bundled sets' table
    (``benchmarks/accuracy.py``) with this stop: 21 minutes of fitting
    against 27 (PigCVP 468 s against 627), the same accuracy on eight sets,
    two and one test series more on ItalyPowerDemand and Covid3Month_disc.
    Planned ``epochs`` stay the budget's ceiling.
    """
    stop, lr = resolve_patience(n_iter_no_change, epochs)
    chance = math.log(n_classes)
    fitted = stop is not None and monitor == "loss"
    return {"monitor": monitor, "stop_patience": stop,
            "lr_patience": lr if lr_schedule == "plateau" else None,
            "min_delta": 1e-3 * chance,
            "fitted_loss": FITTED_SHARE * chance if fitted else None,
            "fitted_patience": _a_tenth(epochs)}


class TrainingDiverged(ValueError):
    """A training whose loss or weights left the finite numbers: the
    caller's ``ValueError``, told apart where a candidate network may
    fail alone (``_candidates``)."""


class NonFiniteLoss(RuntimeError):
    """Raised by the non-finite loss callback; turned into a
    :class:`TrainingDiverged` (a ValueError)."""

    def __init__(self, epoch, loss):
        super().__init__(epoch, loss)
        self.epoch, self.loss = epoch, loss


def training_callbacks(keras, plan, learning_rate, own_schedule=False):
    """Non-finite loss check, plateau schedule and early stopping.

    ``own_schedule``: the optimizer's rate is a schedule of its own, which
    is kept: no plateau schedule (Keras refuses to set such a rate, in the
    middle of training).
    """

    class StopOnNonFiniteLoss(keras.callbacks.Callback):
        # Keras' TerminateOnNaN stops silently and keeps the NaN weights.
        def on_epoch_end(self, epoch, logs=None):
            loss = (logs or {}).get("loss")
            if loss is not None and not np.isfinite(float(loss)):
                raise NonFiniteLoss(epoch + 1, float(loss))

    class StopWhenFitted(keras.callbacks.Callback):
        # Keras' EarlyStopping waits for a loss that stops falling; a fitted
        # training set's loss falls for hundreds of epochs more (margins).
        # Its `baseline` does the opposite (stops when a level is NOT met).
        def __init__(self, monitor, level, patience):
            super().__init__()
            self.monitor, self.level, self.patience = monitor, level, patience
            self.below = 0

        def on_epoch_end(self, epoch, logs=None):
            loss = (logs or {}).get(self.monitor)
            self.below = self.below + 1 if loss is not None and \
                float(loss) < self.level else 0
            if self.below >= self.patience:
                self.model.stop_training = True

    callbacks = [StopOnNonFiniteLoss()]
    if plan.get("fitted_loss") is not None:
        callbacks.append(StopWhenFitted(plan["monitor"], plan["fitted_loss"],
                                        plan["fitted_patience"]))
    if plan["lr_patience"] is not None and not own_schedule:
        callbacks.append(keras.callbacks.ReduceLROnPlateau(
            monitor=plan["monitor"], factor=0.5,
            patience=plan["lr_patience"], min_lr=learning_rate / 10,
            min_delta=plan["min_delta"]))
    if plan["stop_patience"] is not None:
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor=plan["monitor"], patience=plan["stop_patience"],
            min_delta=plan["min_delta"], restore_best_weights=True))
    return callbacks


def best_epoch(callbacks, n_iter):
    """1-based epoch whose weights were kept (the last one without stopping).

    Keras' EarlyStopping restores its best weights at the end of training,
    in the callbacks' order: the last one to restore is the one kept.
    """
    for cb in reversed(callbacks):
        if getattr(cb, "restore_best_weights", False) and \
                getattr(cb, "best_weights", None) is not None:
            return int(cb.best_epoch) + 1
    return n_iter


def non_finite_message(exc, learning_rate):
    return (
        f"The training loss became {exc.loss} at epoch {exc.epoch}, so the "
        "network's weights are no longer numbers; nothing was fitted. Usual "
        f"causes: a learning_rate too large (now {learning_rate}; try 10x "
        "smaller), extreme sample_weight or class_weight values, or "
        "extreme values in X (check scaling).")


def non_finite_output_message(learning_rate, rows, n):
    """For probabilities that are not numbers: values of X so extreme that
    the network overflows, or weights that overflowed in the last update of
    training, which no epoch's loss saw (Keras measures a batch's loss
    before its update)."""
    shown = ", ".join(str(int(i)) for i in rows[:5])
    return (
        f"The network's probabilities are not numbers for {len(rows)} of "
        f"{n} sequences (rows {shown}{', ...' if len(rows) > 5 else ''}). "
        "Either those sequences hold values so extreme that the network "
        "overflows (compare them with the training data), or the weights "
        "overflowed in training, in an update after the last finite "
        f"training loss: then refit with a smaller learning_rate (now "
        f"{learning_rate}; try 10x smaller).")


def check_finite_weights(model, learning_rate):
    """Refuse a trained network whose weights are not all numbers."""
    import keras

    for weight in model.weights:
        value = keras.ops.convert_to_numpy(weight)
        if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
            raise TrainingDiverged(
                f"The network's weight {weight.path!r} holds NaN or "
                "infinity after training, in an update after the last "
                "finite training loss; nothing was fitted. Refit with a "
                f"smaller learning_rate (now {learning_rate}; try 10x "
                "smaller), or check sample_weight, class_weight and X for "
                "extreme values.")


def check_user_callbacks(callbacks, keras):
    """Copies of the caller's ``callbacks`` for one fit, each checked."""
    callbacks = list(callbacks or [])
    for cb in callbacks:
        if not isinstance(cb, keras.callbacks.Callback):
            raise ValueError(
                f"callbacks must be a list of keras.callbacks.Callback "
                f"instances; got {cb!r} ({type(cb).__name__}). Pass e.g. "
                "[keras.callbacks.CSVLogger('log.csv')].")
    copies = []
    for cb in callbacks:
        # Each fit gets its own copies: a callback keeps state (a best
        # weight, a wait count) from one fit to the next otherwise.
        try:
            copies.append(copy.deepcopy(cb))
        except Exception as exc:
            raise ValueError(
                f"The callback {cb!r} ({type(cb).__name__}) cannot be "
                f"copied ({type(exc).__name__}: {exc}); each fit trains "
                "with a copy of the callbacks. Keep what cannot be "
                "copied (a lock, a generator, an open file) outside it, "
                "or give the callback a __deepcopy__ method.") from None
    return copies


def warn_if_nothing_to_monitor(callbacks, validation):
    """Warn once where a caller's callback watches a hold-out fit does not
    have: Keras only warns at every epoch, and the callback never acts."""
    # A ModelCheckpoint that saves every epoch reads its monitor only
    # with save_best_only.
    watching = [cb for cb in callbacks
                if str(getattr(cb, "monitor", "")).startswith("val_")
                and getattr(cb, "save_best_only", True)]
    if watching and validation == "none":
        warnings.warn(
            f"{type(watching[0]).__name__} monitors "
            f"{watching[0].monitor!r}, but this fit holds nothing out "
            "(fewer than 30 sequences in a hold-out, n_iter_no_change=None "
            "or validation=None), so it will never act. Monitor 'loss', or "
            "pass validation= a splitter (e.g. PredefinedSplit).",
            UserWarning, stacklevel=4)
