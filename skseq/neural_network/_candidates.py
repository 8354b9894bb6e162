"""Training the network, and choosing its architecture on the hold-out.

``architecture='auto'`` reads numeric sequences through the conv-LSTM
(convolutions that shorten the series, the LSTM over them, their global
average beside it): on the UCR/UEA archive's series, where local shapes
classify, it is what learns (see ``benchmarks/README.md``). Where the
*order* of events far apart classifies, the plain LSTM over the raw steps
learns what the convolutions hide: two spikes in 150 noisy steps, the class
being which comes first (400 training sequences): the conv-LSTM 0.763 test
accuracy (its convolutions fit the training set within 10 epochs from the
spikes that fall within one kernel, and the LSTM over their features never
learns the rest), the plain LSTM 0.935, a hand-written Keras LSTM 0.944
(50 epochs; 0.877 with ``benchmarks/synthetic.py``'s early stopping).
No rule on the data's shape tells the two kinds of task apart; the hold-out
does. So, where fit holds out a validation set and the budget affords more
than one network (the ensemble's rule,
:func:`~skseq.neural_network._training.resolve_n_networks`: small and
middle-sized sets), ``'auto'`` trains both (the plain LSTM first:
:func:`train_candidates`) and keeps the plain LSTM only where its
validation loss is lower by more than one standard error of the paired
per-sequence difference (the "one standard error" rule of Breiman et al. 1984
and Hastie et al., *Elements of Statistical Learning*, 7.10: the default
stands unless the alternative is better beyond the hold-out's noise). On
ItalyPowerDemand (877 training series, 87 held out) the two losses differ
by 0.002, and the test accuracies by one series of 219: a bare minimum
would swap the architecture on such differences, which the next seed or
fold reverses. The plain LSTM is tried as one network (its loss is one
network's, as the conv-LSTM members' mean is), and trained again as
``n_networks_`` only where it is kept. Without a hold-out (fits given fewer
than 291 sequences at the default ``validation_fraction=0.1``: a hold-out
needs ``MIN_VALIDATION = 30``) nothing can tell them apart: the conv-LSTM.
"""

import math
import warnings

import numpy as np

from . import _training
from ._parameters import has_own_schedule

__all__ = ["architecture_candidates", "choose", "held_out_losses",
           "train_candidates"]

CANDIDATES = ("conv_lstm", "lstm")


def architecture_candidates(est, architecture, *, tokens, n_val,
                            distribution, affordable_networks):
    """The architectures fit trains: the resolved one, or both
    :data:`CANDIDATES` where ``'auto'`` chooses on the hold-out."""
    if (est.architecture == "auto" and not tokens
            and est.model_builder is None and n_val
            and distribution is None and affordable_networks >= 2):
        return CANDIDATES
    return (architecture,)


def _train_one(est, keras, builders, data, state, user_callbacks, stacked):
    """Build, compile and train one network for ``state``; return the
    trained model, its Keras History, the callbacks of the fit and the
    hold-out it was given."""
    model = est._build_and_compile(
        keras, data["meta"], state, masked=not data["train_unmasked"],
        stacked=stacked)
    from ._builder_checks import check_fixed_steps, fixed_steps

    if est.model_builder is not None:
        check_fixed_steps(model, data["batch_width"])
    # Read before training: a Sequential without Input gets an input shape
    # from its first batch (predict then refused longer sequences).
    state["network_steps_"] = fixed_steps(model)
    # The caller's callbacks run after skseq's: Keras' last
    # restore_best_weights at the end of training is the one kept, so a
    # caller's EarlyStopping keeps its epoch.
    callbacks = _training.training_callbacks(
        keras, data["plan"], est.learning_rate,
        own_schedule=has_own_schedule(est.optimizer)
    ) + user_callbacks
    train, validation = (
        part(model) if callable(part) else part
        for part in (data["train"], data["validation"]))
    if keras.backend.backend() == "tensorflow":
        builders.build_before_tracing(model, train)
    if data["trace_per_batch_size"]:
        builders.trace_per_batch_size(model)
    try:
        history = model.fit(
            x=train, validation_data=validation, epochs=state["epochs_"],
            callbacks=callbacks, verbose=est.verbose, **data["fit_kwargs"])
    except _training.NonFiniteLoss as exc:
        raise _training.TrainingDiverged(_training.non_finite_message(
            exc, est.learning_rate)) from None
    # Keras measures each batch's loss before its update: the last update
    # of training is seen by no loss.
    _training.check_finite_weights(model, est.learning_rate)
    return model, history, callbacks, validation


def _batches(validation):
    """The hold-out's batches, in order, as NumPy ``(x, y[, w])``: a
    Keras ``PyDataset`` by index, a ``tf.data.Dataset`` by iteration."""
    import keras

    if hasattr(validation, "__getitem__") and hasattr(validation, "__len__"):
        items = (validation[i] for i in range(len(validation)))
    else:
        items = iter(validation)
    for batch in items:
        yield tuple(None if part is None else keras.ops.convert_to_numpy(part)
                    for part in batch)


def held_out_losses(model, validation):
    """Each held-out sequence's loss under ``model`` (the training model:
    the members' mean for stacked networks), weighted as Keras weighs it."""
    import keras

    losses = []
    for x, y, *weight in _batches(validation):
        out = model(x, training=False)
        if isinstance(model.loss, keras.losses.Loss):  # stacked members
            loss = model.loss.call(keras.ops.convert_to_tensor(y), out)
        else:  # one network's probabilities
            binary = out.shape[-1] == 1
            loss = keras.losses.get(model.loss)(
                np.reshape(y, (-1, 1)) if binary else y, out)
        loss = keras.ops.convert_to_numpy(loss).reshape(-1)
        if weight and weight[0] is not None:
            loss = loss * np.reshape(weight[0], -1)
        losses.append(loss)
    return np.concatenate(losses) if losses else np.zeros(0)


def choose(losses):
    """The candidate kept: the first (the default), unless another's mean
    loss is lower by more than one standard error of the paired
    difference. ``losses`` maps each candidate to its per-sequence
    losses, in one order.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.array([0.2, 0.4, 0.1, 0.3])
    >>> choose({"a": a, "b": a - [0.05, -0.05, 0.02, 0.0]})  # within noise
    'a'
    >>> choose({"a": a, "b": a - [0.11, 0.09, 0.1, 0.1]})
    'b'
    """
    names = list(losses)
    kept = names[0]
    for name in names[1:]:
        # float64: a diverged candidate's losses of 1e33 overflow float32's
        # squares.
        diff = (np.asarray(losses[name], np.float64)
                - np.asarray(losses[kept], np.float64))
        if not np.all(np.isfinite(diff)) or len(diff) < 2:
            continue
        standard_error = np.std(diff, ddof=1) / math.sqrt(len(diff))
        if diff.mean() + standard_error < 0:
            kept = name
    return kept


def _stacked(est, keras, state):
    """Whether the network trains on stacked logits (see fit)."""
    return est.model_builder is None and (
        state["n_networks_"] > 1 or keras.backend.backend() != "tensorflow")


def _progress_loggers(callbacks):
    from ..callbacks import ProgressLogger

    return [cb for cb in callbacks if isinstance(cb, ProgressLogger)]


def _train(est, keras, builders, data, state, architecture, n_networks,
           role=""):
    state.update(architecture_=architecture, n_networks_=n_networks)
    # Each network's fit gets its own copies of the caller's callbacks, as
    # each fit does.
    user_callbacks = _training.check_user_callbacks(est.callbacks, keras)
    s = "" if n_networks == 1 else "s"
    network = ("model_builder's network" if est.model_builder is not None
               else f"architecture={architecture!r}")
    for logger in _progress_loggers(user_callbacks):
        logger._network = f"{network}, {n_networks} network{s}{role}"
    stacked = _stacked(est, keras, state)
    return (*_train_one(est, keras, builders, data, state, user_callbacks,
                        stacked), stacked)


def train_candidates(est, keras, builders, data, state):
    """Train the network, choosing its architecture where there are
    candidates. Returns ``(model, history, callbacks, stacked)`` of the
    kept one and each candidate's mean validation loss (None where there
    was one candidate; NaN for a candidate whose training diverged);
    ``state``'s ``architecture_`` and ``n_networks_`` are the kept one's.

    The plain LSTM is tried first, as one network (its loss, like the
    conv-LSTM members' mean, is one network's), then the conv-LSTM trains as
    ``n_networks_`` networks, and the plain LSTM, where it is kept, is
    trained again as ``n_networks_``: a fit where the conv-LSTM stays costs
    one network more, not twice. Tried first, so that the last network
    trained is always the one kept: a caller's callbacks that write files
    (``ModelCheckpoint``, ``CSVLogger``) or report a fit's end
    (``ProgressLogger``) end with it, each candidate getting its own copies
    as each fit does (with ``n_networks_ == 1`` and no callbacks, the tried
    network is kept as it is, not trained again). A tried network whose
    loss or weights leave the finite numbers is not kept (the fit of the
    default goes on), nor is a kept one that diverges when trained again
    as ``n_networks_`` (the default stands, with a warning: there, the
    callbacks end with the diverged training); the default's divergence
    fails the fit, as without candidates.
    """
    n_networks = state["n_networks_"]
    first, *others = data["architectures"]
    # Where the tried network would be trained again as it was (one
    # network, and no caller's callback to see the order), it is kept as
    # it is; otherwise it is let go (its memory) once its losses are read.
    reuse = n_networks == 1 and not est.callbacks
    losses, tried = {}, {}
    for architecture in others:
        try:
            run = _train(est, keras, builders, data, state, architecture, 1,
                         ", tried on the hold-out")
        except _training.TrainingDiverged:
            losses[architecture] = None
            continue
        losses[architecture] = held_out_losses(run[0], run[3])
        if reuse:
            tried[architecture] = run
        del run
    run = _train(est, keras, builders, data, state, first, n_networks,
                 ", compared on the hold-out" if others else "")
    if not others:
        return run[:3] + run[4:], None
    losses = {first: held_out_losses(run[0], run[3]), **losses}
    kept = choose({name: loss for name, loss in losses.items()
                   if loss is not None})
    means = {name: float(np.mean(loss)) if loss is not None and len(loss)
             else math.nan for name, loss in losses.items()}
    for logger in _progress_loggers(run[2]):
        logger._print(_choice_line(means, kept))
    if kept != first and kept in tried:
        run = tried[kept]
    elif kept != first:
        try:
            run = _train(est, keras, builders, data, state, kept, n_networks,
                         ", kept on the hold-out")
        except _training.TrainingDiverged as exc:
            # Trained well as one network, diverged as n_networks_: the
            # default, trained well, stands (a caller's callbacks have
            # seen the diverged training last; the warning says so).
            for logger in _progress_loggers(run[2]):
                logger._print(f"architecture={kept!r} diverged when trained "
                              f"again; kept {first!r}")
            warnings.warn(
                f"architecture={kept!r}, kept on the hold-out, diverged "
                f"when trained again as {n_networks} networks ({exc}); "
                f"the model is the architecture={first!r} networks "
                "trained before it (a caller's callbacks, such as "
                "ModelCheckpoint or CSVLogger, ended with the diverged "
                "training).", UserWarning, stacklevel=4)
            kept = first
    state.update(architecture_=kept, n_networks_=n_networks)
    return run[:3] + run[4:], means


def _choice_line(means, kept):
    """ProgressLogger's line on the choice: each candidate's mean hold-out
    loss (one network's), and the one kept."""
    read = ", ".join(
        f"{name!r} {loss:.4g}" if math.isfinite(loss)
        else f"{name!r} diverged (dropped)" for name, loss in means.items())
    return f"hold-out loss per network: {read}; kept {kept!r}"
