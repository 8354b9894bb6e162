"""Inspection: why a sequence classifier does (not) learn.

Diagnostics with a concrete fix for each finding, learning curves, and
baselines that an LSTM has to beat.
"""

from ._baselines import compare_baselines
from ._diagnose import diagnose
from ._plot import plot_history
from ._report import DiagnosticReport, Finding, SequenceDiagnosticWarning
from ._summarizer import SequenceSummarizer

__all__ = [
    "DiagnosticReport",
    "Finding",
    "SequenceDiagnosticWarning",
    "SequenceSummarizer",
    "compare_baselines",
    "diagnose",
    "plot_history",
]
