"""Search: query string → validated filters → SQL; facet counts; the result page.

One table (:data:`FACETS`) declares the search filters: each query parameter with its values,
its error message and its SQL clause. Reading goes through :class:`directory.core.params.Params`,
so the web page, the JSON API and the widget share one parser and one error message per bad
value; what the public may see at all is :func:`directory.offers.visibility.visible_clause`. Filters combine with AND across facets and OR within one facet. Every facet's
counts are computed with all *other* active filters applied, so a count is the number of
results that clicking the value would give (when nothing else in that facet is selected).

Everything runs in the database: full text via directory.fulltext (FTS5 / tsvector), distance
via plain arithmetic on lat/lon, counts via GROUP BY. Nothing filters whole tables in Python.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Iterable

from flask import current_app, has_app_context
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from pyroaring import BitMap
from sqlalchemy import Select, and_, case, distinct, false, func, literal, or_, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.sql import ColumnElement

from directory.core import paging, text
from directory.core.geo import (
    KM_PER_DEGREE_LAT,
    Geocoder,
    GeoPoint,
    km_per_degree_lon,
    parse_point,
)
from directory.core.params import Params
from directory.extensions import db
from directory.models import (
    WEEKDAYS,
    District,
    Location,
    Offer,
    Schedule,
    offer_challenge,
    offer_language,
    offer_location,
    offer_target_group,
)
from directory.offers.visibility import visible_clause
from directory.offers.vocabulary import Vocabulary
from directory.search import concepts as concept_index
from directory.search import dictionary as term_dictionary
from directory.search import fulltext
from directory.search import index as search_index
from directory.search.understand import WordGroup, analyse, understood

MAX_VALUE_LENGTH = 200
MAX_VALUES_PER_PARAM = 50
RADIUS_OPTIONS = (1, 2, 5, 10, 25)
SORTS = ("relevance", "distance", "updated")
TIMES_OF_DAY = {
    # period: (label, clause builder on Schedule)
    "morning": _l("Vormittags (bis 12 Uhr)"),
    "afternoon": _l("Nachmittags (12–17 Uhr)"),
    "evening": _l("Abends (ab 17 Uhr)"),
}
WHEN_OPTIONS = {
    # when: (label) – the span is computed by when_span
    "today": _l("Heute"),
    "tomorrow": _l("Morgen"),
    "weekend": _l("Am Wochenende"),
    "week": _l("Diese Woche"),
}
MAX_DAYS_AHEAD = 366  # a date for "when" at most this far from today
WEEKDAY_LABELS = {
    "mon": _l("Montag"), "tue": _l("Dienstag"), "wed": _l("Mittwoch"), "thu": _l("Donnerstag"),
    "fri": _l("Freitag"), "sat": _l("Samstag"), "sun": _l("Sonntag"),
}


@dataclass
class SearchQuery:
    q: str = ""
    words: list[str] = field(default_factory=list)
    selected: dict[str, list[str]] = field(default_factory=dict)
    near: GeoPoint | None = None
    near_text: str = ""
    radius: float | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    today: dt.date = field(default_factory=dt.date.today)
    literal: bool = False  # the words only as text, not as vocabulary values
    groups: list[WordGroup] = field(default_factory=list)  # one per word (understand.py)

    def values(self, param: str) -> list[str]:
        return self.selected.get(param, [])

    @property
    def is_empty(self) -> bool:
        return not (self.words or any(self.selected.values()) or self.near)


# --- SQL pieces --------------------------------------------------------------------------

def _in_table(table, column: str, values: list[str]) -> ColumnElement[bool]:
    return Offer.id.in_(select(table.c.offer_id).where(table.c[column].in_(values)))


def _distance2(point: GeoPoint):
    """Squared distance in km² between Location and the point (equirectangular)."""
    kx = km_per_degree_lon(point.lat)
    dy = (Location.lat - point.lat) * KM_PER_DEGREE_LAT
    dx = (Location.lon - point.lon) * kx
    return dy * dy + dx * dx


def _slot_clause(query: SearchQuery, days: list[str], times: list[str]) -> ColumnElement[bool]:
    """A schedule slot that is current and matches the weekdays and times of day."""
    parts = [
        or_(Schedule.date.is_(None), Schedule.date >= query.today),
        or_(Schedule.valid_to.is_(None), Schedule.valid_to >= query.today),
    ]
    if days:
        parts.append(Schedule.weekday.in_([WEEKDAYS.index(d) for d in days]))
    if times:
        parts.append(or_(*(search_index.period_clause(t) for t in times)))
    return and_(*parts)


@dataclass(frozen=True)
class Facet:
    param: str
    title: object  # lazy string
    values: Callable[[Vocabulary], dict[str, str]]  # code → label, in display order
    clause: Callable[[SearchQuery, list[str]], ColumnElement[bool]]
    counts: Callable[[SearchQuery, Select], dict[str, int]]
    error: object  # message for an unknown value, formatted with value=…
    bits: Callable = None  # (index, query, hide_after_days, values) -> BitMap of the offers it keeps
    bit_counts: Callable = None  # (index, query, hide_after_days, scope BitMap) -> {value: count}
    grouped: Callable[[Vocabulary, str], str | None] | None = None
    hide_empty: bool = False

    def label(self, vocab: Vocabulary, code: str) -> str:
        """The value's name: from the vocabulary, or for a distance or a date its own."""
        labels = self.values(vocab)
        if code in labels:
            return labels[code]
        if self.param == "radius":
            return f"≤ {code} km"
        if self.param == "when":
            return when_label(code)
        return code


def _counts_in_table(table, column):
    def counts(_query: SearchQuery, base_ids: Select) -> dict[str, int]:
        # (offer_id, code) is the table's primary key: a plain count counts distinct offers
        rows = db.session.execute(
            select(table.c[column], func.count())
            .where(table.c.offer_id.in_(base_ids))
            .group_by(table.c[column])
        )
        return {code: n for code, n in rows}
    return counts


def _district_clause(_q: SearchQuery, values: list[str]) -> ColumnElement[bool]:
    return Offer.id.in_(
        select(offer_location.c.offer_id)
        .join(Location, Location.id == offer_location.c.location_id)
        .where(Location.district_code.in_(values))
    )


def _district_counts(_q: SearchQuery, base_ids: Select) -> dict[str, int]:
    rows = db.session.execute(
        select(Location.district_code, func.count(distinct(offer_location.c.offer_id)))
        .join(Location, Location.id == offer_location.c.location_id)
        .where(offer_location.c.offer_id.in_(base_ids))
        .group_by(Location.district_code)
    )
    return {code: n for code, n in rows if code}


def _category_counts(_q: SearchQuery, base_ids: Select) -> dict[str, int]:
    rows = db.session.execute(
        select(Offer.category_code, func.count(Offer.id))
        .where(Offer.id.in_(base_ids))
        .group_by(Offer.category_code)
    )
    return {code: n for code, n in rows}


def _free_counts(_q: SearchQuery, base_ids: Select) -> dict[str, int]:
    n = db.session.scalar(
        select(func.count(Offer.id)).where(Offer.id.in_(base_ids), Offer.is_free.is_(True))
    )
    return {"1": n or 0}


def _day_clause(q: SearchQuery, values: list[str]) -> ColumnElement[bool]:
    return Offer.id.in_(select(Schedule.offer_id).where(_slot_clause(q, values, q.values("time"))))


def _day_counts(q: SearchQuery, base_ids: Select) -> dict[str, int]:
    rows = db.session.execute(
        select(Schedule.weekday, func.count(distinct(Schedule.offer_id)))
        .where(Schedule.offer_id.in_(base_ids), _slot_clause(q, [], q.values("time")))
        .group_by(Schedule.weekday)
    )
    return {WEEKDAYS[d]: n for d, n in rows}


def _time_clause(q: SearchQuery, values: list[str]) -> ColumnElement[bool]:
    return Offer.id.in_(select(Schedule.offer_id).where(_slot_clause(q, q.values("day"), values)))


def _time_counts(q: SearchQuery, base_ids: Select) -> dict[str, int]:
    columns = [
        func.count(distinct(case((search_index.period_clause(p), Schedule.offer_id)))) for p in TIMES_OF_DAY
    ]
    row = db.session.execute(
        select(*columns).where(Schedule.offer_id.in_(base_ids), _slot_clause(q, q.values("day"), []))
    ).one()
    return dict(zip(TIMES_OF_DAY, row))


def when_span(value: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The days (first, last) a "when" value means: today, tomorrow, the coming weekend (today
    if it is Sunday), this week (today and the six days after) or one date (YYYY-MM-DD)."""
    if value == "today":
        return today, today
    if value == "tomorrow":
        return today + dt.timedelta(days=1), today + dt.timedelta(days=1)
    if value == "week":
        return today, today + dt.timedelta(days=6)
    if value == "weekend":
        if today.weekday() == 6:
            return today, today
        saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7)
        return saturday, saturday + dt.timedelta(days=1)
    day = dt.date.fromisoformat(value)
    return day, day


def when_label(value: str) -> str:
    if value in WHEN_OPTIONS:
        return str(WHEN_OPTIONS[value])
    return str(_l("Am %(day)s", day=format_date(dt.date.fromisoformat(value), "full")))


def _read_when(params: Params, today: dt.date) -> list[str]:
    values = []
    for raw in params.many("when", max_values=MAX_VALUES_PER_PARAM):
        if raw in WHEN_OPTIONS:
            values.append(raw)
            continue
        try:
            day = dt.date.fromisoformat(raw) if len(raw) == 10 else None
        except ValueError:
            day = None
        if day is None or abs((day - today).days) > MAX_DAYS_AHEAD:
            params.error("when", _l("Ungültiges Datum: %(value)s. Bitte so angeben: 2026-12-24.", value=raw[:40]))
            continue
        values.append(day.isoformat())
    return list(dict.fromkeys(values))


def _occurs_clause(first: dt.date, last: dt.date) -> ColumnElement[bool]:
    """A slot that takes place on a day from first to last (a span of at most a week)."""
    weekly = []
    for n in range(min((last - first).days, 6) + 1):
        day = first + dt.timedelta(days=n)
        weekly.append(and_(Schedule.weekday == day.weekday(),
                           or_(Schedule.valid_from.is_(None), Schedule.valid_from <= day),
                           or_(Schedule.valid_to.is_(None), Schedule.valid_to >= day)))
    return or_(and_(Schedule.date.is_not(None), Schedule.date.between(first, last)),
               and_(Schedule.date.is_(None), or_(*weekly)))


def _when_clause(q: SearchQuery, values: list[str]) -> ColumnElement[bool]:
    spans = [when_span(v, q.today) for v in values]
    return Offer.id.in_(select(Schedule.offer_id).where(or_(*(_occurs_clause(a, b) for a, b in spans))))


def _when_counts(q: SearchQuery, base_ids: Select) -> dict[str, int]:
    columns = [func.count(distinct(case((_occurs_clause(*when_span(v, q.today)), Schedule.offer_id))))
               for v in WHEN_OPTIONS]
    row = db.session.execute(select(*columns).where(Schedule.offer_id.in_(base_ids))).one()
    return dict(zip(WHEN_OPTIONS, row))


def _radius_clause(q: SearchQuery, values: list[str]) -> ColumnElement[bool]:
    radius = float(values[0])
    return Offer.id.in_(
        select(offer_location.c.offer_id)
        .join(Location, Location.id == offer_location.c.location_id)
        .where(Location.lat.is_not(None), _distance2(q.near) <= radius * radius)
    )


def _radius_counts(q: SearchQuery, base_ids: Select) -> dict[str, int]:
    if q.near is None:
        return {}
    d2 = _distance2(q.near)
    columns = [
        func.count(distinct(case((d2 <= r * r, offer_location.c.offer_id)))) for r in RADIUS_OPTIONS
    ]
    row = db.session.execute(
        select(*columns)
        .select_from(offer_location)
        .join(Location, Location.id == offer_location.c.location_id)
        .where(offer_location.c.offer_id.in_(base_ids), Location.lat.is_not(None))
    ).one()
    return {str(r): n for r, n in zip(RADIUS_OPTIONS, row)}



# --- the same filters and counts on the search index (directory/search/index.py) ----------

def _value_bits(param: str):
    def bits(ix, _q, _hide, values):
        sets = [ix.values[param].get(v) for v in values]
        return BitMap.union(BitMap(), *(s for s in sets if s is not None))
    return bits


def _value_counts(param: str):
    return lambda ix, _q, _hide, scope: ix.value_counts(param, scope)


def _free_bit_counts(ix, _q, _hide, scope):
    return {"1": scope.intersection_cardinality(ix.values["free"]["1"])}


def _day_bits(ix, q, hide, values):
    return ix.slots(q.today, hide, values, q.values("time"))


def _day_bit_counts(ix, q, hide, scope):
    return {d: scope.intersection_cardinality(ix.slots(q.today, hide, [d], q.values("time"))) for d in WEEKDAYS}


def _time_bits(ix, q, hide, values):
    return ix.slots(q.today, hide, q.values("day"), values)


def _time_bit_counts(ix, q, hide, scope):
    return {p: scope.intersection_cardinality(ix.slots(q.today, hide, q.values("day"), [p])) for p in TIMES_OF_DAY}


def _when_bits(ix, q, _hide, values):
    return BitMap.union(BitMap(), *(ix.occurring(*when_span(v, q.today)) for v in values))


def _when_bit_counts(ix, q, _hide, scope):
    return {v: scope.intersection_cardinality(ix.occurring(*when_span(v, q.today))) for v in WHEN_OPTIONS}


def _radius_bits(ix, q, _hide, values):
    return ix.within(q.near, float(values[0]))


def _radius_bit_counts(ix, q, _hide, scope):
    nearest = ix.nearest_km2(q.near, scope).values[:, 0]
    return {str(r): int((nearest <= r * r).sum()) for r in RADIUS_OPTIONS}


FACETS: tuple[Facet, ...] = (
    Facet(
        "district", _l("Stadtteil"),
        lambda v: {c: t.label for c, t in v.districts.items()},
        _district_clause, _district_counts, _l("Unbekannter Stadtteil: %(value)s"),
        _value_bits("district"), _value_counts("district"),
    ),
    Facet(
        "language", _l("Sprache im Angebot"),
        lambda v: {c: t.label for c, t in v.languages.items()},
        lambda _q, vals: _in_table(offer_language, "language_code", vals),
        _counts_in_table(offer_language, "language_code"),
        _l("Unbekannte Sprache: %(value)s"), _value_bits("language"), _value_counts("language"), hide_empty=True,
    ),
    Facet(
        "target", _l("Für wen"),
        lambda v: {c: t.label for c, t in v.target_groups.items()},
        lambda _q, vals: _in_table(offer_target_group, "target_group_code", vals),
        _counts_in_table(offer_target_group, "target_group_code"),
        _l("Unbekannte Zielgruppe: %(value)s"), _value_bits("target"), _value_counts("target"),
    ),
    Facet(
        "challenge", _l("Herausforderung"),
        lambda v: {c: t.label for c, t in v.challenges.items()},
        lambda _q, vals: _in_table(offer_challenge, "challenge_code", vals),
        _counts_in_table(offer_challenge, "challenge_code"),
        _l("Unbekannte Herausforderung: %(value)s"), _value_bits("challenge"), _value_counts("challenge"),
        grouped=lambda v, code: v.challenges[code].group,
    ),
    Facet(
        "category", _l("Art des Angebots"),
        lambda v: {c: t.label for c, t in v.categories.items()},
        lambda _q, vals: Offer.category_code.in_(vals),
        _category_counts, _l("Unbekannte Angebotsart: %(value)s"), _value_bits("category"), _value_counts("category"),
    ),
    Facet(
        "free", _l("Kosten"),
        lambda v: {"1": str(_l("Kostenlos"))},
        lambda _q, vals: Offer.is_free.is_(True),
        _free_counts, _l("Ungültiger Wert für „kostenlos“: %(value)s"),
        lambda ix, _q, _hide, _values: ix.values["free"]["1"], _free_bit_counts,
    ),
    Facet(
        "when", _l("Wann"),
        lambda v: {w: str(label) for w, label in WHEN_OPTIONS.items()},
        _when_clause, _when_counts, _l("Ungültiges Datum: %(value)s. Bitte so angeben: 2026-12-24."),
        _when_bits, _when_bit_counts,
    ),
    Facet(
        "day", _l("Wochentag"),
        lambda v: {d: str(WEEKDAY_LABELS[d]) for d in WEEKDAYS},
        _day_clause, _day_counts, _l("Unbekannter Wochentag: %(value)s"), _day_bits, _day_bit_counts,
    ),
    Facet(
        "time", _l("Tageszeit"),
        lambda v: {p: str(label) for p, label in TIMES_OF_DAY.items()},
        _time_clause, _time_counts, _l("Unbekannte Tageszeit: %(value)s"), _time_bits, _time_bit_counts,
    ),
    Facet(
        "radius", _l("Entfernung"),
        lambda v: {str(r): f"≤ {r} km" for r in RADIUS_OPTIONS},
        _radius_clause, _radius_counts, _l("Ungültige Entfernung: %(value)s"), _radius_bits, _radius_bit_counts,
    ),
)
FACETS_BY_PARAM = {f.param: f for f in FACETS}
SCALAR_PARAMS = ("q", "near", "sort", "page", "literal")


# --- parsing -----------------------------------------------------------------------------

def parse(args, vocab: Vocabulary, geocoder: Geocoder | None, per_page: int = 20,
          today: dt.date | None = None) -> SearchQuery:
    """Validate request arguments (a MultiDict) into a SearchQuery, or raise ParamError."""
    params = Params(args, max_length=MAX_VALUE_LENGTH)
    query = read(params, vocab, geocoder, per_page, today)
    params.check()
    return query


def read(params: Params, vocab: Vocabulary, geocoder: Geocoder | None, per_page: int = 20,
         today: dt.date | None = None) -> SearchQuery:
    """Read the search parameters through ``params``, which collects the errors (callers
    that add parameters of their own read those too and then call ``params.check()``)."""
    query = SearchQuery(per_page=per_page, today=today or dt.date.today())
    query.q = params.one("q")
    query.words = text.query_words(query.q)
    literal = params.one("literal")
    if literal not in ("", "0", "1"):
        params.error("literal", _l("Ungültiger Wert für „wörtlich“: %(value)s", value=literal[:40]))
    query.literal = literal == "1"

    for facet in FACETS:
        if facet.param == "radius":
            raw = params.many("radius", max_values=MAX_VALUES_PER_PARAM)
            if not raw:
                continue
            try:
                radius = float(raw[0].replace(",", "."))
                if len(raw) > 1 or not (0 < radius <= 500) or math.isnan(radius):
                    raise ValueError
            except ValueError:
                params.error("radius", facet.error % {"value": raw[0][:40]})
                continue
            query.radius = radius
            query.selected["radius"] = [_radius_key(radius)]
            continue
        if facet.param == "when":
            values = _read_when(params, query.today)
            if values:
                query.selected["when"] = values
            continue
        values = params.many(facet.param, facet.values(vocab), facet.error, max_values=MAX_VALUES_PER_PARAM)
        if values:
            query.selected[facet.param] = values

    query.near_text = params.one("near")
    if query.near_text:
        try:
            point = parse_point(query.near_text)
        except ValueError:
            params.error("near", _l("Die Koordinaten liegen außerhalb des gültigen Bereichs."))
            point = None
        else:
            if point is None and _looks_like_coordinates(query.near_text):
                params.error("near", _l("Die Koordinaten sind ungültig. Beispiel: 52.29,8.91"))
            elif point is None and geocoder is not None:
                point = geocoder.geocode(query.near_text)
                if point is None:
                    params.error("near", _l("Die Adresse „%(text)s“ wurde nicht gefunden.", text=query.near_text[:80]))
        query.near = point
    if query.radius is not None and query.near is None and not params.failed("near"):
        params.error("radius", _l("Für die Entfernung bitte eine Adresse oder einen Ort angeben."))

    sort = params.one("sort")
    # with a place, the nearest offers come first unless another order was chosen
    sort = sort or ("distance" if query.near is not None else "relevance")
    if sort not in SORTS:
        params.error("sort", _l("Unbekannte Sortierung: %(value)s", value=sort[:40]))
    elif sort == "distance" and query.near is None and not params.failed("near"):
        params.error("sort", _l("Zum Sortieren nach Entfernung bitte eine Adresse oder einen Ort angeben."))
    query.sort = sort

    query.page = paging.read_page(params)
    if query.words and has_app_context() and not params.failed():
        understand(query)
    return query


def understand(query: SearchQuery) -> None:
    """Turn the query's words into word groups against the app's term dictionary and concepts."""
    app = current_app._get_current_object()
    dictionary = search_index.for_app(app).get(db.session, app).dictionary
    concepts = None if query.literal else concept_index.current(app)
    query.groups = analyse(query.words, dictionary, concepts)


def corrected_query(query: SearchQuery) -> str | None:
    """The query with each corrected word replaced by how offers write it ("Meinten Sie …?")."""
    if not any(g.correction for g in query.groups):
        return None
    words = []
    for g in query.groups:
        if g.correction:
            match = fulltext.match_clause(db.engine.dialect.name, Offer.id, [(g.correction, False)])
            words.append(term_dictionary.surface_word(db.session, and_(visible_clause(query.today), match),
                                                      g.correction))
        else:
            words.append(g.word)
    return " ".join(words)


def understood_labels(query: SearchQuery, vocab: Vocabulary) -> list[tuple[str, str, str]]:
    """(param, code, label) of each vocabulary value the words were understood to name."""
    out = []
    for concept in understood(query.groups):
        facet = FACETS_BY_PARAM.get(concept.param)
        label = facet.values(vocab).get(concept.code) if facet else None
        if label:
            out.append((concept.param, concept.code, label))
    return out


def near_point(query: SearchQuery) -> dict | None:
    """The place distances are measured from (for the page, the map and the API)."""
    if query.near is None:
        return None
    return {"lat": round(query.near.lat, 6), "lon": round(query.near.lon, 6),
            "label": query.near.label or query.near_text, "approximate": query.near.approximate}


def relaxations(query: SearchQuery) -> list[tuple[str, int]]:
    """For a search without results: (parameter, results without it) for each set filter –
    the search text "q" included – that alone removed results, most results first."""
    out = []
    if query.words:
        without_text = SearchQuery(**{**query.__dict__, "q": "", "words": [], "groups": []})
        out.append(("q", len(evaluate(without_text, with_counts=False)[1].matched)))
    for facet in FACETS:
        if query.values(facet.param):
            selected = {k: v for k, v in query.selected.items() if k != facet.param}
            without = SearchQuery(**{**query.__dict__, "selected": selected,
                                     "radius": None if facet.param == "radius" else query.radius})
            out.append((facet.param, len(evaluate(without, with_counts=False)[1].matched)))
    return sorted(((p, n) for p, n in out if n), key=lambda pair: -pair[1])


def _radius_key(radius: float) -> str:
    return str(int(radius)) if radius == int(radius) else str(radius)


def _looks_like_coordinates(text: str) -> bool:
    """Only digits and separators, and two numbers or more (a postcode alone is a place)."""
    stripped = text.strip()
    return (bool(stripped) and all(c in "0123456789.,;-+ " for c in stripped)
            and len(re.findall(r"\d+(?:\.\d+)?", stripped)) >= 2)


# --- running a search --------------------------------------------------------------------

def where_clauses(query: SearchQuery, exclude: str | None = None) -> list[ColumnElement[bool]]:
    clauses = [visible_clause(query.today)]
    if query.words:
        groups = [_group_clause(query, g) for g in query.groups if g.matchable]
        clauses.append(or_(*groups) if groups else false())
    for facet in FACETS:
        values = query.values(facet.param)
        if values and facet.param != exclude:
            clauses.append(facet.clause(query, values))
    return clauses


def _text_clause(terms):
    return fulltext.match_clause(db.engine.dialect.name, Offer.id, terms)


def _concept_clause(query: SearchQuery, group: WordGroup, weak: bool = True) -> ColumnElement[bool] | None:
    """Offers with one of the values the word names (with `weak`, also those its compound
    parts name)."""
    by_param: dict[str, list[str]] = {}
    for c in group.concepts + (group.part_concepts if weak else []):
        by_param.setdefault(c.param, []).append(c.code)
    parts = [FACETS_BY_PARAM[p].clause(query, codes) for p, codes in by_param.items()]
    return or_(*parts) if parts else None


def _group_clause(query: SearchQuery, group: WordGroup) -> ColumnElement[bool]:
    """An offer matches a word: it contains one of the word's terms or has one of its values."""
    parts = [_text_clause(group.terms)] if group.terms else []
    concept = _concept_clause(query, group)
    if concept is not None:
        parts.append(concept)
    return or_(*parts)


def _word_scores(query: SearchQuery):
    """(words matched, strength): offers matching more of the words first (all words best);
    among those, the ones that match more ways – by text and by each kind of value the word
    names ("житло": a housing offer tagged with the housing challenge beats one that is only
    either)."""
    groups = [g for g in query.groups if g.matchable]
    if not groups:
        return literal(0), literal(0)
    matched = sum((case((_group_clause(query, g), 1), else_=0) for g in groups), literal(0))
    ways = []
    for g in groups:
        if g.terms:
            ways.append(_text_clause(g.terms))
        by_param: dict[str, list[str]] = {}
        for c in g.concepts:
            by_param.setdefault(c.param, []).append(c.code)
        ways.extend(FACETS_BY_PARAM[p].clause(query, codes) for p, codes in by_param.items())
    strength = sum((case((w, 1), else_=0) for w in ways), literal(0))
    return matched, strength


def matching_ids(query: SearchQuery, exclude: str | None = None) -> Select:
    return select(Offer.id).where(*where_clauses(query, exclude))


def ordered(stmt: Select, query: SearchQuery) -> Select:
    """Apply the query's sort order (joining the full-text ranking when needed).

    Relevance: offers matching more of the words first, then more of them as vocabulary
    values, then the full-text rank. By distance: offers matching more words first, then
    the nearest."""
    words = bool(query.words and any(g.matchable for g in query.groups))
    if query.sort == "distance" and query.near is not None:
        nearest = (
            select(func.min(_distance2(query.near)))
            .join(offer_location, offer_location.c.location_id == Location.id)
            .where(offer_location.c.offer_id == Offer.id, Location.lat.is_not(None))
            .scalar_subquery()
        )
        first = [_word_scores(query)[0].desc()] if words else []
        return stmt.order_by(*first, nearest.is_(None), nearest, Offer.id)
    if query.sort == "updated":
        return stmt.order_by(Offer.updated_at.desc(), Offer.id.desc())
    if words:
        matched, valued = _word_scores(query)
        terms = [t for g in query.groups for t in g.terms]
        if not terms:
            return stmt.order_by(matched.desc(), valued.desc(), Offer.title, Offer.id)
        rank = fulltext.ranking(db.engine.dialect.name, Offer.__table__, list(dict.fromkeys(terms)))
        return (stmt.outerjoin(rank, rank.c.offer_id == Offer.id)
                .order_by(matched.desc(), valued.desc(), func.coalesce(rank.c.rank, 0), Offer.title, Offer.id))
    return stmt.order_by(*search_index.default_order())


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    toggle_url: str = ""
    group: str | None = None


@dataclass
class FacetResult:
    param: str
    title: str
    values: list[FacetValue]
    selected_count: int


@dataclass
class SearchResult:
    query: SearchQuery
    total: int
    ids: list[int]  # the page's offers, in order
    facets: list[FacetResult]
    load: tuple = ()  # loader options for what the caller needs of the offers

    @cached_property
    def offers(self) -> list[Offer]:
        """The page's offers with what a result card shows (loaded when first asked for)."""
        return _load_page(self.ids, self.load)

    def load_offers(self, ids: list[int]) -> dict[int, Offer]:
        """Some of the page's offers (those not rendered yet), by id."""
        return {o.id: o for o in _load_page(ids, self.load)}

    @property
    def window(self) -> paging.Window:
        return paging.Window(self.query.page, self.query.per_page, self.total)

    @property
    def pages(self) -> int:
        return self.window.pages


def build_facets(query: SearchQuery, vocab: Vocabulary, counts: dict[str, dict[str, int]],
                 toggle_url: Callable[[str, str], str]) -> list[FacetResult]:
    results = []
    for facet in FACETS:
        if facet.param not in counts:
            continue
        selected = set(query.values(facet.param))
        values = []
        labels = dict(facet.values(vocab))
        labels.update((code, facet.label(vocab, code)) for code in query.values(facet.param) if code not in labels)
        for code, label in labels.items():
            n = counts[facet.param].get(code, 0)
            if facet.hide_empty and n == 0 and code not in selected:
                continue
            values.append(FacetValue(
                code, label, n, code in selected, toggle_url(facet.param, code),
                facet.grouped(vocab, code) if facet.grouped else None,
            ))
        if facet.hide_empty:
            values.sort(key=lambda v: (not v.selected, -v.count, v.label))
        results.append(FacetResult(facet.param, str(facet.title), values, len(selected)))
    return results


def _load_page(ids: list[int], load=()) -> list[Offer]:
    if not ids:
        return []
    loaded = {o.id: o for o in db.session.scalars(
        select(Offer).where(Offer.id.in_(ids)).options(
            *load,
            joinedload(Offer.organization),
            joinedload(Offer.category),
            selectinload(Offer.languages),
            selectinload(Offer.target_groups),
            # the district's name only: its boundary polygon is large and not shown in a list
            selectinload(Offer.locations).selectinload(Location.district).load_only(District.code, District.name),
            selectinload(Offer.schedules),
        )
    )}
    return [loaded[i] for i in ids if i in loaded]


def _word_rows(query: SearchQuery) -> list[tuple]:
    """(offer id, -words matched, -ways matched, text rank) of every offer the words match:
    the relevance order of :func:`ordered`, as sort keys (smaller first)."""
    groups = [g for g in query.groups if g.matchable]
    if not groups:
        return []
    matched, valued = _word_scores(query)
    terms = list(dict.fromkeys(t for g in query.groups for t in g.terms))
    if terms:
        rank = fulltext.ranking(db.engine.dialect.name, Offer.__table__, terms)
        stmt = (select(Offer.id, -matched, -valued, func.coalesce(rank.c.rank, 0))
                .outerjoin(rank, rank.c.offer_id == Offer.id))
    else:
        stmt = select(Offer.id, -matched, -valued, literal(0))
    return db.session.execute(stmt.where(or_(*(_group_clause(query, g) for g in groups)))).all()


def evaluate(query: SearchQuery, with_counts: bool = True):
    """The query on the app's search index: (index, evaluation, word scores or None)."""
    ix = search_index.for_app(current_app).get(db.session, current_app._get_current_object())
    hide = current_app.config.get("STALE_HIDE_AFTER_DAYS", 365)
    base = ix.visible(query.today, hide)
    scores = None
    if query.words:
        # what the words match depends on the word groups and, through the values they name,
        # on the weekday and time filters
        key = (repr(query.groups), tuple(query.values("day")), tuple(query.values("time")), query.today)
        text_ids, scores = ix.text_matches(key, lambda: _word_rows(query))
        base = base & text_ids
    sets = {f.param: f.bits(ix, query, hide, query.values(f.param)) for f in FACETS if query.values(f.param)}
    counters = {}
    if with_counts:
        counters = {f.param: (lambda scope, f=f: f.bit_counts(ix, query, hide, scope))
                    for f in FACETS if not (f.param == "radius" and query.near is None)}
    return ix, ix.evaluate(base, sets, counters), scores


def sort_order(ix, query: SearchQuery, matched, word_scores) -> list:
    """The order of :func:`ordered` as index sort keys."""
    words = word_scores is not None and any(g.matchable for g in query.groups)
    if query.sort == "distance" and query.near is not None:
        first = [word_scores.column(0)] if words else []  # more words matched first
        return [*first, ix.nearest_km2(query.near, matched)]
    if query.sort == "updated":
        return ["updated"]
    if words:
        return [word_scores, "title"]
    return ["default"]


def run(query: SearchQuery, vocab: Vocabulary, toggle_url: Callable[[str, str], str], load=()) -> SearchResult:
    """One page of results with every facet's counts (the map's points: search/map_points.py).
    ``load``: loader options for what a caller needs of the offers beyond the result cards."""
    ix, ev, word_scores = evaluate(query)
    start = (query.page - 1) * query.per_page
    order = sort_order(ix, query, ev.matched, word_scores)
    ids = ix.top(ev.matched, start, start + query.per_page, order)
    return SearchResult(query, len(ev.matched), ids, build_facets(query, vocab, ev.counts, toggle_url), load)


def facet_counts(query: SearchQuery) -> dict[str, dict[str, int]]:
    return evaluate(query)[1].counts


def describe(query: SearchQuery, vocab: Vocabulary) -> list[str]:
    """The active filters in words ("Arabisch · Frauen und Mädchen · Bärenkämpen")."""
    parts = []
    if query.q:
        parts.append(str(_l("„%(text)s“", text=query.q)))  # quotation marks of the language
    for facet in FACETS:
        for v in query.values(facet.param):
            parts.append(facet.label(vocab, v))
    if query.near is not None:
        parts.append(str(_l("nahe %(place)s", place=query.near.label or query.near_text)))
    return parts


def toggled_args(args, param: str, value: str) -> list[tuple[str, str]]:
    """Query arguments with one facet value switched on or off (and paging reset)."""
    items = [(k, v) for k, v in args.items(multi=True) if k != "page"]
    if (param, value) in items:
        return [(k, v) for k, v in items if (k, v) != (param, value)]
    if param == "radius":
        items = [(k, v) for k, v in items if k != "radius"]
    return items + [(param, value)]


def iter_params(args) -> Iterable[tuple[str, str]]:
    known = set(SCALAR_PARAMS) | set(FACETS_BY_PARAM)
    return [(k, v) for k, v in args.items(multi=True) if k in known]
