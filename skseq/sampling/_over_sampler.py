"""SequenceRandomOverSampler: duplicate whole sequences of minority classes."""

from imblearn.over_sampling import RandomOverSampler
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import Substitution
from imblearn.utils._docstring import _random_state_docstring

from ._base import _SequenceSamplerMixin

__all__ = ["SequenceRandomOverSampler"]


@Substitution(
    sampling_strategy=BaseOverSampler._sampling_strategy_docstring,
    random_state=_random_state_docstring,
)
class SequenceRandomOverSampler(_SequenceSamplerMixin, BaseOverSampler):
    """Randomly over-sample whole sequences of the minority class(es).

    The sequence counterpart of imbalanced-learn's ``RandomOverSampler``,
    which rejects 3-D input. Sequences are drawn with replacement from the
    classes to grow and appended as copies; nothing inside a sequence is
    looked at or changed, so X may be a 3-D array, a 2-D array, a list of
    sequences of different lengths (returned as a list) or token id lists.
    ``sampling_strategy`` and ``random_state`` mean exactly what they mean in
    ``RandomOverSampler``, which does the drawing on row numbers.

    Use it as a step of ``imblearn.pipeline.Pipeline`` (not scikit-learn's
    ``Pipeline``, which has no samplers), so only training folds are
    resampled. Resampled sequences keep their original order, with each
    copy next to its original: ``LSTMClassifier``'s early-stopping tail
    stays the end of the data rather than a block of copies.

    Parameters
    ----------
    {sampling_strategy}

    {random_state}

    Attributes
    ----------
    sampling_strategy_ : dict
        Number of sequences to add, by class label.
    sample_indices_ : ndarray of shape (n_new_samples,)
        Rows of X that make up the resampled data, in output order.

    See Also
    --------
    SequenceRandomUnderSampler : Drop sequences of the majority class(es).
    skseq.LSTMClassifier : Its ``class_weight='balanced'`` default weights
        classes instead of resampling them.

    Examples
    --------
    >>> import numpy as np
    >>> from skseq.sampling import SequenceRandomOverSampler
    >>> X = np.zeros((8, 5, 2))
    >>> y = np.array([0, 0, 0, 0, 0, 0, 1, 1])
    >>> X_res, y_res = SequenceRandomOverSampler(random_state=0).fit_resample(X, y)
    >>> X_res.shape, np.bincount(y_res).tolist()
    ((12, 5, 2), [6, 6])
    >>> ragged = [np.ones((n, 2)) for n in (3, 4, 5, 6, 7, 8, 9, 10)]
    >>> X_res, y_res = SequenceRandomOverSampler(random_state=0).fit_resample(
    ...     ragged, y)
    >>> type(X_res).__name__, len(X_res)
    ('list', 12)
    """

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "random_state": ["random_state"],
    }

    def __init__(self, *, sampling_strategy="auto", random_state=None):
        super().__init__(sampling_strategy=sampling_strategy)
        self.random_state = random_state

    def _row_sampler(self):
        return RandomOverSampler(sampling_strategy=self.sampling_strategy,
                                 random_state=self.random_state)
