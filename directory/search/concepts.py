"""Query understanding: words that name a vocabulary value, in any interface language.

The labels of categories, target groups, languages, districts, challenges and weekdays in all
interface languages (the seed names plus the message catalogues), the languages' own names
("Українська") and the synonyms in ``seeds/search_synonyms.yaml`` ("Fußball" → Sport,
"سكن" → Hilfe beim Wohnen) are turned into terms (directory/core/text.py) and kept in a
:class:`ConceptIndex`. A query word whose term is such a key counts as that value: offers with
the value match the word even where their text does not contain it.

Built from the database's vocabulary tables and the catalogues; held per app process and built
again after ``SEARCH_CONCEPTS_SECONDS`` (vocabularies change rarely).
"""
from __future__ import annotations

import bisect
import time
from collections import defaultdict
from dataclasses import dataclass, field

import yaml

from directory.core import text
from directory.core.geo import SEEDS
from directory.core.i18n import INTERFACE_LANGUAGES, translations_for
from directory.models import WEEKDAYS
from directory.offers import vocabulary

EXTENSION_KEY = "wegweiser_concepts"
SYNONYMS = SEEDS / "search_synonyms.yaml"
# the German language is what nearly every offer speaks: "Deutsch" means the language course
NOT_UNDERSTOOD = {("language", "de")}
# label words that say nothing about the value on their own
GENERIC = {text.stem(w) for w in (
    "Hilfe help помощь допомога مساعدة کمک yardım yardımı Menschen people люди люди "
    "Angebote Angebot offers verbessern improve Einrichtungen Teil neue neues"
).split()}
MIN_KEY_LENGTH = 3
# the weekday labels' msgids (the search engine's WEEKDAY_LABELS), Monday first
WEEKDAY_NAMES = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
# the "when" labels' msgids (the search engine's WHEN_OPTIONS)
WHEN_NAMES = {"today": "Heute", "tomorrow": "Morgen", "weekend": "Am Wochenende", "week": "Diese Woche"}


@dataclass(frozen=True)
class Concept:
    param: str  # the search parameter: category, target, language, district, challenge, day, when
    code: str


@dataclass
class ConceptIndex:
    words: dict[str, set[Concept]] = field(default_factory=dict)   # one term → values
    phrases: list[tuple[frozenset[str], Concept]] = field(default_factory=list)  # all terms → value
    same_words: dict[str, set[str]] = field(default_factory=dict)  # term → its translations' terms
    built_at: float = 0.0

    def __post_init__(self) -> None:
        self.sorted_keys = sorted(self.words)

    def lookup(self, term: str) -> set[Concept]:
        """Values the term names: exactly, else as the start of a key (four letters or more)."""
        if term in self.words:
            return set(self.words[term])
        if len(term) < 4:
            return set()
        found: set[Concept] = set()
        i = bisect.bisect_left(self.sorted_keys, term)
        while i < len(self.sorted_keys) and self.sorted_keys[i].startswith(term):
            found |= self.words[self.sorted_keys[i]]
            i += 1
        return found

    def equivalents(self, term: str) -> set[str]:
        return self.same_words.get(term, set())

    def phrase_matches(self, terms: set[str]) -> list[tuple[frozenset[str], Concept]]:
        return [(keys, c) for keys, c in self.phrases if keys <= terms]


def _terms_of(label: str, min_length: int = MIN_KEY_LENGTH) -> list[str]:
    out = []
    for word in text.query_words(label):
        term = text.stem(word)
        if len(term) >= min_length or text.script(term) == "arabic":
            out.append(term)
    return out


def build(locales=tuple(INTERFACE_LANGUAGES)) -> ConceptIndex:
    labels: dict[Concept, set[str]] = defaultdict(set)
    when_labels: dict[Concept, set[str]] = defaultdict(set)
    for locale in locales:
        vocab = vocabulary.load(locale)
        for param, terms in (("category", vocab.categories), ("target", vocab.target_groups),
                             ("language", vocab.languages), ("district", vocab.districts),
                             ("challenge", vocab.challenges)):
            for code, term in terms.items():
                labels[Concept(param, code)].add(term.label)
                if param == "language" and term.extra.get("native"):
                    labels[Concept(param, code)].add(term.extra["native"])
        translations = translations_for(locale)
        for day, msgid in zip(WEEKDAYS, WEEKDAY_NAMES):
            labels[Concept("day", day)].add(translations.gettext(msgid) if locale != "de" else msgid)
        for code, msgid in WHEN_NAMES.items():
            when_labels[Concept("when", code)].add(translations.gettext(msgid) if locale != "de" else msgid)

    words: dict[str, set[Concept]] = defaultdict(set)
    for concept, names in labels.items():
        if concept in NOT_UNDERSTOOD:
            continue
        for name in names:
            for term in _terms_of(name):
                if term not in GENERIC:
                    words[term].add(concept)
    # a word shared by the labels of three or more values of one vocabulary names none of them
    def specific(concepts: set[Concept]) -> set[Concept]:
        per_param: dict[str, int] = defaultdict(int)
        for c in concepts:
            per_param[c.param] += 1
        return {c for c in concepts if per_param[c.param] < 3}
    words = defaultdict(set, {t: specific(cs) for t, cs in words.items() if specific(cs)})

    phrases = []
    # "Diese Woche" names this week only as a whole ("Woche" alone does not)
    for concept, names in when_labels.items():
        for name in names:
            terms = _terms_of(name)
            if len(terms) == 1:
                words[terms[0]].add(concept)
            elif terms:
                phrases.append((frozenset(terms), concept))
    synonyms = yaml.safe_load(SYNONYMS.read_text(encoding="utf-8")) or {}
    same_words: dict[str, set[str]] = defaultdict(set)
    for names in synonyms.pop("same_words", None) or ():
        single = (_terms_of(str(name), min_length=2) for name in names)
        terms = {t[0] for t in single if len(t) == 1}  # one-word names only
        for t in terms:
            same_words[t] |= terms - {t}
    for param, codes in synonyms.items():
        for code, names in codes.items():
            concept = Concept(param, code)
            for name in names:
                terms = _terms_of(str(name), min_length=2)  # synonyms are chosen: "iş" counts
                if len(terms) == 1:
                    words[terms[0]].add(concept)
                elif terms:
                    phrases.append((frozenset(terms), concept))
    return ConceptIndex(dict(words), phrases, dict(same_words), time.monotonic())


def current(app) -> ConceptIndex:
    held: ConceptIndex | None = app.extensions.get(EXTENSION_KEY)
    if held is not None and time.monotonic() - held.built_at < app.config.get("SEARCH_CONCEPTS_SECONDS", 300):
        return held
    fresh = build()
    if fresh.words:
        app.extensions[EXTENSION_KEY] = fresh
    return fresh
