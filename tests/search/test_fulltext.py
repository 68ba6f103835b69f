"""What a query hands to FTS5 / tsquery: words without operators, stop words or repeats, capped."""
import pytest

from directory.core import text


@pytest.mark.parametrize("query,words", [
    ("Sport für Mädchen", ["Sport", "Mädchen"]),
    ('"a" OR b* NEAR(c)', ["b", "NEAR", "c"]),
    ("", []),
    ("!!! ---", []),
])
def test_query_words_drop_operators_and_stop_words(query, words):
    assert [w.casefold() for w in text.query_words(query)] == [w.casefold() for w in words]


def test_query_words_are_capped():
    assert len(text.query_words(" ".join(f"wort{i}" for i in range(100)))) == text.MAX_QUERY_WORDS
