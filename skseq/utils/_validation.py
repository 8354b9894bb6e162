"""Input validation for sequence data.

skseq accepts sequences in three forms and turns each into one internal form,
a post-padded array plus the true length of every sequence:

* a 3-D array ``(n_samples, n_timesteps, n_features)``;
* a 2-D array ``(n_samples, n_timesteps)``, one feature per step (or, for
  token input, one token id per step);
* a list of 2-D (or 1-D) arrays of different lengths (ragged input).

One definition of "padded" is shared by every skseq object: in a dense array,
the leading and trailing runs of steps whose every feature equals
``mask_value`` are padding. Steps with that value in the middle of a sequence
are real data. Only the edges are checked because zero pre-padding
(``keras.utils.pad_sequences``' default) and zero post-padding are what people
feed, while an all-zero step in the middle is much more often real data.
"""

import numbers

import numpy as np
from sklearn.utils.validation import check_array

from ._frames import (_frames_in_column_order, check_not_sktime_frame,
                      is_sequence_list)
from ._padding import _dense_to_post_padded, padding_lengths, pad_sequences

__all__ = ["check_sequences", "python_scalar"]


def _is_string_like(x):
    return isinstance(x, (str, bytes))


def check_sequences(X, *, tokens=False, mask_value=0.0, pad_value=None,
                    input_name="X", dtype=np.float32, allow_empty_rows=False,
                    feature_names=None):
    """Validate sequence input and return it post-padded with its lengths.

    Parameters
    ----------
    X : array-like or list of array-like
        A 3-D array ``(n_samples, n_timesteps, n_features)``, a 2-D array
        ``(n_samples, n_timesteps)`` or a list of per-sample arrays of shape
        ``(t_i, n_features)`` or ``(t_i,)``.
    tokens : bool, default=False
        Validate integer token ids ``(n_samples, n_timesteps)`` instead of
        float features. Token id 0 is padding.
    mask_value : float or None, default=0.0
        In dense input, leading and trailing steps whose every feature equals
        this value are padding. ``None`` treats every step as real.
    pad_value : float or None, default=None
        Value written into the padded steps of the result; ``None`` means
        ``mask_value`` (or 0 where that is ``None``).
    input_name : str, default="X"
        Name used in error messages.
    dtype : dtype, default=np.float32
        Dtype of the result for float input (tokens are always int32).
    allow_empty_rows : bool, default=False
        Whether a sequence without a real step is accepted.
    feature_names : ndarray of str or None, default=None
        For a list of DataFrames: the column names their features are read
        in (the training data's,
        :func:`~skseq.utils._frames.frame_feature_names`); ``None``: the
        first DataFrame's. Columns are matched by name, never by position.

    Returns
    -------
    X_padded : ndarray of shape (n_samples, n_timesteps, n_features), or \
            (n_samples, n_timesteps) for tokens
        Post-padded copy (or the input itself where nothing had to change).
    lengths : ndarray of shape (n_samples,)
        Number of real steps of each sequence.

    Raises
    ------
    ValueError
        For missing (NaN) or infinite values, an empty sequence, an
        unsupported number of dimensions, strings, or ragged sequences of
        different feature counts. Nothing is modified. In a dense float
        array, steps where every feature is NaN at the end of a sequence are
        padding (the UCR/UEA archive's unequal lengths), not missing values.

    Examples
    --------
    >>> import numpy as np
    >>> from skseq.utils import check_sequences
    >>> X, lengths = check_sequences([np.ones((3, 2)), np.ones((1, 2))])
    >>> X.shape, lengths
    ((2, 3, 2), array([3, 1]))
    """
    if tokens:
        mask_value, pad_value, dtype = 0, 0, np.int32
    elif pad_value is None:
        pad_value = 0.0 if mask_value is None else mask_value

    if hasattr(X, "toarray") or hasattr(X, "tocsr"):
        raise ValueError(
            f"{input_name} is a sparse matrix; skseq needs dense sequences. "
            f"Convert it with {input_name}.toarray()."
        )
    check_not_sktime_frame(X, input_name)
    if is_sequence_list(X):
        X = list(X) if not isinstance(X, (list, tuple, np.ndarray)) else X
        if not tokens:
            X = _frames_in_column_order(X, feature_names, input_name)
        return _check_ragged(X, tokens, mask_value, pad_value, input_name,
                             dtype, allow_empty_rows)
    if _is_string_like(X) or isinstance(X, numbers.Number):
        raise ValueError(
            f"{input_name} must be a 2-D or 3-D array or a list of sequences; "
            f"got the scalar {X!r}."
        )
    X = _check_dense(X, tokens, input_name)
    if not tokens and np.isnan(X).any():
        sequences = _without_trailing_nan(X, input_name, allow_empty_rows)
        if mask_value is not None and mask_value == mask_value:
            # The other rows' edge padding is padding as in an array
            # without NaN (SequenceScaler.transform reads it so): a NaN
            # end in one row made zero padding data in every other.
            start, stop = padding_lengths(
                np.where(np.isnan(X), mask_value, X), mask_value)
            sequences = [x[a:b] for x, a, b in zip(X, start, stop)]
        X_padded, lengths = _check_ragged(
            sequences, tokens, mask_value, pad_value, input_name, dtype,
            allow_empty_rows=True)
        _check_lengths(lengths, input_name, mask_value, allow_empty_rows)
        return X_padded, lengths
    X_padded, lengths = _dense_to_post_padded(X, mask_value, pad_value, dtype)
    _check_lengths(lengths, input_name, mask_value, allow_empty_rows)
    return X_padded, lengths


def _check_not_complex(arr, input_name):
    """Refuse complex values by name (scikit-learn's message printed the
    whole array after "Complex data not supported")."""
    if getattr(arr, "dtype", None) is not None and arr.dtype.kind == "c":
        raise ValueError(
            f"Complex data not supported: {input_name} has complex values; "
            f"sequences must be real numbers. Pass e.g. "
            f"np.abs({input_name}) or its real and imaginary parts as two "
            "features per step.")


def _string_error(input_name):
    return ValueError(
        f"{input_name} contains strings; sequences must be numbers. Turn "
        "text into token ids with skseq.preprocessing.TextSequencer first, "
        "e.g. make_pipeline(TextSequencer(), LSTMClassifier())."
    )


class ObjectArrayError(TypeError, ValueError):
    """An object array whose entries are not numbers.

    Both a ``ValueError`` (bad input value, as for any other bad X) and a
    ``TypeError`` (what scikit-learn's ``check_dtype_object`` expects).
    """


def _has_nullable_columns(X):
    """Whether X is a pandas frame or series with a numeric extension dtype
    (Float64, Int64, ...), every other column numeric."""
    if not type(X).__module__.startswith("pandas"):
        return False
    from pandas.api.types import is_numeric_dtype

    dtypes = list(X.dtypes) if hasattr(X, "columns") else [X.dtype]
    return all(is_numeric_dtype(d) for d in dtypes) and any(
        not isinstance(d, np.dtype) for d in dtypes)


def _check_dense(X, tokens, input_name):
    arr = None
    if not tokens and _has_nullable_columns(X):
        # pandas' nullable columns (Float64, Int64: convert_dtypes()) hold
        # pd.NA, which NumPy cannot read as a number: NaN, as for float
        # columns (trailing NaN is padding, any other a missing value).
        try:
            arr = X.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError):
            pass  # refused below, by name
    if arr is None:
        arr = np.asarray(X) if not hasattr(X, "dtype") else X
    if not tokens:  # token ids of any other dtype are named below
        _check_not_complex(arr, input_name)
    if getattr(arr, "dtype", None) is not None and arr.dtype.kind in "OUS":
        if arr.dtype.kind in "US" or any(
            _is_string_like(v) for v in np.asarray(arr).ravel()[:100]
        ):
            raise _string_error(input_name)
        try:
            arr = np.asarray(arr, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ObjectArrayError(
                f"{input_name} is an object array that cannot be converted to "
                f"numbers ({exc}). Pass a numeric array, or a list of 2-D "
                "numeric arrays for sequences of different lengths."
            ) from None
    ndim = np.ndim(arr)
    if ndim not in (2, 3) or (tokens and ndim != 2):
        want = "2-D (n_samples, n_timesteps) array of token ids" if tokens \
            else "3-D (n_samples, n_timesteps, n_features) array"
        # (-1, 1) would be one-step sequences: a label per value.
        # "Reshape your data" is what scikit-learn's checks look for.
        hint = (" Reshape your data: for one univariate sequence pass "
                "X.reshape(1, -1); for one sequence of n_features per step, "
                "X.reshape(1, -1, n_features)." if ndim == 1 else "")
        raise ValueError(
            f"Expected a {want}, a 2-D array with one feature per step, or a "
            f"list of sequences; got {input_name} with {ndim} dimension(s) "
            f"and shape {np.shape(arr)}.{hint}"
        )
    if tokens:
        arr = check_array(arr, dtype=None, input_name=input_name,
                          ensure_min_samples=1)
        return _check_token_values(arr, input_name)
    # NaN passes here: after a sequence's end it is padding (see
    # _without_trailing_nan); infinity is refused.
    arr = check_array(arr, dtype=[np.float32, np.float64], allow_nd=True,
                      input_name=input_name, ensure_min_samples=1,
                      ensure_min_features=1, ensure_all_finite="allow-nan")
    _check_float32_range(arr, input_name)
    if arr.ndim == 2:
        arr = arr[:, :, np.newaxis]
    if arr.shape[1] == 0:
        # Not a padding question (whatever mask_value is): there is no step.
        raise ValueError(
            f"{input_name} has 0 timesteps (shape {arr.shape}); every "
            "sequence needs at least one step."
        )
    if arr.shape[2] == 0:
        raise ValueError(
            f"{input_name} has 0 features per step (shape {arr.shape}); at "
            "least one is needed."
        )
    return arr


def python_scalar(value):
    """A NumPy scalar as the Python value it holds (``np.int64(8)`` as
    ``8``: what Keras' layers take and what messages print); anything else
    as it is."""
    return value.item() if isinstance(value, np.generic) else value


def _check_float32_range(arr, input_name):
    """Refuse float64 values that float32, the network's type, makes inf.

    scikit-learn's finiteness check reads them in float64, where they are
    finite; cast, they gave NaN probabilities.
    """
    if arr.dtype.itemsize <= 4 or not arr.size:
        return
    limit = float(np.finfo(np.float32).max)
    # fmax/fmin skip NaN (trailing NaN steps are padding).
    high = float(np.fmax.reduce(arr, axis=None))
    low = float(np.fmin.reduce(arr, axis=None))
    if high > limit or low < -limit:
        raise ValueError(
            f"{input_name} has values beyond float32's range (up to "
            f"{max(high, -low):.3g}; float32 holds up to {limit:.3g}), in "
            "which the network computes. Rescale it first, e.g. "
            "X / 10**k or a log transform of that feature.")


def _without_trailing_nan(X, input_name, allow_empty_rows=False):
    """The sequences of a dense array without their trailing NaN steps.

    The UCR/UEA archive stores sequences of unequal lengths as one table
    padded with NaN at the end (``*_TRAIN.tsv``): steps where every
    feature is NaN after a row's last other step are not there. Any other
    NaN is a missing value, which no padding rule can tell from data: a
    ValueError names the first one and the fix.
    """
    _, stop = padding_lengths(X, np.nan)
    # Before a row's end, any NaN is missing (leading NaN steps too).
    inside = np.isnan(X).any(axis=2) & (np.arange(X.shape[1]) < stop[:, None])
    if inside.any():
        row, step = np.argwhere(inside)[0]
        raise ValueError(
            f"{input_name} has missing values (NaN) inside "
            f"{int(inside.any(axis=1).sum())} sequence(s), e.g. row {row} at "
            f"step {step}. NaN is read only as padding: steps where every "
            "feature is NaN at the end of a sequence (the UCR/UEA archive's "
            "format for unequal lengths). Fill the gaps first, "
            "e.g. by interpolating along time (for a 2-D X: pandas."
            "DataFrame(X).interpolate(axis=1, limit_direction='both')), or "
            "drop those sequences.")
    empty = np.flatnonzero(stop == 0)
    if empty.size and not allow_empty_rows:
        raise ValueError(
            f"{input_name} has {empty.size} sequence(s) whose every step is "
            f"NaN, e.g. row {empty[0]}: nothing is left once the NaN padding "
            "is removed. Drop these rows.")
    return [x[:b] for x, b in zip(X, stop)]


def _check_token_values(arr, input_name):
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise ValueError(
                f"Token input {input_name} must hold integer ids; it has "
                "non-integer values. A model fitted on token ids predicts "
                "token ids; for real-valued sequences fit with "
                "input_type='numeric'."
            )
    elif arr.dtype.kind not in "iub":
        raise ValueError(
            f"Token input {input_name} must hold integer ids, got dtype "
            f"{arr.dtype}. A model fitted on token ids predicts token ids; "
            "for real-valued sequences fit with input_type='numeric'."
        )
    if arr.size and arr.min() < 0:
        raise ValueError(
            f"Token ids must be >= 0 (0 is padding); {input_name} has "
            f"{arr.min()}. With input_type='auto' (the default), integer "
            "input (a 2-D integer array, or a list of 1-D integer sequences)"
            " is read as token ids; pass input_type='numeric' if these are "
            "numeric values, not token ids."
        )
    largest = np.iinfo(np.int32).max
    # Compared as Python numbers: NumPy reads 2**31 - 1 as float32 beside a
    # float32 array, where it is 2**31.
    if arr.size and float(arr.max()) > largest:
        # Beyond int32 the cast wrapped them around (2**32 + 7 read as 7,
        # 2**31 as a negative id): kept beyond any vocabulary instead, read
        # as padding like every unseen id (fit refuses them). Clipped in
        # float64 or int64: float32 rounds 2**31 - 1 up to 2**31.
        wide = np.float64 if arr.dtype.kind == "f" else np.int64
        arr = np.minimum(arr.astype(wide, copy=False), largest)
    return arr.astype(np.int32, copy=False)


def _channels_first_hint(X, input_name):
    """Advice when a list holds aeon/sktime sequences, channels first.

    aeon and sktime give sequences of unequal lengths as a list of
    ``(n_channels, n_timepoints)`` arrays; skseq reads ``(n_timesteps,
    n_features)``. Every array then has as many rows, and the error on
    their "feature" counts should say to transpose them.
    """
    shapes = [np.shape(x) for x in X]
    if all(len(s) == 2 for s in shapes) and len({s[0] for s in shapes}) == 1:
        return (f" Every sequence has {shapes[0][0]} row(s) and a varying "
                "number of columns: channels first, as aeon and sktime give "
                "them (n_channels, n_timepoints). Pass "
                f"skseq.datasets.from_channels_first({input_name}), or "
                f"[x.T for x in {input_name}].")
    return ""


def _check_ragged(X, tokens, mask_value, pad_value, input_name, dtype,
                  allow_empty_rows):
    if len(X) == 0:
        raise ValueError(
            f"Found 0 sequences in {input_name}; at least 1 is required."
        )
    sequences = []
    n_features = None
    for i, seq in enumerate(X):
        if _is_string_like(seq):
            raise _string_error(input_name)
        arr = np.asarray(seq)
        if not tokens:
            _check_not_complex(arr, f"{input_name}[{i}]")
        if arr.dtype.kind in "US" or (
            arr.dtype == object and any(_is_string_like(v) for v in arr.ravel())
        ):
            raise _string_error(input_name)
        name = f"{input_name}[{i}]"
        if tokens:
            if arr.ndim != 1:
                raise ValueError(
                    f"Each token sequence must be 1-D; {name} has shape "
                    f"{arr.shape}."
                )
            arr = _check_token_values(arr.reshape(-1, 1), name)[:, 0]
        else:
            if arr.ndim == 1:
                arr = arr.reshape(-1, 1)
            if arr.ndim != 2:
                raise ValueError(
                    f"Each sequence must be a 2-D (n_timesteps, n_features) "
                    f"or 1-D array; {name} has shape {arr.shape}."
                )
            if arr.shape[1] == 0:
                raise ValueError(
                    f"{name} has 0 features per step (shape {arr.shape}); "
                    "at least one is needed."
                )
            if arr.shape[0] > 0:
                arr = check_array(arr, dtype=[np.float32, np.float64],
                                  input_name=name, ensure_min_samples=0,
                                  ensure_min_features=1)
                _check_float32_range(arr, name)
            if n_features is None:
                n_features = arr.shape[1]
            elif arr.shape[1] != n_features:
                raise ValueError(
                    f"All sequences must have the same number of features: "
                    f"{input_name}[0] has {n_features}, {name} has "
                    f"{arr.shape[1]}.{_channels_first_hint(X, input_name)}"
                )
        if arr.shape[0] == 0 and not allow_empty_rows:
            raise ValueError(
                f"Sequence {name} is empty (0 timesteps). Drop it, or give it "
                "at least one step."
            )
        sequences.append(arr)
    padded, lengths = pad_sequences(sequences, value=pad_value, dtype=dtype)
    return padded, lengths


def _check_lengths(lengths, input_name, mask_value, allow_empty_rows):
    if allow_empty_rows:
        return
    empty = np.flatnonzero(lengths == 0)
    if empty.size and mask_value is None:
        raise ValueError(
            f"{input_name} has {empty.size} sequence(s) with no step, e.g. "
            f"row {empty[0]}. Drop these rows."
        )
    if empty.size:
        raise ValueError(
            f"{input_name} has {empty.size} sequence(s) with no real step, "
            f"e.g. row {empty[0]}: every step equals the padding value "
            f"mask_value={mask_value!r}. Drop these rows, or pass "
            "mask_value=None if such steps are real data."
        )
