"""scikit-learn's estimator checks on every skseq estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skseq import LSTMClassifier, SequencePadder, SequenceScaler
from skseq.inspection import SequenceSummarizer

# A 2-D X is (n_samples, n_timesteps): its second axis is a sequence length,
# which may differ between fit and transform/predict, and the feature count
# (``n_features_in_``, the last axis) is 1. These checks assume columns are
# features.
_TWO_D_IS_TIME = (
    "a 2-D X is (n_samples, n_timesteps) with one feature per step; its "
    "column count is a sequence length, free to change after fit"
)
_TRAIN_CHECKS = {
    name: _TWO_D_IS_TIME + " (the accuracy part of this check passes)"
    for name in (
        "check_classifiers_train",
        "check_classifiers_train(readonly_memmap=True)",
        "check_classifiers_train(readonly_memmap=True,X_dtype=float32)",
    )
}
_BATCH_ROUNDING = (
    "compares predictions at atol 1e-9 (1e-7 for subsets); the network's "
    "output for a sequence depends in the last float bits on which other "
    "sequences share its batch (oneDNN/XLA kernels reduce in a different "
    "order), which failed on other CPUs and under load"
)
EXPECTED_FAILED_CHECKS = {
    "LSTMClassifier": {
        **_TRAIN_CHECKS,
        "check_n_features_in": _TWO_D_IS_TIME,
        "check_n_features_in_after_fitting": _TWO_D_IS_TIME,
        # Exact float comparisons (atol 1e-9 / rtol 1e-7) of predictions
        # made in different batches or fits. Keras' own sklearn_test.py
        # lists such checks too. Non-strict: they pass on most machines.
        "check_methods_sample_order_invariance": _BATCH_ROUNDING,
        "check_methods_subset_invariance": _BATCH_ROUNDING,
        "check_fit_idempotent": (
            "compares two fits' predictions at rtol 1e-7; repeat fits with "
            "a seed agree to float rounding, which depends on the CPU's "
            "kernels and thread count (tests/test_lstm.py checks 1e-6)"
        ),
        "check_sample_weight_equivalence_on_dense_data": (
            "mini-batch gradient descent: doubling a sample's weight is not "
            "the same optimisation path as repeating the sample, so the "
            "fitted networks differ slightly"
        ),
    },
    "SequenceScaler": {
        "check_n_features_in": _TWO_D_IS_TIME,
        "check_n_features_in_after_fitting": _TWO_D_IS_TIME,
        "check_transformer_general": _TWO_D_IS_TIME,
        "check_transformer_general(readonly_memmap=True)": _TWO_D_IS_TIME,
        "check_transformer_data_not_an_array": (
            "a plain list is ragged input (one sequence per item) and is "
            "returned as a list of sequences, not as an array"
        ),
    },
    "SequenceSummarizer": {
        "check_n_features_in": _TWO_D_IS_TIME,
        "check_n_features_in_after_fitting": _TWO_D_IS_TIME,
        "check_transformer_general": _TWO_D_IS_TIME,
        "check_transformer_general(readonly_memmap=True)": _TWO_D_IS_TIME,
        "check_estimators_dtypes": (
            "cast to integers, some rows of the check's data are all 0, the "
            "padding value: a sequence without a real step has no summary "
            "statistics and is refused with an error naming the row"
        ),
    },
    "SequencePadder": {
        "check_n_features_in": _TWO_D_IS_TIME,
        "check_n_features_in_after_fitting": _TWO_D_IS_TIME,
        "check_transformer_general": _TWO_D_IS_TIME,
        "check_transformer_general(readonly_memmap=True)": _TWO_D_IS_TIME,
    },
}


def _estimators():
    # Enough training for the accuracy checks (check_classifiers_train asks
    # for > 0.83 on blobs), small enough to keep the suite quick.
    yield LSTMClassifier(units=8, epochs=15, learning_rate=0.02,
                         n_iter_no_change=None, random_state=0)
    yield SequenceScaler()
    yield SequencePadder()
    yield SequenceSummarizer()


@parametrize_with_checks(
    list(_estimators()),
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS.get(
        type(est).__name__, {}),
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
