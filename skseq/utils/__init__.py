"""Validation helpers shared by every skseq estimator."""

from ._validation import check_sequences, pad_sequences, padding_lengths

__all__ = ["check_sequences", "pad_sequences", "padding_lengths"]
