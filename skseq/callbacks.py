"""Keras callbacks for skseq's estimators.

Importing this module imports Keras; ``import skseq`` does not.
"""

import math
import numbers
import os
import sys
import time

import keras

__all__ = ["ProgressLogger"]


def _seconds(seconds):
    # Two digits under 10 s ("ETA <= 0 s" with 0.39 s left), whole seconds
    # above ("1.5e+02 s/epoch").
    return f"{seconds:.2g}" if seconds < 10 else f"{seconds:.0f}"


def _duration(seconds):
    if seconds < 60:
        return f"{_seconds(seconds)} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


class ProgressLogger(keras.callbacks.Callback):
    """Print one line of progress per fit every so often, to standard error.

    Each line gives the epochs done out of those planned, the best loss so
    far (the validation loss when there is one) and an estimate of the time
    left; a last line says how the fit ended. Unlike Keras' progress bar it
    writes whole lines with plain ``print``, so the output stays readable
    when several fits run at once in joblib workers (each line names the
    process), in a log file, or in a notebook. Lines from worker processes
    go to the standard error of the process that started them (for a
    notebook, the terminal running Jupyter).

    Pass it through an estimator's ``callbacks`` parameter; every fit uses a
    copy: every network trained does, where ``architecture='auto'`` trains
    two or three to choose on the hold-out. In ``LSTMClassifier``'s fit a
    line before each training names what trains (the architecture, the
    networks averaged, whether it is tried or kept on the hold-out), and
    where the architecture is chosen, a line gives each candidate's
    hold-out loss and the one kept. skseq's library calls print nothing by
    default; the ``skseq`` command adds this callback unless given
    ``--quiet``.

    Parameters
    ----------
    every_seconds : float or None, default=10.0
        Print at the end of an epoch when at least this many seconds have
        passed since the last line. ``None`` disables the time rule.
    every_epochs : int or None, default=None
        Also print every this many epochs.
    monitor : str or None, default=None
        The loss to track; ``None`` means ``'val_loss'`` when the fit has
        validation data, ``'loss'`` otherwise.
    name : str or None, default=None
        Label at the start of each line; ``None`` means ``'skseq'`` and the
        process id.

    Notes
    -----
    The first epoch is always reported (it shows the time per epoch, and
    that the fit is alive). The time left assumes every planned epoch
    runs; early stopping can end the fit sooner, hence ``ETA <=``. It is
    the time left of the training the line belongs to: where 'auto'
    chooses the architecture, another one may follow (the plain LSTM
    trained again where it is kept).

    Examples
    --------
    >>> import io, sys, contextlib
    >>> import numpy as np
    >>> from skseq import LSTMClassifier
    >>> from skseq.callbacks import ProgressLogger
    >>> X = np.random.default_rng(0).normal(size=(20, 5, 1))
    >>> y = np.arange(20) % 2
    >>> clf = LSTMClassifier(units=4, epochs=2, random_state=0,
    ...                      callbacks=[ProgressLogger(name="demo")])
    >>> err = io.StringIO()
    >>> with contextlib.redirect_stderr(err):
    ...     _ = clf.fit(X, y)
    >>> for line in err.getvalue().splitlines()[:2]:  # doctest: +ELLIPSIS
    ...     print(line)
    demo: architecture='conv_lstm', 1 network
    demo: epoch 1/2, best ...loss ... (epoch 1), ... s/epoch, ETA <= ...
    """

    def __init__(self, *, every_seconds=10.0, every_epochs=None,
                 monitor=None, name=None):
        super().__init__()
        if every_seconds is not None and (
                not isinstance(every_seconds, numbers.Real)
                or isinstance(every_seconds, bool) or not every_seconds >= 0):
            raise ValueError(
                f"every_seconds must be a number >= 0 or None; got "
                f"{every_seconds!r}.")
        if every_epochs is not None and (
                not isinstance(every_epochs, numbers.Integral)
                or isinstance(every_epochs, bool) or every_epochs < 1):
            raise ValueError(
                f"every_epochs must be an int >= 1 or None; got "
                f"{every_epochs!r}.")
        self.every_seconds = every_seconds
        self.every_epochs = every_epochs
        self.monitor = monitor
        self.name = name

    # LSTMClassifier's fit (skseq.neural_network._candidates) sets
    # ``_network`` on its copy before each training and calls ``_print``
    # for the architecture choice: the two hooks it uses.
    def _print(self, text):
        # Looked up at each call: pytest, notebooks and contextlib swap it.
        label = self.name or f"skseq[pid {os.getpid()}]"
        print(f"{label}: {text}", file=sys.stderr, flush=True)

    def on_train_begin(self, logs=None):
        # What LSTMClassifier's fit trains with this copy (set by
        # skseq.neural_network._candidates), printed before its epochs.
        network = getattr(self, "_network", None)
        if network:
            self._print(network)
        self._planned = int((self.params or {}).get("epochs") or 0)
        self._start = self._last_print = time.monotonic()
        self._epochs_done = 0
        self._best = math.inf
        self._best_epoch = None
        self._key = self.monitor

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self._key is None:
            self._key = "val_loss" if "val_loss" in logs else "loss"
        self._epochs_done = epoch + 1
        value = logs.get(self._key)
        if value is not None and math.isfinite(value) and value < self._best:
            self._best, self._best_epoch = float(value), epoch + 1
        now = time.monotonic()
        due = (self._epochs_done == 1
               or (self.every_epochs is not None
                   and self._epochs_done % self.every_epochs == 0)
               or (self.every_seconds is not None
                   and now - self._last_print >= self.every_seconds))
        if not due:
            return
        self._last_print = now
        per_epoch = (now - self._start) / self._epochs_done
        left = max(self._planned - self._epochs_done, 0) * per_epoch
        # Nothing left on the planned last epoch: no "ETA <= 0 s".
        eta = (f", ETA <= {_duration(left)}"
               if self._epochs_done < self._planned else "")
        self._print(
            f"epoch {self._epochs_done}/{self._planned}, {self._best_text()}, "
            f"{_seconds(per_epoch)} s/epoch{eta}")

    def _best_text(self):
        if self._best_epoch is None:
            return f"no finite {self._key} yet"
        return f"best {self._key} {self._best:.4g} (epoch {self._best_epoch})"

    def on_train_end(self, logs=None):
        ended = ("all epochs" if self._epochs_done >= self._planned
                 else "stopped early")
        self._print(
            f"done, {self._epochs_done}/{self._planned} epochs ({ended}), "
            f"{self._best_text()}, "
            f"{_duration(time.monotonic() - self._start)}")
