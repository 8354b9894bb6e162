"""TextSequencer: raw texts to post-padded integer token sequences."""

from collections import Counter
from numbers import Integral

import numpy as np
from sklearn.base import (BaseEstimator, ClassNamePrefixFeaturesOutMixin,
                          TransformerMixin, _fit_context)
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..utils._padding import pad_sequences

__all__ = ["TextSequencer"]

PADDING_ID = 0
OOV_ID = 1


def _check_documents(X, input_name="X"):
    """Return X as a list of str: a 1-D iterable (or one column) of texts."""
    if isinstance(X, (str, bytes)):
        raise ValueError(
            f"{input_name} must be an iterable of texts, one per sample; got "
            f"a single string. Wrap it in a list: [{input_name}]."
        )
    if getattr(X, "ndim", 1) == 2:
        column = np.asarray(X, dtype=object)
        if column.shape[1] != 1:
            raise ValueError(
                f"{input_name} must hold one text per sample; got a 2-D input "
                f"of shape {column.shape}. Select the text column first."
            )
        X = column[:, 0]
    elif getattr(X, "ndim", 1) != 1:
        raise ValueError(
            f"{input_name} must be a 1-D iterable of texts; got "
            f"{X.ndim} dimensions."
        )
    documents = []
    for i, doc in enumerate(X):
        if isinstance(doc, bytes):
            doc = doc.decode("utf-8")
        if not isinstance(doc, str):
            raise ValueError(
                f"Every document must be a string; {input_name}[{i}] is "
                f"{type(doc).__name__} {doc!r}. Replace missing texts with ''."
            )
        documents.append(doc)
    if not documents:
        raise ValueError(
            f"Found 0 documents in {input_name}; at least 1 is required."
        )
    return documents


class TextSequencer(ClassNamePrefixFeaturesOutMixin, TransformerMixin,
                    BaseEstimator):
    """Turn raw texts into post-padded integer token sequences.

    Each text is split into words by scikit-learn's ``CountVectorizer``
    analyzer and each word replaced by its id in a vocabulary learnt in
    ``fit``. Id 0 is padding and id 1 stands for out-of-vocabulary words;
    the vocabulary gets ids 2, 3, ... from the most to the least frequent
    word, ties broken alphabetically (so the ids do not depend on the order
    of the training texts). The output is a 2-D int32 array padded with 0 at
    the end, which :class:`skseq.LSTMClassifier` recognises as token input
    and feeds through an ``Embedding(mask_zero=True)``.

    Parameters
    ----------
    max_tokens : int or None, default=None
        Size of the id space, the two reserved ids included (as Keras'
        ``TextVectorization``): only the ``max_tokens - 2`` most frequent
        words get their own id. ``None`` keeps every word. This is the
        ``vocabulary_size`` an ``LSTMClassifier`` needs at most.
    min_frequency : int, default=1
        Words seen fewer times than this in ``fit`` are out of vocabulary.
    max_length : int or None, default=None
        Length of the output sequences. ``None`` uses the longest text seen
        in ``fit``; longer texts met later are truncated to it.
    padding : {'post', 'pre'}, default='post'
        Where the padding zeros go. Post-padding lets a masked LSTM use
        cuDNN.
    truncating : {'post', 'pre'}, default='post'
        Which end of a too-long text is cut: ``'post'`` keeps the first
        ``max_length`` words, ``'pre'`` the last ones.
    handle_unknown : {'oov', 'ignore'}, default='oov'
        ``'oov'`` writes id 1 for a word outside the vocabulary; ``'ignore'``
        drops it.
    lowercase : bool, default=True
        Lowercase texts before splitting.
    strip_accents : {'ascii', 'unicode'} or None, default=None
        Accent removal, as in ``CountVectorizer``.
    token_pattern : str or None, default=r"(?u)\\b\\w+\\b"
        Regular expression of a word. Unlike ``CountVectorizer``'s default it
        keeps one-letter words ("a", "I"), whose order can matter to a
        sequence model.
    tokenizer : callable or None, default=None
        Overrides ``token_pattern``: a function from a string to a list of
        words. Must be picklable for pickling and ``n_jobs > 1``.

    Attributes
    ----------
    vocabulary_ : dict of str to int
        Word to id (2 and up), most frequent word first.
    vocabulary_size_ : int
        ``len(vocabulary_) + 2``: ids in the output are below this.
    max_length_ : int
        Length of the output sequences.

    See Also
    --------
    skseq.LSTMClassifier : Learns from the token sequences.
    sklearn.feature_extraction.text.CountVectorizer : Same word splitting,
        bag-of-words output.

    Notes
    -----
    A text without any known word (an empty string, punctuation only, or
    only unknown words with ``handle_unknown='ignore'``) becomes the single
    id 1, never an all-padding row: a sequence with no step at all gives a
    masked LSTM nothing to read (``LSTMClassifier`` accepts such token rows
    among others, and predicts them from the network's state alone).

    Examples
    --------
    >>> from skseq.preprocessing import TextSequencer
    >>> sequencer = TextSequencer().fit(["the cat sat", "The dog!"])
    >>> sequencer.vocabulary_
    {'the': 2, 'cat': 3, 'dog': 4, 'sat': 5}
    >>> sequencer.transform(["the bird sat", "dog"])
    array([[2, 1, 5],
           [4, 0, 0]], dtype=int32)
    """

    _parameter_constraints = {
        "max_tokens": [Interval(Integral, 3, None, closed="left"), None],
        "min_frequency": [Interval(Integral, 1, None, closed="left")],
        "max_length": [Interval(Integral, 1, None, closed="left"), None],
        "padding": [StrOptions({"post", "pre"})],
        "truncating": [StrOptions({"post", "pre"})],
        "handle_unknown": [StrOptions({"oov", "ignore"})],
        "lowercase": ["boolean"],
        "strip_accents": [StrOptions({"ascii", "unicode"}), None],
        "token_pattern": [str, None],
        "tokenizer": [callable, None],
    }

    def __init__(self, *, max_tokens=None, min_frequency=1, max_length=None,
                 padding="post", truncating="post", handle_unknown="oov",
                 lowercase=True, strip_accents=None,
                 token_pattern=r"(?u)\b\w+\b", tokenizer=None):
        self.max_tokens = max_tokens
        self.min_frequency = min_frequency
        self.max_length = max_length
        self.padding = padding
        self.truncating = truncating
        self.handle_unknown = handle_unknown
        self.lowercase = lowercase
        self.strip_accents = strip_accents
        self.token_pattern = token_pattern
        self.tokenizer = tokenizer

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the vocabulary and the output length from texts.

        Parameters
        ----------
        X : iterable of str
            Training texts, e.g. a list, a 1-D array or a pandas Series.
        y : None
            Ignored.

        Returns
        -------
        self : TextSequencer
            Fitted transformer.
        """
        self._fit(self._tokenize(X))
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """Fit, then transform the same texts (splitting them only once).

        Parameters
        ----------
        X : iterable of str
            Training texts.
        y : None
            Ignored.

        Returns
        -------
        X_tokens : ndarray of shape (n_samples, max_length_), dtype int32
            Token ids, padded with 0.
        """
        ids = self._fit(self._tokenize(X))
        return self._pad(ids)

    def transform(self, X):
        """Map texts to padded token id sequences.

        Parameters
        ----------
        X : iterable of str
            Texts.

        Returns
        -------
        X_tokens : ndarray of shape (n_samples, max_length_), dtype int32
            Token ids: 0 padding, 1 out-of-vocabulary, 2 and up the words of
            ``vocabulary_``.
        """
        check_is_fitted(self)
        return self._pad(self._to_ids(self._tokenize(X)))

    def _tokenize(self, X):
        analyzer = CountVectorizer(
            lowercase=self.lowercase, strip_accents=self.strip_accents,
            token_pattern=self.token_pattern, tokenizer=self.tokenizer,
        ).build_analyzer()
        return [analyzer(doc) for doc in _check_documents(X)]

    def _fit(self, tokenized):
        counts = Counter(word for words in tokenized for word in words)
        ranked = sorted(
            (item for item in counts.items() if item[1] >= self.min_frequency),
            key=lambda item: (-item[1], item[0]))
        if self.max_tokens is not None:
            ranked = ranked[:self.max_tokens - 2]
        self.vocabulary_ = {word: i for i, (word, _) in
                            enumerate(ranked, start=OOV_ID + 1)}
        self.vocabulary_size_ = len(self.vocabulary_) + 2
        ids = self._to_ids(tokenized)
        self.max_length_ = self.max_length or max(len(seq) for seq in ids)
        return ids

    def _to_ids(self, tokenized):
        vocabulary = self.vocabulary_
        if self.handle_unknown == "oov":
            ids = [[vocabulary.get(w, OOV_ID) for w in words]
                   for words in tokenized]
        else:
            ids = [[vocabulary[w] for w in words if w in vocabulary]
                   for words in tokenized]
        return [np.asarray(seq or [OOV_ID], dtype=np.int32) for seq in ids]

    def _pad(self, ids):
        padded, _ = pad_sequences(ids, maxlen=self.max_length_,
                                  padding=self.padding,
                                  truncating=self.truncating,
                                  value=PADDING_ID, dtype=np.int32)
        return padded

    @property
    def _n_features_out(self):
        # get_feature_names_out: one column per token position
        # (textsequencer0, ...), so that ColumnTransformer and
        # set_output(transform="pandas") can name the output.
        return self.max_length_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags
