"""Save and load fitted estimators without pickle; export the network to ONNX.

:func:`save` writes one zip file (``.skseq`` by convention) holding

* ``estimator.json``: the class (from a short allowlist), the constructor
  parameters and every fitted attribute (names ending in ``_``) as plain
  JSON, nested fitted estimators (the ``scaler_`` of an ``LSTMClassifier``,
  the steps of a ``Pipeline``) in the same form;
* ``arrays.npz``: every NumPy array and scalar referenced from the JSON,
  written and read with ``allow_pickle=False``;
* ``keras/<n>.keras``: each Keras network in Keras' own format, loaded with
  ``safe_mode=True`` (no Python code such as ``Lambda`` layers is run).

:func:`load` reads it back without unpickling anything: a file from an
untrusted source can at worst fail to load or predict badly; it cannot run
code, as long as the classes named in it are the allowlisted ones.

What the format keeps: everything ``predict``/``predict_proba``/
``transform`` use (the network's architecture and weights, ``classes_``, the
fitted scaler, the vocabulary), the training history (``history_``, as JSON
numbers) and the other fitted attributes, and the constructor parameters, so
that ``clone(load(path))`` refits the same way. What it does not keep: the
optimizer's state (a loaded network is not compiled; refitting starts a new
one, as ``fit`` always does), attributes whose names start with ``_``
(caches, rebuilt when needed), and parameters holding code (a
``model_builder`` function, callback objects, an optimizer instance, a
splitter given as ``validation``): those are stored as the parameter's
default with a ``UserWarning`` at save time. The network is saved whole, so
the loaded estimator predicts the same; only a refit would differ unless the
parameter is set again with ``set_params``. A fitted ``TextSequencer``'s
``tokenizer`` function is refused instead: transform calls it, so a loaded
one would tokenize otherwise (``token_pattern`` is saved). Custom Keras layers of a ``model_builder``
must be registered with ``keras.saving.register_keras_serializable`` and
their module imported before :func:`load`.

:func:`export_onnx` writes the whole numeric predict path, scaling
included, as an ONNX graph (needs the ``onnx`` extra).
"""

from ._format import load, save
from ._onnx import export_onnx

__all__ = ["save", "load", "export_onnx"]
