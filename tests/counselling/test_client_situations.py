"""Client situations as counsellors enter them, run through the form and the matching on the demo
data: the first offer is the one a counsellor would pick, and no listed offer breaks a hard
condition. One situation is impossible: nothing fits, and the page must say what to relax."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from werkzeug.datastructures import MultiDict

from directory.core.geo import app_geocoder
from directory.counselling import candidates, matching
from directory.counselling import situation as situation_form
from directory.extensions import db
from directory.models import Offer
from directory.offers import vocabulary
from tests.counselling.test_candidates import assert_no_hard_constraint_broken

TODAY = dt.date(2026, 11, 30)  # the demo data's dates lie around it


@dataclasses.dataclass
class Case:
    who: str
    form: dict
    first: str | None  # None: impossible


def lang(*pairs) -> dict:
    """language-N / level-N fields from (code, level) pairs."""
    fields = {}
    for i, (code, level) in enumerate(pairs):
        fields[f"language-{i}"], fields[f"level-{i}"] = code, level
    return fields


CASES = [
    Case("Farsi-speaking mother, Bärenkämpen, rules of living in a flat, mornings, childcare, free",
         dict(district="baerenkaempen", **lang(("fa", "native"), ("de", "A1")), target=["women_girls", "families",
              "refugees"], challenge=["B4"], category=["housing"], time=["weekdays:morning"], childcare="1",
              free="1"), "Fit für die Wohnung"),
    Case("Syrian engineer (34) with a recognition question: recognition counselling beats closer general ones",
         dict(district="innenstadt", **lang(("ar", "native"), ("de", "B1")), age="34",
              target=["refugees", "job_seekers"], challenge=["A1"]),
         "Anerkennungsberatung für ausländische Abschlüsse"),
    Case("Ukrainian pensioner (67) in Dankersen, only Ukrainian/Russian, wants to meet people",
         dict(district="dankersen", **lang(("uk", "native"), ("ru", "B2")), age="67", only_languages="1",
              challenge=["Z1"]), "Ukrainischer Begegnungstreff mit Beratung"),
    Case("Child (9) in Bärenkämpen, homework help, weekday afternoons, free",
         dict(district="baerenkaempen", **lang(("ar", "native"), ("de", "A2")), age="9", challenge=["B1"],
              time=["weekdays:afternoon"], free="1"), "Hausaufgabenhilfe im Begegnungszentrum"),
    Case("Apprentice (17), vocational school trouble, evenings (an unconfirmed offer, shown to counsellors)",
         dict(district="innenstadt", **lang(("tr", "native"), ("de", "B2")), age="17", target=["apprentices"],
              challenge=["A3"], time=["weekdays:evening"]), "Nachhilfe für Azubis: Berufsschule schaffen"),
    Case("Young Eritrean (22), Tigrinya only, sport on Sunday afternoon in the Nordstadt",
         dict(district="nordstadt", **lang(("ti", "native")), age="22", target=["refugees"], challenge=["Z3"],
              time=["sun:afternoon"]), "Offener Hallenfußball"),
    Case("Romanian worker in Königstor, counselling about work and insurance, Tuesday afternoon",
         dict(district="koenigstor", **lang(("ro", "native")), target=["eu_migrants", "job_seekers"],
              category=["counselling"], challenge=["Z4"], time=["tue:afternoon"]),
         "Beratung für EU-Bürger*innen: Arbeit, Wohnen, Krankenversicherung"),
    Case("Impossible: Pashto only, housing help within 1 km of Todtenhausen, wheelchair, free",
         dict(district="todtenhausen", **lang(("ps", "native")), only_languages="1", category=["housing"],
              wheelchair="1", free="1", max_km="1"), None),
    Case("Russian-speaking senior (70) in Hahlen, exercise in the morning",
         dict(district="hahlen", **lang(("ru", "native"), ("de", "A2")), age="70", challenge=["Z3"],
              time=["weekdays:morning"]), "Gymnastik 60 plus – interkulturell"),
    Case("Kurdish woman, German course with childcare, Rechtes Weserufer, weekday mornings",
         dict(district="rechtes-weserufer", **lang(("ku", "native")), target=["women_girls", "refugees"],
              category=["language_course"], childcare="1", time=["weekdays:morning"]),
         "Deutschkurs für Frauen mit Kinderbetreuung"),
    Case("Eritrean parent (29) of a toddler, before the Kita starts, Tuesday morning",
         dict(district="baerenkaempen", **lang(("ti", "native"), ("de", "A2")), age="29",
              target=["families", "refugees"], challenge=["B2"], time=["tue:morning"]),
         "Sprachspielgruppe vor dem Kita-Start"),
    Case("English-speaking newcomer, a counsellor with time for everything, Innenstadt",
         dict(district="innenstadt", **lang(("en", "native")), target=["eu_migrants"], category=["counselling"],
              challenge=["Z4"]), "Individuelle Einzelberatung mit Zeit"),
    Case("Afghan man (62) looking for work, Dankersen, weekday mornings",
         dict(district="dankersen", **lang(("fa", "native"), ("de", "A2")), age="62",
              target=["refugees", "job_seekers"], challenge=["A2"], time=["weekdays:morning"]),
         "Arbeit und Qualifizierung für ältere Geflüchtete"),
    Case("Arabic-speaking girl (14), sport on Friday afternoon in Bärenkämpen",
         dict(district="baerenkaempen", **lang(("ar", "native")), age="14", target=["women_girls"],
              category=["sport"], time=["fri:afternoon"]), "Offener Sport für Mädchen"),
    Case("Polish runner (45) in Leteln, sport in the evening within 5 km",
         dict(district="leteln-aminghausen", **lang(("pl", "native"), ("de", "B1")), age="45", category=["sport"],
              time=["weekdays:evening"], max_km="5"), "Lauftreff für alle an der Weser"),
    Case("Bulgarian job seeker in Meißen, Bulgarian only, job café on Friday morning, free",
         dict(district="meissen", **lang(("bg", "native")), only_languages="1",
              target=["job_seekers", "eu_migrants"], challenge=["A5"], time=["fri:morning"], free="1"),
         "Job-Café: Bewerbung, Lebenslauf, erste Schritte"),
    Case("Wheelchair user (75) in Königstor who needs help with forms, Tuesday morning",
         dict(district="koenigstor", **lang(("ar", "native"), ("de", "A2")), age="75", wheelchair="1",
              challenge=["B3"], time=["tue:morning"]), "Formularhilfe in Einfacher Sprache"),
]


def parse(fields: dict) -> matching.ClientSituation:
    data = MultiDict()
    for key, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            data.add(key, item)
    situation, _form = situation_form.parse(data, vocabulary.load("de"), app_geocoder())
    return situation


def minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def assert_age_languages_and_times_respected(finding, s: matching.ClientSituation):
    for m in finding.result.matches:
        offer = db.session.get(Offer, m.candidate.id)
        if s.free_times and offer.schedules:
            current = [x for x in offer.schedules if (x.date is None or x.date >= TODAY)
                       and (x.valid_to is None or x.valid_to >= TODAY)]
            assert any(minutes(w.start) - 30 <= minutes(x.opens_at) and minutes(x.closes_at) <= minutes(w.end) + 30
                       for x in current for w in s.free_times if w.weekday == x.weekday), offer.title
        groups = {t.code for t in offer.target_groups}
        if s.age is not None and groups and groups <= matching.AGE_GROUPS.keys():
            assert groups & matching.age_groups_of(s.age), offer.title
        if s.only_languages and offer.category_code != "language_course":
            comfortable = {k.code for k in s.languages if k.rank >= matching.LEVELS.index("B1")}
            assert {lang.code for lang in offer.languages} & comfortable, offer.title


def test_the_cases_cover_languages_ages_needs_and_districts():
    assert len(CASES) >= 15
    assert len({c.form["language-0"] for c in CASES}) >= 10
    assert len({c.form["district"] for c in CASES}) >= 10
    assert len({c.form.get("age") for c in CASES}) >= 10
    assert sum(c.first is None for c in CASES) == 1


@pytest.mark.parametrize("case", CASES, ids=[c.who[:40] for c in CASES])
def test_first_offer_is_the_one_a_counsellor_would_pick(demo_app, case):
    s = parse(case.form)
    finding = candidates.find(s, TODAY)
    assert_no_hard_constraint_broken(finding, dataclasses.replace(s, free_times=()))
    assert_age_languages_and_times_respected(finding, s)
    result = finding.result
    if case.first is None:
        assert result.matches == []
        assert finding.broad and result.top_blocker is not None
        # what to relax: groups that each name the change and hold offers breaking only it
        assert result.relaxations
        for group in result.relaxations:
            parts = {group.params["first"], group.params["second"]} if group.criterion == "pair" else None
            for m in group.offers:
                assert set(m.failed) == (parts or {group.criterion if group.criterion != "only_languages"
                                                   else "language"})
        return
    assert result.matches, case.who
    assert result.matches[0].candidate.title == case.first
    if len(result.matches) < candidates.FEW_MATCHES:
        assert finding.broad  # a thin result looked wider for near misses


def test_relaxing_the_impossible_case_finds_the_offers_shown_as_near_misses(demo_app):
    impossible = next(c for c in CASES if c.first is None)
    s = parse(impossible.form)
    group = candidates.find(s, TODAY).result.relaxations[0]
    data = MultiDict()
    for key, value in impossible.form.items():
        for item in value if isinstance(value, list) else [value]:
            data.add(key, item)
    data.add("relax", situation_form.change_token(group.change))
    relaxed, _form = situation_form.parse(situation_form.relax(data, vocabulary.load("de")),
                                          vocabulary.load("de"), app_geocoder())
    found = {m.candidate.id for m in candidates.find(relaxed, TODAY).result.matches}
    assert {m.candidate.id for m in group.offers} <= found
