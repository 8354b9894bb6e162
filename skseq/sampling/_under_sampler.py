"""SequenceRandomUnderSampler: drop whole sequences of majority classes."""

from imblearn.under_sampling import RandomUnderSampler
from imblearn.under_sampling.base import BaseUnderSampler
from imblearn.utils import Substitution
from imblearn.utils._docstring import _random_state_docstring

from ._base import _SequenceSamplerMixin

__all__ = ["SequenceRandomUnderSampler"]


@Substitution(
    sampling_strategy=BaseUnderSampler._sampling_strategy_docstring,
    random_state=_random_state_docstring,
)
class SequenceRandomUnderSampler(_SequenceSamplerMixin, BaseUnderSampler):
    """Randomly under-sample whole sequences of the majority class(es).

    The sequence counterpart of imbalanced-learn's ``RandomUnderSampler``,
    which rejects 3-D input. A random subset of the sequences of each class
    to shrink is kept; nothing inside a sequence is looked at or changed, so
    X may be a 3-D array, a 2-D array, a list of sequences of different
    lengths (returned as a list) or token id lists. ``sampling_strategy``,
    ``random_state`` and ``replacement`` mean exactly what they mean in
    ``RandomUnderSampler``, which does the drawing on row numbers.

    Use it as a step of ``imblearn.pipeline.Pipeline`` so only training folds
    are resampled. Kept sequences stay in their original order, so
    ``LSTMClassifier``'s early-stopping tail is still the end of the data
    (not the last class, as grouping by class would make it).

    Parameters
    ----------
    {sampling_strategy}

    {random_state}

    replacement : bool, default=False
        Whether sequences are drawn with replacement.

    Attributes
    ----------
    sampling_strategy_ : dict
        Number of sequences to keep, by class label, for the classes
        resampled.
    sample_indices_ : ndarray of shape (n_new_samples,)
        Rows of X kept, in output order.

    See Also
    --------
    SequenceRandomOverSampler : Duplicate sequences of the minority class(es).

    Examples
    --------
    >>> import numpy as np
    >>> from skseq.sampling import SequenceRandomUnderSampler
    >>> X = np.zeros((8, 5, 2))
    >>> y = np.array(["a", "a", "a", "a", "a", "a", "b", "b"])
    >>> sampler = SequenceRandomUnderSampler(random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> X_res.shape, y_res.tolist()
    ((4, 5, 2), ['a', 'a', 'b', 'b'])
    >>> sampler.sample_indices_.tolist()[-2:]
    [6, 7]
    """

    _parameter_constraints: dict = {
        **BaseUnderSampler._parameter_constraints,
        "replacement": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(self, *, sampling_strategy="auto", random_state=None,
                 replacement=False):
        super().__init__(sampling_strategy=sampling_strategy)
        self.random_state = random_state
        self.replacement = replacement

    def _row_sampler(self):
        return RandomUnderSampler(sampling_strategy=self.sampling_strategy,
                                  random_state=self.random_state,
                                  replacement=self.replacement)
