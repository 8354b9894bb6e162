"""Validation and padding helpers shared by every skseq estimator."""

from ._padding import pad_sequences, padding_lengths
from ._validation import check_sequences

__all__ = ["check_sequences", "pad_sequences", "padding_lengths"]
