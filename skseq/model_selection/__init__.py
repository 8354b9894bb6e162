"""Cross-validation splitters for overlapping windows of time series."""

from ._split import GroupedPurgedTimeSeriesSplit, PurgedTimeSeriesSplit

__all__ = ["GroupedPurgedTimeSeriesSplit", "PurgedTimeSeriesSplit"]
