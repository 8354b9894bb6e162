"""SequenceSummarizer: fixed-length summary features of sequences."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..preprocessing._scaler import real_step_mask
from ..utils._frames import record_feature_names
from ..utils._padding import resolve_auto_mask
from ..utils._validation import check_sequences

__all__ = ["SequenceSummarizer"]

_STATS = ("mean", "std", "min", "max", "first", "last", "slope")


def _check_stats(stats):
    stats = tuple(stats)
    unknown = [s for s in stats if s not in _STATS]
    if unknown:
        raise ValueError(
            f"Unknown statistic(s) {unknown} in stats; choose from "
            f"{list(_STATS)}."
        )
    return stats


class SequenceSummarizer(TransformerMixin, BaseEstimator):
    """Turn each sequence into a fixed-length vector of per-feature statistics.

    The features of classical baselines for sequence classification: for
    every feature (the last axis), statistics over the real (non-padded)
    steps of each sequence, and optionally the sequence resampled to a fixed
    number of evenly spaced points (which, for sequences of equal length,
    is simply the flattened sequence). Accepts the same inputs as
    :class:`~skseq.LSTMClassifier`: 3-D arrays, 2-D arrays with one feature
    per step, and lists of sequences of different lengths. Every value is
    read as a number: integer token ids (which ``LSTMClassifier`` embeds)
    have no meaningful mean or slope; count them instead, as
    :func:`~skseq.inspection.compare_baselines` does.

    Parameters
    ----------
    stats : tuple of str, default=('mean', 'std', 'min', 'max', 'last')
        Statistics computed per feature, from ``'mean'``, ``'std'``,
        ``'min'``, ``'max'``, ``'first'``, ``'last'`` and ``'slope'`` (least
        squares slope against the step index).
    n_resample : int or None, default=None
        If set, also append each feature linearly interpolated at this many
        evenly spaced points between the first and last real step.
    mask_value : float, 'auto' or None, default=0.0
        In dense input, leading and trailing steps whose every feature equals
        this value are padding and ignored (see
        :func:`skseq.utils.check_sequences`). ``None`` treats every step as
        real. ``'auto'`` decides in ``fit`` as
        :class:`~skseq.LSTMClassifier` does: 0.0, unless all-zero steps are
        common inside the sequences (counts, events), where zero is data
        (``None``); :func:`~skseq.inspection.compare_baselines` uses it, so
        that its baselines read the steps the LSTM reads.

    Attributes
    ----------
    n_features_in_ : int
        Features per step seen in fit.
    mask_value_ : float or None
        The padding value used (``mask_value``, with ``'auto'`` resolved).
    feature_names_in_ : ndarray of str
        The columns of the DataFrames fitted on, when X was a list of
        DataFrames with string column names; a later list of DataFrames is
        matched to them by name.

    See Also
    --------
    skseq.inspection.compare_baselines : Uses it for its baseline models.

    Examples
    --------
    >>> import numpy as np
    >>> from skseq.inspection import SequenceSummarizer
    >>> X = [np.array([[1.0], [3.0]]), np.array([[2.0], [2.0], [5.0]])]
    >>> SequenceSummarizer(stats=("mean", "last")).fit_transform(X)
    array([[2., 3.],
           [3., 5.]])
    """

    _parameter_constraints = {
        "stats": [tuple, list],
        "n_resample": [Interval(Integral, 1, None, closed="left"), None],
        "mask_value": [StrOptions({"auto"}), Real, None],
    }

    def __init__(self, *, stats=("mean", "std", "min", "max", "last"),
                 n_resample=None, mask_value=0.0):
        self.stats = stats
        self.n_resample = n_resample
        self.mask_value = mask_value

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the statistics and record the number of features.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences.
        y : None
            Ignored.

        Returns
        -------
        self : SequenceSummarizer
            Fitted transformer.
        """
        stats = _check_stats(self.stats)
        if not stats and self.n_resample is None:
            raise ValueError(
                "SequenceSummarizer has nothing to compute: stats is empty "
                "and n_resample is None. Give at least one statistic or set "
                "n_resample."
            )
        # Set once X has passed: a failed refit left its rule beside the
        # old fit's n_features_in_.
        mask_value = resolve_auto_mask(self.mask_value, X)[0]
        X_padded, _ = check_sequences(X, mask_value=mask_value,
                                      dtype=np.float64)
        self.mask_value_ = mask_value
        self.n_features_in_ = X_padded.shape[2]
        record_feature_names(self, X)
        return self

    def transform(self, X):
        """Summarise every sequence.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences with ``n_features_in_`` features per step.

        Returns
        -------
        X_summary : ndarray of shape (n_samples, n_outputs)
            Statistics grouped by statistic, then feature
            (``mean_f0, mean_f1, ..., std_f0, ...``), then the resampled
            points grouped by feature.
        """
        check_is_fitted(self)
        X_padded, lengths = check_sequences(
            X, mask_value=self.mask_value_, dtype=np.float64,
            feature_names=getattr(self, "feature_names_in_", None))
        if X_padded.shape[2] != self.n_features_in_:
            raise ValueError(
                f"X has {X_padded.shape[2]} features per step, but "
                f"SequenceSummarizer was fitted with {self.n_features_in_}."
            )
        return self._summarize(X_padded, lengths)

    def _summarize(self, X, lengths):
        n_samples, n_steps, n_features = X.shape
        real = real_step_mask(lengths, n_steps)[:, :, np.newaxis]
        count = lengths[:, np.newaxis].astype(np.float64)
        rows = np.arange(n_samples)
        parts = []
        mean = np.where(real, X, 0.0).sum(axis=1) / count
        for stat in _check_stats(self.stats):
            if stat == "mean":
                parts.append(mean)
            elif stat == "std":
                sq = np.where(real, (X - mean[:, np.newaxis]) ** 2, 0.0)
                parts.append(np.sqrt(sq.sum(axis=1) / count))
            elif stat == "min":
                parts.append(np.where(real, X, np.inf).min(axis=1))
            elif stat == "max":
                parts.append(np.where(real, X, -np.inf).max(axis=1))
            elif stat == "first":
                parts.append(X[:, 0])
            elif stat == "last":
                parts.append(X[rows, lengths - 1])
            else:  # slope
                t = np.arange(n_steps, dtype=np.float64)[np.newaxis, :]
                t_centered = np.where(real[:, :, 0],
                                      t - (count - 1) / 2, 0.0)
                denom = (t_centered ** 2).sum(axis=1, keepdims=True)
                cov = np.einsum("st,stf->sf", t_centered,
                                np.where(real, X, 0.0))
                parts.append(np.divide(cov, denom, out=np.zeros_like(cov),
                                       where=denom > 0))
        if self.n_resample is not None:
            parts.append(self._resample(X, lengths))
        return np.hstack(parts)

    def _resample(self, X, lengths):
        n_points = self.n_resample
        out = np.empty((len(X), X.shape[2], n_points))
        grid = np.linspace(0.0, 1.0, n_points)
        for i, (seq, n) in enumerate(zip(X, lengths)):
            positions = np.linspace(0.0, 1.0, n) if n > 1 else np.zeros(1)
            for j in range(X.shape[2]):
                out[i, j] = np.interp(grid, positions, seq[:n, j])
        return out.reshape(len(X), -1)

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns, e.g. ``mean_f0`` or ``f1_t3``.

        Parameters
        ----------
        input_features : None
            Ignored; features are named ``f0, f1, ...``.

        Returns
        -------
        names : ndarray of str
        """
        check_is_fitted(self)
        names = [f"{stat}_f{j}" for stat in self.stats
                 for j in range(self.n_features_in_)]
        if self.n_resample is not None:
            names += [f"f{j}_t{k}" for j in range(self.n_features_in_)
                      for k in range(self.n_resample)]
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.two_d_array = True
        tags.requires_fit = True
        return tags
