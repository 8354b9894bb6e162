"""Everything ``LSTMClassifier.fit`` does before training: validation of X,
y and weights, the validation hold-out, the training rules, scaling, and the
Keras inputs (arrays or bucketed batches).

Nothing here touches the estimator: :func:`prepare_fit` returns the state
that ``fit`` commits once training has ended.
"""

import functools
import warnings

import numpy as np

from ..datasets._channels_first import warn_if_channels_first
from ..inspection._input_summary import summarize_input
from ..preprocessing._scaler import (SequenceScaler, affine_map,
                                     real_step_mask, unmask_real_steps)
from ..utils._disk import as_disk_sequences
from ..utils._padding import (_dense_to_post_padded, padding_sample,
                              resolve_mask_value, spread_indices,
                              warn_zero_is_data)
from ..utils._targets import check_targets
from ..utils._frames import (check_not_sktime_frame, frame_feature_names,
                             is_sequence_list)
from ..utils._validation import _has_nullable_columns, check_sequences
from . import _distribution, _holdout, _training
from ._batching import should_bucket, steps_read

__all__ = ["clip_tokens", "looks_like_tokens", "model_input",
           "prepare_fit", "resolve_tokens"]


def clip_tokens(X_tokens, vocabulary_size):
    """Unseen ids (>= vocabulary_size) become padding, i.e. are skipped."""
    if X_tokens.size and X_tokens.max() >= vocabulary_size:
        X_tokens = np.where(X_tokens < vocabulary_size, X_tokens, 0)
    return X_tokens


def _warn_tokens_beyond(X_tokens, vocabulary_size, largest):
    """Warn that a set vocabulary_size below the ``largest`` training id
    drops training tokens (as padding)."""
    real = X_tokens > 0
    share = np.count_nonzero(X_tokens >= vocabulary_size) / max(
        1, np.count_nonzero(real))
    warnings.warn(
        f"vocabulary_size={vocabulary_size} is below the training data's "
        f"largest token id ({largest}): {share:.1%} of the training tokens "
        f"(ids {vocabulary_size} to {largest}) are read as padding, i.e. "
        "skipped, in training as in prediction. Fix: vocabulary_size=None "
        f"({largest + 1}, from the data), or ignore this warning if dropping "
        "those ids is meant.", UserWarning, stacklevel=5)


def model_input(X_padded, lengths, tokens, scaler):
    """Scale real steps and keep padded steps at 0.0 for the Masking layer."""
    if tokens:
        return X_padded
    if scaler is not None:
        return scaler._transform_padded(X_padded, lengths)
    real = real_step_mask(lengths, X_padded.shape[1])
    if np.any(real & np.all(X_padded == 0.0, axis=2)):
        X_padded = unmask_real_steps(X_padded.copy(), real, 0.0)
    return X_padded


def _warn_if_float32_loses_the_signal(X, mask_value, max_rows=256,
                                      max_values=100_000):
    """Warn where float64 values are so far from zero, for their spread,
    that float32 (what the network computes in, and what X is cast to
    before scaling) merges most of their distinct values: 1e8 + N(0, 1)
    became one constant, silently. Input that validation will refuse is
    left to it."""
    try:
        if isinstance(X, (list, tuple)):
            rows = [np.asarray(x) for x in X[:max_rows]]
            if not rows or any(r.dtype != np.float64 or r.ndim not in (1, 2)
                               for r in rows):
                return
            steps = np.concatenate([r.reshape(len(r), -1) for r in rows])
        else:
            arr = X if isinstance(X, np.ndarray) else None
            if arr is None or arr.dtype != np.float64 or \
                    arr.ndim not in (2, 3):
                return
            sample = arr[spread_indices(len(arr), max_rows)]
            steps = sample.reshape(-1, 1 if arr.ndim == 2 else arr.shape[2])
    except ValueError:  # ragged features, empty rows: validation says it
        return
    steps = steps[np.all(np.isfinite(steps), axis=1)]
    if mask_value is not None:
        steps = steps[np.any(steps != mask_value, axis=1)]
    for f in range(steps.shape[1] if steps.ndim == 2 else 0):
        values = np.unique(steps[:max_values, f])
        if len(values) < 20:
            continue  # few levels (codes, events): compared exactly below
        kept = len(np.unique(values.astype(np.float32)))
        if kept < len(values) / 2:
            warnings.warn(
                f"Feature {f} of X is far from zero for its spread (about "
                f"{np.median(values):.6g} +- {np.std(values):.3g}): float32, "
                "which the network computes in and X is cast to before "
                f"scaling, keeps {kept} of {len(values)} distinct values "
                "seen, so the signal is lost. Subtract an offset in float64 "
                "first, e.g. X - np.median(X, axis=(0, 1)).", UserWarning,
                stacklevel=5)
            return


def looks_like_tokens(X):
    """True for 2-D integer arrays or lists (object arrays, Series) of 1-D
    integer sequences."""
    if is_sequence_list(X):
        # The first non-empty sequence: an empty one reads as float64
        # (np.asarray([])), and the same ids in another order were numeric.
        first = next((a for a in map(np.asarray, X) if a.size), np.empty(0))
        return first.ndim == 1 and first.dtype.kind in "iu"
    if _has_nullable_columns(X):
        # pandas' nullable integers (Int64: convert_dtypes()) made an
        # object array: the same ids were numbers. With pd.NA they are a
        # table padded with missing values, numbers.
        import pandas as pd

        dtypes = list(X.dtypes) if hasattr(X, "columns") else [X.dtype]
        return (X.ndim == 2 and not X.isna().to_numpy().any()
                and all(pd.api.types.is_integer_dtype(d) for d in dtypes))
    X = np.asarray(X)
    return X.ndim == 2 and X.dtype.kind in "iu"


def _in_row_order(values, order):
    """Undo ``values = original[order]`` (``order`` a permutation)."""
    out = np.empty_like(values)
    out[order] = values
    return out


# Training steps from which one trace per batch size pays for its extra
# trace. At 2,000 x 100 x 3 (96 steps, conv-LSTM) the extra trace made fit
# 1.14x the hand-written one (1.01 without); at 200,000 x 100 x 8 (782
# steps) the per-batch-size traces made it 0.74x (benchmarks/README.md).
_MANY_STEPS = 500


class _RowView:
    """``X[order]`` without the copy: rows are looked up when indexed."""

    def __init__(self, X, order):
        self.X, self.order = X, order
        self.shape = (len(order),) + X.shape[1:]
        self.ndim = X.ndim

    def __len__(self):
        return len(self.order)

    def __getitem__(self, key):
        key, rest = (key[0], key[1:]) if isinstance(key, tuple) else (key, ())
        return self.X[(self.order[key],) + rest]


def _tensorflow():
    import keras

    return keras.backend.backend() == "tensorflow"


def resolve_tokens(input_type, X):
    """Whether X is taken as token ids under ``input_type``."""
    if input_type == "auto":
        return looks_like_tokens(X)
    return input_type == "tokens"


def prepare_fit(est, X, y, sample_weight, distribution=None):
    """Validate everything and build the Keras inputs, before training.

    Returns the fitted state to commit (``state``) without touching the
    estimator. Under a ``distribution`` every batch holds a multiple of the
    devices it is split across (the batch size is rounded up to one).
    """
    distributed = distribution is not None
    batch_multiple = _distribution.batch_multiple(distribution)
    # Before any count of rows: a frame's rows are not its sequences.
    check_not_sktime_frame(X, y=y)
    disk = as_disk_sequences(X, 0.0 if est.mask_value == "auto"
                             else est.mask_value)
    if disk is not None and est.input_type == "auto" and all(
            len(block.shape) == 2 and block.dtype.kind in "iu"
            for block in disk.blocks):
        # In memory, the same ids are tokens (an Embedding); from disk they
        # trained as scaled numbers, silently.
        raise ValueError(
            "X is a disk array of integers of shape (n_samples, "
            "n_timesteps): in memory that is token ids, but disk arrays "
            "(memmap, Zarr) are read as numeric sequences. For token ids, "
            "load them with numpy.asarray(X); to read the integers as "
            "numbers (counts), pass input_type='numeric'.")
    tokens = False if disk is not None else resolve_tokens(est.input_type, X)
    mask_value, edge_zeros = resolve_mask_value(
        est.mask_value, padding_sample(X, disk, tokens))
    if disk is not None:
        disk.mask_value = mask_value
    if edge_zeros and est.mask_value == "auto" and mask_value is None:
        warn_zero_is_data(stacklevel=4)
    if disk is not None:
        if est.input_type == "tokens":
            raise ValueError(
                "input_type='tokens' needs token ids in memory (a 2-D array "
                "or a list); disk arrays (memmap, Zarr) are read as numeric "
                "sequences. Load the token ids with numpy.asarray first.")
        X_padded, lengths = disk, disk.check()
    elif not tokens:
        # aeon/sktime hold series channels-first: (n, 1, 150) would
        # train silently as one step of 150 features.
        warn_if_channels_first(X, stacklevel=4)
        _warn_if_float32_loses_the_signal(X, mask_value)
    if disk is None:
        X_padded, lengths = check_sequences(
            X, tokens=tokens, mask_value=mask_value, pad_value=0.0,
            allow_empty_rows=tokens)
    if tokens and len(lengths) and lengths.max() == 0:
        raise ValueError(
            "Every token sequence is empty or all padding (id 0): there "
            "is nothing to learn from. Check the tokenizer's vocabulary "
            "(e.g. TextSequencer(max_tokens=...)) and that 0 is used "
            "for padding only.")
    y = check_targets(y, len(lengths))
    classes, y_encoded = np.unique(y, return_inverse=True)
    weights = _training.check_weights(
        sample_weight, est.class_weight, y, y_encoded)
    state = {"tokens_": tokens, "classes_": classes, "mask_value_": mask_value,
             "n_features_in_": 1 if tokens else X_padded.shape[2],
             "n_timesteps_in_": int(lengths.max()),
             "vocabulary_size_": None}
    names = None if tokens else frame_feature_names(X)
    if names is not None:
        # scikit-learn's attribute: only where X named its features.
        state["feature_names_in_"] = names
    if tokens:
        # One pass for the largest id, read by the inferred size and the
        # warning; ids beyond a set size only then need clipping.
        largest = int(X_padded.max()) if X_padded.size else 0
        if largest == np.iinfo(np.int32).max and not est.vocabulary_size:
            raise ValueError(
                "X holds token ids of 2**31 - 1 or more (hashed ids?): the "
                "embedding would need a row per id up to the largest. Map "
                "them to a vocabulary first, e.g. ids = np.unique(X, "
                "return_inverse=True)[1].reshape(X.shape) + 1 (0 stays "
                "padding if X's padding is its smallest id), or pass "
                "vocabulary_size to read larger ids as padding.")
        state["vocabulary_size_"] = int(
            est.vocabulary_size or max(largest + 1, 2))
        if largest >= state["vocabulary_size_"]:
            _warn_tokens_beyond(X_padded, state["vocabulary_size_"], largest)
            X_padded = clip_tokens(X_padded, state["vocabulary_size_"])

    train_idx, val_idx, kind = est._held_out(X_padded, lengths, y_encoded)
    if len(val_idx) and weights is not None:
        train_idx, val_idx, kind = _holdout.weighted_holdout(
            weights, train_idx, val_idx, kind, y_encoded, classes)
    n_train, n_val = len(train_idx), len(val_idx)
    if n_val > n_train and kind in ("stratified", "tail"):
        warnings.warn(
            f"validation_fraction={est.validation_fraction} holds out "
            f"{n_val} sequences and trains on {n_train}: the network learns "
            "from fewer sequences than it is judged on. Pass a smaller "
            "validation_fraction (0.1 by default).", UserWarning,
            stacklevel=4)
    n_single = (_holdout.n_never_held_out(X_padded, y_encoded, val_idx)
                if kind == "stratified" else 0)
    # Rows of X in the order below: training rows first, then the hold-out.
    order = np.concatenate([train_idx, val_idx])
    # Unbucketed in-memory rows are gathered batch by batch from X as it is
    # (builders.gathered_tf_dataset; under JAX, builders.ArrayBatches).
    # Data-parallel batches must split evenly: no buckets of any size. Disk
    # rows stream at full width (StreamedBatches): never bucketed either.
    bucket = (should_bucket(lengths, est.bucketing) and not distributed
              and disk is None)
    if est.bucketing is True and not bucket:
        warnings.warn(
            "bucketing=True is not used " + (
                "under a distribution (every batch must split evenly across "
                "the devices)" if distributed else
                "for sequences read from disk (rows stream at full width)")
            + ": batches are padded to the longest sequence, as with "
            "bucketing=False, and train as such.", UserWarning, stacklevel=4)
    gathered = disk is None and not bucket and not distributed
    X_rows, row_of = X_padded, order
    if not (len(order) == len(lengths)
            and np.array_equal(order, np.arange(len(order)))):
        # Shuffled (stratified, a splitter) or purged (tail) rows.
        # Arrays for Keras: one copy in the new order, then slices. Rows
        # gathered per batch, or on disk: a view, read on demand.
        X_padded, lengths, y_encoded, weights = (
            a.subset(order) if a is disk else _RowView(a, order)
            if a is X_padded and gathered else a[order]
            for a in (X_padded, lengths, y_encoded, weights))
    if n_val:
        _holdout.warn_missing_classes(y_encoded[n_train:], len(classes),
                                      kind, n_single=n_single,
                                      y_train=y_encoded[:n_train])
    _training.scale_weights(weights, n_train)
    batch_size = _training.resolve_batch_size(est.batch_size, n_train)
    batch_size = batch_multiple * -(-batch_size // batch_multiple)
    epochs = _training.resolve_epochs(est.epochs, n_train, batch_size)
    if est.model_builder is not None and est.n_networks not in ("auto", 1):
        raise ValueError(
            f"n_networks={est.n_networks!r} needs the built-in networks; a "
            "model_builder builds one network. Pass n_networks=1 (or 'auto'),"
            " or average several networks inside the model_builder.")
    steps = steps_read(lengths[:n_train], batch_size, X_padded.shape[1],
                       bucket)
    n_networks = 1 if est.model_builder is not None else \
        _training.resolve_n_networks(
            est.n_networks, est.epochs, n_train, epochs, steps)
    # Imported here: _architectures imports Keras (import skseq is fast).
    from ._architectures import resolve_architecture, resolve_pooling
    from ._candidates import architecture_candidates

    architecture = resolve_architecture(est.architecture, tokens)
    architectures = architecture_candidates(
        est, architecture, tokens=tokens, n_val=n_val,
        distribution=distribution,
        affordable_networks=_training.resolve_n_networks(
            "auto", est.epochs, n_train, epochs, steps))
    state.update(
        batch_size_=batch_size, epochs_=epochs, validation_=kind,
        n_networks_=n_networks, architecture_=architecture,
        pooling_=resolve_pooling(est.pooling, tokens))
    state["input_summary_"] = summarize_input(
        X_padded, lengths, y_encoded, weights, n_train=n_train,
        tokens=tokens)
    state["scaler_"] = None
    # Its mask_value is X's resolved one: scaler_.transform reads raw X as
    # fit did.
    scaler = SequenceScaler(method=est.scaling, mask_value=mask_value)
    if est.scaling is not None and not tokens and disk is not None:
        state["scaler_"] = scaler._fit_disk(
            disk, order[:n_train], _in_row_order(lengths, order),
            est.random_state)
    elif est.scaling is not None and not tokens and \
            isinstance(X_padded, _RowView):
        # Training rows in chunks: X[order[:n_train]] would be a copy.
        step = 1 << 16
        state["scaler_"] = scaler._fit_chunks(
            ((X_padded[start:min(start + step, n_train)],
              lengths[start:min(start + step, n_train)])
             for start in range(0, n_train, step)),
            int(lengths[:n_train].sum()), X_padded.shape[2],
            est.random_state)
    elif est.scaling is not None and not tokens:
        state["scaler_"] = scaler._fit_padded(
            X_padded[:n_train], lengths[:n_train])
    # What the (affine, per-feature) scaling multiplies a spread by.
    gain = None if tokens else \
        affine_map(state["scaler_"], state["n_features_in_"])[0]
    sequence_scale = None if est.model_builder is not None else \
        _training.resolve_sequence_scaling(
            est.sequence_scaling,
            state["input_summary_"].get("sequence_log_scale"), gain)
    state["sequence_scaling_"] = sequence_scale is not None
    # Scaled once, up front, where Keras or bucketing takes arrays (under
    # TensorFlow, unbucketed, each batch is scaled when it is drawn).
    X_model = None if disk is not None or gathered \
        else model_input(X_padded, lengths, tokens, state["scaler_"])
    y_model = (y_encoded.reshape(-1, 1) if len(classes) == 2
               else y_encoded).astype(np.float32)
    # Unit weights are left out: a weighted train step is slower (JAX).
    weights = (None if np.all(weights == 1.0)
               else weights.astype(np.float32))

    def part(array, where):
        return None if array is None else array[where]

    tr, va = slice(0, n_train), slice(n_train, n_train + n_val)
    if disk is not None:
        from . import _builders as builders

        def to_model(raw, scaler=state["scaler_"]):
            X_post, post_lengths = _dense_to_post_padded(
                raw, mask_value, 0.0, np.float32)
            return model_input(X_post, post_lengths, False, scaler)

        def streamed(where, rng=None):
            return builders.StreamedBatches(
                disk, order[where], y_model[where], part(weights, where),
                batch_size, to_model, rng, multiple=batch_multiple)

        def train(model):
            # Made per network: each candidate 'auto' trains shuffles from
            # the seed, as it would alone (one generator shared by all
            # moved on with each).
            return streamed(tr, np.random.default_rng(est.random_state))

        validation = streamed(va) if n_val else None
        per_batch_size = False
        fit_kwargs = {"shuffle": False}
    elif bucket:
        # Keras is imported by then (fit imported it first).
        import keras

        from . import _builders as builders
        from ._builder_checks import fixed_steps

        def bucketed(where, model, shuffle):
            if fixed_steps(model) is not None:
                # A model_builder's network built for a fixed number of
                # steps takes whole rows, not buckets trimmed to their
                # longest sequence.
                return builders.ArrayBatches(
                    X_model[where], y_model[where], part(weights, where),
                    batch_size, np.random.default_rng(est.random_state)
                    if shuffle else None)
            return trimmed(where, model, shuffle)

        if keras.backend.backend() == "tensorflow":
            def trimmed(where, model, shuffle):
                # Exact widths cost no traces; XLA compiles per width.
                return builders.bucketed_tf_dataset(
                    X_model[where], y_model[where], part(weights, where),
                    lengths[where], batch_size,
                    seed=est.random_state, shuffle=shuffle,
                    round_widths=bool(model.jit_compile))
        else:
            def trimmed(where, model, shuffle):
                return builders.BucketedSequence(
                    X_model[where], y_model[where], part(weights, where),
                    lengths[where], batch_size,
                    np.random.default_rng(est.random_state)
                    if shuffle else None)
        # Built when fit runs, inside the seeded context, for the model.
        train = functools.partial(bucketed, tr, shuffle=True)
        validation = (functools.partial(bucketed, va, shuffle=False)
                      if n_val else None)
        # The batches shuffle themselves; Keras' shuffle would only warn.
        per_batch_size = keras.backend.backend() == "tensorflow"
        fit_kwargs = {"shuffle": False}
    elif gathered:
        from . import _builders as builders

        scaler = state["scaler_"]

        def take(rows, offset):
            rows = rows + offset
            x = model_input(X_rows[row_of[rows]], lengths[rows], tokens,
                            scaler)
            if weights is None:
                return x, y_model[rows]
            return x, y_model[rows], weights[rows]

        def gathered_batches(offset, size, model):
            # Built when fit runs, inside the seeded context: TensorFlow
            # derives the shuffle's seed from the global seed set there.
            if not _tensorflow():
                # JAX: a PyDataset of the same batches. Keras' array
                # adapter, which a hand-written fit uses, would need the
                # scaled copy of X whole (640 MB at 200,000 x 100 x 8;
                # peak memory 1.4x the hand-written fit's, 2026-12-04).
                return builders.ArrayBatches(
                    np.arange(size), None, None, batch_size,
                    np.random.default_rng(est.random_state)
                    if offset == 0 else None,
                    take=functools.partial(take, offset=offset))
            specs = [(X_padded.shape, np.int32 if tokens else np.float32),
                     (y_model.shape, np.float32)]
            if weights is not None:
                specs.append((weights.shape, np.float32))
            return builders.gathered_tf_dataset(
                functools.partial(take, offset=offset), size, specs,
                batch_size, seed=est.random_state, shuffle=offset == 0)

        train, validation = (
            functools.partial(gathered_batches, offset, size)
            for offset, size in ((0, n_train), (n_train, n_val)))
        # A step traced for an unknown batch size runs slower (see there),
        # but a second trace (the last batch's size) costs about a second:
        # it pays over a long training, not over a few dozen steps.
        per_batch_size = _tensorflow() and (
            n_train % batch_size == 0 or
            -(-n_train // batch_size) * epochs >= _MANY_STEPS)
        fit_kwargs = {"shuffle": False}
    else:
        # Distributed (JAX, data-parallel): every other case is above.
        # Keras' array adapter would leave a last batch that may not split
        # evenly across data-parallel devices; these batches do, and shuffle
        # alike whatever the number of devices.
        from . import _builders as builders

        train, validation = (
            builders.ArrayBatches(
                X_model[where], y_model[where], part(weights, where),
                batch_size, np.random.default_rng(est.random_state)
                if where is tr else None, multiple=batch_multiple)
            for where in (tr, va))
        per_batch_size = False
        fit_kwargs = {"shuffle": False}
    if n_val == 0:
        validation = None
    meta = {
        "n_features": state["n_features_in_"],
        "n_classes": len(classes),
        "n_outputs": 1 if len(classes) == 2 else len(classes),
        "tokens": tokens,
        "vocabulary_size": state["vocabulary_size_"],
        "n_timesteps": state["n_timesteps_in_"],
        "sequence_scale": sequence_scale,
    }
    plan = _training.plan_schedule(
        est.n_iter_no_change, est.lr_schedule, epochs,
        monitor="val_loss" if n_val else "loss", n_classes=len(classes))
    # No padding anywhere (equal lengths): train the built-in network without
    # its mask (same result, a quarter faster on CPU), predict with it.
    unmasked = (not tokens and est.model_builder is None
                and bool(len(lengths))
                and int(lengths.min()) == X_padded.shape[1])
    return {"train": train, "validation": validation,
            "fit_kwargs": fit_kwargs, "trace_per_batch_size": per_batch_size,
            "meta": meta, "plan": plan, "state": state,
            "train_unmasked": unmasked, "architectures": architectures,
            # Steps of the training batches of a network built for a fixed
            # number (buckets are not trimmed for one: bucketed() above).
            "batch_width": int(X_padded.shape[1])}
