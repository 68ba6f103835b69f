"""From the words a person typed to what the database is asked: one group per word.

Each word becomes a :class:`WordGroup`: the index terms that count as the word and the vocabulary
values it names. An offer matches a group when it contains one of the terms or has one of the
values; it is found when it matches any group, and ranks higher the more groups it matches
(all words is best).

For one word, in this order:

1. its term (stemmed, folded) when offers contain it, or terms beginning with it (from four
   letters: "Wohn" finds "Wohnung");
2. else the word with ae/oe/ue read as ä/ö/ü ("Naehwerkstatt");
3. unless the word itself (not only its start) occurs or is a common German word: the closest
   words within the typo allowance (1 edit from 5 letters, 2 from 9) – a correction, shown as
   "Meinten Sie …?";
4. else its compound parts that occur ("Nähkurs" → "Näh" + "Kurs").

Pure Python: the dictionary and the concept index are passed in.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from directory.core import text
from directory.search.concepts import Concept, ConceptIndex
from directory.search.dictionary import TermDictionary

MIN_PREFIX = 4


@dataclass
class WordGroup:
    word: str                                   # as typed
    terms: list[tuple[str, bool]] = field(default_factory=list)  # (term, as prefix?)
    concepts: list[Concept] = field(default_factory=list)
    correction: str | None = None               # the term a typo was corrected to
    # values named by a compound part only ("Nähkurs" → Kurs): they widen, not rank
    part_concepts: list[Concept] = field(default_factory=list)

    @property
    def matchable(self) -> bool:
        return bool(self.terms or self.concepts or self.part_concepts)


def _known(term: str, dictionary: TermDictionary) -> list[tuple[str, bool]]:
    """The term as a prefix (from four letters) or exactly, if offers contain it."""
    if len(term) >= MIN_PREFIX and dictionary.has_prefix(term):
        return [(term, True)]
    if term in dictionary:
        return [(term, False)]
    return []


def analyse_word(word: str, dictionary: TermDictionary, concepts: ConceptIndex | None) -> WordGroup:
    group = WordGroup(word)
    term = text.stem(word)
    found_concepts = set(concepts.lookup(term)) if concepts else set()
    group.terms = _known(term, dictionary)
    if not group.terms:
        spelled = text.umlaut_spelling(word)
        if spelled:
            alt = text.stem(spelled)
            group.terms = _known(alt, dictionary)
            if concepts and not found_concepts:
                found_concepts |= concepts.lookup(alt)
    exact = any(t in dictionary for t, _prefix in group.terms)
    folded = text.fold(word)
    # a correct German word ("Kochen") is no typo, even if no offer uses it
    if not exact and not found_concepts and folded not in text.lexicon():
        # not a word of the offers (at most the start of some): the closest words, if any
        corrected = [t for t in dictionary.corrections(folded, text.max_typos(word)) if t != folded]
        if not corrected and not group.terms and folded != term:
            corrected = dictionary.corrections(term, text.max_typos(term))
        if corrected:
            group.terms += [(t, False) for t in corrected if (t, True) not in group.terms]
            group.correction = corrected[0]
            if concepts:
                found_concepts |= concepts.lookup(corrected[0])
    part_concepts: set[Concept] = set()
    if not group.terms:
        for part in text.compound_parts(text.umlaut_spelling(word) or word) or text.compound_parts(word):
            part_term = text.stem(part)
            if part_term in dictionary:
                group.terms.append((part_term, False))
            if concepts:
                part_concepts |= concepts.lookup(part_term)
    if concepts:
        # the same word in other languages ("football" → "Fußball")
        for other in concepts.equivalents(term):
            if other in dictionary and (other, False) not in group.terms and (other, True) not in group.terms:
                group.terms.append((other, False))
    group.concepts = sorted(found_concepts, key=lambda c: (c.param, c.code))
    group.part_concepts = sorted(part_concepts - found_concepts, key=lambda c: (c.param, c.code))
    return group


def analyse(words: list[str], dictionary: TermDictionary, concepts: ConceptIndex | None) -> list[WordGroup]:
    """One group per word; `concepts` None searches the words literally (no values)."""
    groups = [analyse_word(w, dictionary, concepts) for w in words]
    if concepts and len(groups) > 1:
        # multi-word names ("Deutsch lernen", "كرة القدم"): all their terms in the query
        terms = {text.stem(g.word): g for g in groups}
        for keys, concept in concepts.phrase_matches(set(terms)):
            for key in keys:
                if concept not in terms[key].concepts:
                    terms[key].concepts.append(concept)
    return groups


def understood(groups: list[WordGroup]) -> list[Concept]:
    """The values the query was understood to name, in the order of the words."""
    out: list[Concept] = []
    for g in groups:
        for c in g.concepts:
            if c not in out:
                out.append(c)
    return out
