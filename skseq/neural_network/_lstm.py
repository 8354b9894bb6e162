"""LSTMClassifier: a scikit-learn classifier for sequences, built on Keras 3."""

import os

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils.validation import check_is_fitted

from ..inspection._diagnose import warn_after_fit
from ..parallel import _limit_threads_in_dask_worker
from ..utils._fit_state import kept_on_failure
from ..utils._validation import python_scalar
from . import _holdout, _serialization, _training
from ._candidates import train_candidates
from ._distribution import distribution_scope, resolve_distribution
from ._fit_inputs import prepare_fit, resolve_tokens
from ._predict import predict_probabilities
from ._parameters import (PARAMETER_CONSTRAINTS, check_optimizer,
                          make_optimizer)
from ._reproducibility import seeded, warn_if_not_reproducible

__all__ = ["LSTMClassifier"]


def _import_keras():
    """Import Keras lazily (seconds) and keep TensorFlow's C++ logs quiet."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    from . import _builders, _layers  # noqa: F401  _layers registers the
    # custom layers for loading saved models

    return keras, _builders


class LSTMClassifier(ClassifierMixin, BaseEstimator):
    """LSTM sequence classifier with the usual traps handled by default.

    Takes a 3-D array ``(n_samples, n_timesteps, n_features)``, a 2-D array
    (one feature per step), a list of 2-D arrays of different lengths,
    integer token sequences, or a ``numpy.memmap`` / ``zarr.Array`` that
    stays on disk, and any binary or multiclass labels. By default it:

    * post-pads ragged input with 0.0 and masks padded steps, and turns
      zero pre-padding in dense input into masked post-padding (so the LSTM
      never reads padding as data and can use cuDNN on a GPU);
    * standardises every feature using real steps only;
    * uses one sigmoid unit with binary cross-entropy for two classes and a
      softmax for more (never a softmax on one unit);
    * weights classes inversely to their frequency (``class_weight='balanced'``);
    * reads long numeric series through convolutions that shorten them
      before the LSTM, or, where its hold-out says so, the raw steps
      (``architecture='auto'``), and long token sequences by
      the mean and max of the LSTM's outputs (``pooling='auto'``);
    * sizes batch, budget and learning-rate schedule from the number of
      training sequences (``batch_size``, ``epochs``, ``n_iter_no_change``
      ``'auto'``; rules in ``skseq.neural_network._training``), and
      averages up to 3 networks where one network's training is small
      (``n_networks='auto'``);
    * holds out a stratified, shuffled validation set for early stopping,
      or the tail when the sequences are overlapping windows of one series,
      and only when it holds at least 30 sequences; smaller sets train on
      everything and keep the weights of the lowest training loss.

    Parameters
    ----------
    units : int, default=64
        LSTM units per layer; also sets the width of ``'conv_lstm'``'s
        inception blocks (``units // 2`` filters per convolution, 4
        convolutions side by side: ``2 * units`` channels).
    n_layers : int, default=1
        Number of stacked LSTM layers.
    bidirectional : bool, default=False
        Wrap each LSTM in ``keras.layers.Bidirectional``.
    dropout : float or 'auto', default='auto'
        Dropout rate between layers and before the output layer (for token
        input also on whole embedding channels and on whole words: a
        word's vector is zeroed at once). ``'auto'``: 0.25 for tokens
        (an embedding has one weight vector per word and over-fits rare
        words first), 0.0 for numeric input.
    pooling : {'auto', 'last', 'mean', 'max', 'mean_max', 'attention'}, \
default='auto'
        How the last LSTM layer's outputs become one vector: the last real
        step, the mean, max or both over real steps, or attention pooling.
        ``'auto'``: ``'mean_max'`` for tokens, ``'last'`` for numeric input.
    architecture : {'auto', 'conv_lstm', 'lstm', 'lstm_fcn'}, default='auto'
        ``'conv_lstm'``: three inception blocks (InceptionTime's module:
        convolutions of widths 40, 20 and 10 and a max pooling side by side,
        batch-renormalised) that shorten the sequence until the LSTM reads
        at most 64 steps, the LSTM's summary joined with the blocks' global
        average (the FCN head); token input gets one convolution over
        5-grams instead, its maximum over the review beside the LSTM.
        ``'lstm'``: the LSTM reads the raw steps. ``'lstm_fcn'``: the raw
        LSTM with a fully convolutional branch beside it (Karim et al.
        2017). ``'auto'``: ``'conv_lstm'``, for numeric and token input;
        for numeric input, where fit holds out a validation set and the
        budget affords more than one network (the ``n_networks='auto'``
        rule gives 2 or more), ``'lstm'`` is tried too, as one network, and
        kept (trained again as ``n_networks_``) where its validation loss
        is lower than ``'conv_lstm'``'s by more than one standard error
        (``architecture_losses_``): the convolutions hide the order of
        events far apart, which the plain LSTM learns.
    n_networks : int or 'auto', default='auto'
        Networks of the chosen architecture trained side by side from
        different initial weights, their probabilities averaged (as
        InceptionTime averages 5). Each trains on its own loss, on the same
        batches, in one Keras model (``model_``). ``'auto'``: as many, up to
        3, as fit in 3 x 10^8 sequence steps read in training, one
        network's share being ``epochs_ * n_training_sequences * steps``
        (small sets, where a network's accuracy moves most with its seed,
        get 3; large ones 1), ``steps`` being the width of the batches a
        sequence is read in: the longest length, or about the mean one
        when ragged sequences are bucketed by length; 1 when ``epochs`` is
        set by hand. A custom ``model_builder`` network is not multiplied.
    epochs : int or 'auto', default='auto'
        Maximum number of passes over the training data. ``'auto'``: about
        4,000 gradient steps, between 10 and 1,500 epochs.
    batch_size : int or 'auto', default='auto'
        Samples per gradient step. ``'auto'``: a tenth of the training
        sequences, between 4 and 64.
    learning_rate : float, default=1e-3
        Initial learning rate of the optimizer.
    lr_schedule : {'plateau'} or None, default='plateau'
        ``'plateau'`` halves the learning rate when the monitored loss
        (validation loss, else training loss) has not improved for a tenth
        of the epochs (at least 5; half of ``n_iter_no_change`` when that
        is a number), down to a tenth of ``learning_rate``. Not with an
        optimizer whose rate is a schedule of its own, which is kept.
    optimizer : str, keras optimizer class or instance, default='adam'
        Optimizer; an instance is copied, never trained in place, and
        trains at ``learning_rate`` (a warning says so when its own rate
        differs; a rate schedule of its own is kept).
    validation : {'auto', 'stratified', 'tail'}, CV splitter or None, \
default='auto'
        The hold-out for early stopping. ``'stratified'``: a seeded,
        shuffled, stratified ``validation_fraction`` (independent
        sequences, e.g. class-sorted UCR files). ``'tail'``: the last
        ``validation_fraction`` of the rows (windows in time order), purged:
        training windows that share steps with it, and the one whose
        next-step label is its first step, are left out. A splitter (e.g.
        :class:`~skseq.model_selection.PurgedTimeSeriesSplit`, for labels
        further ahead) gives its last ``(train, test)`` split; one that
        splits by groups is refused (fit takes no groups). ``'auto'``:
        ``'tail'`` when
        consecutive sequences overlap like windows cut from one series,
        ``'stratified'`` otherwise. ``None``: no hold-out. Without a
        splitter, nothing is held out when the hold-out would have fewer
        than 30 sequences (its loss is too noisy to stop on), nor when a
        stratified one would have fewer sequences than there are classes
        (it would miss classes).
    validation_fraction : float, default=0.1
        Share of the training data held out by ``'stratified'``/``'tail'``.
    n_iter_no_change : int, 'auto' or None, default='auto'
        Stop after this many epochs without improvement of the monitored
        loss (validation loss, else training loss) and keep the best
        epoch's weights. ``'auto'``: a fifth of the epochs, at least 10.
        Without a hold-out, training also stops once the training set is
        fitted: the training loss below 1% of a chance prediction's
        (``ln n_classes``) for a tenth of the epochs (at least 5).
        ``None`` trains all ``epochs`` and keeps the last weights.
    class_weight : 'balanced', dict or None, default='balanced'
        Weights of the classes, keyed by the original labels. ``'balanced'``
        uses ``n_samples / (n_classes * count(class))``.
    scaling : {'standard', 'robust', 'minmax'} or None, default='standard'
        Per-feature scaling fitted on real steps (:class:`SequenceScaler`).
    sequence_scaling : 'auto' or bool, default='auto'
        Numeric input: the network also reads each sequence standardised on
        its own (per feature, over its real steps) and the log of its
        standard deviation, beside the scaled input
        (``SequenceStandardization1D``). ``'auto'``: when the sequences' own
        scales span more than 100x in some feature (90th over 10th
        percentile), where one global scaling leaves many of them as flat
        lines near 0 (PLAID's appliance currents: 0.50 test accuracy without,
        see ``benchmarks/README.md``). The choice is ``sequence_scaling_``.
    mask_value : 'auto', float or None, default='auto'
        In dense input, leading and trailing steps whose every feature equals
        this value are padding. ``None`` treats every step as real.
        ``'auto'`` is 0.0, unless all-zero steps make up at least 1% of the
        steps *between* the sequences' first and last non-zero steps (where
        padding never is): then zero is data (counts, events) and no step is
        padding, with a warning when some sequences start or end with zeros.
        The value used is ``mask_value_``.
    input_type : {'auto', 'numeric', 'tokens'}, default='auto'
        ``'tokens'`` feeds integer ids (0 = padding) through an Embedding with
        ``mask_zero=True``. ``'auto'`` picks tokens for 2-D integer arrays and
        lists of 1-D integer sequences, numeric otherwise.
    embedding_dim : int, default=32
        Embedding size for token input.
    vocabulary_size : int or None, default=None
        Number of token ids (largest id + 1). ``None`` infers it from the
        training data; unseen larger ids are then treated as padding.
    bucketing : 'auto' or bool, default='auto'
        Train and predict on batches of sequences of similar length, each
        trimmed to its longest member. ``'auto'`` does so when padding would
        be at least a third of all steps. Under TensorFlow each batch size
        gets its own traced train step (one trace for all batch sizes runs
        1.5-1.8x slower per step on CPU).
    jit_compile : 'auto' or bool, default='auto'
        Train with XLA compilation. ``'auto'`` leaves it to Keras, which
        compiles with XLA under JAX and under TensorFlow on GPU, but not
        under TensorFlow on a CPU-only machine. ``True`` there makes
        steady-state epochs 3-5x faster (measured on 2 cores, see
        ``benchmarks/README.md``) at a compile cost of seconds per distinct
        batch shape: worth it for long trainings, not for a few epochs.
        Prediction is never XLA-compiled under TensorFlow, so that new batch
        sizes cost no compile.
    model_builder : callable or None, default=None
        Escape hatch: ``model_builder(meta)`` returns a Keras model taking
        post-padded ``(batch, steps, n_features)`` input (or token ids).
        ``meta`` holds ``n_features``, ``n_outputs``, ``n_classes``,
        ``tokens``, ``vocabulary_size``, ``n_timesteps``,
        ``sequence_scale`` (the arguments of ``SequenceStandardization1D``
        where ``sequence_scaling`` applies, else None; the builder decides
        whether to use them) and the network parameters above. Its output
        must be probabilities, ``meta['n_outputs']`` per sequence: one
        sigmoid unit for two classes, else a softmax over the classes
        (another width is refused before training). An
        uncompiled model is compiled with this estimator's optimizer,
        learning rate and loss. Must be picklable
        (a module-level function) for pickling and ``n_jobs > 1``.
    distribution : None, 'data_parallel' or keras.distribution.Distribution, \
default=None
        Train data-parallel through Keras' distribution API (JAX backend
        only): ``'data_parallel'`` replicates the network on every device
        of ``keras.distribution.list_devices()`` and splits each batch
        across them (the batch size is rounded up to a multiple of the
        device count); a ``Distribution`` instance is used as given. The
        trained weights are kept in a single-device model. ``None`` trains
        as Keras would, under a distribution the user set globally with
        ``keras.distribution.set_distribution`` if any.
    callbacks : list of keras.callbacks.Callback or None, default=None
        Extra callbacks; each fit uses deep copies. They run after skseq's
        own, so an ``EarlyStopping(restore_best_weights=True)`` of yours
        restores last: its epoch's weights are kept and ``best_epoch_`` is
        that epoch. They see the network being trained, which under JAX or
        with several networks outputs each network's logits (a
        ``ModelCheckpoint`` saves that): save a fitted estimator with
        :func:`skseq.save`.
    random_state : int or None, default=None
        Seed for weights, dropout and shuffling. The same seed gives the same
        predictions (TensorFlow and JAX backends). On a GPU only with the
        backend's deterministic operations on (a seeded fit without them
        warns, naming the switch: ``XLA_FLAGS=--xla_gpu_deterministic_ops=true``
        under JAX, ``tf.config.experimental.enable_op_determinism()`` under
        TensorFlow).
    verbose : int, default=0
        Keras' verbosity during fit.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Features per step (the last axis of a 3-D input).
    feature_names_in_ : ndarray of str
        Column names of the DataFrames, where X was a list (or Series) of
        them, one per sequence, named by strings: predict reads its
        DataFrames' columns by these names.
    n_timesteps_in_ : int
        Longest real sequence seen in fit.
    model_ : keras.Model
        The trained network.
    network_steps_ : int or None
        The number of steps the network takes: None (any number) but for a
        ``model_builder`` network built for a fixed number
        (``keras.Input(shape=(steps, ...))``), read before training;
        ``predict`` pads to it and refuses longer sequences.
    scaler_ : SequenceScaler or None
        The fitted scaler, if ``scaling`` is set.
    sequence_scaling_ : bool
        Whether the built-in network reads each sequence on its own scale
        too (``sequence_scaling``, ``'auto'`` resolved; False with a
        ``model_builder``).
    history_ : dict of list
        Keras' per-epoch ``loss``, ``accuracy``, ``val_loss``, ...
    n_iter_ : int
        Epochs run.
    best_epoch_ : int
        1-based epoch whose weights were kept.
    tokens_ : bool
        Whether the input was taken as token ids.
    vocabulary_size_ : int or None
        Embedding input size for token input.
    batch_size_, epochs_ : int
        The batch size and epoch budget used (``'auto'`` resolved).
    architecture_, pooling_ : str
        The architecture and pooling used (``'auto'`` resolved).
    architecture_losses_ : dict or None
        Where ``architecture='auto'`` chose on the hold-out: each
        candidate's mean validation loss at its kept epoch (the plain
        LSTM's is lower by more than one standard error where it is
        ``architecture_``; NaN for a tried network whose training diverged,
        which is not kept); None where one architecture was trained.
    n_networks_ : int
        Networks averaged in ``model_`` (``'auto'`` resolved); with more
        than one, ``model_.get_layer('network_0')`` is the first.
    validation_ : str
        The hold-out used: 'stratified', 'tail', 'splitter' or 'none'.
    mask_value_ : float or None
        The padding value used (``'auto'`` resolved); predict uses it too.
    input_summary_ : dict
        What fit saw of the training data (lengths, padding, the features'
        means and spreads, class counts and weights, the hold-out's size,
        the chance losses): what :func:`~skseq.inspection.diagnose` and the
        warnings after fit read.

    Examples
    --------
    >>> import numpy as np
    >>> from skseq import LSTMClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 8, 2))
    >>> y = (X[:, :, 0].mean(axis=1) > 0).astype(int)
    >>> clf = LSTMClassifier(units=8, epochs=3, random_state=0).fit(X, y)
    >>> clf.predict_proba(X).shape
    (60, 2)
    """


    _parameter_constraints = PARAMETER_CONSTRAINTS

    def __init__(self, *, units=64, n_layers=1, bidirectional=False,
                 dropout="auto", pooling="auto", architecture="auto",
                 n_networks="auto", epochs="auto", batch_size="auto",
                 learning_rate=1e-3,
                 lr_schedule="plateau", optimizer="adam", validation="auto",
                 validation_fraction=0.1, n_iter_no_change="auto",
                 class_weight="balanced", scaling="standard",
                 sequence_scaling="auto", mask_value="auto", input_type="auto",
                 embedding_dim=32, vocabulary_size=None,
                 bucketing="auto", jit_compile="auto", model_builder=None,
                 distribution=None, callbacks=None, random_state=None,
                 verbose=0):
        self.units = units
        self.n_layers = n_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.pooling = pooling
        self.architecture = architecture
        self.n_networks = n_networks
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.lr_schedule = lr_schedule
        self.optimizer = optimizer
        self.validation = validation
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.class_weight = class_weight
        self.scaling = scaling
        self.sequence_scaling = sequence_scaling
        self.mask_value = mask_value
        self.input_type = input_type
        self.embedding_dim = embedding_dim
        self.vocabulary_size = vocabulary_size
        self.bucketing = bucketing
        self.jit_compile = jit_compile
        self.model_builder = model_builder
        self.distribution = distribution
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network on sequences X and labels y.

        Everything is validated before training starts. The fitted state is
        committed only when training ends: a fit that raises or is
        interrupted leaves the estimator as it was.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features), \
(n_samples, n_timesteps), or list of arrays
            Training sequences; see :func:`skseq.utils.check_sequences`.
            A ``numpy.memmap`` or ``zarr.Array`` (or a list of them, rows
            stacked) is read from disk in chunks, never loaded whole.
        y : array-like of shape (n_samples,)
            Class labels, at least two classes: numbers, strings or bools
            of one kind (scikit-learn's classification targets; mixed
            numbers and strings are refused), none missing.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative per-sample weights, multiplied with the class
            weights. Not modified.

        Returns
        -------
        self : LSTMClassifier
            Fitted estimator.
        """
        # In a Dask worker nobody bounded, TensorFlow would take every core
        # in each worker: bound it to the worker's threads before it starts.
        _limit_threads_in_dask_worker()
        keras, builders = _import_keras()
        # Checked before anything else; each trained network gets copies.
        _training.check_user_callbacks(self.callbacks, keras)
        check_optimizer(self.optimizer, self.learning_rate, keras)
        warn_if_not_reproducible(self.random_state, keras.backend.backend())
        distribution = resolve_distribution(self.distribution)
        data = prepare_fit(self, X, y, sample_weight,
                           distribution)
        state = data["state"]
        _training.warn_if_nothing_to_monitor(self.callbacks or [],
                                             state["validation_"])
        with seeded(self.random_state):
            with distribution_scope(distribution):
                # The built-in networks train on their stacked logits (each
                # its own loss) and predict through their (average)
                # probability (_ensemble): Keras' loss of probabilities
                # clips them without gradient. Under TensorFlow Keras finds
                # one network's logits behind its softmax itself, and the
                # probability model is then the trained one (a second
                # build costs a small fit about a quarter more); under JAX
                # it does not. Where 'auto' chooses the architecture on
                # the hold-out, two or three are trained (_candidates).
                (model, history, callbacks, stacked), losses = \
                    train_candidates(self, keras, builders, data, state)
                state["architecture_losses_"] = losses
            if data["train_unmasked"] or distribution is not None or stacked:
                # Predict with the masked network (the networks' average),
                # on one device.
                from ._architectures import copy_weights

                twin = self._build_and_compile(keras, data["meta"], state)
                if self.model_builder is not None:
                    # The same builder's network again (distributed fits):
                    # the same weights in the same order, under other
                    # automatic layer names (lstm_1 for lstm).
                    twin.set_weights(model.get_weights())
                    model = twin
                else:
                    model = copy_weights(model, twin)
        if keras.backend.backend() == "tensorflow" and model.jit_compile:
            # XLA compiles once per input shape: prediction on ever new batch
            # sizes would compile again and again.
            model.jit_compile = False
            model.predict_function = None
        state["history_"] = {k: [float(v) for v in vals]
                             for k, vals in history.history.items()}
        state["n_iter_"] = len(state["history_"]["loss"])
        state["best_epoch_"] = _training.best_epoch(callbacks,
                                                    state["n_iter_"])
        state["model_"] = model
        # Commit: nothing above touched the estimator. The diagnostics read
        # the fitted estimator; one of their warnings made an error
        # (``-W error``), or an interrupt there, undoes the commit.
        with kept_on_failure(self):
            self.__dict__.pop("feature_names_in_", None)  # a former fit's
            self.__dict__.update(state)
            warn_after_fit(self, X)
        return self

    def _held_out(self, X_padded, lengths, y_encoded):
        """``(train, val, kind)`` rows of fit's hold-out for this data (the
        rule of :func:`~skseq.neural_network._holdout.split_validation`;
        nothing without early stopping, unless a splitter is given)."""
        validation = (None if self.n_iter_no_change is None
                      and not _holdout.is_splitter(self.validation)
                      else self.validation)
        return _holdout.split_validation(
            validation, self.validation_fraction, X_padded, lengths,
            y_encoded, self.random_state)

    def _resolve_tokens(self, X):
        return resolve_tokens(self.input_type, X)

    def _build_and_compile(self, keras, meta, state, masked=True,
                           stacked=False):
        from ._architectures import build_lstm_model, resolve_dropout
        from ._builder_checks import check_built_model

        # NumPy scalars pass the parameter checks (a grid of np.arange) but
        # Keras' layers refuse them ("output_size must be an integer").
        params = {name: python_scalar(getattr(self, name)) for name in (
            "units", "n_layers", "bidirectional", "embedding_dim",
            "random_state")}
        params.update(architecture=state["architecture_"],
                      pooling=state["pooling_"],
                      dropout=resolve_dropout(self.dropout, meta["tokens"]))
        if self.model_builder is not None:
            model = self.model_builder({**meta, **params})
            check_built_model(model, meta, keras)
        else:
            model = build_lstm_model(meta, masked=masked, stacked=stacked,
                                     n_networks=state["n_networks_"],
                                     **params)
        if stacked or not getattr(model, "compiled", False):
            binary = meta["n_outputs"] == 1
            loss = ("binary_crossentropy" if binary
                    else "sparse_categorical_crossentropy")
            metrics = ["accuracy"]
            if stacked:
                from ._ensemble import MemberCrossentropy, member_accuracy

                loss, metrics = MemberCrossentropy(binary), [member_accuracy]
            optimizer = make_optimizer(self.optimizer, self.learning_rate,
                                       keras)
            model.compile(optimizer=optimizer, loss=loss, metrics=metrics,
                          jit_compile=self.jit_compile)
        return model

    # -------------------------------------------------------------- predict
    def predict_proba(self, X):
        """Class probabilities for sequences X.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences in any form accepted by :meth:`fit` (disk arrays are
            predicted chunk by chunk); lengths may differ from the training
            data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, columns ordered as ``classes_``.
        """
        check_is_fitted(self)
        return predict_probabilities(self, X)

    def predict(self, X):
        """Predicted class labels for sequences X.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    # -------------------------------------------------------------- pickling
    def __getstate__(self):
        # BaseEstimator's own (it records _sklearn_version for
        # scikit-learn's estimators only, not for skseq's).
        state = super().__getstate__()
        return _serialization.pickled_state(
            state.copy() if state is self.__dict__ else state)

    def __setstate__(self, state):
        state, model = _serialization.unpickled_state(state)
        super().__setstate__(state)
        if model is not None:
            _import_keras()
            self.model_ = model()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.two_d_array = True
        tags.non_deterministic = self.random_state is None
        return tags
