"""plot_history: learning curves of a fitted sequence classifier."""

import numpy as np

__all__ = ["plot_history"]


def _history_and_best(est):
    if isinstance(est, dict):
        history = est
        # The first of them recorded and not empty ("or" raised on NumPy
        # arrays: "truth value of an array ... is ambiguous").
        monitor = next((history[k] for k in ("val_loss", "loss")
                        if history.get(k) is not None
                        and len(history[k])), None)
        # A diverged fit's losses can all be NaN: no best epoch to mark.
        best = (int(np.nanargmin(monitor)) + 1 if monitor is not None
                and np.isfinite(np.asarray(monitor, float)).any() else None)
        return history, best
    est = getattr(est, "best_estimator_", est)
    if hasattr(est, "steps"):
        est = est.steps[-1][1]
    history = getattr(est, "history_", None)
    if history is None:
        raise ValueError(
            f"{type(est).__name__} has no history_: fit it first, or pass "
            "Keras' history dict (model.fit(...).history)."
        )
    return history, getattr(est, "best_epoch_", None)


def plot_history(est, ax=None, *, metrics=None):
    """Plot training and validation curves per epoch, best epoch marked.

    Parameters
    ----------
    est : LSTMClassifier, Pipeline or search ending in one, or dict
        A fitted estimator (its ``history_`` and ``best_epoch_`` are used),
        or a Keras history dict.
    ax : matplotlib Axes or array of Axes, default=None
        Where to draw, one Axes per metric. ``None`` makes a new figure with
        one panel per metric. A single Axes with ``metrics=None`` shows the
        loss only (the first metric recorded where there is no loss).
    metrics : str or list of str, default=None
        Metrics to plot, without the ``val_`` prefix. ``None`` means every
        metric recorded, loss first (with ``lr_schedule='plateau'`` the
        history holds the ``learning_rate`` of each epoch too); a history of
        validation curves only (``val_...``) gets those, by either name.

    Returns
    -------
    axes : ndarray of matplotlib Axes
        One per metric; ``axes[0].figure`` is the figure.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skseq.inspection import plot_history
    >>> history = {"loss": [0.7, 0.5, 0.4], "val_loss": [0.7, 0.6, 0.65]}
    >>> axes = plot_history(history)
    >>> [line.get_label() for line in axes[0].get_lines()]
    ['train', 'validation', 'best epoch 2']
    """
    import matplotlib.pyplot as plt

    history, best = _history_and_best(est)
    # Validation curves are drawn beside their training curve; a history
    # of validation curves only gets them on their own.
    available = [k for k in history if not k.startswith("val_")] or \
        list(history)
    if metrics is None:
        metrics = sorted(available,
                         key=lambda k: (k not in ("loss", "val_loss"), k))
        if ax is not None and np.ndim(ax) == 0:
            metrics = metrics[:1]
    if isinstance(metrics, str):
        metrics = [metrics]
    if not len(history):
        raise ValueError("No metric to plot: the history is empty.")
    if not len(metrics):
        raise ValueError(
            "No metric to plot: metrics is empty; name at least one of "
            f"those recorded, {sorted(history)}.")
    # A metric recorded on the validation data only, by its name.
    metrics = [f"val_{m}" if m not in history and f"val_{m}" in history
               else m for m in metrics]
    unknown = [m for m in metrics if m not in history]
    if unknown:
        raise ValueError(
            f"Metric(s) {unknown} not in the history; recorded: "
            f"{sorted(history)}."
        )
    if ax is None:
        _, ax = plt.subplots(1, len(metrics), squeeze=False,
                             figsize=(4.5 * len(metrics), 3.5))
    axes = np.atleast_1d(np.asarray(ax, dtype=object)).ravel()
    if len(axes) != len(metrics):
        raise ValueError(
            f"Got {len(axes)} Axes for {len(metrics)} metric(s) {metrics}; "
            "pass one Axes per metric, or choose metrics=[...]."
        )
    for axis, metric in zip(axes, metrics):
        epochs = np.arange(1, len(history[metric]) + 1)
        axis.plot(epochs, history[metric], label="validation"
                  if metric.startswith("val_") else "train")
        validation = history.get(f"val_{metric}")
        if validation is not None and len(validation):
            axis.plot(np.arange(1, len(validation) + 1), validation,
                      label="validation")
        if best is not None:
            axis.axvline(best, color="grey", linestyle="--",
                         label=f"best epoch {best}")
        axis.set_xlabel("epoch")
        axis.set_ylabel(metric)
        axis.legend()
    return axes
