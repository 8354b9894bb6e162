"""Checks of the data and the settings that handle it.

Each check takes the estimator, the summary of ``_input_summary`` and the
classes, and returns a list of :class:`Finding` (empty when all is well):
unscaled input with ``scaling=None``, class imbalance with
``class_weight=None``, a large share of padding, and sequence edges that
look padded with a value other than ``mask_value``.
"""

import numpy as np

from ._report import Finding

__all__ = []

# Largest over smallest class count that calls for class weights.
_IMBALANCE_RATIO = 3.0
# Share of padded steps worth a look.
_PADDING_SHARE = 0.5
# Raw features beyond this |mean| + std (or spread of stds) need scaling.
_SCALE_LIMIT = 5.0
_SCALE_SPREAD = 20.0


def _fmt(x):
    return f"{x:.3g}"


def _class_name(classes, k):
    return repr(classes[k].item() if hasattr(classes[k], "item")
                else classes[k])


def _check_scaling(est, s, classes):
    if getattr(est, "scaling", None) is not None or s["tokens"]:
        return []
    mean, std = s["feature_mean"], s["feature_std"]
    size = np.abs(mean) + std
    positive = std[std > 0]
    spread = positive.max() / positive.min() if positive.size else 1.0
    if size.max() <= _SCALE_LIMIT and spread <= _SCALE_SPREAD:
        return []
    big, small = int(np.argmax(size)), int(np.argmin(np.where(std > 0, std,
                                                              np.inf)))
    return [Finding(
        "unscaled_input", "warning",
        f"scaling=None, but the raw features are far from unit scale: "
        f"feature {big} has mean {_fmt(mean[big])} and std "
        f"{_fmt(std[big])}, feature {small} has std {_fmt(std[small])}. "
        "Large inputs saturate the LSTM's sigmoid and tanh gates, so "
        "gradients vanish and the network barely learns.",
        "Use scaling='standard' (the default; fitted on real steps only) or "
        "scaling='robust' for data with outliers.")]


def _check_imbalance(est, s, classes):
    counts = s["class_counts"]
    if getattr(est, "class_weight", None) is not None or counts.min() == 0:
        return []
    ratio = counts.max() / counts.min()
    if ratio < _IMBALANCE_RATIO:
        return []
    totals = s.get("class_weight_totals")
    if totals is not None and totals.min() > 0 and \
            totals.max() / totals.min() < _IMBALANCE_RATIO:
        # sample_weight already balances the classes.
        return []
    big, small = int(np.argmax(counts)), int(np.argmin(counts))
    return [Finding(
        "class_imbalance", "warning",
        f"class_weight=None on imbalanced classes: {_class_name(classes, big)}"
        f" has {counts[big]} samples, {_class_name(classes, small)} "
        f"{counts[small]} ({ratio:.1f}:1). The unweighted loss is lowest "
        f"when the model mostly predicts {_class_name(classes, big)}, so "
        "it tends to ignore the minority class.",
        "Set class_weight='balanced' (the default) or pass sample_weight, "
        "and judge the model by balanced_accuracy rather than accuracy.")]


def _check_padding(est, s, classes):
    share = s["padding_fraction"]
    if share < _PADDING_SHARE:
        return []
    long_tail = s["length_max"] > 4 * s["length_median"]
    tail_fix = (f"Truncate the few long sequences (longest {s['length_max']}"
                f", median {s['length_median']:.0f} steps), e.g. with "
                "skseq.preprocessing.SequencePadder(maxlen=...) at the 95th "
                "percentile of the lengths.")
    msg = (f"{share:.0%} of all steps are padding (lengths "
           f"{s['length_min']}-{s['length_max']}, median "
           f"{s['length_median']:.0f}, padded to {s['n_timesteps']}).")
    if getattr(est, "bucketing", "auto") is False:
        return [Finding(
            "padding_share", "warning",
            msg + " With bucketing=False every batch runs over the full "
            "padded length: most of the training time is spent on padding "
            "(masked, so results are not affected).",
            "Set bucketing='auto' (the default) to batch sequences of "
            "similar length." + (" " + tail_fix if long_tail else ""))]
    if long_tail:
        # bucketing='auto' is on at this share of padding.
        return [Finding("padding_share", "info",
                        msg + " Bucketing trims it per batch, but the longest"
                        " sequences still make slow batches.", tail_fix)]
    return []


def _check_edge_padding(est, s, classes):
    edge = s.get("edge_padding")
    if not edge:
        return []
    mask_value = getattr(est, "mask_value_",
                         s.get("mask_value", getattr(est, "mask_value", 0.0)))
    value = edge["value"]
    return [Finding(
        "padding_value_mismatch", "warning",
        f"{edge['share']:.0%} of the sequences {edge['side']} with a run of "
        f"steps that all equal {_fmt(value)} in every feature (on average "
        f"{edge['mean_steps']:.1f} steps), which looks like padding, but "
        f"mask_value={mask_value!r}: the LSTM reads these steps as data.",
        f"If they are padding, pass mask_value={_fmt(value)} (or give ragged "
        "sequences as a list of arrays and let skseq pad them); if they are "
        "real, ignore this.")]
