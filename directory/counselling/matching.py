"""Matching: rank offers for a client's situation, with the reasons for each place in the list.

This module is pure: no Flask, no database. It takes a :class:`ClientSituation` and a list of
:class:`Candidate` offers (plain dataclasses, built from the database by
:mod:`directory.counselling.candidates`) and returns a :class:`MatchResult`.

Every criterion is evaluated by one function that returns a :class:`Reason` with a status
(✓ fits, ✗ does not fit, ? unknown) and points. A criterion can be *hard*: then an offer that
fails it is excluded from the list (but counted, so that an empty result can say which
criterion removed the most candidates and which offers would fit if it were relaxed).
Everything else is *soft*: points that rank the offers. The table of weights is in the README
("How matching ranks offers") and in :data:`WEIGHTS`; the unit tests in
``tests/counselling/test_matching.py`` are hand-built cases for every rule below.

Criteria (hard part → excluded; soft part → points):

* needs       – the offer addresses none of the asked-for challenges/categories → excluded;
                points ∝ share of the asked-for needs it covers.
* focus       – (when challenges are asked for) how specifically the offer addresses them: the
                share of the offer's own challenges that were asked for (a recognition counselling tagged
                only "recognition" is fully specific; a general counselling tagged with eight
                challenges is not). Soft, worth more than a few hundred metres of distance.
* age         – the offer is only for age-bound groups (children, young people, older
                people: :data:`AGE_GROUPS`) none of which includes the client's age → excluded;
                an age-bound group that includes it → ✓.
* language    – the client understands none of the offer's languages at level A2 or better
                → excluded (A1 alone is not enough to follow an offer); best shared language at
                A2 → ✗ with few points; B1/B2 → ✓; C1/C2/mother tongue → ✓ full points.
                Language courses (category ``language_course``) are never excluded for the
                language: they are where one learns it. Offers without languages: ? unknown.
                "Only these languages" (German is not possible): a shared language below B1
                and offers without stated languages are excluded too.
* target      – the offer is only for groups the client is not in → excluded; a specific
                group in common ranks above "for everyone".
* distance    – nearest location of the offer farther than the maximum → excluded; points fall
                linearly with the geodesic distance (geopy) from the client's point.
                Offers without coordinates: ? unknown, never excluded.
* time        – none of the offer's current slots lies within the client's free time (30 min
                tolerance at either end) → excluded; offers without a schedule ("by
                appointment"): ? unknown, never excluded.
* cost        – "must be free" and the offer costs money → excluded; free offers get points.
* childcare   – needed and the offer says it has none → excluded; ✓ when it has, ? unknown.
* wheelchair  – needed and every location is known not to be accessible → excluded (and the
                distance is measured only to locations that are not known to be inaccessible).
* capacity    – the provider reported the offer full (open places 0) → excluded.

Relaxation: every offer that fails exactly one hard criterion is a near miss; near misses are
grouped by the change that would let them in (:class:`Relaxation`: "passt, wenn 6 km in
Ordnung sind", "… wenn Deutsch in Ordnung ist"), the best few of each group are shown, and
each group carries the change (:attr:`Relaxation.change`) for a one-click search with it.

Order: points (descending), then distance (nearest first, unknown last), then title
(case-insensitive), then id – so ties are stable and each tie says what broke it.
"""
from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping, Sequence

from geopy.distance import geodesic


def N_(message: str) -> str:
    """Mark a German message for extraction; the presentation layer translates it."""
    return message


def ngettext(singular: str, plural: str) -> tuple[str, str]:
    """Mark a (singular, plural) pair for extraction (Babel's ``ngettext`` keyword); nothing is
    translated here – :func:`render` picks the form by ``params["n"]``."""
    return singular, plural


# --- input ------------------------------------------------------------------------------

LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2", "native")
#: below this level a shared language does not make an offer usable (hard)
MIN_LEVEL = "A2"
#: from this level on a shared language counts as a fit (✓); A2 is a soft ✗
COMFORT_LEVEL = "B1"
LANGUAGE_NEUTRAL_CATEGORIES = frozenset({"language_course"})
GENERIC_TARGET = "all"

PERIODS: dict[str, tuple[dt.time, dt.time]] = {
    "morning": (dt.time(6, 0), dt.time(12, 0)),
    "afternoon": (dt.time(12, 0), dt.time(18, 0)),
    "evening": (dt.time(17, 0), dt.time(22, 0)),
    "night": (dt.time(22, 0), dt.time(23, 59)),
}
#: target groups bound to an age (inclusive years); the client's age decides membership
AGE_GROUPS: dict[str, tuple[int, int]] = {
    "children": (0, 13),
    "youth": (12, 26),
    "older_people": (60, 130),
}
TIME_TOLERANCE = dt.timedelta(minutes=30)
#: without a maximum distance, points reach 0 at this distance (km)
DEFAULT_DISTANCE_SCALE_KM = 10.0


@dataclass(frozen=True)
class LanguageSkill:
    code: str
    level: str = "native"

    def __post_init__(self):
        if self.level not in LEVELS:
            raise ValueError(f"unknown language level {self.level!r}")

    @property
    def rank(self) -> int:
        return LEVELS.index(self.level)


@dataclass(frozen=True)
class TimeWindow:
    """The client is free on this weekday (0 = Monday) between start and end."""

    weekday: int
    start: dt.time
    end: dt.time

    @classmethod
    def period(cls, weekday: int, period: str) -> "TimeWindow":
        start, end = PERIODS[period]
        return cls(weekday, start, end)


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float
    label: str = ""


@dataclass(frozen=True)
class ClientSituation:
    """What a counsellor tells about a client: no name, no address, nothing identifying."""

    origin: Point | None = None
    max_km: float | None = None
    languages: tuple[LanguageSkill, ...] = ()
    target_groups: frozenset[str] = frozenset()
    challenges: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    free_times: tuple[TimeWindow, ...] = ()
    must_be_free: bool = False
    childcare: bool = False
    wheelchair: bool = False
    age: int | None = None
    #: the client can follow only the listed languages (German is not possible)
    only_languages: bool = False

    def level_of(self, code: str) -> str | None:
        ranks = [s.rank for s in self.languages if s.code == code]
        return LEVELS[max(ranks)] if ranks else None

    @property
    def needs(self) -> int:
        return len(self.challenges) + len(self.categories)


@dataclass(frozen=True)
class Place:
    lat: float | None = None
    lon: float | None = None
    name: str = ""
    district: str | None = None
    wheelchair: bool | None = None
    id: int | None = None

    @property
    def has_point(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True)
class Slot:
    weekday: int
    opens: dt.time
    closes: dt.time
    date: dt.date | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    def is_current(self, today: dt.date) -> bool:
        if self.date is not None and self.date < today:
            return False
        return self.valid_to is None or self.valid_to >= today


@dataclass(frozen=True)
class Candidate:
    """An offer as the matcher sees it."""

    id: int
    title: str
    category: str = ""
    challenges: frozenset[str] = frozenset()
    target_groups: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    is_free: bool = True
    cost: str | None = None
    places: tuple[Place, ...] = ()
    slots: tuple[Slot, ...] = ()
    childcare: bool | None = None
    open_places: int | None = None
    organization: str = ""
    #: last confirmation, when it is so old that the public no longer sees the offer
    unconfirmed_since: dt.date | None = None


# --- output -----------------------------------------------------------------------------

FIT, MISS, UNKNOWN = "fit", "miss", "unknown"
SYMBOLS = {FIT: "✓", MISS: "✗", UNKNOWN: "?"}
DRAWBACK = "–"
CRITERIA = ("needs", "focus", "age", "language", "target", "distance", "time", "cost", "childcare", "wheelchair",
            "capacity")
#: criteria that can exclude an offer
HARD = tuple(c for c in CRITERIA if c != "focus")
#: criteria whose exclusion may be relaxed ("3 offers match if you accept German"); the needs
#: define the candidates and are not relaxed.
RELAXABLE = tuple(c for c in HARD if c != "needs")

#: maximum points per criterion (only criteria the situation asks about count)
WEIGHTS: dict[str, float] = {
    "needs": 30, "focus": 12, "age": 8, "language": 20, "distance": 20, "time": 10, "target": 10,
    "cost": 5, "childcare": 10, "wheelchair": 10, "capacity": 0,
}
#: an offer reached only through its category (no asked-for challenge) counts as half specific
CATEGORY_FOCUS = 0.5
LANGUAGE_POINTS = {"native": 20, "C2": 20, "C1": 18, "B2": 14, "B1": 12, "A2": 4}
LANGUAGE_COURSE_POINTS = 12
UNKNOWN_POINTS = {"language": 6, "distance": 5, "time": 4, "target": 5, "childcare": 0, "wheelchair": 0}
GENERIC_TARGET_POINTS = 6


@dataclass
class Reason:
    criterion: str
    status: str
    message: str  # German msgid with %(name)s placeholders
    params: dict = field(default_factory=dict)
    points: float = 0.0
    hard: bool = False  # True: this reason excludes the offer

    @property
    def symbol(self) -> str:
        """✓ fits, ✗ breaks a condition (excludes), – a drawback that excludes nothing, ? unknown."""
        if self.status == MISS and not self.hard:
            return DRAWBACK
        return SYMBOLS[self.status]


@dataclass
class Match:
    candidate: Candidate
    reasons: list[Reason]
    score: float
    max_score: float
    distance_km: float | None = None
    nearest: Place | None = None
    fitting_slots: tuple[Slot, ...] = ()
    tie_break: str | None = None  # why it comes after an equally scored offer

    @property
    def failed(self) -> tuple[str, ...]:
        return tuple(r.criterion for r in self.reasons if r.hard)

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.score / self.max_score)) if self.max_score else 100

    @property
    def fits(self) -> list[Reason]:
        return [r for r in self.reasons if r.status == FIT]

    @property
    def misses(self) -> list[Reason]:
        return [r for r in self.reasons if r.status != FIT]

    def reason(self, criterion: str) -> Reason | None:
        return next((r for r in self.reasons if r.criterion == criterion), None)


@dataclass
class Relaxation:
    """A group of near misses: "these offers fit if …", and the change that lets them in.

    ``change`` is ``(criterion, value)``: ``("distance", km)`` – allow up to ``km`` (the
    farthest shown offer, rounded up); ``("language", code)`` – accept that language;
    ``("only_languages", None)`` – not only the listed languages; ``("time", tokens)`` – add
    these ``day:period`` times; every other criterion ``(criterion, None)`` – drop the
    condition. ``capacity`` (fully booked) cannot be relaxed by the counsellor: ``change`` is None.
    """

    criterion: str
    message: tuple[str, str]  # (one offer, several offers), German msgids
    params: dict
    offers: list[Match]
    change: tuple[str, object] | None = None
    total: int = 0  # near misses in this group (``offers`` holds the best few)

    @property
    def count(self) -> int:
        return len(self.offers)


@dataclass
class MatchResult:
    matches: list[Match]
    near_misses: list[Match]
    considered: int  # candidates that address the needs (all candidates without needs)
    excluded_by: dict[str, int]  # hard criterion → candidates it excludes (may overlap)
    relaxations: list[Relaxation]

    @property
    def top_blocker(self) -> tuple[str, int] | None:
        counts = [(n, c) for c, n in self.excluded_by.items() if c != "needs" and n]
        if not counts:
            return None
        n, criterion = max(counts, key=lambda p: (p[0], -RELAXABLE.index(p[1])))
        return criterion, n


# --- criteria -------------------------------------------------------------------------------

def _matched_needs(s: ClientSituation, c: Candidate) -> list[tuple[str, str]]:
    matched = sorted(("challenge", code) for code in c.challenges & s.challenges)
    if c.category in s.categories:
        matched.append(("category", c.category))
    return matched


def _needs(s: ClientSituation, c: Candidate) -> Reason | None:
    if not s.needs:
        return None
    matched = _matched_needs(s, c)
    if not matched:
        return Reason("needs", MISS, N_("passt zu keinem der gewählten Bedarfe"), {}, 0, hard=True)
    points = WEIGHTS["needs"] * len(matched) / s.needs
    return Reason("needs", FIT, N_("hilft bei: %(needs)s"), {"needs": matched}, points)


def focus_share(s: ClientSituation, c: Candidate) -> float:
    """How specifically the offer addresses the asked-for needs (0…1)."""
    asked = c.challenges & s.challenges
    if asked:
        return len(asked) / len(c.challenges)
    if c.category in s.categories:
        return CATEGORY_FOCUS
    return 0.0


def _focus(s: ClientSituation, c: Candidate) -> Reason | None:
    if not s.challenges or not _matched_needs(s, c):
        return None
    share = focus_share(s, c)
    points = round(WEIGHTS["focus"] * share, 2)
    if not c.challenges & s.challenges:
        return Reason("focus", MISS, N_("passt nur über die Art des Angebots"), {}, points)
    if share >= 0.5:
        return Reason("focus", FIT, N_("Schwerpunkt: genau dieser Bedarf"), {}, points)
    return Reason("focus", MISS, N_("allgemeines Angebot (%(n)s Themen)"), {"n": len(c.challenges)}, points)


def age_groups_of(age: int) -> frozenset[str]:
    """The age-bound target groups a person of this age belongs to."""
    return frozenset(g for g, (low, high) in AGE_GROUPS.items() if low <= age <= high)


def _age(s: ClientSituation, c: Candidate) -> Reason | None:
    """Only offers with an age-bound group are judged: ✓ when one includes the age, excluded
    when the offer is for age-bound groups only and none includes it (an offer also for
    families or everyone is left to the target criterion)."""
    if s.age is None:
        return None
    bound = c.target_groups & AGE_GROUPS.keys()
    if not bound:
        return None
    fitting = sorted(bound & age_groups_of(s.age))
    if fitting:
        return Reason("age", FIT, N_("für %(targets)s: passt zum Alter"), {"targets": fitting}, WEIGHTS["age"])
    if c.target_groups <= AGE_GROUPS.keys():
        return Reason("age", MISS, N_("nur für %(targets)s, nicht für %(age)s Jahre"),
                      {"targets": sorted(bound), "age": s.age}, 0, hard=True)
    return None


def _language(s: ClientSituation, c: Candidate) -> Reason | None:
    if not s.languages:
        return None
    course = c.category in LANGUAGE_NEUTRAL_CATEGORIES
    if not c.languages:
        if s.only_languages and not course:
            return Reason("language", MISS, N_("Sprache des Angebots nicht angegeben (wohl nur Deutsch)"), {},
                          0, hard=True)
        return Reason("language", UNKNOWN, N_("Sprache des Angebots nicht angegeben"), {},
                      UNKNOWN_POINTS["language"])
    shared = [(LEVELS.index(s.level_of(code)), code) for code in c.languages if s.level_of(code)]
    best_rank, best = max(shared) if shared else (-1, None)
    if best is not None and best_rank >= LEVELS.index(COMFORT_LEVEL):
        level = LEVELS[best_rank]
        if course:
            points = max(LANGUAGE_POINTS[level], LANGUAGE_COURSE_POINTS)
        else:
            points = LANGUAGE_POINTS[level]
        return Reason("language", FIT, N_("spricht %(language)s, %(level)s"),
                      {"language": best, "level": level}, points)
    if course:
        return Reason("language", FIT, N_("Sprachkurs: hier lernt man %(languages)s"),
                      {"languages": sorted(c.languages)}, LANGUAGE_COURSE_POINTS)
    if best is not None and best_rank >= LEVELS.index(MIN_LEVEL):
        return Reason("language", MISS, N_("nur %(language)s, Klient*in: %(level)s"),
                      {"language": best, "level": LEVELS[best_rank]}, LANGUAGE_POINTS[LEVELS[best_rank]],
                      hard=s.only_languages)
    return Reason("language", MISS, N_("nur auf %(languages)s"), {"languages": _language_order(c.languages)},
                  0, hard=True)


def _language_order(codes: Iterable[str]) -> list[str]:
    """German first, then alphabetical: the order the languages are named in."""
    return sorted(codes, key=lambda code: (code != "de", code))


def _target(s: ClientSituation, c: Candidate) -> Reason | None:
    if not s.target_groups:
        return None
    groups, offered = s.target_groups, c.target_groups
    if s.age is not None:
        # the age decides the age-bound groups (the age criterion explains them)
        groups = (groups - AGE_GROUPS.keys()) | age_groups_of(s.age)
        offered = offered - AGE_GROUPS.keys()
        if c.target_groups and not offered:
            return None
    if not offered:
        return Reason("target", UNKNOWN, N_("Zielgruppe nicht angegeben"), {}, UNKNOWN_POINTS["target"])
    specific = sorted((offered & groups) - {GENERIC_TARGET})
    if specific:
        return Reason("target", FIT, N_("für %(targets)s"), {"targets": specific}, WEIGHTS["target"])
    if GENERIC_TARGET in offered:
        return Reason("target", FIT, N_("für alle"), {}, GENERIC_TARGET_POINTS)
    return Reason("target", MISS, N_("nur für %(targets)s"), {"targets": sorted(offered)}, 0, hard=True)


def usable_places(s: ClientSituation, c: Candidate) -> list[Place]:
    """The offer's locations a client can use (no location known to be inaccessible if a
    wheelchair is needed)."""
    if s.wheelchair:
        return [p for p in c.places if p.wheelchair is not False]
    return list(c.places)


def nearest_place(origin: Point, places: Sequence[Place]) -> tuple[Place | None, float | None]:
    best: tuple[float, Place] | None = None
    for place in places:
        if not place.has_point:
            continue
        km = geodesic((origin.lat, origin.lon), (place.lat, place.lon)).km
        if best is None or km < best[0]:
            best = (km, place)
    return (best[1], best[0]) if best else (None, None)


def _distance(s: ClientSituation, c: Candidate, place: Place | None, km: float | None) -> Reason | None:
    if s.origin is None:
        return None
    if km is None:
        return Reason("distance", UNKNOWN, N_("Entfernung unbekannt (kein Ort mit Koordinaten)"), {},
                      UNKNOWN_POINTS["distance"])
    params = {"km": km, "place": place.name if place else ""}
    if s.max_km is not None and km > s.max_km:
        return Reason("distance", MISS, N_("%(km)s km entfernt, weiter als %(max)s km"),
                      {**params, "max": s.max_km}, 0, hard=True)
    scale = s.max_km or DEFAULT_DISTANCE_SCALE_KM
    points = WEIGHTS["distance"] * max(0.0, 1 - km / scale)
    if s.max_km is None and km > DEFAULT_DISTANCE_SCALE_KM:
        return Reason("distance", MISS, N_("%(km)s km entfernt (weit)"), params, points)
    return Reason("distance", FIT, N_("%(km)s km entfernt (%(place)s)"), params, points)


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def slot_fits(slot: Slot, windows: Sequence[TimeWindow]) -> bool:
    """The slot lies within the client's free time on its weekday (windows of one day are
    merged; TIME_TOLERANCE at either end)."""
    tol = int(TIME_TOLERANCE.total_seconds() // 60)
    day = sorted((_minutes(w.start), _minutes(w.end)) for w in windows if w.weekday == slot.weekday)
    merged: list[list[int]] = []
    for start, end in day:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    opens, closes = _minutes(slot.opens), _minutes(slot.closes)
    if closes <= opens:  # runs past midnight: only the start counts
        closes = opens
    return any(start - tol <= opens and closes <= end + tol for start, end in merged)


def _slot_params(slot: Slot) -> dict:
    return {"weekday": slot.weekday, "date": slot.date, "opens": slot.opens, "closes": slot.closes}


def _time(s: ClientSituation, c: Candidate, today: dt.date) -> tuple[Reason | None, tuple[Slot, ...]]:
    if not s.free_times:
        return None, ()
    if not c.slots:
        return Reason("time", UNKNOWN, N_("Termine nach Vereinbarung"), {}, UNKNOWN_POINTS["time"]), ()
    current = [slot for slot in c.slots if slot.is_current(today)]
    if not current:
        return Reason("time", MISS, N_("keine aktuellen Termine"), {}, 0, hard=True), ()
    fitting = tuple(slot for slot in current if slot_fits(slot, s.free_times))
    if not fitting:
        first = current[0]
        return Reason("time", MISS, N_("nur %(slot)s"), {"slot": _slot_params(first)}, 0, hard=True), ()
    return Reason("time", FIT, N_("%(slot)s"), {"slot": _slot_params(fitting[0])}, WEIGHTS["time"]), fitting


def _cost(s: ClientSituation, c: Candidate) -> Reason:
    if c.is_free:
        return Reason("cost", FIT, N_("kostenlos"), {}, WEIGHTS["cost"])
    params = {"cost": c.cost or ""}
    message = N_("nicht kostenlos: %(cost)s") if c.cost else N_("nicht kostenlos")
    return Reason("cost", MISS, message, params, 0, hard=s.must_be_free)


def _childcare(s: ClientSituation, c: Candidate) -> Reason | None:
    if not s.childcare:
        return None
    if c.childcare is True:
        return Reason("childcare", FIT, N_("mit Kinderbetreuung"), {}, WEIGHTS["childcare"])
    if c.childcare is False:
        return Reason("childcare", MISS, N_("ohne Kinderbetreuung"), {}, 0, hard=True)
    return Reason("childcare", UNKNOWN, N_("Kinderbetreuung: bitte nachfragen"), {}, UNKNOWN_POINTS["childcare"])


def _wheelchair(s: ClientSituation, c: Candidate) -> Reason | None:
    if not s.wheelchair:
        return None
    if any(p.wheelchair is True for p in c.places):
        return Reason("wheelchair", FIT, N_("rollstuhlgerecht"), {}, WEIGHTS["wheelchair"])
    if c.places and all(p.wheelchair is False for p in c.places):
        return Reason("wheelchair", MISS, N_("nicht rollstuhlgerecht"), {}, 0, hard=True)
    return Reason("wheelchair", UNKNOWN, N_("Rollstuhlzugang: bitte nachfragen"), {}, UNKNOWN_POINTS["wheelchair"])


def _capacity(c: Candidate) -> Reason | None:
    if c.open_places is None:
        return None
    if c.open_places <= 0:
        return Reason("capacity", MISS, N_("zurzeit ausgebucht"), {}, 0, hard=True)
    return Reason("capacity", FIT, N_("%(n)s Plätze frei"), {"n": c.open_places}, 0)


def max_score(s: ClientSituation) -> float:
    asked = {
        "needs": bool(s.needs), "focus": bool(s.challenges), "language": bool(s.languages), "target": bool(s.target_groups),
        "distance": s.origin is not None, "time": bool(s.free_times), "cost": True,
        "childcare": s.childcare, "wheelchair": s.wheelchair,
    }
    return float(sum(WEIGHTS[c] for c, on in asked.items() if on))


def evaluate(s: ClientSituation, c: Candidate, today: dt.date) -> Match:
    """All reasons for one candidate (hard failures included)."""
    place, km = (None, None)
    if s.origin is not None:
        place, km = nearest_place(s.origin, usable_places(s, c))
    time_reason, fitting = _time(s, c, today)
    reasons = [
        _needs(s, c), _focus(s, c), _age(s, c), _language(s, c), _target(s, c), _distance(s, c, place, km), time_reason,
        _cost(s, c), _childcare(s, c), _wheelchair(s, c), _capacity(c),
    ]
    reasons = [r for r in reasons if r is not None]
    score = round(sum(r.points for r in reasons), 2)
    return Match(c, reasons, score, max_score(s), km, place, fitting)


def _sort_key(m: Match):
    return (-m.score, m.distance_km is None, m.distance_km or 0.0, m.candidate.title.casefold(), m.candidate.id)


def rank(matches: list[Match]) -> list[Match]:
    """Sort by points, then distance, title, id; note on each tie what broke it."""
    ordered = sorted(matches, key=_sort_key)
    for before, after in zip(ordered, ordered[1:]):
        after.tie_break = None
        if before.score != after.score:
            continue
        if (before.distance_km is None) != (after.distance_km is None) or (
            before.distance_km is not None and round(before.distance_km, 3) != round(after.distance_km, 3)
        ):
            after.tie_break = "distance"
        elif before.candidate.title.casefold() != after.candidate.title.casefold():
            after.tie_break = "title"
        else:
            after.tie_break = "id"
    if ordered:
        ordered[0].tie_break = None
    return ordered


TIE_BREAK_MESSAGES = {
    "distance": N_("gleich viele Punkte wie das Angebot davor, aber weiter entfernt"),
    "title": N_("gleich viele Punkte wie das Angebot davor; alphabetisch danach"),
    "id": N_("gleich viele Punkte wie das Angebot davor; später eingetragen"),
}


RELAXATION_MESSAGES = {
    # criterion: (one offer, several offers)
    "language": ngettext("%(n)s Angebot passt, wenn %(language)s in Ordnung ist",
        "%(n)s Angebote passen, wenn %(language)s in Ordnung ist"),
    "only_languages": ngettext(
        "%(n)s Angebot passt, wenn nicht nur die angegebenen Sprachen gelten (Grundkenntnisse oder Sprache offen)",
        "%(n)s Angebote passen, wenn nicht nur die angegebenen Sprachen gelten (Grundkenntnisse oder Sprache offen)"),
    "distance": ngettext("%(n)s Angebot passt, wenn %(max)s km in Ordnung sind",
        "%(n)s Angebote passen, wenn %(max)s km in Ordnung sind"),
    "age": ngettext("%(n)s Angebot passt, ist aber für eine andere Altersgruppe",
        "%(n)s Angebote passen, sind aber für eine andere Altersgruppe"),
    "target": ngettext("%(n)s Angebot passt, ist aber für andere Zielgruppen ausgeschrieben",
        "%(n)s Angebote passen, sind aber für andere Zielgruppen ausgeschrieben"),
    "time": ngettext("%(n)s Angebot passt, wenn %(times)s möglich ist",
        "%(n)s Angebote passen, wenn %(times)s möglich ist"),
    "cost": ngettext("%(n)s Angebot passt, wenn es etwas kosten darf",
        "%(n)s Angebote passen, wenn sie etwas kosten dürfen"),
    "childcare": ngettext("%(n)s Angebot passt, hat aber keine Kinderbetreuung",
        "%(n)s Angebote passen, haben aber keine Kinderbetreuung"),
    "wheelchair": ngettext("%(n)s Angebot passt, ist aber nicht rollstuhlgerecht",
        "%(n)s Angebote passen, sind aber nicht rollstuhlgerecht"),
    "capacity": ngettext("%(n)s Angebot passt, ist aber zurzeit ausgebucht",
        "%(n)s Angebote passen, sind aber zurzeit ausgebucht"),
    "pair": ngettext("%(n)s Angebot passt, wenn zwei Bedingungen gelockert werden: %(first)s und %(second)s",
        "%(n)s Angebote passen, wenn zwei Bedingungen gelockert werden: %(first)s und %(second)s"),
}
#: pair groups shown when no offer misses only one condition
PAIR_GROUPS = 2
#: near misses shown per group
GROUP_SIZE = 3
#: at most this many language groups ("… wenn Deutsch in Ordnung ist", "… wenn Englisch …")
LANGUAGE_GROUPS = 2


def period_of(t: dt.time) -> str:
    """The part of the day a time falls in (the one whose window contains it)."""
    for name, (start, end) in PERIODS.items():
        if start <= t < end:
            return name
    return "night" if t >= PERIODS["night"][0] else "morning"


def time_tokens(slot: Slot) -> list[str]:
    """The ``day:period`` tokens (the form's notation, ``tue:evening``) that together cover the
    slot, from the part of the day it starts in to the one it ends in."""
    names = list(PERIODS)
    first = names.index(period_of(slot.opens))
    last = first if slot.closes <= slot.opens else names.index(period_of(
        (dt.datetime.combine(dt.date.min, slot.closes) - TIME_TOLERANCE).time()))
    return [f"{WEEKDAY_CODES[slot.weekday]}:{name}" for name in names[first:max(first, last) + 1]]


WEEKDAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _understood_somewhat(s: ClientSituation, c: Candidate) -> bool:
    """The offer is in a listed language (at any level) or names no language: what "only these
    languages" excluded."""
    return not c.languages or any(s.level_of(code) for code in c.languages)


def _language_groups(s: ClientSituation, misses: list[Match]) -> list[Relaxation]:
    groups = []
    strict = [x for x in misses if s.only_languages and _understood_somewhat(s, x.candidate)]
    if strict:
        groups.append(Relaxation("only_languages", RELAXATION_MESSAGES["only_languages"], {"n": len(strict)},
                                 strict[:GROUP_SIZE], ("only_languages", None), len(strict)))
    rest = [x for x in misses if x not in strict]
    while rest and len(groups) < LANGUAGE_GROUPS + bool(strict):
        # the language most of the remaining offers share, German first on a tie
        counts = Counter(code for x in rest for code in x.candidate.languages)
        language = min(counts, key=lambda code: (-counts[code], code != "de", code))
        offers = [x for x in rest if language in x.candidate.languages]
        groups.append(Relaxation("language", RELAXATION_MESSAGES["language"],
                                 {"n": len(offers), "language": language}, offers[:GROUP_SIZE],
                                 ("language", language), len(offers)))
        rest = [x for x in rest if x not in offers]
    return groups


def _relaxation(s: ClientSituation, criterion: str, misses: list[Match], today: dt.date) -> list[Relaxation]:
    """The group(s) of near misses for one hard criterion, best first."""
    if criterion == "language":
        return _language_groups(s, misses)
    shown = misses[:GROUP_SIZE]
    params: dict = {"n": len(misses)}
    change: tuple[str, object] | None = (criterion, None)
    if criterion == "distance":
        km = math.ceil(max(x.distance_km or 0.0 for x in shown))
        params["max"] = km
        change = ("distance", km)
    elif criterion == "time":
        tokens = []
        for x in shown:
            slots = [slot for slot in x.candidate.slots if slot.is_current(today)] or list(x.candidate.slots)
            for token in time_tokens(slots[0]) if slots else ():
                if token not in tokens:
                    tokens.append(token)
        params["times"] = tokens
        change = ("time", tuple(tokens))
    elif criterion == "capacity":
        change = None
    return [Relaxation(criterion, RELAXATION_MESSAGES[criterion], params, shown, change, len(misses))]


def _pair_relaxations(s: ClientSituation, misses: list[Match], today: dt.date) -> list[Relaxation]:
    """When nothing misses only one condition: the best offers that miss exactly two, grouped by
    the pair, each group with both changes (``("pair", (change, change))``)."""
    by_pair: dict[tuple[str, str], list[Match]] = {}
    for m in rank(misses):
        a, b = sorted(m.failed, key=RELAXABLE.index)
        by_pair.setdefault((a, b), []).append(m)
    groups = []
    for (a, b), ms in by_pair.items():
        first = _relaxation(s, a, ms, today)[0]
        subset = [x for x in ms if x in first.offers]
        second = _relaxation(s, b, subset, today)[0]
        offers = [x for x in subset if x in second.offers]
        if not offers or first.change is None or second.change is None:
            continue
        groups.append(Relaxation("pair", RELAXATION_MESSAGES["pair"], {"n": len(offers), "first": a, "second": b},
                                 offers, ("pair", (first.change, second.change)), len(offers)))
    groups.sort(key=lambda r: (-r.offers[0].score, -r.total))
    return groups[:PAIR_GROUPS]


def match(situation: ClientSituation, candidates: Iterable[Candidate], today: dt.date | None = None,
          limit: int | None = None) -> MatchResult:
    """Rank the candidates for the situation; group the offers that miss exactly one hard
    criterion by what would let them in."""
    today = today or dt.date.today()
    evaluated = [evaluate(situation, c, today) for c in candidates]
    excluded_by = {c: 0 for c in HARD}
    matches, near, two = [], [], []
    for m in evaluated:
        failed = m.failed
        for criterion in failed:
            excluded_by[criterion] += 1
        if not failed:
            matches.append(m)
        elif len(failed) == 1 and failed[0] in RELAXABLE:
            near.append(m)
        elif len(failed) == 2 and all(c in RELAXABLE for c in failed):
            two.append(m)
    considered = len(evaluated) - excluded_by["needs"]
    near = rank(near)
    by_criterion: dict[str, list[Match]] = {}
    for m in near:
        by_criterion.setdefault(m.failed[0], []).append(m)
    relaxations = [r for c, ms in by_criterion.items() for r in _relaxation(situation, c, ms, today)]
    # groups whose best offer ranks highest first; on a tie the larger group
    relaxations.sort(key=lambda r: (-r.offers[0].score, -r.total, RELAXABLE.index(
        "language" if r.criterion == "only_languages" else r.criterion)))
    if not relaxations:
        relaxations = _pair_relaxations(situation, two, today)
    ranked = rank(matches)
    return MatchResult(
        matches=ranked[:limit] if limit else ranked,
        near_misses=near,
        considered=considered,
        excluded_by={c: n for c, n in excluded_by.items() if n},
        relaxations=relaxations,
    )


# --- words ------------------------------------------------------------------------------------

Labeler = Callable[[str, object], str]


def plain_label(kind: str, value) -> str:
    """Labels without vocabularies (tests, logs): codes, German weekdays, 1.2 km."""
    if kind == "weekday":
        return ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")[value]
    if kind == "km":
        return f"{value:.1f}".replace(".", ",")
    if kind == "max":
        return f"{value:g}".replace(".", ",")
    if kind == "slot":
        day = value["date"].strftime("%d.%m.%Y") if value["date"] else plain_label("weekday", value["weekday"])
        return f"{day} {value['opens']:%H:%M}–{value['closes']:%H:%M}"
    if kind == "need":
        return str(value[1])
    return str(value)


def render(message: str | tuple[str, str], params: Mapping, label: Labeler = plain_label,
           translate: Callable[[str], str] = lambda m: m,
           plural: Callable[[str, str, int], str] = lambda one, many, n: one if n == 1 else many) -> str:
    """A reason's or relaxation's text: translated message, parameters labelled.

    ``message`` is a msgid, or a (singular, plural) pair chosen by ``params["n"]``."""
    values = {}
    for key, value in params.items():
        if key == "needs":
            values[key] = ", ".join(label("need", v) for v in value)
        elif key in ("languages", "targets", "times"):
            values[key] = ", ".join(label(key[:-1], v) for v in value)
        else:
            values[key] = label(key, value)
    text = plural(*message, params["n"]) if isinstance(message, tuple) else translate(message)
    return text % values


def describe(reason: Reason | Relaxation, label: Labeler = plain_label,
             translate: Callable[[str], str] = lambda m: m,
             plural: Callable[[str, str, int], str] = lambda one, many, n: one if n == 1 else many) -> str:
    return render(reason.message, reason.params, label, translate, plural)
