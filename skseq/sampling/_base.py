"""Shared machinery of the sequence samplers: resample rows, not features.

imbalanced-learn's samplers validate X as a 2-D feature matrix and so reject
3-D arrays and ragged lists of sequences. Random over- and under-sampling
never look inside a sample, though: they only choose row indices from the
labels. The samplers here run imbalanced-learn's own sampler on a column of
row numbers (so ``sampling_strategy``, ``random_state`` and their checks are
imbalanced-learn's) and then take those rows from X, whatever form X has.
"""

import copy
import numbers

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils import _safe_indexing
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_consistent_length, validate_data

from imblearn.utils import check_target_type

from ..utils._fit_state import kept_on_failure
from ..utils._targets import check_no_missing_labels
from ..utils._frames import check_not_sktime_frame, is_sequence_list


def _check_samples(X, input_name="X", y=None):
    """Accept anything with one entry per sample; reject scalars and strings."""
    if X is None or isinstance(X, (str, bytes, numbers.Number)) or (
        hasattr(X, "shape") and len(X.shape) == 0
    ):
        raise ValueError(
            f"{input_name} must be an array or a list with one sequence per "
            "sample (a 3-D array, a 2-D array or a list of arrays); got "
            f"{type(X).__name__} {X!r:.60}."
        )
    # A pd-multiindex frame's rows are time points: resampled, they would
    # tear the sequences apart.
    check_not_sktime_frame(X, input_name, y)
    return X


def _not_finite_error(name):
    return ValueError(
        f"{name} contains NaN or infinite values; a sequence model cannot "
        "use them (LSTMClassifier refuses them). Fill or drop them before "
        "resampling, e.g. with np.nan_to_num or by dropping those sequences."
    )


def _empty_error(name):
    return ValueError(
        f"{name} is an empty sequence (0 timesteps). Drop it, or give it at "
        "least one step, before resampling."
    )


def _no_features_error(name, shape):
    return ValueError(
        f"{name} has 0 features per step (shape {shape}); at least one is "
        "needed."
    )


def _check_sample_values(X, input_name="X"):
    """Refuse what no sequence model can use, before it is multiplied.

    Numeric samples must be finite sequences with at least one step: a 1-D
    numeric X (one number per sample), NaN or inf, and empty sequences are
    errors. Strings and other objects (raw texts, token lists) are not
    looked into.
    """
    if hasattr(X, "tocsr"):  # sparse: only stored values can be bad
        data = X.tocsr().data
        if data.dtype.kind in "fc" and not np.all(np.isfinite(data)):
            raise _not_finite_error(input_name)
        return
    if is_sequence_list(X):  # a pandas Series of sequences too
        for i, seq in enumerate(X):
            name = f"{input_name}[{i}]"
            if isinstance(seq, (str, bytes)):
                continue
            if isinstance(seq, numbers.Number):
                raise ValueError(
                    f"{name} is the number {seq!r}, not a sequence: each "
                    "sample must be a sequence (a list or array of steps). "
                    "For one step per sample, pass [[v] for v in X]."
                )
            try:
                arr = np.asarray(seq)
            except ValueError:  # nested ragged lists: not looked into
                continue
            if arr.dtype.kind not in "biufc":
                continue
            if arr.ndim >= 1 and arr.shape[0] == 0:
                raise _empty_error(name)
            if arr.ndim >= 2 and arr.shape[-1] == 0:
                raise _no_features_error(name, arr.shape)
            if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
                raise _not_finite_error(name)
        return
    if hasattr(X, "dtypes") and hasattr(X, "select_dtypes"):  # DataFrame
        values = X.select_dtypes("number").to_numpy(dtype=np.float64)
        if not np.all(np.isfinite(values)):
            raise _not_finite_error(input_name)
        return
    arr = X if isinstance(X, np.ndarray) else np.asarray(X)
    if arr.dtype.kind not in "biufc":
        return
    if arr.ndim == 1:
        raise ValueError(
            f"{input_name} is a 1-D array of numbers (shape {arr.shape}), "
            "one number per sample, not one sequence per sample. Pass "
            "(n_samples, n_timesteps) or (n_samples, n_timesteps, "
            f"n_features) sequences; {input_name}.reshape(-1, 1) makes each "
            "number a one-step sequence."
        )
    if arr.ndim >= 2 and arr.shape[1] == 0:
        raise ValueError(
            f"{input_name} has 0 timesteps (shape {arr.shape}): every "
            "sequence is empty. Each needs at least one step."
        )
    if arr.ndim >= 3 and arr.shape[-1] == 0:
        raise _no_features_error(input_name, arr.shape)
    if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
        raise _not_finite_error(input_name)


def _take_samples(X, indices):
    """Return the samples of X at ``indices``, in the form X came in.

    Arrays are indexed along their first axis (whatever their number of
    dimensions), lists and tuples give a list, and other containers
    (DataFrames, sparse matrices) go through scikit-learn's ``_safe_indexing``.
    The result never shares memory with X: a sample drawn twice is two
    copies.

    Parameters
    ----------
    X : ndarray, list, tuple, DataFrame or sparse matrix
        Samples, e.g. ``(n_samples, n_timesteps, n_features)`` sequences or a
        list of ``(t_i, n_features)`` arrays.
    indices : array-like of int
        Rows to take; may repeat.

    Returns
    -------
    X_taken : same kind as X
        ``len(indices)`` samples.
    """
    indices = np.asarray(indices, dtype=np.intp)
    if isinstance(X, (list, tuple)):
        # deepcopy: an ndarray or (nested) list sample is duplicated, not
        # aliased, so a later in-place change can touch neither the
        # caller's data nor the other copies of an over-sampled sequence
        # (copy.copy shared a list of step lists' inner lists).
        return [copy.deepcopy(X[i]) for i in indices]
    taken = X[indices] if isinstance(X, np.ndarray) else \
        _safe_indexing(X, indices)
    if getattr(taken, "dtype", None) == object:
        # An object array or Series of sequences holds references, as a
        # list does: indexing copies the references only.
        values = np.empty(taken.shape, dtype=object)
        for i, value in enumerate(np.asarray(taken).ravel()):
            values.flat[i] = copy.deepcopy(value)
        if not isinstance(taken, np.ndarray):  # a Series
            values = type(taken)(values, index=taken.index, name=taken.name)
        taken = values
    return taken


class _SequenceSamplerMixin:
    """Validation and ``fit_resample`` shared by the sequence samplers.

    Subclasses set ``_row_sampler()``, which returns an unfitted
    imbalanced-learn sampler exposing ``sample_indices_``.
    """

    def _check_X_y(self, X, y, accept_sparse=None):
        X = _check_samples(X, y=y)
        _check_sample_values(X)
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        check_consistent_length(X, y)
        self._record_n_features(X)
        return X, y, binarize_y

    def _record_n_features(self, X):
        """Set ``n_features_in_`` (features per step) where X has features.

        2-D arrays, DataFrames and sparse matrices go through scikit-learn
        (which also records ``feature_names_in_``); for a 3-D array it is
        the last axis; lists of sequences have none.
        """
        for name in ("n_features_in_", "feature_names_in_"):
            if hasattr(self, name):
                delattr(self, name)
        ndim = len(getattr(X, "shape", ()))
        if ndim == 3:
            self.n_features_in_ = X.shape[2]
        elif ndim == 2:
            validate_data(self, X=X, reset=True, skip_check_array=True)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_resample(self, X, y):
        """Resample whole sequences of X and their labels.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_timesteps, n_features) or \
(n_samples, n_timesteps), or list of array-like
            Sequences; a list of sequences of different lengths is fine.
            Numeric sequences must be finite and have at least one step;
            other per-sample objects (raw texts) are not looked into.
            Not modified.
        y : array-like of shape (n_samples,)
            Class labels (any type); a one-hot 2-D ``y`` is kept one-hot.

        Returns
        -------
        X_resampled : ndarray or list
            Resampled sequences, an array for array X and a list for list
            or tuple X. Samples keep their original order; a duplicate sits
            next to its original.
        y_resampled : ndarray or list
            Labels of ``X_resampled``, in the form of ``y``.
        """
        check_no_missing_labels(y)
        check_classification_targets(y)
        # n_features_in_ is recorded before imbalanced-learn's checks of y
        # and sampling_strategy run.
        with kept_on_failure(self):
            X, y_checked, _ = self._check_X_y(X, y)
            X_resampled, _ = self._fit_resample(X, y_checked)
        return X_resampled, _safe_indexing(y, self.sample_indices_)

    def fit(self, X, y, **params):
        """Check X and y and resolve ``sampling_strategy_``, as
        imbalanced-learn's ``fit``; a failure changes nothing."""
        with kept_on_failure(self):
            return super().fit(X, y, **params)

    def _fit_resample(self, X, y):
        rows = np.arange(len(y)).reshape(-1, 1)
        sampler = self._row_sampler()
        sampler.fit_resample(rows, y)
        self.sampling_strategy_ = sampler.sampling_strategy_
        # Sorted, so resampled data keeps its (time) order: LSTMClassifier's
        # early-stopping tail stays the end of the data instead of one class
        # or a block of duplicated minority sequences.
        self.sample_indices_ = np.sort(sampler.sample_indices_)
        return _take_samples(X, self.sample_indices_), y[self.sample_indices_]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        # NaN or inf sequences are refused (_check_sample_values): copying
        # them only delays LSTMClassifier's error.
        tags.input_tags.allow_nan = False
        tags.input_tags.string = True
        tags.sampler_tags.sample_indices = True
        return tags
