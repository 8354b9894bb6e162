"""Resampling of whole sequences for imbalanced classes.

imbalanced-learn's samplers reject 3-D and ragged input; these resample rows
of any sequence data and work as steps of ``imblearn.pipeline.Pipeline``.
"""

from ._over_sampler import SequenceRandomOverSampler
from ._under_sampler import SequenceRandomUnderSampler

__all__ = ["SequenceRandomOverSampler", "SequenceRandomUnderSampler"]
