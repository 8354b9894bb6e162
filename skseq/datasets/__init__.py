"""Datasets: bundled real data, synthetic problems, windowing and layouts."""

from ._channels_first import channels_first_warning
from ._layouts import (from_channels_first, from_multiindex, from_nested,
                       to_channels_first, to_multiindex, to_nested)
from ._series import load_co2
from ._synthetic import make_token_reviews, make_trap_sequences
from ._text import load_rotten_tomatoes
from ._ucr import UCR_DATASETS, load_ucr
from ._windows import make_windows

__all__ = ["UCR_DATASETS", "channels_first_warning", "from_channels_first",
           "from_multiindex", "from_nested", "load_co2",
           "load_rotten_tomatoes", "load_ucr", "make_token_reviews",
           "make_trap_sequences", "make_windows", "to_channels_first",
           "to_multiindex", "to_nested"]
