"""Full-text search terms: what a query hands to FTS5 / tsquery."""
import pytest

from directory.search import fulltext


@pytest.mark.parametrize("query,words", [
    ("Sport für Mädchen", ["sport", "für", "mädchen"]),
    ('"a" OR b* NEAR(c)', ["a", "or", "b", "near", "c"]),
    ("", []),
    ("!!! ---", []),
])
def test_terms_drop_operators(query, words):
    assert fulltext.terms(query) == words


def test_terms_are_capped():
    assert len(fulltext.terms("wort " * 100)) == fulltext.MAX_TERMS
