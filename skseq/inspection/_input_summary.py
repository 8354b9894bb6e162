"""The summary of the training data that the diagnostics read.

Made once during :meth:`skseq.LSTMClassifier.fit` (:func:`summarize_input`,
on at most ``_MAX_PROBE`` sequences, so its cost does not grow with the
data) and kept as ``input_summary_``; :func:`_summary_from_data` makes the
same summary for an unfitted estimator. The checks that read it are in
``_data_checks`` and ``_training_checks``; its sequences' log-scales also
decide ``sequence_scaling`` (``neural_network._training``).
"""

import numpy as np

from ..preprocessing._scaler import real_step_mask
from ..utils._padding import (ZERO_DATA_SHARE, resolve_auto_mask,
                              share_inside, spread_indices)

__all__ = ["summarize_input"]

# Sequences used for the data summary and for the predictions after fit.
_MAX_PROBE = 256
# Share of sequences whose edges look padded with another value.
_EDGE_SHARE = 0.2


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


def _log_scales(X, lengths, feature_std):
    """Natural log of each sequence's standard deviation per feature, over
    its real steps, ``(n_sequences, n_features)``; floored at 1e-7 of the
    feature's overall deviation (constant sequences)."""
    # One sequence at a time: no (n, steps, features) float64 temporaries.
    stds = np.array([X[i, :max(int(n), 1)].std(axis=0, dtype=np.float64)
                     for i, n in enumerate(lengths)]).reshape(len(X), -1)
    floor = 1e-7 * np.where(feature_std > 0, feature_std, 1.0)
    return np.log(np.maximum(stds, floor))


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
        # Each class's total training weight (its count when unweighted).
        "class_weight_totals": train_counts,
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
        summary["sequence_log_scale"] = _log_scales(
            X_s, len_s, summary["feature_std"])
        summary["edge_padding"] = _edge_padding(X_s, len_s)
    return summary


def _summary_from_data(est, X, y):
    """Validate X, y like ``est.fit`` would and summarise them (no fit)."""
    from ..utils._targets import check_targets
    from ..neural_network._training import check_weights, scale_weights
    from ..utils._validation import check_sequences

    tokens = est._resolve_tokens(X) if hasattr(est, "_resolve_tokens") \
        else False
    # mask_value='auto' resolved as fit would.
    mask_value, _ = resolve_auto_mask(getattr(est, "mask_value", 0.0), X,
                                      tokens)
    X_padded, lengths = check_sequences(
        X, tokens=tokens, mask_value=mask_value,
        pad_value=0.0, allow_empty_rows=tokens)
    y = check_targets(y, len(lengths), owner="diagnose")
    classes, y_encoded = np.unique(y, return_inverse=True)
    class_weight = getattr(est, "class_weight", None)
    weights = (check_weights(None, class_weight, y, y_encoded)
               if class_weight is not None else None)
    n_train = len(y)
    if hasattr(est, "_held_out"):
        # The rows fit would train on and hold out (no hold-out for a set
        # with more classes than a hold-out has rows; a splitter's gap
        # left out), training rows first as in fit.
        train, val, _ = est._held_out(X_padded, lengths, y_encoded)
        order, n_train = np.concatenate([train, val]), len(train)
        if len(order) < len(y):
            X_padded, lengths = X_padded[order], lengths[order]
        y_encoded = y_encoded[order]
        weights = None if weights is None else weights[order]
    if weights is not None:
        scale_weights(weights, n_train)  # as fit does
    summary = summarize_input(X_padded, lengths, y_encoded, weights,
                              n_train=n_train, tokens=tokens)
    summary["mask_value"] = mask_value
    return summary, classes
