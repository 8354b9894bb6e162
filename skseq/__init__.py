"""skseq: LSTM sequence classifiers that behave like scikit-learn estimators."""

from .inspection import compare_baselines, diagnose, plot_history
from .neural_network import LSTMClassifier
from .parallel import dask_backend, limit_threads, local_cluster
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
    "dask_backend",
    "diagnose",
    "export_onnx",
    "limit_threads",
    "load",
    "local_cluster",
    "plot_history",
    "save",
]
