"""directory/matching.py with hand-built cases: no database, no Flask."""
from __future__ import annotations

import datetime as dt

import pytest

from directory.counselling import matching as m
from directory.counselling.matching import (
    Candidate,
    ClientSituation,
    LanguageSkill,
    Place,
    Point,
    Slot,
    TimeWindow,
)

TODAY = dt.date(2026, 11, 30)  # a Monday
BAERENKAEMPEN = Point(52.3005, 8.9335, "Bärenkämpen")
NEAR = Place(52.3010, 8.9340, "Begegnungszentrum", "baerenkaempen", True, 1)       # ~0.07 km
MIDDLE = Place(52.2890, 8.9160, "Innenstadt", "innenstadt", None, 2)               # ~1.8 km
FAR = Place(52.2500, 8.8500, "Weit weg", None, False, 3)                           # ~8 km


def t(s: str) -> dt.time:
    return dt.time.fromisoformat(s)


def weekday_mornings() -> tuple[TimeWindow, ...]:
    return tuple(TimeWindow.period(d, "morning") for d in range(5))


def offer(id=1, title=None, **kw) -> Candidate:
    defaults = dict(
        title=title or f"Angebot {id}", category="housing", challenges=frozenset({"B4"}),
        target_groups=frozenset({"all"}), languages=frozenset({"de"}), is_free=True,
        places=(NEAR,), slots=(Slot(1, t("09:30"), t("11:30")),),
    )
    for key in ("challenges", "target_groups", "languages"):
        if key in kw:
            kw[key] = frozenset(kw[key])
    defaults.update(kw)
    return Candidate(id=id, **defaults)


def situation(**kw) -> ClientSituation:
    defaults = dict(challenges=frozenset({"B4"}))
    for key in ("challenges", "categories", "target_groups"):
        if key in kw:
            kw[key] = frozenset(kw[key])
    if "languages" in kw:
        kw["languages"] = tuple(LanguageSkill(*pair) for pair in kw["languages"])
    defaults.update(kw)
    return ClientSituation(**defaults)


def ids(result) -> list[int]:
    return [x.candidate.id for x in result.matches]


def text(reason) -> str:
    return f"{reason.symbol} {m.describe(reason)}"


# --- the example from the issue ---------------------------------------------------------------

def test_farsi_speaking_mother_gets_the_housing_course_first_with_reasons():
    mother = situation(
        origin=BAERENKAEMPEN, languages=[("fa", "native"), ("de", "A1")],
        target_groups={"women_girls", "families", "refugees"}, challenges={"B4"}, categories={"housing"},
        free_times=weekday_mornings(), must_be_free=True, childcare=True,
    )
    course = offer(1, "Fit für die Wohnung", languages={"de", "ar", "fa"}, childcare=True,
                   target_groups={"refugees", "families", "women_girls"}, challenges={"B4", "W1"})
    german_evening = offer(2, "Mietführerschein", category="course", languages={"de", "en"}, is_free=False,
                           cost="49 €", slots=(Slot(2, t("18:00"), t("20:30")),))
    talk = offer(3, "Gesprächsrunde", category="meeting", languages={"de", "fa"}, places=(MIDDLE,))
    result = m.match(mother, [german_evening, talk, course], TODAY)
    assert ids(result) == [1, 3]
    top = result.matches[0]
    assert [text(r) for r in top.reasons] == [
        "✓ hilft bei: B4, housing",
        "✓ Schwerpunkt: genau dieser Bedarf",
        "✓ spricht fa, native",
        "✓ für families, refugees, women_girls",
        "✓ 0,1 km entfernt (Begegnungszentrum)",
        "✓ Dienstag 09:30–11:30",
        "✓ kostenlos",
        "✓ mit Kinderbetreuung",
    ]
    # W1 was not asked for: half specific; 0.07 km is not quite 0
    assert 90 <= top.percent < 100 and top.score < top.max_score
    # the Mietführerschein breaks three hard constraints and is no near miss either
    assert set(m.evaluate(mother, german_evening, TODAY).failed) == {"language", "time", "cost"}
    assert result.near_misses == []


# --- each hard constraint ------------------------------------------------------------------------

@pytest.mark.parametrize("criterion, client, candidate", [
    ("needs", {"challenges": {"A1"}}, {}),
    ("language", {"languages": [("ar", "native")]}, {"languages": {"de", "uk"}}),
    ("target", {"target_groups": {"women_girls"}}, {"target_groups": {"youth"}}),
    ("distance", {"origin": BAERENKAEMPEN, "max_km": 2}, {"places": (FAR,)}),
    ("time", {"free_times": (TimeWindow.period(0, "evening"),)}, {}),
    ("cost", {"must_be_free": True}, {"is_free": False, "cost": "5 €"}),
    ("childcare", {"childcare": True}, {"childcare": False}),
    ("wheelchair", {"wheelchair": True}, {"places": (FAR,)}),
    ("capacity", {}, {"open_places": 0}),
])
def test_each_hard_constraint_excludes(criterion, client, candidate):
    result = m.match(situation(**client), [offer(1, **candidate)], TODAY)
    assert result.matches == []
    assert result.excluded_by == {criterion: 1}
    if criterion == "needs":
        assert result.considered == 0 and result.top_blocker is None
    else:
        assert result.top_blocker == (criterion, 1)
        assert [r.criterion for r in result.relaxations] == [criterion]
        assert result.near_misses[0].candidate.id == 1


def test_soft_criteria_rank_but_do_not_exclude():
    client = situation(origin=BAERENKAEMPEN, languages=[("de", "B2")])
    cheap_far = offer(1, places=(MIDDLE,), is_free=False)
    free_near = offer(2)
    assert ids(m.match(client, [cheap_far, free_near], TODAY)) == [2, 1]
    cost = m.evaluate(client, cheap_far, TODAY).reason("cost")
    assert (cost.status, cost.hard, text(cost)) == ("miss", False, "– nicht kostenlos")


# --- language levels -----------------------------------------------------------------------------

@pytest.mark.parametrize("german, expected_status, excluded", [
    ("native", "fit", False),
    ("C1", "fit", False),
    ("B1", "fit", False),
    ("A2", "miss", False),   # soft: shown with ✗, ranked low
    ("A1", "miss", True),    # hard: A1 is not enough to follow an offer
    (None, "miss", True),
])
def test_german_only_offer_for_an_arabic_speaker_depends_on_german_level(german, expected_status, excluded):
    languages = [("ar", "native")] + ([("de", german)] if german else [])
    reason = m.evaluate(situation(languages=languages), offer(1, languages={"de"}), TODAY).reason("language")
    assert (reason.status, reason.hard) == (expected_status, excluded)


def test_better_language_ranks_higher_and_a2_is_explained():
    client = situation(languages=[("ar", "native"), ("de", "A2")])
    arabic, german = offer(1, languages={"ar"}), offer(2, languages={"de"})
    result = m.match(client, [german, arabic], TODAY)
    assert ids(result) == [1, 2]
    assert text(result.matches[1].reason("language")) == "– nur de, Klient*in: A2"
    assert text(result.matches[0].reason("language")) == "✓ spricht ar, native"


def test_language_courses_are_not_excluded_for_the_language():
    client = situation(languages=[("fa", "native")], categories={"language_course"}, challenges=set())
    course = offer(1, category="language_course", languages={"de"})
    result = m.match(client, [course], TODAY)
    assert ids(result) == [1]
    assert text(result.matches[0].reason("language")) == "✓ Sprachkurs: hier lernt man de"


def test_invalid_level_is_rejected():
    with pytest.raises(ValueError):
        LanguageSkill("de", "B3")


# --- distance ------------------------------------------------------------------------------------------

def test_distance_is_geodesic_to_the_nearest_location():
    client = situation(origin=BAERENKAEMPEN)
    match = m.evaluate(client, offer(1, places=(FAR, MIDDLE)), TODAY)
    assert match.nearest == MIDDLE
    assert match.distance_km == pytest.approx(1.8, abs=0.15)
    from geopy.distance import geodesic
    assert match.distance_km == pytest.approx(geodesic((BAERENKAEMPEN.lat, BAERENKAEMPEN.lon), (MIDDLE.lat, MIDDLE.lon)).km)


def test_nearer_offer_ranks_higher_and_max_distance_excludes():
    client = situation(origin=BAERENKAEMPEN, max_km=5)
    result = m.match(client, [offer(1, places=(MIDDLE,)), offer(2, places=(NEAR,)), offer(3, places=(FAR,))], TODAY)
    assert ids(result) == [2, 1]
    assert result.excluded_by == {"distance": 1}
    relax = result.relaxations[0]
    assert m.describe(relax) == "1 Angebot passt, wenn 9 km in Ordnung sind"


def test_wheelchair_need_measures_only_to_usable_locations():
    client = situation(origin=BAERENKAEMPEN, wheelchair=True)
    inaccessible_near = Place(52.3006, 8.9336, "Altbau", None, False, 9)
    match = m.evaluate(client, offer(1, places=(inaccessible_near, MIDDLE)), TODAY)
    assert match.nearest == MIDDLE
    assert match.reason("wheelchair").status == "unknown"


# --- time windows ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("slot, fits", [
    (Slot(1, t("09:30"), t("11:30")), True),    # Tuesday morning
    (Slot(0, t("08:45"), t("12:15")), True),    # within the 30-minute tolerance
    (Slot(4, t("11:00"), t("13:00")), False),   # runs an hour into the afternoon
    (Slot(5, t("10:00"), t("12:00")), False),   # Saturday
    (Slot(1, t("18:00"), t("20:00")), False),   # evening
    (Slot(1, t("10:00"), t("12:00"), date=dt.date(2026, 12, 8)), True),   # a one-off date on a Tuesday
])
def test_weekday_mornings(slot, fits):
    assert m.slot_fits(slot, weekday_mornings()) is fits


def test_adjacent_windows_merge():
    windows = (TimeWindow.period(2, "morning"), TimeWindow.period(2, "afternoon"))
    assert m.slot_fits(Slot(2, t("11:00"), t("14:00")), windows)


def test_past_slots_do_not_count_and_any_fitting_slot_is_named():
    client = situation(free_times=weekday_mornings())
    expired = Slot(1, t("09:00"), t("10:00"), valid_to=dt.date(2026, 6, 30))
    past_date = Slot(2, t("09:00"), t("10:00"), date=dt.date(2026, 11, 4))
    evening = Slot(3, t("18:00"), t("19:00"))
    thursday = Slot(3, t("10:00"), t("11:00"))
    assert m.evaluate(client, offer(1, slots=(expired, past_date)), TODAY).failed == ("time",)
    assert text(m.evaluate(client, offer(1, slots=(expired, past_date)), TODAY).reason("time")) == "✗ keine aktuellen Termine"
    good = m.evaluate(client, offer(2, slots=(evening, thursday)), TODAY)
    assert good.failed == () and text(good.reason("time")) == "✓ Donnerstag 10:00–11:00"
    assert good.fitting_slots == (thursday,)
    bad = m.evaluate(client, offer(3, slots=(evening,)), TODAY)
    assert text(bad.reason("time")) == "✗ nur Donnerstag 18:00–19:00"


# --- missing data -------------------------------------------------------------------------------------------

def test_offers_with_missing_data_are_kept_with_question_marks_and_rank_lower():
    client = situation(origin=BAERENKAEMPEN, max_km=3, free_times=weekday_mornings(),
                       languages=[("de", "native")], target_groups={"families"},
                       childcare=True, wheelchair=True)
    complete = offer(1, childcare=True, target_groups={"families"})
    unknown = offer(2, places=(Place(name="online"),), slots=(), languages=set(), target_groups=set())
    no_places = offer(3, places=())
    result = m.match(client, [unknown, no_places, complete], TODAY)
    assert ids(result)[0] == 1 and set(ids(result)) == {1, 2, 3}
    statuses = {r.criterion: r.status for r in result.matches[-1].reasons}
    reasons = {r.criterion: text(r) for r in m.evaluate(client, unknown, TODAY).reasons}
    assert reasons["distance"] == "? Entfernung unbekannt (kein Ort mit Koordinaten)"
    assert reasons["time"] == "? Termine nach Vereinbarung"
    assert reasons["language"] == "? Sprache des Angebots nicht angegeben"
    assert reasons["target"] == "? Zielgruppe nicht angegeben"
    assert reasons["childcare"] == "? Kinderbetreuung: bitte nachfragen"
    assert reasons["wheelchair"] == "? Rollstuhlzugang: bitte nachfragen"
    assert "unknown" in statuses.values()


def test_situation_without_any_criteria_keeps_every_offer():
    result = m.match(ClientSituation(), [offer(1), offer(2, is_free=False)], TODAY)
    assert ids(result) == [1, 2]
    assert result.matches[0].percent == 100


# --- ties ------------------------------------------------------------------------------------------------------

def test_ties_are_broken_by_distance_then_title_then_id_and_explained():
    plain = situation()  # no origin: every offer gets the same points
    a, b, c = offer(3, "beta"), offer(1, "Alpha"), offer(2, "Alpha")
    result = m.match(plain, [a, b, c], TODAY)
    assert ids(result) == [1, 2, 3]
    assert [x.tie_break for x in result.matches] == [None, "id", "title"]
    # the order does not depend on the input order
    assert ids(m.match(plain, [c, a, b], TODAY)) == [1, 2, 3]
    # with an origin, a located offer outscores one without coordinates
    near = offer(5, "Zeta", places=(NEAR,))
    unknown = offer(4, "Aal", places=())
    client = situation(origin=BAERENKAEMPEN)
    assert ids(m.match(client, [unknown, near], TODAY)) == [5, 4]


def test_equal_scores_with_unknown_distance_put_known_first():
    client = situation(origin=BAERENKAEMPEN, max_km=50)
    located = offer(1, "Z", places=(Place(52.2, 8.9, "far away"),))  # ~11 km → 20*(1-11/50) points
    match = m.evaluate(client, located, TODAY)
    # craft a second offer with exactly the same score but no location
    unknown = m.evaluate(client, offer(2, "A", places=()), TODAY)
    unknown.score = match.score
    ordered = m.rank([unknown, match])
    assert [x.candidate.id for x in ordered] == [1, 2]
    assert ordered[1].tie_break == "distance"
    assert m.TIE_BREAK_MESSAGES["distance"].startswith("gleich viele Punkte")


# --- nothing fits ------------------------------------------------------------------------------------------------

def test_nothing_fits_names_the_biggest_blocker_and_the_nearest_misses():
    client = situation(languages=[("ar", "native")], must_be_free=True)
    german = [offer(i, languages={"de"}) for i in (1, 2, 3)]
    ukrainian = offer(4, languages={"uk", "ru"})
    costly = offer(5, languages={"ar"}, is_free=False)
    both = offer(6, languages={"de"}, is_free=False)
    result = m.match(client, german + [ukrainian, costly, both], TODAY)
    assert result.matches == []
    assert result.excluded_by == {"language": 5, "cost": 2}
    assert result.top_blocker == ("language", 5)
    # the group with the best offer first: the Arabic one that costs money
    cost, language, russian = result.relaxations
    assert m.describe(cost) == "1 Angebot passt, wenn es etwas kosten darf"
    assert cost.change == ("cost", None)
    assert m.describe(language) == "3 Angebote passen, wenn de in Ordnung ist"
    assert [x.candidate.id for x in language.offers] == [1, 2, 3]
    assert language.change == ("language", "de")
    # each offer in one group: the Ukrainian/Russian one in its own
    assert m.describe(russian) == "1 Angebot passt, wenn ru in Ordnung ist"
    assert [x.candidate.id for x in russian.offers] == [4]
    # offer 6 breaks two hard constraints: no near miss
    assert 6 not in {x.candidate.id for x in result.near_misses}


def test_render_uses_labels_and_translation():
    reason = m.Reason("language", "fit", "spricht %(language)s, %(level)s", {"language": "fa", "level": "native"})
    labels = {("language", "fa"): "Persisch", ("level", "native"): "Muttersprache"}
    out = m.describe(reason, lambda kind, value: labels[(kind, value)], lambda msg: msg.replace("spricht", "speaks"))
    assert out == "speaks Persisch, Muttersprache"


def test_limit_cuts_the_list():
    assert len(m.match(situation(), [offer(i) for i in range(1, 6)], TODAY, limit=2).matches) == 2


# --- age ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("age, groups, status, hard", [
    (9, {"children"}, "fit", False),
    (30, {"children"}, "miss", True),          # only for children: excluded
    (14, {"children", "youth"}, "fit", False),
    (67, {"older_people"}, "fit", False),
    (40, {"youth", "families"}, None, False),   # also for families: the target criterion decides
    (40, {"all"}, None, False),
])
def test_age_against_age_bound_groups(age, groups, status, hard):
    reason = m.evaluate(situation(age=age), offer(1, target_groups=groups), TODAY).reason("age")
    if status is None:
        assert reason is None
    else:
        assert (reason.status, reason.hard) == (status, hard)


def test_age_decides_age_groups_for_the_target_criterion():
    # a girl of 9 (counsellor ticked "women and girls"), an offer for children only
    client = situation(age=9, target_groups={"women_girls"})
    kids = offer(1, target_groups={"children"})
    assert m.evaluate(client, kids, TODAY).failed == ()
    # without the age the same offer is only for a group the client is not in
    assert m.evaluate(situation(target_groups={"women_girls"}), kids, TODAY).failed == ("target",)
    # a 30-year-old is excluded once, for the age, not twice
    assert m.evaluate(situation(age=30, target_groups={"women_girls"}), kids, TODAY).failed == ("age",)


def test_age_fit_ranks_an_age_specific_offer_first():
    client = situation(age=70)
    seniors, everyone = offer(1, target_groups={"older_people"}), offer(2, target_groups={"all"})
    assert ids(m.match(client, [everyone, seniors], TODAY)) == [1, 2]


# --- only these languages -----------------------------------------------------------------------------

def test_only_these_languages_makes_basic_german_and_unknown_languages_hard():
    plain = situation(languages=[("ar", "native"), ("de", "A2")])
    strict = situation(languages=[("ar", "native"), ("de", "A2")], only_languages=True)
    german, unknown = offer(1, languages={"de"}), offer(2, languages=set())
    arabic, course = offer(3, languages={"ar", "de"}), offer(4, languages={"de"}, category="language_course")
    assert m.evaluate(plain, german, TODAY).failed == ()
    assert m.evaluate(strict, german, TODAY).failed == ("language",)
    assert m.evaluate(plain, unknown, TODAY).reason("language").status == "unknown"
    assert m.evaluate(strict, unknown, TODAY).failed == ("language",)
    assert m.evaluate(strict, arabic, TODAY).failed == ()
    assert m.evaluate(strict, course, TODAY).failed == ()  # a course is where one learns it


def test_relaxing_only_these_languages_is_its_own_group():
    strict = situation(languages=[("ar", "native"), ("de", "A2")], only_languages=True)
    result = m.match(strict, [offer(1, languages={"de"}), offer(2, languages={"uk"})], TODAY)
    groups = {r.criterion: r for r in result.relaxations}
    assert groups["only_languages"].change == ("only_languages", None)
    assert [x.candidate.id for x in groups["only_languages"].offers] == [1]
    assert groups["language"].change == ("language", "uk")


# --- every part of the week ----------------------------------------------------------------------------

@pytest.mark.parametrize("period, slot, fits", [
    ("night", Slot(4, t("22:00"), t("23:30")), True),
    ("evening", Slot(4, t("22:00"), t("23:30")), False),
    ("afternoon", Slot(4, t("16:00"), t("18:00")), True),
    ("afternoon", Slot(4, t("17:00"), t("19:00")), False),
    ("evening", Slot(4, t("17:00"), t("19:00")), True),
])
def test_parts_of_the_day(period, slot, fits):
    assert m.slot_fits(slot, (TimeWindow.period(4, period),)) is fits


def test_weekend_slots_fit_weekend_windows_only():
    saturday = Slot(5, t("10:00"), t("12:00"))
    assert m.slot_fits(saturday, (TimeWindow.period(5, "morning"),))
    assert not m.slot_fits(saturday, weekday_mornings())


def test_time_tokens_cover_the_slot():
    assert m.time_tokens(Slot(1, t("16:30"), t("19:00"))) == ["tue:afternoon", "tue:evening"]
    assert m.time_tokens(Slot(5, t("10:00"), t("12:00"))) == ["sat:morning"]


# --- how specifically an offer addresses the need -----------------------------------------------------

def test_a_specific_offer_beats_a_general_one_a_few_hundred_metres_closer():
    client = situation(origin=BAERENKAEMPEN, max_km=5, challenges={"A1"})
    a_bit_farther = Place(52.3050, 8.9335, "etwas weiter", None, None, 9)  # ~0.5 km
    specific = offer(1, "Anerkennungsberatung", challenges={"A1"}, places=(a_bit_farther,))
    general = offer(2, "Allgemeine Beratung", challenges={"A1", "Z4", "B3", "W1"}, places=(NEAR,))
    result = m.match(client, [general, specific], TODAY)
    assert ids(result) == [1, 2]
    assert text(result.matches[0].reason("focus")) == "✓ Schwerpunkt: genau dieser Bedarf"
    assert text(result.matches[1].reason("focus")) == "– allgemeines Angebot (4 Themen)"
    # but several kilometres are worth more than specificity
    far = Place(52.2650, 8.9335, "weit", None, None, 8)  # ~4 km
    assert ids(m.match(client, [general, offer(1, challenges={"A1"}, places=(far,))], TODAY)) == [2, 1]


def test_category_only_match_is_half_specific():
    client = situation(challenges=set(), categories={"housing"})
    assert m.focus_share(client, offer(1)) == m.CATEGORY_FOCUS


# --- relaxation ------------------------------------------------------------------------------------------

def test_distance_group_names_the_farthest_shown_offer_rounded_up():
    client = situation(origin=BAERENKAEMPEN, max_km=1)
    result = m.match(client, [offer(1, places=(MIDDLE,)), offer(2, places=(FAR,))], TODAY)
    (group,) = result.relaxations
    assert group.change == ("distance", 9) and m.describe(group) == "2 Angebote passen, wenn 9 km in Ordnung sind"
    assert [x.candidate.id for x in group.offers] == [1, 2]  # nearest first


def test_time_group_proposes_the_missing_times():
    client = situation(free_times=weekday_mornings())
    evening = offer(1, slots=(Slot(2, t("18:00"), t("20:00")),))
    (group,) = m.match(client, [evening], TODAY).relaxations
    assert group.change == ("time", ("wed:evening",))
    assert m.describe(group) == "1 Angebot passt, wenn wed:evening möglich ist"


def test_groups_show_the_best_few_and_count_all():
    client = situation(must_be_free=True)
    result = m.match(client, [offer(i, is_free=False) for i in range(1, 7)], TODAY)
    (group,) = result.relaxations
    assert group.count == m.GROUP_SIZE and group.total == 6 and group.params["n"] == 6


def test_full_offers_cannot_be_relaxed_by_the_counsellor():
    (group,) = m.match(situation(), [offer(1, open_places=0)], TODAY).relaxations
    assert group.criterion == "capacity" and group.change is None


def test_near_misses_break_exactly_the_condition_of_their_group_and_show_other_misses_as_drawbacks():
    client = situation(origin=BAERENKAEMPEN, max_km=1, languages=[("ar", "native"), ("de", "A2")])
    far_german = offer(1, places=(MIDDLE,), languages={"de"}, is_free=False)
    (group,) = m.match(client, [far_german], TODAY).relaxations
    card = group.offers[0]
    assert [r.symbol for r in card.reasons if r.status == "miss"] == ["–", "✗", "–"]
    assert [r.criterion for r in card.reasons if r.symbol == "✗"] == ["distance"]


def test_pairs_are_offered_only_when_no_offer_misses_just_one():
    client = situation(origin=BAERENKAEMPEN, max_km=1, must_be_free=True)
    two = offer(1, places=(MIDDLE,), is_free=False)
    result = m.match(client, [two], TODAY)
    (pair,) = result.relaxations
    assert pair.criterion == "pair" and pair.params["first"] == "distance" and pair.params["second"] == "cost"
    assert pair.change == ("pair", (("distance", 2), ("cost", None)))
    # with one offer that misses only one condition, the pair is not proposed
    result = m.match(client, [two, offer(2, is_free=False)], TODAY)
    assert [r.criterion for r in result.relaxations] == ["cost"]
