"""LSTM classifiers. Keras is imported only when a model is built or loaded."""

from ._lstm import LSTMClassifier

__all__ = ["LSTMClassifier"]
