"""Sequences that stay on disk: NumPy memmaps and Zarr arrays, read in chunks.

``LSTMClassifier`` trains on a ``numpy.memmap`` or a ``zarr.Array`` of shape
``(n_samples, n_timesteps, n_features)``, or on a list of such arrays with
the same ``(n_timesteps, n_features)`` (blocks of rows), without loading it:
validation, padding detection and scaling statistics read it chunk by chunk,
training reads one buffer of rows at a time, prediction one chunk at a time.
NumPy has memmaps and Zarr has chunked arrays, but neither walks a dataset
of sequences by rows in chunks, so this small wrapper does.
"""

import copy

import numpy as np

from ._padding import _dense_to_post_padded, padding_lengths
from ._validation import _check_lengths

__all__ = ["DiskSequences", "as_disk_sequences"]

# Bytes of float32 rows read at once when scanning (validation, statistics,
# prediction): 10,000 sequences of 100 steps x 2 features. Statistics and
# scaling make a few float64 temporaries of a chunk; NumPy's speed does not
# improve with larger chunks.
CHUNK_BYTES = 8 * 2**20


def _is_disk_array(X):
    if isinstance(X, np.memmap):
        return True
    module = type(X).__module__ or ""
    return module.split(".")[0] == "zarr" and hasattr(X, "shape") \
        and hasattr(X, "dtype")


def as_disk_sequences(X, mask_value=0.0, input_name="X"):
    """Wrap a memmap, a Zarr array or a list of them; ``None`` otherwise.

    Parameters
    ----------
    X : object
        Anything passed as X.
    mask_value : float or None, default=0.0
        Padding value of edge steps (see :func:`check_sequences`).
    input_name : str, default="X"
        Name used in error messages.

    Returns
    -------
    sequences : DiskSequences or None
    """
    if isinstance(X, (list, tuple)) and X and all(
            _is_disk_array(block) for block in X):
        if all(len(block.shape) == 1 for block in X):
            # 1-D memmap slices of one series or corpus (x[start:end]): a
            # list of sequences of one feature, read as any list is.
            return None
        if any(len(block.shape) == 2 and block.shape[1] == 1
               for block in X):
            # Read as blocks of rows these are sequences of one step each:
            # predict answered one row per step of what were single
            # sequences (np.load(..., mmap_mode='r') of one per file).
            raise ValueError(
                f"{input_name} is a list of disk arrays, read as blocks of "
                "rows (n_i, n_timesteps[, n_features]), and some have one "
                "column: rows of one step each. If each array is one "
                "sequence (n_timesteps_i, 1), load them into memory "
                "(a list of np.asarray(a)); if they are rows, reshape "
                "them to (n_i, n_timesteps).")
        return DiskSequences(list(X), mask_value, input_name)
    if _is_disk_array(X):
        return DiskSequences([X], mask_value, input_name)
    return None


class DiskSequences:
    """Rows of one or several disk arrays seen as one dense sequence array.

    Parameters
    ----------
    blocks : list of numpy.memmap or zarr.Array
        Arrays of shape ``(n_i, n_timesteps, n_features)`` (or
        ``(n_i, n_timesteps)``: one feature per step), stacked along rows.
    mask_value : float or None
        Padding value of edge steps.
    input_name : str
        Name used in error messages.

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> from skseq.utils._disk import as_disk_sequences
    >>> path = os.path.join(tempfile.mkdtemp(), "X.npy")
    >>> X = np.lib.format.open_memmap(path, "w+", np.float32, (5, 4, 2))
    >>> X[:] = 1.0
    >>> X[1, 2:] = 0.0  # trailing padding
    >>> seqs = as_disk_sequences(np.load(path, mmap_mode="r"))
    >>> seqs.shape, seqs.check().tolist()
    ((5, 4, 2), [4, 2, 4, 4, 4])
    >>> seqs.subset([1, 0])[0, :, 0].tolist()
    [1.0, 1.0, 0.0, 0.0]
    """

    def __init__(self, blocks, mask_value=0.0, input_name="X"):
        shapes = []
        for i, block in enumerate(blocks):
            name = input_name if len(blocks) == 1 else f"{input_name}[{i}]"
            if block.dtype.kind not in "fiub":
                raise ValueError(
                    f"{name} is a disk array of dtype {block.dtype}; "
                    "sequences on disk must be numeric (float or int).")
            if len(block.shape) not in (2, 3):
                raise ValueError(
                    f"{name} is a disk array of shape {block.shape}; "
                    "expected (n_samples, n_timesteps, n_features) or "
                    "(n_samples, n_timesteps).")
            shapes.append(tuple(block.shape[1:]) + (1,) * (3 - len(block.shape)))
        if len(set(shapes)) > 1:
            raise ValueError(
                f"The disk arrays of {input_name} must share (n_timesteps, "
                f"n_features); got {sorted(set(shapes))}.")
        if sum(block.shape[0] for block in blocks) == 0:
            raise ValueError(
                f"{input_name} is a disk array of 0 sequences (shape "
                f"{tuple(blocks[0].shape)}); at least 1 is required.")
        if shapes[0][0] == 0:
            raise ValueError(
                f"{input_name} is a disk array of 0 timesteps (shape "
                f"{tuple(blocks[0].shape)}); every sequence needs at least "
                "one step.")
        if shapes[0][1] == 0:
            raise ValueError(
                f"{input_name} is a disk array of 0 features per step (shape "
                f"{tuple(blocks[0].shape)}); at least one is needed.")
        self.blocks = blocks
        self.mask_value = mask_value
        self.input_name = input_name
        self.offsets = np.cumsum([0] + [block.shape[0] for block in blocks])
        self.shape = (int(self.offsets[-1]),) + shapes[0]
        self.ndim = 3
        self.row_map = None
        row_bytes = 4 * self.shape[1] * self.shape[2]
        self.chunk_rows = max(1, CHUNK_BYTES // row_bytes)
        # Rows that cost one read: a Zarr chunk decompresses whole, a memmap
        # reads any row alone.
        self.block_rows = max(
            int(getattr(block, "chunks", (1,))[0] or 1) for block in blocks)

    def __len__(self):
        return self.shape[0]

    def read(self, rows):
        """Raw rows (float32, in the order of ``rows``), without padding
        handling."""
        rows = self._physical(np.asarray(rows, dtype=np.int64))
        out = np.empty((len(rows),) + self.shape[1:], np.float32)
        which = np.searchsorted(self.offsets, rows, side="right") - 1
        for b in np.unique(which):
            where = np.flatnonzero(which == b)
            local = rows[where] - self.offsets[b]
            order = np.argsort(local, kind="stable")
            block = self.blocks[b]
            if hasattr(block, "get_orthogonal_selection"):
                part = block.get_orthogonal_selection(
                    (local[order],) + (slice(None),) * (block.ndim - 1))
            else:
                part = block[local[order]]
            # A float64 value beyond float32's range becomes infinity, which
            # the checks name as such: no RuntimeWarning before their error.
            with np.errstate(over="ignore"):
                out[where[order]] = np.asarray(part, np.float32).reshape(
                    (len(local),) + self.shape[1:])
        return out

    def take(self, rows):
        """Rows post-padded (padding moved to the end, 0.0) and their
        lengths."""
        raw = self.read(rows)
        return _dense_to_post_padded(raw, self.mask_value, 0.0, np.float32)

    def __getitem__(self, key):
        """``X[rows]`` and ``X[i, :n]`` on the post-padded rows (what the
        fit's checks read from a small sample)."""
        key, rest = (key[0], key[1:]) if isinstance(key, tuple) else (key, ())
        # A slice is a 0-d object to np.ndim, yet selects rows.
        scalar = np.ndim(key) == 0 and not isinstance(key, slice)
        rows = np.arange(len(self))[key] if isinstance(key, slice) \
            else np.atleast_1d(key)
        out = self.take(rows)[0]
        if scalar:
            return out[0][rest] if rest else out[0]
        return out[(slice(None),) + rest] if rest else out

    def chunks(self):
        """``(start, raw rows)`` in order, ``chunk_rows`` at a time."""
        for start in range(0, len(self), self.chunk_rows):
            stop = min(start + self.chunk_rows, len(self))
            yield start, self.read(np.arange(start, stop))

    def native_chunks(self):
        """``(start, rows)`` in order, each block's rows as they are stored
        (their own dtype and shape, no padding handling), at most
        ``chunk_rows`` at a time: token ids, which are validated as ids,
        not as float32 steps."""
        for b, block in enumerate(self.blocks):
            for start in range(0, block.shape[0], self.chunk_rows):
                stop = min(start + self.chunk_rows, block.shape[0])
                yield (int(self.offsets[b]) + start,
                       np.asarray(block[start:stop]))

    def checked_chunks(self, allow_empty_rows=False):
        """``(start, post-padded rows, lengths)`` of every chunk, validated.

        Raises
        ------
        ValueError
            For NaN or infinite values, or a sequence without a real step.
        """
        for start, raw in self.chunks():
            self._check_finite(start, raw)
            X_padded, lengths = _dense_to_post_padded(
                raw, self.mask_value, 0.0, np.float32)
            _check_lengths(lengths, self.input_name, self.mask_value,
                           allow_empty_rows)
            yield start, X_padded, lengths

    def check(self, allow_empty_rows=False):
        """Validate every chunk; the real length of every sequence."""
        lengths = np.empty(len(self), np.int64)
        for start, raw in self.chunks():
            self._check_finite(start, raw)
            first, stop = padding_lengths(raw, self.mask_value)
            lengths[start:start + len(raw)] = stop - first
        _check_lengths(lengths, self.input_name, self.mask_value,
                       allow_empty_rows)
        return lengths

    def _check_finite(self, start, raw):
        finite = np.isfinite(raw)
        if not finite.all():
            row = start + int(np.flatnonzero(~finite.all(axis=(1, 2)))[0])
            # Rows are read as float32, the network's type: a float64
            # value beyond its range reads as infinity.
            wide = any(block.dtype.itemsize > 4 for block in self.blocks)
            raise ValueError(
                f"Input {self.input_name} contains NaN or infinity"
                + (" or values beyond float32's range (3.4e38), in which "
                   "the network computes" if wide else "")
                + f" (row {row} of the disk array). Fill or drop such steps"
                + (", or rescale the values." if wide else "."))

    def subset(self, rows):
        """A view of the rows ``rows`` (in that order), read on demand."""
        view = copy.copy(self)
        view.row_map = self._physical(np.asarray(rows, np.int64))
        view.shape = (len(rows),) + self.shape[1:]
        return view

    def _physical(self, rows):
        return rows if self.row_map is None else self.row_map[rows]
