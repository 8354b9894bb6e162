"""A fit that fails changes nothing: its attributes undone on any error."""

import contextlib

__all__ = ["kept_on_failure"]


@contextlib.contextmanager
def kept_on_failure(estimator):
    """Restore ``estimator.__dict__`` as it was if the block raises.

    For the steps of a fit that set attributes before something that can
    still fail (a check after ``n_features_in_`` is recorded, a diagnostic
    warning made an error, an interrupt): any exception, ``KeyboardInterrupt``
    included, leaves the estimator as the caller had it.
    """
    before = dict(estimator.__dict__)
    try:
        yield
    except BaseException:
        estimator.__dict__.clear()
        estimator.__dict__.update(before)
        raise
