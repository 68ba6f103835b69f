"""The terms that really occur in published offers, held in the app process for typo tolerance.

Built from the database (``Offer.title_terms`` / ``Offer.text_terms`` of the published offers),
never from a file, together with the app's search index (directory/search/index.py), so it
follows every change the way the index does. A search never scans offers in Python: it looks
words up here (a dict, a sorted list for prefixes, terms bucketed by length for rapidfuzz's edit
distance) and lets the database's full-text index find the offers.
"""
from __future__ import annotations

import bisect
import threading
from collections import Counter
from dataclasses import dataclass, field

from rapidfuzz.distance import OSA
from rapidfuzz.process import extract
from sqlalchemy import select

from directory.core import text
from directory.models import Offer

_LOCK = threading.Lock()
EXTENSION_KEY = "wegweiser_term_dictionary"


@dataclass
class TermDictionary:
    df: dict[str, int] = field(default_factory=dict)  # term → number of offers containing it

    def __post_init__(self) -> None:
        self.sorted_terms = sorted(self.df)
        self.by_length: dict[int, list[str]] = {}
        for term in self.sorted_terms:
            self.by_length.setdefault(len(term), []).append(term)

    @classmethod
    def from_documents(cls, documents) -> TermDictionary:
        """From an iterable of term strings (one per offer: title terms + text terms)."""
        df: Counter[str] = Counter()
        for doc in documents:
            df.update(set(doc.split()))
        return cls(dict(df))

    def __contains__(self, term: str) -> bool:
        return term in self.df

    def has_prefix(self, prefix: str) -> bool:
        i = bisect.bisect_left(self.sorted_terms, prefix)
        return i < len(self.sorted_terms) and self.sorted_terms[i].startswith(prefix)

    def corrections(self, term: str, max_edits: int, limit: int = 3) -> list[str]:
        """Known terms within `max_edits` edits of `term`: fewest edits first, then the most
        frequent (rapidfuzz's optimal string alignment distance – a swap of two neighbouring
        letters is one edit – on the terms of similar length)."""
        if max_edits <= 0:
            return []
        candidates = []
        for n in range(len(term) - max_edits, len(term) + max_edits + 1):
            candidates.extend(self.by_length.get(n, ()))
        hits = extract(term, candidates, scorer=OSA.distance, score_cutoff=max_edits,
                       limit=None)
        if not hits:
            return []
        best = min(d for _t, d, _i in hits)
        closest = [t for t, d, _i in hits if d == best]
        return sorted(closest, key=lambda t: (-self.df[t], abs(len(t) - len(term)), t))[:limit]


def surface_word(session, offer_filter, term: str) -> str:
    """How `term` is written in an offer (for "Meinten Sie …?"): the first word of a matching
    offer's text whose term it is; the term itself if none is found."""
    for title, body in session.execute(select(Offer.title, Offer.search_text).where(offer_filter).limit(5)):
        for word in text.words(f"{title}\n{body}"):
            for piece in [*word.split("-"), word.replace("-", "")]:
                if term in (text.stem(piece), text.fold(piece)):
                    return piece
    return term
