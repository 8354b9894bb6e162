"""Synthetic sequence problems that reproduce the common LSTM traps."""

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["make_trap_sequences"]


def make_trap_sequences(n_samples=1000, *, n_timesteps=10, n_features=5,
                        weights=(0.75, 0.25), min_length=4, offset=100.0,
                        scale=50.0, random_state=None):
    """An imbalanced, unscaled, zero pre-padded sequence problem.

    Each sequence has a random real length in ``[min_length, n_timesteps]``
    and is padded with zeros at the front, as ``keras.utils.pad_sequences``
    does. Features are Gaussian noise with a large offset and scale (like raw
    sensor or price data). In the minority class, feature 0 drifts upwards
    over the real steps; in the majority class it drifts downwards. The drift
    is small next to the noise of a single step, so a model has to integrate
    over time.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of sequences.
    n_timesteps : int, default=10
        Padded length.
    n_features : int, default=5
        Features per step.
    weights : tuple of float, default=(0.75, 0.25)
        Class proportions (1:3 by default).
    min_length : int, default=4
        Shortest real length.
    offset, scale : float, default=100.0, 50.0
        Mean and standard deviation of the raw features.
    random_state : int, RandomState or None, default=None
        Seed.

    Returns
    -------
    X : ndarray of shape (n_samples, n_timesteps, n_features)
        Zero pre-padded sequences.
    y : ndarray of shape (n_samples,)
        Labels 0 (majority) and 1 (minority).

    Examples
    --------
    >>> from skseq.datasets import make_trap_sequences
    >>> X, y = make_trap_sequences(200, random_state=0)
    >>> X.shape, float(round(y.mean(), 2))
    ((200, 10, 5), 0.25)
    """
    rng = check_random_state(random_state)
    y = (rng.uniform(size=n_samples) < weights[1]).astype(int)
    X = np.zeros((n_samples, n_timesteps, n_features))
    lengths = rng.randint(min_length, n_timesteps + 1, size=n_samples)
    for i, (label, length) in enumerate(zip(y, lengths)):
        steps = offset + scale * rng.normal(size=(length, n_features))
        trend = np.linspace(-1.0, 1.0, length) * scale * (1 if label else -1)
        steps[:, 0] += trend
        X[i, n_timesteps - length:] = steps
    return X, y
