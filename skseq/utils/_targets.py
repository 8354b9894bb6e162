"""Checks of the labels ``y`` that every entry point shares: fit, the
samplers, ``diagnose`` and ``compare_baselines`` refuse the same targets
with the same messages, before any training."""

import numpy as np
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_consistent_length, column_or_1d

from ._validation import python_scalar

__all__ = ["check_no_missing_labels", "check_targets"]


def check_targets(y, n_samples, owner="LSTMClassifier"):
    """y as a 1-D array of binary or multiclass labels (two classes at
    least), one per sequence; ``owner`` names what needs them.

    Examples
    --------
    >>> check_targets(["a", "b", "a"], 3)
    array(['a', 'b', 'a'], dtype='<U1')
    """
    if y is None:
        raise ValueError(
            f"{owner} requires y to be passed, but the target y is None.")
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    if y.ndim != 1:
        raise ValueError(
            f"y must be 1-D (one label per sequence); got shape "
            f"{y.shape}. Multi-output targets are not supported."
        )
    check_no_missing_labels(y)
    check_classification_targets(y)
    kind = type_of_target(y)
    if kind not in ("binary", "multiclass"):
        raise ValueError(f"Unsupported target type {kind!r}.")
    check_consistent_length(np.empty(n_samples), y)
    classes = np.unique(y)
    if len(classes) < 2:
        raise ValueError(
            f"{owner} needs samples of at least 2 classes; y has only one "
            f"class: {python_scalar(classes[0])!r}."
        )
    return y


def check_no_missing_labels(y):
    """Refuse labels that are missing (None, NaN, pd.NA in an object or
    categorical y): sorting the classes failed with "'<' not supported
    between 'float' and 'str'" where the rest are strings."""
    if y is None:
        # np.asarray(None) is one missing label: "y has missing labels
        # (1 sequence(s), e.g. row 0)".
        raise ValueError(
            "y is None: every sequence needs a class label. Pass y, one "
            "label per sequence.")
    labels = np.asarray(y)
    if labels.dtype != object:
        return  # numeric NaN: scikit-learn's target checks say so
    import pandas as pd

    missing = pd.isna(labels)
    if missing.any():
        raise ValueError(
            f"y has missing labels ({int(missing.sum())} sequence(s), e.g. "
            f"row {int(np.flatnonzero(missing.ravel())[0])}): every "
            "sequence needs a class. Drop those sequences (or give them "
            "their class) before fitting.")
