"""The matching loader on the demo data: client cases, the SQL prefilter, query count."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, select

from directory.counselling import candidates as matching_data
from directory.counselling import matching
from directory.counselling.matching import ClientSituation, LanguageSkill, TimeWindow
from directory.extensions import db
from directory.models import WEEKDAYS, Offer
from directory.offers import vocabulary

# the demo data's dates lie in 2026/27; a fixed day keeps the cases stable
TODAY = dt.date(2026, 11, 30)


def district_point(code: str) -> matching.Point:
    term = vocabulary.load().districts[code]
    return matching.Point(term.extra["lat"], term.extra["lon"], term.label)


def mornings(days=range(5)):
    return tuple(TimeWindow.period(d, "morning") for d in days)


def farsi_mother(**kw) -> ClientSituation:
    values = dict(
        origin=district_point("baerenkaempen"),
        languages=(LanguageSkill("fa", "native"),),
        target_groups=frozenset({"women_girls", "families", "refugees"}),
        challenges=frozenset({"B4"}), categories=frozenset({"housing"}),
        free_times=mornings(),
    )
    values.update(kw)
    return ClientSituation(**values)


def assert_no_hard_constraint_broken(finding, s: ClientSituation):
    """Check every listed offer against the situation directly from the database."""
    for m in finding.result.matches:
        offer = db.session.get(Offer, m.candidate.id)
        assert offer.status == "published"
        languages = {lang.code for lang in offer.languages}
        if s.languages and languages and offer.category_code != "language_course":
            assert languages & {k.code for k in s.languages if k.level != "A1"}, offer.title
        if s.must_be_free:
            assert offer.is_free, offer.title
        if s.childcare:
            assert offer.childcare is not False, offer.title
        if s.target_groups and offer.target_groups:
            assert {t.code for t in offer.target_groups} & (s.target_groups | {"all"}), offer.title
        needs = {c.code for c in offer.challenges} & s.challenges or offer.category_code in s.categories
        assert needs or not (s.challenges or s.categories), offer.title
        if s.free_times and offer.schedules:
            current = [x for x in offer.schedules if (x.date is None or x.date >= TODAY)
                       and (x.valid_to is None or x.valid_to >= TODAY)]
            days = {w.weekday for w in s.free_times}
            assert any(x.weekday in days and x.opens_at < dt.time(12, 30) for x in current), offer.title
        if s.max_km is not None and m.distance_km is not None:
            assert m.distance_km <= s.max_km
        assert offer.open_places != 0


def test_farsi_speaking_mother_in_baerenkaempen_finds_the_housing_course_first(demo_app):
    s = farsi_mother()
    finding = matching_data.find(s, TODAY)
    top = finding.result.matches[0]
    assert top.candidate.title == "Fit für die Wohnung"
    reasons = {r.criterion: (r.status, r.params) for r in top.reasons}
    assert reasons["language"] == ("fit", {"language": "fa", "level": "native"})
    assert reasons["needs"][0] == "fit" and ("challenge", "B4") in reasons["needs"][1]["needs"]
    assert reasons["distance"][0] == "fit" and reasons["distance"][1]["km"] < 1
    assert reasons["time"][0] == "fit" and reasons["time"][1]["slot"]["weekday"] == WEEKDAYS.index("tue")
    assert reasons["target"][0] == "fit" and reasons["cost"][0] == "fit"
    assert_no_hard_constraint_broken(finding, s)


@pytest.mark.parametrize("extra", [
    {"childcare": True, "must_be_free": True},
    {"max_km": 2.0},
    {"languages": (LanguageSkill("fa", "native"), LanguageSkill("de", "A2"))},
    {"challenges": frozenset(), "categories": frozenset({"housing"})},
    {"challenges": frozenset({"B4", "W1"}), "categories": frozenset()},
    {"wheelchair": True},
])
def test_variants_of_the_case_keep_the_course_first_and_break_no_hard_constraint(demo_app, extra):
    s = farsi_mother(**extra)
    finding = matching_data.find(s, TODAY)
    assert finding.result.matches[0].candidate.title == "Fit für die Wohnung"
    assert_no_hard_constraint_broken(finding, s)


SITUATIONS = [
    farsi_mother,
    lambda: ClientSituation(languages=(LanguageSkill("ar", "native"), LanguageSkill("de", "A2")),
                            categories=frozenset({"language_course", "counselling"})),
    lambda: ClientSituation(origin=district_point("innenstadt"), max_km=2,
                            target_groups=frozenset({"youth"}), free_times=tuple(
                                TimeWindow.period(d, "afternoon") for d in range(7))),
    lambda: ClientSituation(challenges=frozenset({"Z3", "Z1"}), wheelchair=True, must_be_free=True,
                            origin=district_point("baerenkaempen"), max_km=5),
    lambda: ClientSituation(languages=(LanguageSkill("uk", "native"),), childcare=True,
                            free_times=mornings(range(7))),
    lambda: ClientSituation(),
    lambda: ClientSituation(languages=(LanguageSkill("ar", "native"), LanguageSkill("de", "A2")), only_languages=True,
                            age=9, origin=district_point("baerenkaempen"), max_km=3,
                            free_times=tuple(TimeWindow.period(d, p) for d in range(7) for p in ("evening", "night"))),
    lambda: ClientSituation(age=70, challenges=frozenset({"Z3", "Z2"}), origin=district_point("hahlen"), max_km=15),
]


@pytest.mark.parametrize("make", SITUATIONS)
def test_sql_prefilter_never_changes_the_ranking(demo_app, make):
    s = make()
    strict = matching.match(s, [matching_data.candidate(o) for o in matching_data.load_offers(s, TODAY, True)], TODAY)
    broad = matching.match(s, [matching_data.candidate(o) for o in matching_data.load_offers(s, TODAY, False)], TODAY)
    assert [m.candidate.id for m in strict.matches] == [m.candidate.id for m in broad.matches]
    assert [m.score for m in strict.matches] == [m.score for m in broad.matches]
    # and the prefilter does filter
    if s != ClientSituation():
        assert len(matching_data.load_offers(s, TODAY, True)) <= len(matching_data.load_offers(s, TODAY, False))


def test_nothing_fits_names_the_blocker_and_near_misses(demo_app):
    # a Tigrinya speaker without German who needs housing help: no housing offer speaks Tigrinya
    s = ClientSituation(languages=(LanguageSkill("ti", "native"),), categories=frozenset({"housing"}))
    finding = matching_data.find(s, TODAY)
    assert finding.result.matches == []
    assert finding.broad
    assert finding.result.top_blocker[0] == "language"
    assert finding.considered == finding.result.considered > 0
    first = finding.result.relaxations[0]
    assert first.criterion == "language" and first.params["language"] == "de"
    assert first.count >= 3
    assert all("de" in m.candidate.languages for m in first.offers)


def test_full_offers_are_not_suggested(demo_app):
    offer = db.session.scalar(select(Offer).where(Offer.title == "Fit für die Wohnung"))
    candidate = matching_data.candidate(offer)
    full = matching.Candidate(**{**candidate.__dict__, "open_places": 0})
    result = matching.match(farsi_mother(), [full], TODAY)
    assert result.matches == [] and result.excluded_by == {"capacity": 1}


def test_find_needs_few_queries_whatever_the_number_of_offers(demo_app):
    statements = []

    def count(*_args, **_kw):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        finding = matching_data.find(ClientSituation(), TODAY)  # every visible offer
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(finding.result.matches) >= 60
    assert len(statements) <= 12
