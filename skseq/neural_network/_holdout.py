"""The hold-out that early stopping judges: which rows, and why.

Independent sequences (shuffled, or class-sorted files such as UCR/UEA's)
get a stratified, seeded, shuffled hold-out; overlapping windows cut from
one series (detected by :func:`looks_like_windows`, or
``validation='tail'``) get the tail, purged of the training windows that
share its steps, so that no window of the hold-out shares steps with a
training window; a splitter gives its last ``(train, test)`` pair.
Identical rows (a random over-sampler's copies) are held out or trained on
together by the stratified hold-out. A
hold-out is used only when it holds at least ``MIN_VALIDATION`` sequences,
and a stratified one at least one per class; smaller sets train on
everything and monitor the training loss, as FCN and InceptionTime do.
"""

import math
import numbers
import warnings

import numpy as np

from ..utils._validation import python_scalar

__all__ = ["looks_like_windows", "split_validation", "n_validation",
           "n_never_held_out", "weighted_holdout",
           "warn_missing_classes", "is_splitter", "MIN_VALIDATION"]

# Fewer validation sequences give too noisy a loss to stop on.
MIN_VALIDATION = 30


def looks_like_windows(X, lengths, n_pairs=None):
    """True when consecutive sequences are shifted copies of each other.

    Windows cut from one series with a stride shorter than the window share
    steps with their neighbours: sequence ``i + 1`` starts with steps found
    inside sequence ``i``. A random hold-out of such windows holds steps seen
    in training, so the hold-out must be the tail (or a purged split).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps, n_features)
        Post-padded sequences.
    lengths : ndarray of shape (n_samples,)
        Real lengths.
    n_pairs : int or None, default=None
        Consecutive pairs inspected, spread over the data (twice as many
        pairs of rows far apart); None: 2**14 // n_timesteps, between 32
        and 256.

    Returns
    -------
    bool

    Examples
    --------
    >>> import numpy as np
    >>> series = np.arange(50.0)
    >>> windows = np.stack([series[i:i + 10] for i in range(0, 40, 2)])[..., None]
    >>> looks_like_windows(windows, np.full(20, 10))
    True
    >>> looks_like_windows(np.random.default_rng(0).normal(size=(20, 10, 1)),
    ...                    np.full(20, 10))
    False
    """
    n = len(lengths)
    if n < 3 or X.ndim != 3 or X.shape[1] < 2:
        return False
    if n_pairs is None:
        # Pairs enough for the rates below to hold on short sequences
        # (chance overlaps are common there), fewer for long ones.
        n_pairs = int(np.clip(2**14 // X.shape[1], 32, 256))
    n_pairs = min(n_pairs, n - 1)
    starts = np.unique(np.linspace(0, n - 2, n_pairs).astype(int))
    # Windows overlap their neighbour at one shift, their stride, in nearly
    # every pair. Sequences of few values (0/1 events, plateaus) also
    # overlap by chance at some shifts (binary ones at the last step in one
    # pair of two), windows or not: the chance is read off pairs of rows
    # far apart, which no window shares. Windows where neighbours fail at
    # most a third as often as such pairs do, at a shift half of them
    # share and a quarter of far pairs at least fail.
    def rates(pairs):
        counts = {}
        for i, j in pairs:
            for shift in _shifts(X[i, :lengths[i]], X[j, :lengths[j]]):
                counts[shift] = counts.get(shift, 0) + 1
        return {shift: c / len(pairs) for shift, c in counts.items()}

    neighbours = rates([(i, i + 1) for i in starts])
    far = rates([(i, (i + n // 2) % n) for i in np.unique(
        np.linspace(0, n - 1, 2 * n_pairs).astype(int))])
    # Far pairs that nearly all overlap (long runs of one value: rare
    # events, a few steps' overlap) say nothing: such shifts are skipped.
    return any(rate >= 0.5 and far.get(shift, 0.0) <= 0.75
               and 1 - rate <= (1 - far.get(shift, 0.0)) / 3
               for shift, rate in neighbours.items())


def _shifts(a, b, head=64, first_only=False, most=128):
    """The shifts (1 or more) at which ``b`` starts with the steps that end
    ``a``, among the ``most`` smallest candidates: their first ``head``
    shared steps compared first, so that long series of few values do not
    cost a full comparison per shift (a pair of all-zero rows of 100,000
    steps took 1.7 s)."""
    if len(a) < 2 or len(b) < 1:
        return []
    found = []
    for shift in (np.flatnonzero(np.all(a[1:] == b[0], axis=1)) + 1)[:most]:
        overlap = min(len(a) - shift, len(b))
        if np.array_equal(a[shift:shift + min(overlap, head)],
                          b[:min(overlap, head)]) and \
                np.array_equal(a[shift:shift + overlap], b[:overlap]):
            found.append(int(shift))
            if first_only:
                break
    return found


def _shares_steps(a, b):
    """Whether ``b`` starts with steps that end ``a`` (shifted by 1 or more):
    ``a`` and ``b`` are windows of one series that overlap."""
    return bool(_shifts(a, b, first_only=True, most=None))


def _purged_tail(X, lengths, n_val):
    """The tail hold-out's rows, and the training rows before it that share
    no step with it.

    Windows cut with a stride shorter than the window share steps with the
    hold-out's first window: the last ``ceil(window / stride) - 1`` training
    windows (29 of them for windows of 30 steps at stride 1) would put its
    steps in training, and early stopping would judge a loss on steps the
    network was fitted on. They are dropped, as ``PurgedTimeSeriesSplit``
    drops them: walking back from the hold-out while a row shares steps
    with its first row, at most as many as the longest sequence's steps and
    at most half the training rows (a series constant for long stretches would
    match everywhere), then one row more where any was dropped: the window
    before them has its label at the hold-out's first step when the label is
    the next step's (``make_windows``' ``horizon=1``). Labels read further
    ahead are not seen here: for them, pass
    ``validation=PurgedTimeSeriesSplit(..., horizon=h)``.
    """
    n = len(lengths)
    start = n - n_val
    first = X[start, :lengths[start]]
    floor = max(start - int(lengths.max()), (start + 1) // 2)
    stop = start
    while stop > floor and _shares_steps(X[stop - 1, :lengths[stop - 1]],
                                         first):
        stop -= 1
    if stop < start:
        stop = max(stop - 1, floor)
    return np.arange(stop), np.arange(start, n)


def split_validation(validation, validation_fraction, X, lengths, y_encoded,
                     random_state):
    """Choose the training and hold-out rows.

    Parameters
    ----------
    validation : {'auto', 'stratified', 'tail'}, splitter or None
        See :class:`~skseq.LSTMClassifier`. A splitter (an object with
        ``split``, e.g. :class:`~skseq.model_selection.PurgedTimeSeriesSplit`)
        gives its last ``(train, test)`` pair.
    validation_fraction : float
        Share of the rows held out ('stratified' and 'tail').
    X, lengths : ndarray
        Post-padded sequences and real lengths (for window detection and
        for splitters).
    y_encoded : ndarray of shape (n_samples,)
        Integer labels.
    random_state : int or None
        Seed of the stratified shuffle.

    Returns
    -------
    train, val : ndarray of int
        Row indices; ``val`` is empty when nothing is held out.
    kind : str
        'none', 'stratified', 'tail' or 'splitter'.
    """
    n = len(y_encoded)
    everything, nothing = np.arange(n), np.arange(0)
    if not is_splitter(validation):
        n_val = n_validation(validation, validation_fraction, n)
        if n_val == 0:
            return everything, nothing, "none"
    else:
        from sklearn.model_selection._split import GroupsConsumerMixin

        if isinstance(validation, GroupsConsumerMixin):
            raise ValueError(
                f"validation={validation!r} splits by groups, which fit "
                "cannot pass on (a scikit-learn fit takes X, y and "
                "sample_weight). Fix: hold out rows of your choosing with "
                "sklearn.model_selection.PredefinedSplit(test_fold), "
                "test_fold 0 for the hold-out and -1 for training (e.g. "
                "np.where(groups == groups[-1], 0, -1) for the last group), "
                "or use PurgedTimeSeriesSplit for windows of one series.")
        *_, (train, val) = validation.split(X, y_encoded)
        train, val = (_split_indices(part, n, name, validation)
                      for part, name in ((train, "training"),
                                         (val, "validation")))
        if np.intersect1d(train, val).size:
            # Early stopping would judge rows the network is fitted on.
            raise ValueError(
                f"The validation splitter {validation!r} gave training and "
                f"validation sets sharing {np.intersect1d(train, val).size} "
                "row(s): a hold-out must be rows not trained on. Check its "
                "split method.")
        if len(train) == 0 or len(val) == 0:
            raise ValueError(
                f"The validation splitter {validation!r} gave an empty "
                f"training or validation set ({len(train)} / {len(val)} "
                "rows); use fewer splits or a smaller gap.")
        return train, val, "splitter"
    kind = validation
    if kind == "auto":
        kind = "tail" if looks_like_windows(X, lengths) else "stratified"
    if kind == "tail":
        train, val = _purged_tail(X, lengths, n_val)
        return train, val, "tail"
    groups = _copy_groups(X, lengths)
    if groups is not None:
        # Repeated rows (a random over-sampler's copies) are held out or
        # trained on together: the distinct rows are split, stratified by
        # their label. Where that cannot hold out about n_val rows (a few
        # distinct rows, one of them most of the data: 0/1 events), the
        # rows are split one by one, as for distinct rows.
        firsts, of_row = np.unique(groups, return_index=True,
                                   return_inverse=True)[1:]
        split = _stratified(y_encoded[firsts],
                            max(1, round(n_val / n * len(firsts))),
                            random_state)
        if split is not None:
            held = np.zeros(len(firsts), bool)
            held[split[1]] = True
            val = everything[held[of_row]]
            if max(MIN_VALIDATION, n_val // 2) <= len(val) <= 2 * n_val:
                return everything[~held[of_row]], val, "stratified"
    split = _stratified(y_encoded, n_val, random_state)
    if split is None:
        return everything, nothing, "none"
    return split[0], split[1], "stratified"


def _split_indices(part, n, name, splitter):
    """A splitter's row indices as distinct integers in range (a
    boolean mask read as its rows), or a ValueError naming the fault: out
    of range they failed as a bare IndexError, negative ones counted from
    the end silently."""
    part = np.asarray(part)
    if part.dtype == bool and part.shape == (n,):
        part = np.flatnonzero(part)
    if part.ndim != 1 or (part.size and part.dtype.kind not in "iu"):
        raise ValueError(
            f"The validation splitter {splitter!r} gave {name} indices of "
            f"dtype {part.dtype} and shape {part.shape}: a split must give "
            f"integer row indices (or boolean masks of the {n} rows).")
    part = part.astype(np.intp)
    if part.size and (part.min() < 0 or part.max() >= n):
        raise ValueError(
            f"The validation splitter {splitter!r} gave {name} indices "
            f"from {part.min()} to {part.max()} for {n} rows: indices must "
            f"lie in 0..{n - 1}.")
    if len(np.unique(part)) != len(part):
        raise ValueError(
            f"The validation splitter {splitter!r} gave repeated {name} "
            "indices: each row may appear once.")
    return part


def _stratified(y_encoded, n_val, random_state):
    """``(train, val)`` positions of a stratified hold-out of ``n_val`` of
    the labels, or None where none can be drawn."""
    from sklearn.model_selection import train_test_split

    everything = np.arange(len(y_encoded))
    counts = np.bincount(y_encoded)
    if n_val < np.count_nonzero(counts > 1):
        # Fewer rows than classes (of two sequences or more: a class's only
        # one is never held out): the hold-out would miss classes whatever
        # the draw (and train_test_split refuses to stratify it), so its
        # loss would judge a different task. Train on everything instead,
        # as for a hold-out under MIN_VALIDATION (e.g. UCR's FiftyWords:
        # 450 sequences, 50 classes, a hold-out of 45).
        return None
    # A class's only sequence is trained on, never held out: held out, the
    # network would never see its class (scikit-learn cannot stratify it
    # either). The other rows are split stratified.
    single = counts[y_encoded] == 1
    rest = everything[~single]
    if len(rest) - n_val < np.count_nonzero(counts > 1):
        return None
    train, val = train_test_split(rest, test_size=n_val,
                                  random_state=random_state,
                                  stratify=y_encoded[rest])
    train = np.concatenate([train, everything[single]])
    return np.sort(train), np.sort(val)


def _copy_groups(X, lengths, chunk_bytes=2**22):
    """A 64-bit fingerprint per row where some rows repeat, else None.

    A random over-sampler in front of the classifier (imbalanced-learn's
    pipeline, ``SequenceRandomOverSampler``) repeats rows; a stratified
    hold-out drawn row by row then holds rows whose copies are trained on
    (every minority row of it, measured), and early stopping judges a loss
    on sequences the network was fitted on. The fingerprint is integer
    arithmetic on each row's bytes (its values, -0.0 read as 0.0, and its
    length): exact on every CPU, unlike a floating-point projection, whose
    rounding depends on the BLAS kernel. Rows on disk are not read for
    this. Copies share a fingerprint; two different rows share one with a
    chance of about 2**-64, and would only be kept on one side.
    """
    if not isinstance(X, np.ndarray) or len(X) < 2 or X.ndim < 2 or \
            X.shape[1] == 0 or X.dtype.hasobject:
        return None
    # First the rows' first 128 bytes or so: distinct there, distinct
    # (about 0.03 s at 200,000 x 100 x 8 against 0.65 s for whole rows).
    head = max(1, -(-128 // max(X.dtype.itemsize * int(np.prod(
        X.shape[2:])), 1)))
    for part in ((X[:, :head], X) if head < X.shape[1] else (X,)):
        prints = _fingerprints(part, lengths, chunk_bytes)
        if len(np.unique(prints)) == len(prints):
            return None
    return prints


def _fingerprints(X, lengths, chunk_bytes):
    """Integer fingerprints of the rows of X (see _copy_groups), in chunks
    of about ``chunk_bytes`` of X (a few times that in temporaries)."""
    rng = np.random.default_rng(0)
    n_words = -(-X[0].nbytes // 4)
    chunk = max(1, chunk_bytes // max(X[0].nbytes, 1))
    weights = rng.integers(1, 2**63, size=n_words, dtype=np.uint64) | 1
    prints = np.empty(len(X), dtype=np.uint64)
    for start in range(0, len(X), chunk):  # bounded memory, any layout
        part = np.ascontiguousarray(X[start:start + chunk])
        if part.dtype.kind == "f":
            part = part + part.dtype.type(0.0)  # -0.0 -> 0.0
        raw = part.reshape(len(part), -1).view(np.uint8)
        pad = n_words * 4 - raw.shape[1]
        if pad:
            raw = np.pad(raw, ((0, 0), (0, pad)))
        words = raw.view(np.uint32).astype(np.uint64)
        with np.errstate(over="ignore"):
            prints[start:start + chunk] = (words * weights).sum(
                axis=1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        prints += np.asarray(lengths, np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    return prints


def n_validation(validation, validation_fraction, n):
    """Rows a 'stratified', 'tail' or 'auto' hold-out takes from ``n``.

    0 when nothing is held out: ``validation=None``, a zero fraction, or a
    hold-out under ``MIN_VALIDATION`` rows (too few to stop on).

    Examples
    --------
    >>> n_validation("auto", 0.1, 300), n_validation("auto", 0.1, 200)
    (30, 0)
    """
    if validation is None or not validation_fraction:
        return 0
    n_val = math.ceil(validation_fraction * n)
    if n_val < MIN_VALIDATION or n - n_val < 2:
        return 0
    return n_val


def n_never_held_out(X, y_encoded, val):
    """How many classes a stratified hold-out never takes: those of one
    distinct sequence (a single row, or copies of one row, which are held
    out or trained on together), missing from the hold-out ``val``."""
    n = 0
    for label in np.setdiff1d(np.unique(y_encoded), y_encoded[val]):
        rows = np.flatnonzero(y_encoded == label)
        # Copies are only found in memory (_copy_groups).
        if len(rows) == 1 or (isinstance(X, np.ndarray) and
                              (X[rows[1:]] == X[rows[0]]).all()):
            n += 1
    return n


def weighted_holdout(weights, train_idx, val_idx, kind, y_encoded,
                     classes, stacklevel=5):
    """``(train_idx, val_idx, kind)``, or every row to train on and no
    hold-out (kind ``'none'``, a warning) where the weights leave one part
    nothing: a hold-out of weight 0 has a loss of 0 whatever the network
    does (early stopping kept the first epoch); a hold-out carrying all the
    weight, or a class's, leaves a training loss of 0 (nothing, or that
    class, never learnt; with the stratified hold-out, by the seed)."""
    if not weights[val_idx].any():
        warnings.warn(
            f"The {kind} hold-out used for early stopping ({len(val_idx)} "
            "sequences) has sample_weight 0 everywhere, so its loss cannot "
            "judge the training: training on every sequence and "
            "monitoring the training loss instead. To hold out rows, give "
            "them weight or pass a validation splitter whose test part "
            "does.", UserWarning, stacklevel=stacklevel)
    else:
        unweighted = _unweighted_training(weights, train_idx, y_encoded,
                                          classes)
        if unweighted is None:
            return train_idx, val_idx, kind
        warnings.warn(
            f"The {kind} hold-out used for early stopping ({len(val_idx)} "
            f"sequences) leaves sample_weight x class_weight 0 on "
            f"{unweighted}: the network would never learn from them. "
            "Training on every sequence and monitoring the training loss "
            "instead. To hold out rows, give weight to the rows left to "
            "train on, or pass a validation splitter that leaves some.",
            UserWarning, stacklevel=stacklevel)
    return np.arange(len(weights)), np.arange(0), "none"


def _unweighted_training(weights, train_idx, y_encoded, classes):
    """What a hold-out leaves unweighted to train on, or None: every row,
    or the rows of a class weighed elsewhere (check_weights saw all the
    rows together)."""
    trained = weights[train_idx]
    if not trained.any():
        return f"all {len(train_idx)} sequences left to train on"
    totals = np.bincount(y_encoded[train_idx], trained,
                         minlength=len(classes))
    everywhere = np.bincount(y_encoded, weights, minlength=len(classes))
    # A class with no rows left at all is warn_missing_classes' case.
    missing = (totals == 0) & (everywhere > 0) & \
        (np.bincount(y_encoded[train_idx], minlength=len(classes)) > 0)
    if not missing.any():
        return None
    labels = [python_scalar(v) for v in classes[missing]]
    return f"the training rows of class(es) {labels}"


def warn_missing_classes(y_val, n_classes, kind, stacklevel=4,
                         n_single=0, y_train=None):
    """Warn when the hold-out lacks classes (its loss then misleads), or
    the rows left to train on do (the network never sees them).

    ``n_single`` classes have a single distinct sequence, which a
    stratified hold-out never takes (:func:`n_never_held_out`): not counted
    missing.
    """
    sorted_advice = ("the training data may be sorted by class; shuffle X "
                     "and y unless they are in time order, or pass "
                     "validation='stratified'")
    present = np.unique(y_val)
    if len(y_val) and len(present) + n_single < n_classes:
        advice = sorted_advice if kind == "tail" else \
            "pass a larger validation_fraction or validation=None"
        warnings.warn(
            f"The {kind} hold-out used for early stopping ({len(y_val)} "
            f"sequences) holds {len(present)} of {n_classes} classes: "
            f"{advice}.", UserWarning, stacklevel=stacklevel)
    if y_train is not None and len(y_val):
        trained = len(np.unique(y_train))
        if trained < n_classes:
            advice = sorted_advice if kind == "tail" else (
                "pass a splitter whose last training part holds every "
                "class" if kind == "splitter" else
                "pass a smaller validation_fraction")
            warnings.warn(
                f"The rows left to train on by the {kind} hold-out "
                f"({len(y_train)} sequences) hold {trained} of {n_classes} "
                f"classes: the network never sees the others and cannot "
                f"predict them: {advice}.", UserWarning,
                stacklevel=stacklevel)


def is_splitter(value):
    """True for objects with a ``split`` method (CV splitters)."""
    return hasattr(value, "split") and not isinstance(value, (str, numbers.Number))
