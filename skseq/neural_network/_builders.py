"""Batches for Keras: bucketed data pipelines and per-batch-size traces.

Only the ``neural_network`` modules import Keras, so that ``import skseq``
stays fast. The network builders are in ``_architectures``, the layers in
``_layers``.
"""

import keras
import numpy as np

from ._batching import batch_widths, bucket_batches

__all__ = ["ArrayBatches", "BucketedSequence", "StreamedBatches",
           "build_before_tracing", "bucketed_tf_dataset",
           "gathered_tf_dataset", "trace_per_batch_size"]


def bucketed_tf_dataset(X, y, weights, lengths, batch_size, seed=None,
                        shuffle=False, round_widths=True):
    """Bucketed batches as an in-graph ``tf.data`` pipeline (TensorFlow).

    Under TensorFlow a ``PyDataset`` hands every batch through a Python
    generator, which costs about as much as the steps bucketing saves
    (``benchmarks/README.md``). Here the data are constant tensors and each
    batch is a gather of its rows sliced to its width, all inside the
    ``tf.data`` graph. :func:`trace_per_batch_size` then gives each batch
    size one trace that takes every width.

    Parameters
    ----------
    X, y : ndarray
        Post-padded model input and targets.
    weights : ndarray or None
        Sample weights; ``None`` when all are 1.
    lengths : ndarray of shape (n_samples,)
        Real length of every sequence.
    batch_size : int
        Samples per batch.
    seed : int or None, default=None
        Seed for breaking length ties and for the batch order.
    shuffle : bool, default=False
        Reshuffle the order of the batches every epoch (training).
    round_widths : bool, default=True
        Round each batch's width up to one of 8 sizes, as XLA compiles once
        per shape; ``False`` trims each batch to exactly its longest member.
    """
    import tensorflow as tf

    rng = np.random.default_rng(seed) if shuffle else None
    batches = bucket_batches(lengths, batch_size, rng)
    sizes = np.array([len(b) for b in batches], dtype=np.int64)
    stops = np.cumsum(sizes)
    widths = batch_widths(lengths, batches, X.shape[1], round_widths)
    rows = tf.constant(np.concatenate(batches).astype(np.int64))
    arrays = [tf.constant(a) for a in (X, y, weights) if a is not None]

    def take(start, stop, width):
        idx = rows[start:stop]
        x = tf.gather(arrays[0], idx)[:, :width]
        return (x,) + tuple(tf.gather(a, idx) for a in arrays[1:])

    dataset = tf.data.Dataset.from_tensor_slices((stops - sizes, stops,
                                                  widths))
    if shuffle:
        dataset = dataset.shuffle(len(batches), seed=seed,
                                  reshuffle_each_iteration=True)
    return dataset.map(take).prefetch(tf.data.AUTOTUNE)


def gathered_tf_dataset(take, n_rows, specs, batch_size, seed=None,
                        shuffle=False):
    """Batches whose rows a NumPy function gathers, fed through ``tf.data``.

    ``take(rows)`` returns the model input, targets (and weights) of some
    rows; it runs inside the pipeline, one call per batch, while the
    previous batch trains. Keras' array adapter would instead convert the
    whole (scaled) array to tensors, about two copies of X held for the
    whole fit (200,000 x 100 x 8 float32: 1.1 GB); here only the caller's
    X and one batch are in memory, and the scaling is done per batch.

    Parameters
    ----------
    take : callable
        ``take(rows) -> (x, y)`` or ``(x, y, weights)`` for an int64 array
        of row indices.
    n_rows : int
        Rows to draw batches from.
    specs : list of (shape, dtype)
        Shape (batch axis first) and dtype of each array ``take`` returns.
    batch_size : int
        Rows per batch.
    seed : int or None, default=None
        Seed of the shuffle.
    shuffle : bool, default=False
        Reshuffle all rows every epoch (training).
    """
    import tensorflow as tf

    dataset = tf.data.Dataset.range(n_rows)
    if shuffle:
        dataset = dataset.shuffle(n_rows, seed=seed,
                                  reshuffle_each_iteration=True)
    dtypes = [tf.as_dtype(dtype) for _, dtype in specs]

    def load(rows):
        parts = tf.numpy_function(take, [rows], dtypes, stateful=False)
        for part, (shape, _) in zip(parts, specs):
            part.set_shape((None,) + tuple(shape[1:]))
        return tuple(parts)

    return dataset.batch(batch_size).map(load).prefetch(tf.data.AUTOTUNE)


def build_before_tracing(model, dataset):
    """Create the optimizer's and the metrics' variables before training
    (TensorFlow, a ``tf.data`` dataset).

    Without a distribution strategy, Keras creates them inside the first
    trace of the train step, and TensorFlow traces a ``tf.function`` whose
    first trace created variables a second time, so every fit paid its
    train step's trace twice: about half of a small fit (the conv-LSTM on
    120 x 8 x 2, 2 epochs, 2 cores: 5.6-5.8 s, 2.7-3.2 s built first; 3
    networks 16-21 s, 8.6-10.3 s; the same losses and predictions). Under
    a strategy, and always under JAX, Keras builds them first itself
    (``Trainer._symbolic_build``, from the first batch's shapes); this
    calls that build from the dataset's element spec. Keras has no public
    name for it: without it (another Keras) the fit is only slower.

    Parameters
    ----------
    model : keras.Model
        A compiled model.
    dataset : object
        The training data; only a ``tf.data.Dataset`` (which has an
        ``element_spec``) is used.
    """
    build = getattr(model, "_symbolic_build", None)
    spec = getattr(dataset, "element_spec", None)
    if build is None or spec is None:
        return
    import tensorflow as tf

    build(data_batch=tf.nest.map_structure(
        lambda s: keras.KerasTensor(s.shape, s.dtype.name), spec))


def trace_per_batch_size(model):
    """Trace the train and test steps once per batch size (TensorFlow).

    Keras traces one ``tf.function`` and leaves unknown every axis that
    differed between the batches it saw. Bucketed batches differ in width
    and the last one is short, and an LSTM train step traced with an unknown
    batch axis runs 1.5-1.8x slower on CPU than one traced for a known batch
    size, while an unknown time axis costs little (``benchmarks/README.md``).
    That ate most of what bucketing saves. Here each batch size gets its own
    trace (usually two: full and last batch) whose time axis is unknown, so
    batches of any width run without retracing.

    Parameters
    ----------
    model : keras.Model
        A compiled model; its ``train_function`` and ``test_function`` are
        replaced until it is compiled again.
    """
    import tensorflow as tf

    def per_batch_size(step):
        traced_step = tf.function(step, autograph=False, reduce_retracing=False,
                                  jit_compile=bool(model.jit_compile))
        concrete = {}

        def function(iterator):
            data = next(iterator)
            x, *rest = tf.nest.flatten(data)
            rows = x.shape[0]
            if rows not in concrete:
                # Traced once per batch size, the time axis left unknown so
                # that all widths share it; called directly, so TensorFlow's
                # retracing warning never fires.
                spec = [tf.TensorSpec((rows, None) + tuple(x.shape[2:]),
                                      x.dtype)]
                spec += [tf.TensorSpec(t.shape, t.dtype) for t in rest]
                concrete[rows] = traced_step.get_concrete_function(
                    tf.nest.pack_sequence_as(data, spec))
            return concrete[rows](data)

        function.concrete_functions = concrete
        return function

    model.train_function = per_batch_size(model.train_step)
    model.test_function = per_batch_size(model.test_step)


class BucketedSequence(keras.utils.PyDataset):
    """Batches of similar-length sequences, each trimmed to its longest.

    Widths are rounded up to one of 8 sizes, as JAX compiles once per
    shape. Used under JAX; under TensorFlow :func:`bucketed_tf_dataset`
    yields the same batches from inside the graph.

    Parameters
    ----------
    X, y : ndarray
        Post-padded model input and targets.
    weights : ndarray or None
        Sample weights; ``None`` when all are 1.
    lengths : ndarray of shape (n_samples,)
        Real length of every sequence.
    batch_size : int
        Samples per batch.
    rng : numpy.random.Generator or None, default=None
        Reshuffles the batches after every epoch when given (training);
        ``None`` keeps one fixed order (validation).
    """

    def __init__(self, X, y, weights, lengths, batch_size, rng=None):
        super().__init__()
        self.X, self.y, self.weights = X, y, weights
        self.lengths, self.batch_size, self.rng = lengths, batch_size, rng
        self._make_batches()

    def _make_batches(self):
        self.batches = bucket_batches(self.lengths, self.batch_size, self.rng)
        self.widths = batch_widths(self.lengths, self.batches, self.X.shape[1])

    def __len__(self):
        return len(self.batches)

    def __getitem__(self, i):
        idx, width = self.batches[i], self.widths[i]
        if self.weights is None:
            return self.X[idx, :width], self.y[idx]
        return self.X[idx, :width], self.y[idx], self.weights[idx]

    def on_epoch_end(self):
        if self.rng is not None:
            self._make_batches()


class StreamedBatches(keras.utils.PyDataset):
    """Batches of sequences read from disk, one buffer of rows at a time.

    An epoch's order shuffles the disk array's read blocks (a Zarr chunk,
    a single row of a memmap), then the rows within each group of blocks
    that fill one buffer of at least 8 batches: every buffer is read once,
    each Zarr chunk is decompressed once per epoch, and memory holds one
    buffer, not the array. (tf.data's ``shuffle`` buffer would need the
    rows as a stream first; Keras has no disk-backed array adapter.)

    Parameters
    ----------
    sequences : skseq.utils._disk.DiskSequences
        The disk array.
    rows : ndarray of int
        Its rows that make up this dataset (training or validation).
    y : ndarray
        Targets aligned with ``rows``.
    weights : ndarray or None
        Sample weights aligned with ``rows``; ``None`` when all are 1.
    batch_size : int
        Samples per batch.
    to_model : callable
        Raw float32 rows -> model input (padding moved, scaled).
    rng : numpy.random.Generator or None, default=None
        Shuffles every epoch when given (training); ``None`` reads the rows
        in order (validation).
    multiple : int, default=1
        Every batch holds a multiple of this many rows (data-parallel
        devices); the last batch of an epoch drops the rest.
    """

    def __init__(self, sequences, rows, y, weights, batch_size, to_model,
                 rng=None, multiple=1):
        super().__init__()
        self.sequences, self.rows, self.y, self.weights = (
            sequences, np.asarray(rows, np.int64), y, weights)
        self.batch_size, self.to_model, self.rng = batch_size, to_model, rng
        self.n_rows = _usable_rows(len(self.rows), batch_size, multiple)
        read_rows = max(8 * batch_size, 8 * sequences.block_rows)
        self.buffer_rows = batch_size * -(-read_rows // batch_size)
        self._plan()

    def _plan(self):
        positions = np.arange(len(self.rows))
        if self.rng is not None:
            blocks = self.rows // self.sequences.block_rows
            unique, block_of = np.unique(blocks, return_inverse=True)
            rank = self.rng.permutation(len(unique))[block_of]
            per_buffer = max(1, self.buffer_rows
                             // self.sequences.block_rows)
            positions = np.lexsort((self.rng.random(len(positions)),
                                    rank // per_buffer))
        self.order = positions
        self._buffer = (None, None, None)

    def __len__(self):
        return -(-self.n_rows // self.batch_size)

    def __getitem__(self, i):
        k = i * self.batch_size // self.buffer_rows
        if self._buffer[0] != k:
            part = self.order[k * self.buffer_rows:(k + 1) * self.buffer_rows]
            physical = np.sort(self.rows[part])
            self._buffer = (k, physical, self.sequences.read(physical))
        _, physical, data = self._buffer
        idx = self.order[i * self.batch_size:
                         min((i + 1) * self.batch_size, self.n_rows)]
        x = self.to_model(data[np.searchsorted(physical, self.rows[idx])])
        if self.weights is None:
            return x, self.y[idx]
        return x, self.y[idx], self.weights[idx]

    def on_epoch_end(self):
        if self.rng is not None:
            self._plan()


def _usable_rows(n_rows, batch_size, multiple):
    """Rows an epoch uses when every batch must hold a multiple of
    ``multiple`` rows: the last batch drops its remainder."""
    last = n_rows % batch_size
    return n_rows - last % multiple


class ArrayBatches(keras.utils.PyDataset):
    """Shuffled batches of in-memory arrays whose sizes are all multiples of
    ``multiple`` (JAX, data-parallel: a batch splits evenly across the
    devices, which Keras' array adapter does not ensure for the last one),
    or of rows that ``take`` gathers.

    Parameters
    ----------
    X, y : ndarray
        Model input and targets.
    weights : ndarray or None
        Sample weights; ``None`` when all are 1.
    batch_size : int
        Rows per batch, a multiple of ``multiple``.
    rng : numpy.random.Generator or None
        Reshuffles every epoch when given (training); ``None`` keeps the
        order (validation).
    multiple : int, default=1
        The last batch of an epoch drops rows beyond a multiple of it.
    take : callable or None, default=None
        ``take(rows)`` gives the batch of these row numbers (0 to
        ``len(X) - 1``) itself, e.g. gathered from the caller's X and scaled
        (JAX, one device: no scaled copy of X); ``y`` and ``weights`` are
        then not read.
    """

    def __init__(self, X, y, weights, batch_size, rng=None, multiple=1,
                 take=None):
        super().__init__()
        self.X, self.y, self.weights, self.take = X, y, weights, take
        self.batch_size, self.rng = batch_size, rng
        self.n_rows = _usable_rows(len(X), batch_size, multiple)
        self._plan()

    def _plan(self):
        order = np.arange(len(self.X)) if self.rng is None \
            else self.rng.permutation(len(self.X))
        self.order = order[:self.n_rows]

    def __len__(self):
        return -(-self.n_rows // self.batch_size)

    def __getitem__(self, i):
        idx = self.order[i * self.batch_size:(i + 1) * self.batch_size]
        if self.take is not None:
            return self.take(idx)
        if self.weights is None:
            return self.X[idx], self.y[idx]
        return self.X[idx], self.y[idx], self.weights[idx]

    def on_epoch_end(self):
        if self.rng is not None:
            self._plan()
