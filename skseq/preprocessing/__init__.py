"""Sequence preprocessing: padding and mask-aware scaling."""

from ._padder import SequencePadder
from ._scaler import SequenceScaler

__all__ = ["SequencePadder", "SequenceScaler"]
