"""``LSTMClassifier.predict_proba``'s work: X checked against the fit, in
memory or chunk by chunk from disk, through the trained network, to
probabilities that are numbers and sum to 1."""

import warnings

import numpy as np

from ..utils._disk import _is_disk_array, as_disk_sequences
from ..utils._validation import check_sequences
from . import _training
from ._fit_inputs import clip_tokens, model_input
from ._forward import predict_in_chunks

__all__ = ["check_n_features", "predict_probabilities"]


def predict_probabilities(est, X):
    """Probabilities of a fitted ``est`` for X (see ``predict_proba``)."""
    # Estimators saved before mask_value='auto' have no mask_value_.
    mask_value = getattr(est, "mask_value_", est.mask_value)
    # Token ids: disk arrays of rows are read chunk by chunk; a list of 1-D
    # ones (memmap slices of a corpus, say) is a list of sequences, as in
    # fit.
    disk = None if est.tokens_ and not _rows_on_disk(X) else \
        as_disk_sequences(X, mask_value)
    if disk is None:
        return _probabilities(est, *_checked(est, X, mask_value))
    # One chunk at a time: the array never sits in memory. Token ids are
    # read as stored and checked as ids, chunk by chunk, as the whole array
    # would be (every check is row by row).
    if est.tokens_:
        chunks = ((start, *_checked(est, rows, mask_value))
                  for start, rows in disk.native_chunks())
    else:
        check_n_features(est, disk.shape[2], disk.shape[1], stacklevel=4)
        chunks = disk.checked_chunks()
    out = None
    for start, X_padded, lengths in chunks:
        part = _probabilities(est, X_padded, lengths)
        if out is None:
            out = np.empty((len(disk), part.shape[1]), part.dtype)
        out[start:start + len(part)] = part
    return out


def _rows_on_disk(X):
    blocks = X if isinstance(X, (list, tuple)) else [X]
    return bool(blocks) and all(
        _is_disk_array(b) and len(b.shape) >= 2 for b in blocks)


def _checked(est, X, mask_value):
    """X padded at the end and its lengths, checked against the fit."""
    if not est.tokens_ and getattr(X, "ndim", None) == 2 and \
            est.n_features_in_ != 1:
        # One feature per step, whatever its values: checked before the
        # padding, which refused one padded sequence given alone by its
        # all-padding "rows", advising mask_value=None.
        check_n_features(est, 1, np.shape(X)[1], two_d=True,
                         frame=hasattr(X, "columns"), stacklevel=5)
    X_padded, lengths = check_sequences(
        X, tokens=est.tokens_, mask_value=mask_value, pad_value=0.0,
        allow_empty_rows=est.tokens_,
        feature_names=getattr(est, "feature_names_in_", None))
    if est.tokens_:
        X_padded = clip_tokens(X_padded, est.vocabulary_size_)
    else:
        check_n_features(est, X_padded.shape[2], X_padded.shape[1],
                         two_d=getattr(X, "ndim", None) == 2, stacklevel=5)
    return X_padded, lengths


def check_n_features(est, n_features, n_timesteps=None, two_d=False,
                     frame=False, stacklevel=3):
    """Refuse X of another number of features than the fit's, naming the
    usual mix-ups; warn where X reads as sequences of one step each."""
    if n_features == est.n_features_in_ == 1 and n_timesteps == 1 \
            and est.n_timesteps_in_ > 1 and not est.tokens_:
        # np.load of one sequence saved as (n_timesteps, 1): read as that
        # many sequences of one step, predicted one by one.
        warnings.warn(
            "X holds sequences of one step each (an array of shape (n, 1) "
            "is n sequences of one step), while the network was trained on "
            f"sequences of up to {est.n_timesteps_in_} steps. If X is one "
            "sequence, pass X.reshape(1, -1, 1) (or [X]).", UserWarning,
            stacklevel=stacklevel)
    if n_features != est.n_features_in_:
        hint = ""
        if two_d and n_timesteps == est.n_features_in_:
            # One (n_timesteps, n_features) sequence given alone.
            hint = (" A 2-D array is read as (n_samples, n_timesteps), one "
                    "feature per step. For one sequence of "
                    f"{est.n_features_in_} features per step, pass "
                    + ("[X]." if frame else "X[np.newaxis] (or [X])."))
        elif n_timesteps == est.n_features_in_:
            hint = (" X has as many steps as the model has features: X or "
                    "the training data is channels first, as aeon and "
                    "sktime give them (n_cases, n_channels, n_timepoints). "
                    "Convert that one with skseq.datasets.from_channels_first"
                    " (and refit, if it was the training data).")
        raise ValueError(
            f"X has {n_features} features per step, but LSTMClassifier was "
            f"fitted with {est.n_features_in_} features per step.{hint}")


def _probabilities(est, X_padded, lengths):
    # Imported here: it imports Keras, which skseq starts only when used.
    from ._builder_checks import check_predict_steps

    # Read from the fitted network, not from model_builder: a loaded
    # estimator, or one whose model_builder was set after fit, has
    # model_builder=None and the same network.
    steps = check_predict_steps(est, lengths)
    out = predict_in_chunks(
        est.model_,
        model_input(X_padded[:, :steps] if steps else X_padded, lengths,
                    est.tokens_, est.scaler_),
        lengths, est.n_timesteps_in_, fixed_width=steps).astype(np.float64)
    bad = ~np.all(np.isfinite(out), axis=1)
    if bad.any():
        # Weights finite but so large that the output overflows: NaN
        # probabilities, which predict would read as classes_[0].
        raise ValueError(_training.non_finite_output_message(
            est.learning_rate, np.flatnonzero(bad), len(out)))
    # The network's float32 rows sum to 1 within ~1e-7, which
    # scikit-learn's log_loss (scoring='neg_log_loss') warns about:
    # completed or normalised in float64.
    if out.shape[1] == 1:
        return np.hstack([1.0 - out, out])
    return out / out.sum(axis=1, keepdims=True)
