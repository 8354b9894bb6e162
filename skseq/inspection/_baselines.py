"""compare_baselines: an LSTM next to simple baselines under the same CV."""

import importlib.util
import sys
import time
from collections.abc import Mapping

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.model_selection import check_cv, cross_validate
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ..datasets._channels_first import warn_if_channels_first
from ..utils._frames import is_sequence_list, record_feature_names
from ..utils._padding import pad_sequences, resolve_auto_mask
from ..utils._validation import check_sequences, python_scalar
from ._summarizer import SequenceSummarizer

__all__ = ["compare_baselines"]

# Resampling more points than this adds little for a random forest.
_MAX_RESAMPLE = 64
# MiniRocket's kernels have 9 taps; aeon rejects shorter series.
_MINIROCKET_MIN_LENGTH = 9
_ROCKET_NAME = "MiniRocket + ridge (aeon)"


class _ChannelsFirstPadder(TransformerMixin, BaseEstimator):
    """Sequences in Keras order -> one equal-length channels-first array.

    aeon's MiniRocket takes ``(n_cases, n_channels, n_timepoints)`` of one
    length. Ragged sequences are padded with zeros at the end to the longest
    one seen in ``fit`` (at least 9 steps, MiniRocket's kernel length);
    longer ones met later are cut at the end. What is padding is decided
    as LSTMClassifier's ``mask_value='auto'`` does.
    """

    def __init__(self, *, min_length=_MINIROCKET_MIN_LENGTH,
                 mask_value="auto"):
        self.min_length = min_length
        self.mask_value = mask_value

    def fit(self, X, y=None):
        self.mask_value_ = resolve_auto_mask(self.mask_value, X)[0]
        _, lengths = check_sequences(X, allow_empty_rows=True,
                                     mask_value=self.mask_value_)
        self.n_timesteps_ = max(int(lengths.max()), self.min_length)
        record_feature_names(self, X)
        return self

    def transform(self, X):
        check_is_fitted(self)
        X_padded, lengths = check_sequences(
            X, allow_empty_rows=True, mask_value=self.mask_value_,
            dtype=np.float64,
            feature_names=getattr(self, "feature_names_in_", None))
        padded, _ = pad_sequences(
            [x[:n] for x, n in zip(X_padded, lengths)],
            maxlen=self.n_timesteps_, dtype=np.float64)
        return np.ascontiguousarray(np.transpose(padded, (0, 2, 1)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags


def _rocket_available():
    # find_spec, not import: importing aeon takes seconds.
    return importlib.util.find_spec("aeon") is not None


def _rocket_estimator(random_state):
    """aeon's MiniRocketClassifier (ridge) behind a channels-first padder."""
    try:
        from aeon.classification.convolution_based import MiniRocketClassifier
    except ImportError as exc:
        raise ImportError(
            f"rocket=True needs aeon ({exc}). Install it with "
            "pip install -e '.[baselines]' in skseq's checkout, or pass "
            "rocket=False.") from None
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        _ChannelsFirstPadder(),
        MiniRocketClassifier(random_state=random_state, n_jobs=1))


def _median_length(X):
    if is_sequence_list(X):  # a pandas Series of sequences too
        return int(np.median([len(x) for x in X]))
    return int(np.shape(X)[1])


def _token_rows(X):
    """Token sequences as a list of 1-D arrays (rows of a 2-D array or
    DataFrame: CountVectorizer iterates a DataFrame's column names)."""
    if isinstance(X, (list, tuple)):
        return list(X)
    return list(np.asarray(X))


def _token_ids(sequence):
    """A token sequence's ids without padding (0): CountVectorizer's words."""
    ids = np.asarray(sequence).ravel()
    return ids[ids != 0].tolist()


def _token_baselines():
    """Bag-of-tokens baselines: an LSTM over token ids (reviews) should at
    least match token counts + logistic regression (``benchmarks/text.py``);
    summaries of ids as numbers (their mean, their last) mean nothing."""
    from sklearn.dummy import DummyClassifier
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    def counts():
        # analyzer: the ids as they are (CountVectorizer's vocabulary and
        # sparse counts; unseen ids at predict are dropped).
        return [FunctionTransformer(_token_rows),
                CountVectorizer(analyzer=_token_ids)]

    return {
        "Dummy (most frequent)": make_pipeline(
            *counts(), DummyClassifier(strategy="most_frequent")),
        "LogisticRegression (token counts)": make_pipeline(
            *counts(), LogisticRegression(max_iter=1000)),
    }


def _baseline_estimators(X, random_state, tokens):
    """The baselines, named: features any LSTM result should beat. They
    read as padding what LSTMClassifier's ``mask_value='auto'`` does (with
    0.0 always, leading and trailing zero events were cut off as padding
    where the LSTM read them), and token ids as LSTMClassifier's
    ``input_type='auto'`` does (``tokens``, decided once by the caller)."""
    # Imported here: importing skseq must stay fast.
    from sklearn.dummy import DummyClassifier
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if tokens:
        return _token_baselines()
    n_points = max(2, min(_median_length(X), _MAX_RESAMPLE))
    return {
        "Dummy (most frequent)": make_pipeline(
            SequenceSummarizer(stats=("mean",), mask_value="auto"),
            DummyClassifier(strategy="most_frequent")),
        "LogisticRegression (summary)": make_pipeline(
            SequenceSummarizer(mask_value="auto"), StandardScaler(),
            LogisticRegression(max_iter=1000)),
        "RandomForest (summary)": make_pipeline(
            SequenceSummarizer(mask_value="auto"),
            RandomForestClassifier(n_estimators=200,
                                   random_state=random_state)),
        "RandomForest (resampled)": make_pipeline(
            SequenceSummarizer(stats=(), n_resample=n_points,
                               mask_value="auto"),
            RandomForestClassifier(n_estimators=200,
                                   random_state=random_state)),
    }


def _scoring_names(scoring):
    if scoring is None:  # the estimators' own score, as cross_validate
        return None, ["score"]
    if isinstance(scoring, str):
        return [scoring], [scoring]
    if callable(scoring):
        return {"score": scoring}, ["score"]
    if isinstance(scoring, dict):
        return scoring, list(scoring)
    scoring = list(scoring)
    return scoring, scoring


def _fold_splits(cv, y, groups, shuffle, random_state):
    """The folds of ``cv``, each training fold shuffled or not (see
    compare_baselines' ``shuffle``)."""
    from sklearn.model_selection import TimeSeriesSplit

    from ..model_selection._split import _BasePurgedSplit

    if not (shuffle == "auto" or isinstance(shuffle, (bool, np.bool_))):
        raise ValueError(
            f"shuffle must be 'auto', True or False; got {shuffle!r}.")
    splitter = check_cv(cv, y, classifier=True)
    splits = list(splitter.split(np.zeros(len(y)), y, groups))
    labels = np.asarray(y)
    for k, (train, _) in enumerate(splits):
        # Before the first fit: LogisticRegression's "needs samples of at
        # least 2 classes" came after the dummy's folds had run.
        # axis=0 for one-hot rows only: NumPy refuses it for object
        # arrays (string labels from a pandas column).
        part = labels[train]
        if len(np.unique(part, axis=0) if part.ndim > 1
               else np.unique(part)) < 2:
            if part.ndim == 1:
                classes, counts = np.unique(labels, return_counts=True)
                absent = ~np.isin(classes, part)
                if absent.any() and counts[absent].max() == 1:
                    # No splitter fixes it: the class's only sequence is in
                    # this fold's test part.
                    name = python_scalar(classes[absent][0])
                    raise ValueError(
                        f"Training fold {k} of cv={cv!r} holds one class "
                        f"only: class {name!r} has a single sequence, in "
                        "this fold's test part, so no split trains on it in "
                        "every fold. Collect more sequences of that class, "
                        "or drop or merge it.")
            raise ValueError(
                f"Training fold {k} of cv={cv!r} holds one class only "
                f"({len(train)} sequences); every model needs two. With "
                "labels sorted by class, time-ordered folds (TimeSeriesSplit) "
                "or unshuffled KFold see one class: pass cv as a number of "
                "stratified folds, or StratifiedKFold(shuffle=True).")
    if shuffle == "auto":
        # Time-ordered folds, by their splitter or, for a list of folds, by
        # every training row coming before its test rows.
        shuffle = not (
            isinstance(splitter, (TimeSeriesSplit, _BasePurgedSplit))
            or all(len(train) and len(test)
                   and np.max(train) < np.min(test) for train, test in splits))
    if shuffle:
        rng = check_random_state(random_state)
        splits = [(rng.permutation(train), test) for train, test in splits]
    return splits


def compare_baselines(X, y, *, estimators=None, baselines=True, rocket="auto",
                      cv=5, scoring=("accuracy", "balanced_accuracy"),
                      shuffle="auto", groups=None, n_jobs=None,
                      random_state=None, verbose=0):
    """Cross-validate LSTM models next to simple baselines on the same folds.

    An LSTM that scores no better than a random forest on per-feature means
    and standard deviations, or than always predicting the majority class,
    has not learned anything from the order of the steps. This runs every
    model through :func:`sklearn.model_selection.cross_validate` with the
    same splits and tabulates the scores.

    The baselines (``baselines=True``) are pipelines on fixed-length
    features made by :class:`SequenceSummarizer`:

    * ``Dummy (most frequent)``: always predicts the majority class;
    * ``LogisticRegression (summary)`` and ``RandomForest (summary)``: mean,
      std, min, max and last value of every feature;
    * ``RandomForest (resampled)``: every feature resampled to
      ``k`` evenly spaced points (the median length, at most 64), i.e. the
      flattened sequence;
    * ``MiniRocket + ridge (aeon)``: aeon's ``MiniRocketClassifier`` (10,000
      random convolutional features and a ``RidgeClassifierCV``), the fast
      reference in time-series classification, when aeon is installed
      (``pip install -e '.[baselines]'``; see ``rocket``). Sequences are
      converted to aeon's channels-first layout and ragged ones padded with
      zeros at the end to the longest (at least 9 steps). The first fit in a
      fresh environment compiles aeon's numba code (tens of seconds, cached
      afterwards); its ``predict_proba`` is 0/1, so probability scores such
      as ``roc_auc`` are those of hard predictions.

    Token ids (what :class:`~skseq.LSTMClassifier`'s ``input_type='auto'``
    embeds: a 2-D integer array, lists of 1-D integer sequences) get
    baselines on their counts instead (ids as words, 0 as padding):
    ``Dummy (most frequent)`` and ``LogisticRegression (token counts)``;
    no MiniRocket. Pass ``X.astype(float)`` where integers are readings.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_timesteps, n_features) or list of arrays
        Sequences, in any form :class:`~skseq.LSTMClassifier` accepts.
    y : array-like of shape (n_samples,)
        Class labels.
    estimators : dict of str to estimator or None, default=None
        The models to compare, by name. ``None`` means
        ``{'LSTMClassifier': LSTMClassifier(random_state=random_state)}``.
        Each is cloned, never fitted in place.
    baselines : bool, default=True
        Add the baselines above.
    rocket : {'auto', True, False}, default='auto'
        Add the MiniRocket baseline: ``'auto'`` does when ``baselines`` is
        True and aeon is installed; ``True`` always (ImportError without
        aeon); ``False`` never.
    cv : int, cross-validation generator or iterable, default=5
        As in :func:`~sklearn.model_selection.cross_validate`; an int means
        :class:`~sklearn.model_selection.StratifiedKFold` without shuffling
        of the fold assignment.
    scoring : str, callable, list, dict or None, default=('accuracy', 'balanced_accuracy')
        Scores to report, as in ``cross_validate``; ``None``: each model's
        own ``score`` (columns ``score_mean``, ``score_std``).
    shuffle : 'auto' or bool, default='auto'
        Present every training fold in a random order (the folds do not
        change), for models that take their early-stopping data from the end
        of the training data (Keras' ``validation_split``), which must not be
        a single class when the data are sorted by label. ``'auto'``: shuffle
        unless ``cv`` keeps time order (``TimeSeriesSplit``,
        ``PurgedTimeSeriesSplit``, ``GroupedPurgedTimeSeriesSplit``, or
        folds given as a list whose training rows all precede their test
        rows): there the order is what LSTMClassifier reads to tell overlapping windows,
        whose hold-out must be the (purged) tail, from independent sequences.
    groups : array-like of shape (n_samples,), default=None
        Group labels for group-aware splitters.
    n_jobs : int or None, default=None
        Folds fitted in parallel, per model.
    random_state : int or None, default=None
        Seed for the training order, the default LSTM and the forests.
    verbose : int, default=0
        Print each model to standard error as it runs.

    Returns
    -------
    results : pandas.DataFrame
        One row per model (index ``model``), columns ``<score>_mean`` and
        ``<score>_std`` for each score, and ``fit_time_mean`` and
        ``fit_time_std`` in seconds per fit.

    Examples
    --------
    >>> import numpy as np
    >>> from skseq.inspection import compare_baselines
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 6, 2))
    >>> y = (X[:, :, 0].mean(axis=1) > 0).astype(int)
    >>> table = compare_baselines(X, y, estimators={}, rocket=False, cv=2,
    ...                           random_state=0)
    >>> table.index[0], list(table.columns[:2])
    ('Dummy (most frequent)', ['accuracy_mean', 'accuracy_std'])
    """
    import pandas as pd

    from ..utils._targets import check_targets

    # As fit checks them, before the first of many fits (one class failed
    # inside LogisticRegression, after the dummy's folds).
    y = check_targets(y, len(y) if hasattr(y, "__len__") else 0,
                      owner="compare_baselines")
    if estimators is not None and not isinstance(estimators, Mapping):
        raise ValueError(
            f"estimators must map names to estimators, e.g. "
            f"{{'LSTM': LSTMClassifier()}}; got {type(estimators).__name__}"
            f" {estimators!r:.80}.")
    # Every model would read channels-first data the wrong way, the
    # baselines without a word: say so once, before the first fit.
    warn_if_channels_first(X, stacklevel=2)
    if estimators is None:
        from ..neural_network import LSTMClassifier

        estimators = {"LSTMClassifier": LSTMClassifier(
            random_state=random_state)}
    if rocket not in ("auto", True, False):
        raise ValueError(
            f"rocket must be 'auto', True or False; got {rocket!r}.")
    from ..neural_network._fit_inputs import looks_like_tokens

    tokens = looks_like_tokens(X)
    if rocket is True and tokens:
        raise ValueError(
            "rocket=True: X holds token ids (2-D integers, or lists of 1-D "
            "integer sequences, which LSTMClassifier embeds); MiniRocket "
            "convolves numeric series. Pass rocket='auto' (token baselines "
            "only), or X.astype(float) if the integers are readings.")
    models = dict(_baseline_estimators(X, random_state, tokens)) \
        if baselines else {}
    if rocket is True or (rocket == "auto" and baselines and not tokens
                          and _rocket_available()):
        models[_ROCKET_NAME] = _rocket_estimator(random_state)
    models.update(estimators)
    if not models:
        raise ValueError(
            "Nothing to compare: estimators is empty and baselines=False. "
            "Pass estimators={'name': estimator} or set baselines=True."
        )
    scorers, names = _scoring_names(scoring)
    splits = _fold_splits(cv, y, groups, shuffle, random_state)

    rows = {}
    for i, (name, estimator) in enumerate(models.items(), start=1):
        if verbose:
            print(f"[{i}/{len(models)}] {name}: {len(splits)} fits ...",
                  file=sys.stderr, flush=True)
        start = time.perf_counter()
        result = cross_validate(clone(estimator), X, y, cv=splits,
                                scoring=scorers, n_jobs=n_jobs,
                                error_score="raise")
        row = {}
        for score in names:
            values = result[f"test_{score}"]
            row[f"{score}_mean"] = float(np.mean(values))
            row[f"{score}_std"] = float(np.std(values))
        row["fit_time_mean"] = float(np.mean(result["fit_time"]))
        row["fit_time_std"] = float(np.std(result["fit_time"]))
        rows[name] = row
        if verbose:
            print(f"[{i}/{len(models)}] {name}: {names[0]} "
                  f"{row[f'{names[0]}_mean']:.3f} ± "
                  f"{row[f'{names[0]}_std']:.3f} "
                  f"({time.perf_counter() - start:.1f} s)",
                  file=sys.stderr, flush=True)
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "model"
    return table
