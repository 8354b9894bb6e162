"""Class imbalance with LSTMClassifier: weights, resampling, thresholds.

The problem is ``make_trap_sequences``' 1:3 default (unscaled, zero
pre-padded), small and trained briefly, where an unweighted network drifts
towards always predicting the majority class.
"""

import re

import numpy as np
import pytest
import sklearn
from sklearn.metrics import balanced_accuracy_score, recall_score
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    TunedThresholdClassifierCV,
)

from skseq import LSTMClassifier
from skseq.datasets import make_trap_sequences
from skseq.sampling import SequenceRandomOverSampler


@pytest.fixture(scope="module")
def trap():
    X_train, y_train = make_trap_sequences(300, random_state=0)
    X_test, y_test = make_trap_sequences(300, random_state=1)
    return X_train, y_train, X_test, y_test


def _small(**params):
    """A network that learns something in a few seconds on 2 cores."""
    defaults = dict(units=8, epochs=5, n_iter_no_change=None, random_state=0)
    return LSTMClassifier(**{**defaults, **params})


def _quick(**params):
    """Fewer units, larger steps: enough to follow the sample weights.

    The plain LSTM: these tests read where the weights go, not what the
    layers learn, and it builds its graph in a third of conv_lstm's time.
    """
    return _small(**{"units": 4, "epochs": 3, "learning_rate": 0.01,
                     "architecture": "lstm", **params})


def test_balanced_weighting_and_over_sampling_beat_no_weighting(trap):
    X_train, y_train, X_test, y_test = trap
    assert np.bincount(y_train).tolist() == [224, 76]  # about 1:3
    X_over, y_over = SequenceRandomOverSampler(random_state=0).fit_resample(
        X_train, y_train)
    fits = {
        "none": _small(class_weight=None).fit(X_train, y_train),
        "balanced": _small(class_weight="balanced").fit(X_train, y_train),
        "over-sampling": _small(class_weight=None).fit(X_over, y_over),
    }
    scores = {}
    for name, clf in fits.items():
        pred = clf.predict(X_test)
        scores[name] = (balanced_accuracy_score(y_test, pred),
                        recall_score(y_test, pred))
        print(f"{name:>14}: balanced accuracy {scores[name][0]:.3f}, "
              f"minority recall {scores[name][1]:.3f}")
    # Measured (TensorFlow): none 0.533 / 0.107, balanced 0.620 / 0.453,
    # over-sampling 0.667 / 0.493; JAX gives the same ranking.
    assert scores["balanced"][1] >= scores["none"][1] + 0.15
    assert scores["over-sampling"][1] >= scores["none"][1] + 0.15
    assert scores["balanced"][0] > scores["none"][0]
    assert scores["over-sampling"][0] > scores["none"][0]


def test_balanced_class_weight_with_string_labels(trap):
    X_train, y_train, X_test, _ = trap
    labels = np.where(y_train == 1, "pos", "neg")
    pred_int = _quick().fit(X_train, y_train).predict(X_test)
    pred_str = _quick().fit(X_train, labels).predict(X_test)
    # 'neg' < 'pos' encode like 0 < 1, so the same weights, the same network.
    np.testing.assert_array_equal(pred_str == "pos", pred_int == 1)


@pytest.mark.parametrize("zero_class", ["neg", "pos"])
def test_class_weight_dict_with_string_labels(trap, zero_class):
    X_train, y_train, X_test, _ = trap
    labels = np.where(y_train == 1, "pos", "neg")
    other = "pos" if zero_class == "neg" else "neg"
    class_weight = {zero_class: 0.0, other: 1.0}
    clf = _quick(class_weight=class_weight).fit(X_train, labels)
    # A class that weighs nothing is never learnt, even the majority one.
    assert set(clf.predict(X_test)) == {other}
    assert class_weight == {zero_class: 0.0, other: 1.0}


@pytest.mark.parametrize("weighted_class", [0, 1])
def test_sample_weight_reaches_the_model_and_is_not_modified(trap,
                                                             weighted_class):
    X_train, y_train, X_test, _ = trap
    # Only one class carries weight: it is all the network ever predicts,
    # even when that is the minority of a 1:3 problem.
    weights = (y_train == weighted_class).astype(float)
    weights_before = weights.copy()
    clf = _quick().fit(X_train, y_train, sample_weight=weights)
    assert set(clf.predict(X_test)) == {weighted_class}
    # class_weight='balanced' multiplied a copy, not the caller's array.
    np.testing.assert_array_equal(weights, weights_before)


def test_sample_weight_through_metadata_routing(trap):
    X_train, y_train, X_test, _ = trap
    weights = (y_train == 0).astype(float)
    weights_before = weights.copy()
    with sklearn.config_context(enable_metadata_routing=True):
        clf = (_quick().set_fit_request(sample_weight=True)
               .set_score_request(sample_weight=False))
        search = GridSearchCV(clf, {"units": [4]}, cv=StratifiedKFold(2))
        search.fit(X_train, y_train, sample_weight=weights)
    # Routed to every fit, refit included: the minority class never shows.
    assert set(search.predict(X_test)) == {0}
    np.testing.assert_array_equal(weights, weights_before)


def test_tuned_threshold_on_3d_sequences(trap):
    X_train, y_train, X_test, _ = trap
    tuned = TunedThresholdClassifierCV(
        _small(class_weight=None), scoring="balanced_accuracy",
        cv=StratifiedKFold(2)).fit(X_train, y_train)
    # An unweighted network under-predicts the minority: the threshold on
    # its probability moves below 0.5 and more minority calls result.
    assert tuned.best_threshold_ < 0.5
    proba = tuned.estimator_.predict_proba(X_test)[:, 1]
    # Two predict calls may round differently in the last bit: compare away
    # from the threshold.
    clear = np.abs(proba - tuned.best_threshold_) > 1e-6
    assert clear.mean() > 0.9
    np.testing.assert_array_equal(
        tuned.predict(X_test)[clear],
        (proba >= tuned.best_threshold_).astype(int)[clear])
    assert tuned.predict(X_test).sum() > tuned.estimator_.predict(X_test).sum()


@pytest.mark.parametrize("kwargs, message", [
    # A third weight was ignored, (3, 1) gave one class, (0.75,) an
    # IndexError and min_length beyond n_timesteps NumPy's "low >= high".
    ({"weights": (0.5, 0.3, 0.2)}, "two class proportions that sum to 1"),
    ({"weights": (3, 1)}, "got (3.0, 1.0)"),
    ({"weights": (0.75,)}, "two class proportions"),
    ({"min_length": 20}, "min_length must be between 1 and n_timesteps (10)"),
])
def test_trap_sequences_refuse_settings_they_cannot_make(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        make_trap_sequences(50, random_state=0, **kwargs)

