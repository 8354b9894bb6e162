"""Datasets: bundled real data, synthetic problems and windowing."""

from ._synthetic import make_trap_sequences
from ._ucr import UCR_DATASETS, load_ucr

__all__ = ["UCR_DATASETS", "load_ucr", "make_trap_sequences"]
