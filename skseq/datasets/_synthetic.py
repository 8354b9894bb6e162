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
    weights = np.asarray(weights, dtype=float)
    if weights.shape != (2,) or np.any(weights < 0) or \
            not np.isclose(weights.sum(), 1.0):
        raise ValueError(
            "weights must be two class proportions that sum to 1, e.g. "
            f"(0.75, 0.25); got {tuple(weights.tolist())}.")
    if not 1 <= min_length <= n_timesteps:
        raise ValueError(
            f"min_length must be between 1 and n_timesteps ({n_timesteps}); "
            f"got {min_length}.")
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


def make_token_reviews(n_samples=2000, *, min_length=80, max_length=600,
                       vocabulary_size=5000, n_sentiment_tokens=100,
                       n_cues=(3, 8), cue_agreement=0.75, random_state=None):
    """Long token sequences labelled by a few sentiment cues ("seed" words).

    Each review has a random length in ``[min_length, max_length]``; most
    tokens are neutral ids drawn from a Zipf-like distribution, and a few
    positions hold cue tokens from a positive or a negative lexicon. The
    label is the polarity of the review; each cue agrees with it with
    probability ``cue_agreement``, so single cues mislead and the model has
    to weigh all of them, wherever they are. Bag-of-words models do well
    here; an LSTM read at its last step forgets the early cues.

    Parameters
    ----------
    n_samples : int, default=2000
        Number of reviews.
    min_length, max_length : int, default=80, 600
        Range of review lengths (tokens).
    vocabulary_size : int, default=5000
        Ids run from 1 to ``vocabulary_size - 1`` (0 is padding).
    n_sentiment_tokens : int, default=100
        Size of the cue lexicon, half positive, half negative.
    n_cues : tuple of int, default=(3, 8)
        Range of the number of cues per review.
    cue_agreement : float, default=0.75
        Probability that a cue has the review's polarity.
    random_state : int, RandomState or None, default=None
        Seed.

    Returns
    -------
    X : list of ndarray of int
        Token id sequences of different lengths.
    y : ndarray of shape (n_samples,)
        Labels ``'negative'`` and ``'positive'``.

    Examples
    --------
    >>> from skseq.datasets import make_token_reviews
    >>> X, y = make_token_reviews(20, random_state=0)
    >>> len(X), 80 <= min(map(len, X)), max(map(len, X)) <= 600
    (20, True, True)
    """
    rng = check_random_state(random_state)
    if n_sentiment_tokens < 2:
        # numpy said only "high <= 0" when drawing a cue of a half lexicon.
        raise ValueError(
            f"n_sentiment_tokens={n_sentiment_tokens} leaves no cue of one "
            "sentiment (half of them are positive, half negative); pass 2 "
            "or more.")
    n_neutral = vocabulary_size - 1 - n_sentiment_tokens
    if n_neutral < 1:
        raise ValueError(
            f"vocabulary_size={vocabulary_size} leaves no neutral tokens next "
            f"to {n_sentiment_tokens} sentiment tokens; raise it.")
    # Checked before drawing: numpy's own errors named none of these.
    if not 1 <= min_length <= max_length:
        raise ValueError(
            f"min_length={min_length} and max_length={max_length} need "
            "1 <= min_length <= max_length.")
    if len(n_cues) != 2 or not 0 <= n_cues[0] <= n_cues[1] <= min_length:
        raise ValueError(
            f"n_cues={tuple(n_cues)} must be (low, high) with 0 <= low <= "
            f"high <= min_length={min_length}: a review of min_length "
            "tokens holds at most that many cues. Lower n_cues or raise "
            "min_length.")
    if not 0.0 <= cue_agreement <= 1.0:
        raise ValueError(
            f"cue_agreement={cue_agreement} is a probability; pass a value "
            "between 0 and 1.")
    half = n_sentiment_tokens // 2
    # Neutral ids after the lexicon; Zipf-like frequencies, as in text.
    neutral_p = 1.0 / np.arange(1, n_neutral + 1)
    neutral_p /= neutral_p.sum()
    positive = rng.uniform(size=n_samples) < 0.5
    X = []
    for pos in positive:
        length = rng.randint(min_length, max_length + 1)
        seq = 1 + n_sentiment_tokens + rng.choice(n_neutral, size=length,
                                                  p=neutral_p)
        k = rng.randint(n_cues[0], n_cues[1] + 1)
        agree = rng.uniform(size=k) < cue_agreement
        polarity = np.where(agree, pos, ~pos)
        cues = 1 + rng.randint(0, half, size=k) + np.where(polarity, 0, half)
        seq[rng.choice(length, size=k, replace=False)] = cues
        X.append(seq.astype(np.int64))
    return X, np.where(positive, "positive", "negative")
