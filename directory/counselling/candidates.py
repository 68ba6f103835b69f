"""From the database to :mod:`directory.counselling.matching` and back: candidate offers for a situation.

Two queries, both with everything the matcher needs loaded in a handful of ``IN`` queries
(selectinload), never one query per offer:

Counsellors see what the public sees *and* the offers hidden from the public because nobody
confirmed them for a year (:func:`counsellor_clause`): they are the people who can phone and
check. Such a candidate carries ``unconfirmed_since`` (its last confirmation, or its creation
day) and the result page marks it "unbestätigt seit …".

* **strict**: only what counsellors may see (:func:`counsellor_clause`), narrowed in SQL by
  every hard constraint SQL can decide – needs, free of charge, open places, childcare,
  language, target group, wheelchair, distance (a slightly generous circle) and weekdays.
  Each clause keeps a *superset* of what the matcher keeps (offers with unknown data stay), so
  the ranked list is exactly the same as without the clauses; a test checks that.
* **broad** (only when the strict list is short): those offers that address the needs, so
  that the matcher can say which constraint removed the most candidates and which offers
  would fit if one constraint were relaxed.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, exists, func, not_, or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import ColumnElement

from directory.core.geo import KM_PER_DEGREE_LAT, km_per_degree_lon
from directory.counselling import matching
from directory.extensions import db
from directory.models import (
    Location,
    Offer,
    Schedule,
    offer_challenge,
    offer_language,
    offer_location,
    offer_target_group,
)
from directory.offers.visibility import (
    unconfirmed_since,
    visible_clause,
)

#: below this many matches the broad query runs as well, for near misses and the blocker
FEW_MATCHES = 3
#: the SQL circle is this much larger than the maximum distance (equirectangular vs geodesic)
DISTANCE_MARGIN = 1.02


def _has_rows(table, *conditions) -> ColumnElement[bool]:
    return exists().where(table.c.offer_id == Offer.id, *conditions)


def needs_clause(s: matching.ClientSituation) -> ColumnElement[bool] | None:
    parts = []
    if s.challenges:
        parts.append(_has_rows(offer_challenge, offer_challenge.c.challenge_code.in_(sorted(s.challenges))))
    if s.categories:
        parts.append(Offer.category_code.in_(sorted(s.categories)))
    return or_(*parts) if parts else None


def _usable_location(s: matching.ClientSituation) -> list[ColumnElement[bool]]:
    if s.wheelchair:
        return [or_(Location.wheelchair_accessible.is_(None), Location.wheelchair_accessible.is_(True))]
    return []


def _location_exists(*conditions) -> ColumnElement[bool]:
    return exists(
        select(offer_location.c.location_id)
        .join(Location, Location.id == offer_location.c.location_id)
        .where(offer_location.c.offer_id == Offer.id, *conditions)
    )


def strict_clauses(s: matching.ClientSituation, today: dt.date) -> list[ColumnElement[bool]]:
    """SQL versions of the hard constraints; each keeps every offer the matcher would keep."""
    clauses = [or_(Offer.open_places.is_(None), Offer.open_places > 0)]
    if s.must_be_free:
        clauses.append(Offer.is_free.is_(True))
    if s.childcare:
        clauses.append(or_(Offer.childcare.is_(None), Offer.childcare.is_(True)))
    if s.languages:
        floor = matching.LEVELS.index(matching.MIN_LEVEL)
        understood = sorted({k.code for k in s.languages if k.rank >= floor})
        clauses.append(or_(
            Offer.category_code.in_(sorted(matching.LANGUAGE_NEUTRAL_CATEGORIES)),
            _has_rows(offer_language, offer_language.c.language_code.in_(understood)),
            not_(_has_rows(offer_language)),
        ))
    if s.target_groups:
        groups = sorted(s.target_groups | {matching.GENERIC_TARGET})
        clauses.append(or_(
            _has_rows(offer_target_group, offer_target_group.c.target_group_code.in_(groups)),
            not_(_has_rows(offer_target_group)),
        ))
    if s.wheelchair:
        clauses.append(or_(
            not_(_location_exists()),
            _location_exists(*_usable_location(s)),
        ))
    if s.origin is not None and s.max_km is not None:
        radius = s.max_km * DISTANCE_MARGIN + 0.05
        dy = (Location.lat - s.origin.lat) * KM_PER_DEGREE_LAT
        dx = (Location.lon - s.origin.lon) * km_per_degree_lon(s.origin.lat)
        located = [Location.lat.is_not(None), Location.lon.is_not(None), *_usable_location(s)]
        clauses.append(or_(
            _location_exists(*located, dy * dy + dx * dx <= radius * radius),
            not_(_location_exists(*located)),
        ))
    if s.free_times:
        days = sorted({w.weekday for w in s.free_times})
        clauses.append(or_(
            not_(exists().where(Schedule.offer_id == Offer.id)),
            exists().where(
                Schedule.offer_id == Offer.id,
                Schedule.weekday.in_(days),
                or_(Schedule.date.is_(None), Schedule.date >= today),
                or_(Schedule.valid_to.is_(None), Schedule.valid_to >= today),
            ),
        ))
    return clauses


def counsellor_clause(today: dt.date) -> ColumnElement[bool]:
    """Published and not expired, confirmed or not: what counsellors may refer to."""
    return visible_clause(today, hide_after_days=0)


def _base_clauses(s: matching.ClientSituation, today: dt.date) -> list[ColumnElement[bool]]:
    clauses = [counsellor_clause(today)]
    needs = needs_clause(s)
    if needs is not None:
        clauses.append(needs)
    return clauses


def load_offers(s: matching.ClientSituation, today: dt.date, strict: bool = True) -> list[Offer]:
    clauses = _base_clauses(s, today) + (strict_clauses(s, today) if strict else [])
    stmt = (
        select(Offer)
        .where(and_(*clauses))
        .order_by(Offer.id)
        .options(
            selectinload(Offer.organization),
            selectinload(Offer.challenges),
            selectinload(Offer.target_groups),
            selectinload(Offer.languages),
            selectinload(Offer.locations),
            selectinload(Offer.schedules),
        )
    )
    return list(db.session.scalars(stmt))


def candidate(offer: Offer, today: dt.date | None = None) -> matching.Candidate:
    """The matcher's plain view of an offer."""
    return matching.Candidate(
        id=offer.id,
        title=offer.title,
        category=offer.category_code,
        challenges=frozenset(c.code for c in offer.challenges),
        target_groups=frozenset(t.code for t in offer.target_groups),
        languages=frozenset(lang.code for lang in offer.languages),
        is_free=bool(offer.is_free),
        cost=offer.cost,
        places=tuple(
            matching.Place(loc.lat, loc.lon, loc.name, loc.district_code, loc.wheelchair_accessible, loc.id)
            for loc in offer.locations
        ),
        slots=tuple(
            matching.Slot(s.weekday, s.opens_at, s.closes_at, s.date, s.valid_from, s.valid_to)
            for s in offer.schedules
        ),
        childcare=offer.childcare,
        open_places=offer.open_places,
        organization=offer.organization.name if offer.organization else "",
        unconfirmed_since=unconfirmed_since(offer, today or dt.date.today()),
    )


@dataclass
class Finding:
    """A match result with the offers it is about (id → Offer) for the templates."""

    result: matching.MatchResult
    offers: dict[int, Offer]
    broad: bool  # True: all candidates addressing the needs were evaluated (blocker is exact)
    considered: int  # visible offers that address the needs


def find(s: matching.ClientSituation, today: dt.date | None = None) -> Finding:
    """Rank the offers for a situation; look wider when few fit (near misses, blocker)."""
    today = today or dt.date.today()
    offers = load_offers(s, today, strict=True)
    result = matching.match(s, [candidate(o, today) for o in offers], today)
    broad = False
    if len(result.matches) < FEW_MATCHES:
        offers = load_offers(s, today, strict=False)
        result = matching.match(s, [candidate(o, today) for o in offers], today)
        broad = True
    considered = db.session.scalar(select(func.count(Offer.id)).where(*_base_clauses(s, today))) or 0
    return Finding(result, {o.id: o for o in offers}, broad, considered)
