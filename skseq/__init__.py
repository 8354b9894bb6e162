"""skseq: LSTM sequence classifiers that behave like scikit-learn estimators."""

from .neural_network import LSTMClassifier
from .preprocessing import SequencePadder, SequenceScaler

__version__ = "0.1.0"

__all__ = ["LSTMClassifier", "SequencePadder", "SequenceScaler", "__version__"]
