"""Sequence preprocessing: padding, mask-aware scaling and text to tokens."""

from ._padder import SequencePadder
from ._scaler import SequenceScaler
from ._text import TextSequencer

__all__ = ["SequencePadder", "SequenceScaler", "TextSequencer"]
