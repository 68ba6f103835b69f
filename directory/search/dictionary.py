"""The terms that really occur in published offers, held in the app process for typo tolerance.

Built from the database (``Offer.title_terms`` / ``Offer.text_terms`` of the visible offers),
never from a file, so every app server builds the same one. It follows changes: at most every
``SEARCH_DICTIONARY_CHECK_SECONDS`` (default 2) a request asks the database for a signature
(number of visible offers, latest ``updated_at``); when that changed, the terms of the changed
offers are added, or – when offers left – the dictionary is built again (see :func:`current`). A search therefore never scans offers in Python: it looks words up here (a dict, a sorted
list for prefixes, terms bucketed by length for rapidfuzz's edit distance) and lets the
database's full-text index find the offers.
"""
from __future__ import annotations

import bisect
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from rapidfuzz.distance import OSA
from rapidfuzz.process import extract
from sqlalchemy import and_, func, select

from directory.models import Offer
from directory.search import text

_LOCK = threading.Lock()
EXTENSION_KEY = "wegweiser_term_dictionary"


@dataclass
class TermDictionary:
    df: dict[str, int] = field(default_factory=dict)  # term → number of offers containing it
    signature: tuple = ()  # (visible offers, latest updated_at) when built or last extended
    checked_at: float = 0.0
    built_at: float = 0.0

    def __post_init__(self) -> None:
        self.sorted_terms = sorted(self.df)
        self.by_length: dict[int, list[str]] = {}
        for term in self.sorted_terms:
            self.by_length.setdefault(len(term), []).append(term)

    @classmethod
    def from_documents(cls, documents, signature: tuple = ()) -> TermDictionary:
        """From an iterable of term strings (one per offer: title terms + text terms)."""
        df: Counter[str] = Counter()
        for doc in documents:
            df.update(set(doc.split()))
        return cls(dict(df), signature)

    def add_documents(self, documents) -> None:
        """Count the terms of new or changed offers (terms that vanished stay until a rebuild)."""
        for doc in documents:
            for term in set(doc.split()):
                if term not in self.df:
                    self.df[term] = 0
                    bisect.insort(self.sorted_terms, term)
                    bisect.insort(self.by_length.setdefault(len(term), []), term)
                self.df[term] += 1

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


def _signature(session, visible) -> tuple:
    count, latest = session.execute(
        select(func.count(Offer.id), func.max(Offer.updated_at)).where(visible)
    ).one()
    return (count, latest)


def _documents(session, where):
    rows = session.execute(select(Offer.title_terms, Offer.text_terms).where(where))
    return (f"{a or ''} {b or ''}" for a, b in rows)


def build(session, visible) -> TermDictionary:
    signature = _signature(session, visible)
    return TermDictionary.from_documents(_documents(session, visible), signature)


def current(app, session, visible) -> TermDictionary:
    """The app's dictionary, following the visible offers (checked every few seconds).

    New and edited offers (more or as many visible offers, a later ``updated_at``) only add
    their terms: one query for the changed rows. When offers left (fewer visible ones) or
    ``SEARCH_DICTIONARY_REBUILD_SECONDS`` (600) passed, it is built again from all offers."""
    interval = app.config.get("SEARCH_DICTIONARY_CHECK_SECONDS", 2.0)
    held: TermDictionary | None = app.extensions.get(EXTENSION_KEY)
    now = time.monotonic()
    if held is not None and now - held.checked_at < interval:
        return held
    signature = _signature(session, visible)
    if held is not None and held.signature == signature:
        held.checked_at = now
        return held
    with _LOCK:
        rebuild_after = app.config.get("SEARCH_DICTIONARY_REBUILD_SECONDS", 600)
        old_count, old_latest = held.signature if held is not None else (0, None)
        count, latest = signature
        if (held is not None and now - held.built_at < rebuild_after and count >= old_count
                and old_latest is not None and latest is not None and latest >= old_latest):
            held.add_documents(_documents(session, and_(visible, Offer.updated_at >= old_latest)))
            held.signature, held.checked_at = signature, now
            return held
        fresh = build(session, visible)
        fresh.checked_at = fresh.built_at = now
        app.extensions[EXTENSION_KEY] = fresh
    return fresh


def surface_word(session, offer_filter, term: str) -> str:
    """How `term` is written in an offer (for "Meinten Sie …?"): the first word of a matching
    offer's text whose term it is; the term itself if none is found."""
    for title, body in session.execute(select(Offer.title, Offer.search_text).where(offer_filter).limit(5)):
        for word in text.words(f"{title}\n{body}"):
            for piece in [*word.split("-"), word.replace("-", "")]:
                if term in (text.stem(piece), text.fold(piece)):
                    return piece
    return term
