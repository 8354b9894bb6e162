"""LSTMClassifier's parameters: their constraints, and as Keras takes them.

scikit-learn's ``_param_validation`` checks the parameters in ``fit``; what
it cannot say is here: a CV splitter is not a string (every ``str`` has a
``split`` method), and an optimizer instance trains at the estimator's
``learning_rate``.
"""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

__all__ = ["PARAMETER_CONSTRAINTS", "check_optimizer", "has_own_schedule",
           "make_optimizer"]


class _Splitter(HasMethods):
    """A CV splitter: an object with ``split``, which a string is not.

    Every ``str`` has a ``split`` method: with ``HasMethods(["split"])``
    alone a misspelt name (``validation='none'``) passed validation and
    trained with a stratified hold-out.
    """

    def __init__(self):
        super().__init__(["split"])

    def is_satisfied_by(self, val):
        return not isinstance(val, str) and super().is_satisfied_by(val)


PARAMETER_CONSTRAINTS = {
    "units": [Interval(Integral, 1, None, closed="left")],
    "n_layers": [Interval(Integral, 1, None, closed="left")],
    "bidirectional": ["boolean"],
    "dropout": [Interval(Real, 0, 1, closed="left"), StrOptions({"auto"})],
    "pooling": [StrOptions({"auto", "last", "mean", "max", "mean_max",
                            "attention"})],
    "architecture": [StrOptions({"auto", "conv_lstm", "lstm",
                                 "lstm_fcn"})],
    "n_networks": [Interval(Integral, 1, None, closed="left"),
                   StrOptions({"auto"})],
    "epochs": [Interval(Integral, 1, None, closed="left"),
               StrOptions({"auto"})],
    "batch_size": [Interval(Integral, 1, None, closed="left"),
                   StrOptions({"auto"})],
    "learning_rate": [Interval(Real, 0, None, closed="neither")],
    "lr_schedule": [StrOptions({"plateau"}), None],
    "optimizer": [str, type, object],
    "validation": [StrOptions({"auto", "stratified", "tail"}),
                   _Splitter(), None],
    "validation_fraction": [Interval(Real, 0, 1, closed="left")],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left"),
                         StrOptions({"auto"}), None],
    "class_weight": [StrOptions({"balanced"}), dict, None],
    "scaling": [StrOptions({"standard", "robust", "minmax"}), None],
    "sequence_scaling": [StrOptions({"auto"}), "boolean"],
    "mask_value": [StrOptions({"auto"}), Real, None],
    "input_type": [StrOptions({"auto", "numeric", "tokens"})],
    "embedding_dim": [Interval(Integral, 1, None, closed="left")],
    "vocabulary_size": [Interval(Integral, 2, None, closed="left"), None],
    "bucketing": [StrOptions({"auto"}), "boolean"],
    "jit_compile": [StrOptions({"auto"}), "boolean"],
    "model_builder": [callable, None],
    "distribution": [StrOptions({"data_parallel"}),
                     HasMethods(["scope", "get_data_layout"]), None],
    "callbacks": [list, None],
    # An int: Keras, tf.data and NumPy are all seeded from it.
    "random_state": [Interval(Integral, 0, 2**32 - 1, closed="both"),
                     None],
    "verbose": ["verbose"],
}


def check_optimizer(opt, learning_rate, keras):
    """Refuse what is not an optimizer; warn, before training, where an
    instance's own rate gives way to ``learning_rate``."""
    if isinstance(opt, str):
        try:
            keras.optimizers.get(opt)
        except ValueError:
            # Keras said only "Could not interpret optimizer identifier".
            raise ValueError(
                f"optimizer={opt!r} is not the name of a Keras optimizer; "
                "pass one such as 'adam', 'adamw', 'nadam', 'rmsprop', "
                "'sgd' or 'adagrad', or an optimizer instance.") from None
        return
    if isinstance(opt, type):
        if issubclass(opt, keras.optimizers.Optimizer):
            return
        # Called with learning_rate= only when the model was built: int,
        # dict or a layer class failed there with Python's own errors.
        raise ValueError(
            f"optimizer={opt.__name__} is a class but not a Keras optimizer "
            "(keras.optimizers.Optimizer); pass a name such as 'adam', a "
            "Keras optimizer class such as keras.optimizers.Adam, or an "
            "instance.")
    if not isinstance(opt, keras.optimizers.Optimizer):
        raise ValueError(
            f"optimizer must be a name such as 'adam', a Keras optimizer "
            f"class or instance; got {opt!r}.")
    own = opt.get_config().get("learning_rate")
    if isinstance(own, Real) and not np.isclose(
            own, learning_rate, rtol=1e-6, atol=0):
        warnings.warn(
            f"optimizer={type(opt).__name__}(learning_rate={own:g}) "
            f"trains at learning_rate={learning_rate:g}, the "
            "estimator's parameter (which a search tunes); pass "
            f"learning_rate={own:g} to train at the optimizer's rate.",
            UserWarning, stacklevel=4)


def has_own_schedule(opt):
    """Whether an optimizer instance's rate is a schedule of its own (a
    Keras ``LearningRateSchedule``): it is kept, and a plateau schedule,
    which sets the rate, cannot run beside it."""
    if isinstance(opt, (str, type)):
        return False
    with warnings.catch_warnings():
        # Keras warns that a lambda rate serialises unsafely: nothing is
        # serialised here (check_optimizer already said what it had to).
        warnings.simplefilter("ignore")
        return not isinstance(opt.get_config().get("learning_rate"), Real)


def make_optimizer(opt, learning_rate, keras):
    """A new Keras optimizer for one fit, at ``learning_rate``."""
    if isinstance(opt, str):
        opt = keras.optimizers.get(opt)
        opt.learning_rate = learning_rate
        return opt
    if isinstance(opt, type):
        return opt(learning_rate=learning_rate)
    # An instance (check_optimizer): a copy, at learning_rate, the one
    # rate a search tunes and the plateau schedule's floor reads; a
    # rate schedule of the instance's own is kept.
    config = opt.get_config()
    if isinstance(config.get("learning_rate"), Real):
        config["learning_rate"] = learning_rate
    return opt.__class__.from_config(config)
