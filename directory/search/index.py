"""An in-process index of every offer's facet values, so that a search with all its facet
counts takes milliseconds at 100,000 offers.

Each facet value (a district, a spoken language, a target group …) is a compressed bitmap of
offer ids (pyroaring); a search intersects and unites bitmaps, and a facet count is the size
of an intersection. Visibility, sort keys, coordinates and schedule slots are numpy arrays.

The index is a cache of the database, never a source of truth:

* it is built from the database (a few queries, about a second at 100,000 offers);
* every flush that touches offers, locations, schedules, organisations, translations or the
  vocabularies appends a row to ``search_change`` (directory/models/activity.py) (insert-only: no row that two writers fight
  over); each request compares the newest id with the one the index was built at, so every
  app server – each with its own index – follows changes made through any other;
* small databases are rebuilt at once; large ones in a background thread while the previous
  index keeps answering, so a change is searchable within a few seconds everywhere.

The SQL clauses in :mod:`directory.search.engine` remain the definition of what a filter
means (exports and the widget run them directly); tests check that both agree.
"""
from __future__ import annotations

import array
import datetime as dt
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from pyroaring import BitMap
from sqlalchemy import String, and_, case, cast, func, select

from directory.core.geo import KM_PER_DEGREE_LAT, GeoPoint, km_per_degree_lon
from directory.extensions import db
from directory.models import (
    WEEKDAYS,
    Location,
    Offer,
    OfferStatus,
    Schedule,
    change_generation,
    offer_challenge,
    offer_language,
    offer_location,
    offer_target_group,
)
from directory.search.dictionary import TermDictionary

NEVER = np.iinfo(np.int64).max  # "no date" for valid_to / expiry: always current
PERIODS = ("morning", "afternoon", "evening")
NOON, FIVE_PM = dt.time(12, 0), dt.time(17, 0)
SYNC_BUILD_SECONDS = 0.3  # rebuilt in the request when the last build took less than this
                          # (SEARCH_INDEX_SYNC_SECONDS in the app's configuration)
TEXT_CACHE_SIZE = 512

def _bits(ids: np.ndarray) -> BitMap:
    """A bitmap of ids from a numpy array (through a 32-bit buffer: much faster than iterating)."""
    return BitMap(array.array("I", ids.astype(np.uint32).tobytes()))


def _ordinal(day: dt.date | None, default: int) -> int:
    return day.toordinal() if day is not None else default


@dataclass
class Evaluation:
    """One search evaluated on the index: the result set, its size, and per facet the sizes
    of its values' intersections with the result set under the *other* filters."""

    matched: BitMap
    counts: dict[str, dict[str, int]]


class SearchIndex:
    def __init__(self, generation: int):
        self.generation = generation
        self.built_at = time.monotonic()
        self.build_seconds = 0.0
        self._per_day: dict[tuple[int, int], tuple[BitMap, dict]] = {}
        self._spans: dict[tuple[int, int], BitMap] = {}
        self._text: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    # --- building -------------------------------------------------------------------------

    @classmethod
    def build(cls, session) -> "SearchIndex":
        started = time.perf_counter()
        conn = session.connection()
        index = cls(change_generation())
        rows = _fetch(conn, select(
            Offer.id, Offer.status == OfferStatus.published.value, Offer.valid_to, Offer.last_confirmed,
        ).order_by(Offer.id))
        ids, published, valid_to, confirmed = zip(*rows) if rows else ((), (), (), ())
        index.ids = np.array(ids, dtype=np.int64)
        index.published = np.array(published, dtype=bool)
        index.valid_to = _ordinals(valid_to)
        index.confirmed = _ordinals(confirmed)
        index.values: dict[str, dict[str, BitMap]] = {
            "category": _grouped(conn, Offer.category_code, Offer.id),
            "free": {"1": _grouped(conn, Offer.is_free, Offer.id).get(_true(conn), BitMap())},
            "language": _grouped(conn, offer_language.c.language_code, offer_language.c.offer_id),
            "target": _grouped(conn, offer_target_group.c.target_group_code, offer_target_group.c.offer_id),
            "challenge": _grouped(conn, offer_challenge.c.challenge_code, offer_challenge.c.offer_id),
            "district": _grouped(conn, Location.district_code, offer_location.c.offer_id,
                                 join=(Location, Location.id == offer_location.c.location_id)),
        }
        places = _fetch(conn,
            select(offer_location.c.offer_id, offer_location.c.location_id, Location.lat, Location.lon)
            .join(Location, Location.id == offer_location.c.location_id)
            .where(Location.lat.is_not(None), Location.lon.is_not(None))
            .order_by(offer_location.c.offer_id, offer_location.c.location_id)
        )
        index.point_offer, index.point_location, index.point_lat, index.point_lon = _columns(
            places, (np.int64, np.int64, np.float64, np.float64))
        slots = _fetch(conn, select(
            Schedule.offer_id, Schedule.weekday, Schedule.date, Schedule.valid_to, Schedule.valid_from,
            *(period_clause(p) for p in PERIODS),
        ))
        index.slot_offer, index.slot_day = _columns([s[:2] for s in slots], (np.int64, np.int64))
        index.slot_date = _ordinals([s[2] for s in slots])  # NEVER: weekly
        index.slot_to = _ordinals([s[3] for s in slots])
        index.slot_from = _ordinals([s[4] for s in slots])
        index.slot_from[index.slot_from == NEVER] = 0  # no start: valid since always
        # a slot is current until the earlier of its one-off date and its end of validity
        index.slot_expiry = np.minimum(index.slot_date, index.slot_to)
        index.slot_period = {p: np.array([bool(s[5 + n]) for s in slots], dtype=bool) for n, p in enumerate(PERIODS)}
        # sort orders as the database sorts (its collation for titles): rank = position
        index.ranks = {
            "default": index._ranks(_fetch(conn, select(Offer.id).order_by(*default_order()))),
            "title": index._ranks(_fetch(conn, select(Offer.id).order_by(Offer.title, Offer.id))),
            "updated": index._ranks(_fetch(conn, select(Offer.id).order_by(Offer.updated_at.desc(), Offer.id.desc()))),
        }
        # the terms that really occur in published offers, for typo corrections
        index.dictionary = TermDictionary.from_documents(
            f"{title or ''} {body or ''}" for title, body in _fetch(conn, select(Offer.title_terms, Offer.text_terms)
                                                                   .where(Offer.status == OfferStatus.published.value)))
        index.build_seconds = time.perf_counter() - started
        return index

    def _ranks(self, ordered_ids) -> np.ndarray:
        order = np.array([r[0] for r in ordered_ids], dtype=np.int64)
        ranks = np.empty(len(self.ids), dtype=np.int64)
        ranks[np.searchsorted(self.ids, order)] = np.arange(len(order))
        return ranks

    # --- what depends on the day ----------------------------------------------------------

    def visible(self, today: dt.date, hide_after_days: int) -> BitMap:
        return self._day(today, hide_after_days)[0]

    def _day(self, today: dt.date, hide_after_days: int) -> tuple[BitMap, dict]:
        key = (today.toordinal(), hide_after_days)
        cached = self._per_day.get(key)
        if cached is None:
            day = today.toordinal()
            mask = self.published & (self.valid_to >= day)
            if hide_after_days:
                mask &= (self.confirmed == NEVER) | (self.confirmed >= day - hide_after_days)
            visible = _bits(self.ids[mask])
            current = self.slot_expiry >= day
            slots: dict[tuple[int | None, str | None], BitMap] = {}
            for weekday in [None, *range(7)]:
                on_day = current if weekday is None else current & (self.slot_day == weekday)
                slots[(weekday, None)] = _bits(self.slot_offer[on_day])
                for period in PERIODS:
                    slots[(weekday, period)] = _bits(self.slot_offer[on_day & self.slot_period[period]])
            cached = self._per_day[key] = (visible, slots)
            if len(self._per_day) > 4:
                self._per_day.pop(next(iter(self._per_day)))
        return cached

    def slots(self, today: dt.date, hide_after_days: int, days: list[str], times: list[str]) -> BitMap:
        """Offers with a current slot on one of the weekdays in one of the periods (any if empty)."""
        slots = self._day(today, hide_after_days)[1]
        keys = [(d, t) for d in ([WEEKDAYS.index(x) for x in days] or [None]) for t in (times or [None])]
        return BitMap.union(*(slots[k] for k in keys)) if len(keys) > 1 else slots[keys[0]]

    def occurring(self, start: dt.date, end: dt.date) -> BitMap:
        """Offers with a slot that takes place on a day from ``start`` to ``end`` (inclusive):
        a one-off date in the span, or a weekly slot on one of its weekdays, valid that day."""
        key = (start.toordinal(), end.toordinal())
        cached = self._spans.get(key)
        if cached is None:
            first, last = key
            weekly = self.slot_date == NEVER
            mask = ~weekly & (self.slot_date >= first) & (self.slot_date <= last)
            for day in range(first, min(last, first + 6) + 1):
                mask |= (weekly & (self.slot_day == dt.date.fromordinal(day).weekday())
                         & (self.slot_from <= day) & (self.slot_to >= day))
            cached = self._spans[key] = _bits(self.slot_offer[mask])
            if len(self._spans) > 64:
                self._spans.pop(next(iter(self._spans)))
        return cached

    # --- distances ------------------------------------------------------------------------

    def nearest_km2(self, point: GeoPoint, among: BitMap | None = None) -> "Scores":
        """Squared distance (km², equirectangular as in SQL) from the point to each offer's
        nearest location, for the offers in ``among`` (all when None)."""
        offers, lat, lon = self.point_offer, self.point_lat, self.point_lon
        if among is not None:
            keep = self._member(among)[offers]
            offers, lat, lon = offers[keep], lat[keep], lon[keep]
        if not len(offers):
            return Scores.empty()
        dy = (lat - point.lat) * KM_PER_DEGREE_LAT
        dx = (lon - point.lon) * km_per_degree_lon(point.lat)
        d2 = dy * dy + dx * dx
        starts = np.flatnonzero(np.r_[True, offers[1:] != offers[:-1]])  # points are sorted by offer
        return Scores(offers[starts], np.minimum.reduceat(d2, starts))

    def points(self, among: BitMap) -> np.ndarray:
        """A mask over the (offer, location) points: those of the offers in ``among``."""
        return self._member(among)[self.point_offer]

    def _member(self, among: BitMap) -> np.ndarray:
        """A lookup table offer id -> in ``among`` (as large as the largest id)."""
        table = np.zeros(int(self.ids[-1]) + 1 if len(self.ids) else 1, dtype=bool)
        table[np.asarray(among.to_array(), dtype=np.int64)] = True
        return table

    def within(self, point: GeoPoint, km: float, among: BitMap | None = None) -> BitMap:
        nearest = self.nearest_km2(point, among)
        return _bits(nearest.ids[nearest.values[:, 0] <= km * km])

    # --- full text (a cache of the database's answers) ------------------------------------

    def text_matches(self, key, compute) -> tuple[BitMap, "Scores"]:
        """The offers matching a text query and their sort keys: ``compute()`` gives rows
        (offer id, key, …), smaller keys first; the database answers once per index and query."""
        with self._lock:
            hit = self._text.get(key)
            if hit is not None:
                self._text.move_to_end(key)
                return hit
        rows = sorted(compute())
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        width = len(rows[0]) - 1 if rows else 1
        keys = np.array([r[1:] for r in rows], dtype=np.float64).reshape(len(rows), width)
        value = (_bits(ids), Scores(ids, keys))
        with self._lock:
            self._text[key] = value
            if len(self._text) > TEXT_CACHE_SIZE:
                self._text.popitem(last=False)
        return value

    # --- sorting --------------------------------------------------------------------------

    def top(self, matched: BitMap, start: int, stop: int, order=("default",)) -> list[int]:
        """The ids at positions [start, stop) of the result set, sorted by ``order``: a list of
        :class:`Scores` (their keys, +inf where an offer has none) and the index's own orders
        "default" (:func:`default_order`), "title" and "updated"; ties by id."""
        if not matched or start >= len(matched):
            return []
        ids = np.asarray(matched.to_array(), dtype=np.int64)
        positions = None
        columns = []
        for key in order:
            if isinstance(key, Scores):
                columns.extend(key.lookup(ids).T)
            else:
                positions = np.searchsorted(self.ids, ids) if positions is None else positions
                columns.append(self.ranks[key][positions])
        if len(columns) == 1 and not isinstance(order[0], Scores) and stop < len(ids):
            ranks = columns[0]  # one rank order: the first `stop` without sorting them all
            part = np.argpartition(ranks, stop - 1)[:stop]
            chosen = part[np.argsort(ranks[part], kind="stable")]
        else:
            chosen = np.lexsort((ids, *reversed(columns)))
        return ids[chosen[start:stop]].tolist()

    # --- evaluating a search ---------------------------------------------------------------

    def evaluate(self, base: BitMap, clauses: dict[str, BitMap], count_facets: dict) -> Evaluation:
        """``clauses``: per selected facet its set of offers; ``count_facets``: per facet
        param a function (bitmap of the results under the other filters) -> counts."""
        matched = BitMap.intersection(base, *clauses.values()) if clauses else base
        counts = {}
        for param, count in count_facets.items():
            others = [s for p, s in clauses.items() if p != param]
            scope = BitMap.intersection(base, *others) if others else base
            counts[param] = count(scope)
        return Evaluation(matched, counts)

    def value_counts(self, param: str, scope: BitMap) -> dict[str, int]:
        return {code: scope.intersection_cardinality(bits) for code, bits in self.values[param].items()}


@dataclass
class Scores:
    """Sort keys per offer id (ids sorted ascending; ``values`` one row per id, one column per
    key, smaller first)."""

    ids: np.ndarray
    values: np.ndarray

    def __post_init__(self) -> None:
        if self.values.ndim == 1:
            self.values = self.values.reshape(-1, 1)

    @classmethod
    def empty(cls, keys: int = 1) -> "Scores":
        return cls(np.empty(0, dtype=np.int64), np.empty((0, keys), dtype=np.float64))

    def lookup(self, ids: np.ndarray) -> np.ndarray:
        """The keys of each id (one row each); +inf for ids without them."""
        out = np.full((len(ids), self.values.shape[1]), np.inf)
        if len(self.ids):
            pos = np.minimum(np.searchsorted(self.ids, ids), len(self.ids) - 1)
            found = self.ids[pos] == ids
            out[found] = self.values[pos[found]]
        return out

    def column(self, n: int) -> "Scores":
        return Scores(self.ids, self.values[:, n:n + 1])


def _grouped(conn, key, offer_id, join=None) -> dict:
    """{key value: bitmap of offer ids}, aggregated by the database into one string per value."""
    ids = cast(offer_id, String)
    agg = func.group_concat(ids, ",") if conn.dialect.name == "sqlite" else func.string_agg(ids, ",")
    stmt = select(key, agg).group_by(key)
    if join is not None:
        stmt = stmt.select_from(offer_id.table).join(*join)
    return {value: _bits(np.array(joined.split(","), dtype=np.int64))
            for value, joined in conn.execute(stmt) if value is not None and joined}


def _fetch(conn, stmt) -> list[tuple]:
    """All rows of a statement through the driver's own cursor: building an index reads a few
    hundred thousand rows, where the ORM's per-row processing would cost seconds."""
    sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


def _true(conn):
    return True if conn.dialect.name != "sqlite" else 1


def _ordinals(days) -> np.ndarray:
    """Dates (date objects or ISO strings; None = no date) as day ordinals; NEVER for None."""
    as_days = np.array([d if d is not None else "NaT" for d in days], dtype="datetime64[D]")
    out = (as_days - np.datetime64("0001-01-01", "D")).astype(np.int64) + 1
    out[np.isnat(as_days)] = NEVER
    return out


def _columns(rows, dtypes) -> tuple[np.ndarray, ...]:
    if not rows:
        return tuple(np.empty(0, dtype=d) for d in dtypes)
    return tuple(np.array(column, dtype=d) for column, d in zip(zip(*rows), dtypes))


# target groups of people who work with newcomers rather than newcomers themselves
PROFESSIONAL_TARGETS = ("employers", "associations")


def for_professionals_only():
    """1 for an offer whose target groups are all professional ones (employers, associations
    and volunteers), else 0: the landing order lists what newcomers can go to first."""
    others = select(offer_target_group.c.offer_id).where(
        offer_target_group.c.target_group_code.not_in(PROFESSIONAL_TARGETS))
    return case((and_(Offer.id.in_(select(offer_target_group.c.offer_id)), Offer.id.not_in(others)), 1), else_=0)


def default_order():
    """The order without words or place: offers for newcomers before those for professionals
    only, then the most recently confirmed, then by title (the definition the SQL sort uses too)."""
    return (for_professionals_only(), Offer.last_confirmed.is_(None), Offer.last_confirmed.desc(), Offer.title,
            Offer.id)


def period_clause(period: str):
    """A schedule slot in the period of the day (the definition the SQL filters use too)."""
    if period == "morning":
        return Schedule.opens_at < NOON
    if period == "afternoon":
        return and_(Schedule.opens_at < FIVE_PM, Schedule.closes_at > NOON)
    return Schedule.closes_at > FIVE_PM


class IndexHolder:
    """The index of one app (one database), rebuilt when the database has changed."""

    def __init__(self):
        self.index: SearchIndex | None = None
        self._building = threading.Lock()

    def get(self, session, app=None) -> SearchIndex:
        generation = change_generation()
        index = self.index
        if index is not None and index.generation == generation:
            return index
        sync_seconds = app.config.get("SEARCH_INDEX_SYNC_SECONDS", SYNC_BUILD_SECONDS) if app else 0
        if index is None or app is None or index.build_seconds < sync_seconds:
            with self._building:
                if self.index is None or self.index.generation != generation:
                    self.index = SearchIndex.build(session)
            return self.index
        if self._building.acquire(blocking=False):  # large: rebuild beside, answer from the old one
            threading.Thread(target=self._rebuild, args=(app,), daemon=True).start()
        return index

    def _rebuild(self, app) -> None:
        try:
            with app.app_context():
                self.index = SearchIndex.build(db.session)
                db.session.remove()
        finally:
            self._building.release()


def for_app(app) -> IndexHolder:
    holder = app.extensions.get("search_index")
    if holder is None:
        holder = app.extensions["search_index"] = IndexHolder()
    return holder
