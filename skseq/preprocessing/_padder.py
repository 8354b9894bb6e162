"""SequencePadder: ragged sequences to one post-padded float array."""

import numpy as np

from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Integral, Interval, Real, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..utils._frames import record_feature_names
from ..utils._padding import pad_sequences
from ..utils._validation import check_sequences
from ._scaler import real_step_mask, unmask_real_steps

__all__ = ["SequencePadder"]


class SequencePadder(TransformerMixin, BaseEstimator):
    """Pad sequences of different lengths into one float array.

    Padding goes at the end by default (``padding='post'``) and the result is
    float, unlike ``keras.utils.pad_sequences`` (front padding, int32). Post
    padding is what lets a masked LSTM run on cuDNN. Dense input that is
    already padded (at either end) is re-padded on the chosen side, so
    pre-padded data is turned into post-padded data.

    Parameters
    ----------
    maxlen : int or None, default=None
        Output length. ``None`` uses the longest sequence seen in ``fit``;
        longer sequences met later are truncated to it.
    padding : {'post', 'pre'}, default='post'
        Where padded steps go.
    truncating : {'post', 'pre'}, default='post'
        Which end of a too-long sequence is cut: ``'post'`` keeps the first
        ``maxlen`` steps, ``'pre'`` keeps the last ones.
    value : float, default=0.0
        Value of padded steps. In dense input, leading and trailing steps
        whose every feature equals ``value`` are taken as existing padding.
        NaN is padding at the end only (the UCR/UEA archive's layout for
        unequal lengths; a leading NaN is a missing value), so
        ``value=np.nan`` needs ``padding='post'``. A real step whose every
        feature equals ``value`` (a list's last step of 0.0) has its first
        feature moved by float32's smallest step in ``transform``, so that
        it is not read as padding (the edge rule, Keras' ``Masking``); an
        ``LSTMClassifier(mask_value='auto')`` after it therefore finds no
        zero inside the sequences and reads the padding as padding.

    Attributes
    ----------
    maxlen_ : int
        Length of the transformed sequences.
    n_features_in_ : int
        Number of features per step.
    feature_names_in_ : ndarray of str
        The columns of the DataFrames fitted on, when X was a list of
        DataFrames with string column names; a later list of DataFrames is
        matched to them by name.

    Examples
    --------
    >>> import numpy as np
    >>> from skseq.preprocessing import SequencePadder
    >>> padder = SequencePadder().fit([np.ones((3, 1)), np.ones((1, 1))])
    >>> padder.transform([np.ones((1, 1)) * 2])[0, :, 0]
    array([2., 0., 0.], dtype=float32)
    """

    _parameter_constraints = {
        "maxlen": [Interval(Integral, 1, None, closed="left"), None],
        "padding": [StrOptions({"post", "pre"})],
        "truncating": [StrOptions({"post", "pre"})],
        "value": [Real],
    }

    def __init__(self, *, maxlen=None, padding="post", truncating="post",
                 value=0.0):
        self.maxlen = maxlen
        self.padding = padding
        self.truncating = truncating
        self.value = value

    def fit(self, X, y=None):
        """Record the output length and number of features.

        Parameters
        ----------
        X : array-like or list of array-like
            Sequences; see :func:`skseq.utils.check_sequences`.
        y : None
            Ignored.

        Returns
        -------
        self : SequencePadder
        """
        self._validate_params()
        if self.padding == "pre" and np.isnan(self.value):
            raise ValueError(
                "value=nan with padding='pre' writes NaN before the "
                "sequences, which skseq reads as missing values: NaN is "
                "padding at the end only (the UCR/UEA archive's layout). "
                "Pass padding='post', or pre-pad with a number such as 0.0.")
        if np.isfinite(self.value) and \
                abs(self.value) > float(np.finfo(np.float32).max):
            raise ValueError(
                f"value={self.value!r} is beyond float32's range, in which "
                "the padded sequences are written (it would be infinity, "
                "which skseq refuses as data). Pass a finite float32 value "
                "such as 0.0.")
        if np.isinf(self.value):
            raise ValueError(
                f"value={self.value!r}: infinite padding reads back as an "
                "infinite value, which skseq refuses. Pass a finite value "
                "such as 0.0, or nan for end padding.")
        X_padded, lengths = check_sequences(X, mask_value=self.value,
                                            allow_empty_rows=True)
        self.maxlen_ = self.maxlen or max(int(lengths.max()), 1)
        self.n_features_in_ = X_padded.shape[2]
        record_feature_names(self, X)
        return self

    def transform(self, X):
        """Pad (and truncate) X to ``maxlen_`` steps.

        Parameters
        ----------
        X : array-like or list of array-like
            Sequences.

        Returns
        -------
        X_padded : ndarray of shape (n_samples, maxlen_, n_features)
            Float32 array with padded steps equal to ``value``.
        """
        X_padded, lengths = self._pad(X)
        # A real step equal to value (a list's last 0.0) read as padding
        # once padded, by the edge rule and by Keras' Masking: moved by
        # float32's smallest step, as SequenceScaler moves it.
        return unmask_real_steps(X_padded, self._real(lengths), self.value)

    def compute_mask(self, X):
        """Boolean mask of the real steps of ``transform(X)``.

        Parameters
        ----------
        X : array-like or list of array-like
            Sequences.

        Returns
        -------
        mask : ndarray of shape (n_samples, maxlen_)
            True where a step holds data, False where it is padding.
        """
        return self._real(self._pad(X)[1])

    def _real(self, lengths):
        mask = real_step_mask(lengths, self.maxlen_)
        return mask if self.padding == "post" else mask[:, ::-1]

    def _pad(self, X):
        check_is_fitted(self)
        X_padded, lengths = check_sequences(
            X, mask_value=self.value, allow_empty_rows=True,
            feature_names=getattr(self, "feature_names_in_", None))
        if X_padded.shape[2] != self.n_features_in_:
            raise ValueError(
                f"X has {X_padded.shape[2]} features per step, but "
                f"SequencePadder was fitted with {self.n_features_in_}."
            )
        sequences = [x[:n] for x, n in zip(X_padded, lengths)]
        return pad_sequences(sequences, maxlen=self.maxlen_,
                             padding=self.padding, truncating=self.truncating,
                             value=self.value)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
