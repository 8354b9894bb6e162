"""Error messages of the shared sequence validation name the problem and the fix."""

import numpy as np
import pytest

from skseq import LSTMClassifier
from skseq.utils import check_sequences


@pytest.mark.parametrize("mask_value", [None, 0.0, -1.0])
def test_zero_timesteps_is_not_a_padding_question(mask_value):
    # With mask_value=None this used to advise "pass mask_value=None".
    with pytest.raises(ValueError, match=r"X has 0 timesteps \(shape "
                       r"\(4, 0, 2\)\); every sequence needs at least one "
                       "step") as exc:
        check_sequences(np.zeros((4, 0, 2)), mask_value=mask_value)
    assert "mask_value" not in str(exc.value)


def test_zero_timesteps_refused_before_training():
    clf = LSTMClassifier(mask_value=None, units=2, epochs=1)
    with pytest.raises(ValueError, match="0 timesteps"):
        clf.fit(np.zeros((4, 0, 2)), [0, 1, 0, 1])
    assert not hasattr(clf, "model_")


def test_all_padding_rows_still_point_to_mask_value():
    X = np.ones((3, 4, 1))
    X[1] = 0.0
    with pytest.raises(ValueError, match="row 1: every step equals the "
                       "padding value mask_value=0.0.*mask_value=None"):
        check_sequences(X)


def test_negative_token_ids_point_to_input_type():
    X = np.array([[1, -2, 3], [1, 2, 3]])
    with pytest.raises(ValueError, match=r"Token ids must be >= 0.*has -2\. "
                       r"With input_type='auto' \(the default\), integer "
                       r"input .* is read as token ids; pass "
                       "input_type='numeric'"):
        check_sequences(X, tokens=True)
    clf = LSTMClassifier(units=2, epochs=1)
    with pytest.raises(ValueError, match="input_type='numeric'"):
        clf.fit(X, [0, 1])
    assert not hasattr(clf, "model_")
    with pytest.raises(ValueError, match=r"X\[1\] has -4.*input_type="):
        check_sequences([[1, 2], [-4]], tokens=True)


def test_non_integer_token_dtype_points_to_input_type():
    with pytest.raises(ValueError, match="dtype complex128. Use "
                       "input_type='numeric'"):
        check_sequences([np.ones(3, dtype=complex)], tokens=True)


def test_ragged_sequences_without_features_are_refused():
    # Used to pad into a (1, 1, 0) array.
    with pytest.raises(ValueError, match=r"X\[0\] has 0 features per step"):
        check_sequences([np.zeros((0, 0))], allow_empty_rows=True)
