"""Terms (folding, stemming, compounds), the term dictionary and word groups, without Flask;
and the dictionary following changes in the database."""
from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from directory.core import text
from directory.extensions import db
from directory.offers import vocabulary
from directory.search import engine as search
from directory.search.concepts import Concept, ConceptIndex
from directory.search.dictionary import TermDictionary
from directory.search.understand import analyse
from tests.factories import make_offer


@pytest.mark.parametrize("a,b", [
    ("Fußball", "FUSSBALL"), ("Mädchen", "Madchen"), ("Café", "cafe"), ("Wohnungen", "Wohnung"),
    ("Sprachkurse", "Sprachkurs"), ("Українська", "українська"), ("السكن", "سكن"),
    ("أطفال", "اطفال"), ("کار", "كار"),
])
def test_spellings_meet_in_one_term(a, b):
    assert text.stem(a) == text.stem(b)


@pytest.mark.parametrize("word,parts", [
    ("Nähwerkstatt", ("nah", "werkstatt")), ("Mietführerschein", ("miet", "fuhrerschein")),
    ("Wohnungssuche", ("wohnung", "suche")), ("Hausaufgabenhilfe", ("hausaufgaben", "hilfe")),
    ("Werkstatt", ()), ("Beratung", ()), ("Wohnung", ()),
])
def test_compounds_split_into_known_words(word, parts):
    assert text.compound_parts(word) == parts


def test_document_terms_hold_stems_spellings_and_parts():
    terms = text.document_terms("Offene Nähwerkstatt für Frauen, Job-Café").split()
    assert {"nahwerkstatt", "nah", "werkstatt", "frau", "job", "caf", "jobcaf"} <= set(terms)
    assert "fur" not in terms and "für" not in terms  # stop words are left out


def test_typo_allowance_grows_with_the_word():
    assert [text.max_typos(w) for w in ("Kita", "Kurse", "Wohnungen", "Anerkennung")] == [0, 1, 2, 2]


def test_query_words_drop_stop_words_and_repeats():
    assert text.query_words("Hilfe beim Wohnen, hilfe!") == ["Hilfe", "Wohnen"]


DICTIONARY = TermDictionary.from_documents([
    "wohnung wohnungssuch such", "deutschkur deutschkurs deutsch kur", "nahwerkstatt nah werkstatt",
    "fussball", "anerkenn anerkennung", "kuchen wochen",
])
CONCEPTS = ConceptIndex({"madch": {Concept("target", "women_girls")},
                         "wohn": {Concept("category", "housing")}}, [], {"football": {"fussball"}})


@pytest.mark.parametrize("word,terms,correction", [
    ("Wohnungen", [("wohnung", True)], None),          # stem, as a prefix
    ("Naehwerkstatt", [("nahwerkstatt", True)], None),  # ae for ä
    ("Deutschkurz", [("deutschkurs", False)], "deutschkurs"),  # one typo from 5 letters
    ("Anerkenung", [("anerkennung", False)], "anerkennung"),
    ("Kurz", [], None),                                  # 4 letters: no typo allowed
    ("Nähkurs", [("nah", False), ("kur", False)], None),  # compound parts
    ("football", [("fussball", False)], None),           # the same word in German
    ("Kochen", [], None),                                # a German word is no typo of "Kuchen"
    ("Kuchn", [("kuchen", False)], "kuchen"),
])
def test_word_groups(word, terms, correction):
    group = analyse([word], DICTIONARY, CONCEPTS)[0]
    assert group.correction == correction
    if correction:  # the closest terms, the suggested one among them
        assert set(terms) <= set(group.terms)
    else:
        assert group.terms == terms


def test_words_name_values_unless_searched_literally():
    group = analyse(["Mädchen"], DICTIONARY, CONCEPTS)[0]
    assert group.concepts == [Concept("target", "women_girls")] and group.terms == []
    assert not analyse(["Mädchen"], DICTIONARY, None)[0].matchable


def test_the_dictionary_follows_changes_in_the_database(app):
    make_offer(title="Schachclub")
    db.session.commit()

    def groups(q):
        return search.parse(MultiDict({"q": q}), vocabulary.load("de"), None).groups

    assert groups("Schachclup")[0].correction == "schachclub"
    assert groups("Trommelgruppe")[0].terms == []
    offer = make_offer(title="Trommelgruppe")
    db.session.commit()
    assert groups("Trommelgrupe")[0].correction == "trommelgrupp"
    offer.status = "archived"
    db.session.commit()
    assert groups("Trommelgrupe")[0].terms == []
