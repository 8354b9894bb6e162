"""skseq: LSTM sequence classifiers that behave like scikit-learn estimators."""

from .inspection import compare_baselines, diagnose, plot_history
from .neural_network import LSTMClassifier
from .persistence import export_onnx, load, save
from .preprocessing import SequencePadder, SequenceScaler, TextSequencer

__version__ = "0.1.0"

__all__ = [
    "LSTMClassifier",
    "SequencePadder",
    "SequenceScaler",
    "TextSequencer",
    "__version__",
    "compare_baselines",
    "diagnose",
    "export_onnx",
    "load",
    "plot_history",
    "save",
]
