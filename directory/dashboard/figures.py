"""The city dashboard's numbers ("Sichtung und Evaluation" of existing offers).

Every function is one or two GROUP BY queries on what the public can see (published, not
expired offers) plus the anonymous demand counters; no Flask request objects here, so the
numbers can be tested against plain queries on the demo data.

* :func:`coverage` – challenges × districts: published and fresh (confirmed within
  STALE_AFTER_DAYS) offers per cell, optionally only offers in a language / for a target group.
* :func:`per_category` – published and fresh offers per kind of offer.
* :func:`stale_offers` – published offers never confirmed or not confirmed for too long.
* :func:`languages` – languages offered (published offers) versus asked for in counsellors'
  searches (sum of :class:`~directory.models.activity.SearchDemand` over a period).
* :func:`referral_outcomes` – per offer, how its referrals ended.
* :func:`district_counts` – offers per district for one challenge (the choropleth map).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, case, distinct, func, or_, select
from sqlalchemy.sql import ColumnElement

from directory.extensions import db
from directory.models import (
    Location,
    Offer,
    Organization,
    Referral,
    ReferralOffer,
    ReferralStatus,
    SearchDemand,
    offer_challenge,
    offer_language,
    offer_location,
    offer_target_group,
)
from directory.offers.visibility import visible_clause


@dataclass(frozen=True)
class Filters:
    language: str | None = None
    target: str | None = None
    today: dt.date = field(default_factory=dt.date.today)
    stale_days: int = 183

    @property
    def fresh_since(self) -> dt.date:
        return self.today - dt.timedelta(days=self.stale_days)


@dataclass
class Cell:
    published: int = 0
    fresh: int = 0


def is_fresh(filters: Filters) -> ColumnElement[bool]:
    return and_(Offer.last_confirmed.is_not(None), Offer.last_confirmed >= filters.fresh_since)


def published_clause(today: dt.date) -> ColumnElement[bool]:
    """Published and not expired – including offers that the public no longer sees because
    nobody confirmed them for a year (STALE_HIDE_AFTER_DAYS): staff must see those most."""
    return visible_clause(today, hide_after_days=0)


def offer_clauses(filters: Filters) -> list[ColumnElement[bool]]:
    clauses = [published_clause(filters.today)]
    if filters.language:
        clauses.append(Offer.id.in_(select(offer_language.c.offer_id)
                                    .where(offer_language.c.language_code == filters.language)))
    if filters.target:
        clauses.append(Offer.id.in_(select(offer_target_group.c.offer_id)
                                    .where(offer_target_group.c.target_group_code == filters.target)))
    return clauses


def coverage(filters: Filters) -> dict[tuple[str, str], Cell]:
    """(challenge code, district code) → Cell; cells without any offer are absent."""
    fresh_id = case((is_fresh(filters), Offer.id))
    rows = db.session.execute(
        select(offer_challenge.c.challenge_code, Location.district_code,
               func.count(distinct(Offer.id)), func.count(distinct(fresh_id)))
        .select_from(Offer)
        .join(offer_challenge, offer_challenge.c.offer_id == Offer.id)
        .join(offer_location, offer_location.c.offer_id == Offer.id)
        .join(Location, Location.id == offer_location.c.location_id)
        .where(*offer_clauses(filters), Location.district_code.is_not(None))
        .group_by(offer_challenge.c.challenge_code, Location.district_code)
    )
    return {(ch, d): Cell(n, f) for ch, d, n, f in rows}


def coverage_totals(filters: Filters) -> dict[str, Cell]:
    """challenge → offers in any district (an offer held in two districts counts once)."""
    fresh_id = case((is_fresh(filters), Offer.id))
    rows = db.session.execute(
        select(offer_challenge.c.challenge_code, func.count(distinct(Offer.id)), func.count(distinct(fresh_id)))
        .select_from(Offer)
        .join(offer_challenge, offer_challenge.c.offer_id == Offer.id)
        .where(*offer_clauses(filters))
        .group_by(offer_challenge.c.challenge_code)
    )
    return {ch: Cell(n, f) for ch, n, f in rows}


def district_counts(challenge: str, filters: Filters) -> dict[str, Cell]:
    return {d: cell for (ch, d), cell in coverage(filters).items() if ch == challenge}


def per_category(filters: Filters) -> dict[str, Cell]:
    fresh_id = case((is_fresh(filters), Offer.id))
    rows = db.session.execute(
        select(Offer.category_code, func.count(distinct(Offer.id)), func.count(distinct(fresh_id)))
        .where(*offer_clauses(filters))
        .group_by(Offer.category_code)
    )
    return {code: Cell(n, f) for code, n, f in rows}


@dataclass
class StaleOffer:
    id: int
    title: str
    organization: str
    last_confirmed: dt.date | None
    days: int | None  # days since the last confirmation; None = never confirmed


def stale_offers(filters: Filters, limit: int = 500) -> list[StaleOffer]:
    rows = db.session.execute(
        select(Offer.id, Offer.title, Organization.name, Offer.last_confirmed)
        .join(Organization, Organization.id == Offer.organization_id)
        .where(*offer_clauses(filters),
               or_(Offer.last_confirmed.is_(None), Offer.last_confirmed < filters.fresh_since))
        .order_by(Offer.last_confirmed.is_not(None), Offer.last_confirmed, Offer.id)
        .limit(limit)
    )
    return [StaleOffer(i, t, o, c, (filters.today - c).days if c else None) for i, t, o, c in rows]


@dataclass
class LanguageRow:
    code: str
    offered: int   # published offers in this language
    asked: int     # times counsellors asked for it in the period


def languages(filters: Filters, since: dt.date) -> dict[str, LanguageRow]:
    offered = dict(db.session.execute(
        select(offer_language.c.language_code, func.count(distinct(Offer.id)))
        .join(Offer, Offer.id == offer_language.c.offer_id)
        .where(*offer_clauses(Filters(target=filters.target, today=filters.today, stale_days=filters.stale_days)))
        .group_by(offer_language.c.language_code)
    ).all())
    asked = dict(db.session.execute(
        select(SearchDemand.code, func.sum(SearchDemand.count))
        .where(SearchDemand.kind == "language", SearchDemand.day >= since, SearchDemand.day <= filters.today)
        .group_by(SearchDemand.code)
    ).all())
    codes = set(offered) | set(asked)
    return {c: LanguageRow(c, int(offered.get(c, 0)), int(asked.get(c, 0) or 0)) for c in codes}


def demand(kind: str, since: dt.date, today: dt.date) -> dict[str, int]:
    return {code: int(n) for code, n in db.session.execute(
        select(SearchDemand.code, func.sum(SearchDemand.count))
        .where(SearchDemand.kind == kind, SearchDemand.day >= since, SearchDemand.day <= today)
        .group_by(SearchDemand.code)
    )}


@dataclass
class OutcomeRow:
    offer_id: int
    title: str
    organization: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def referral_outcomes(since: dt.date | None = None) -> tuple[list[str], list[OutcomeRow]]:
    """Statuses and, per offer with referrals, how many are in each status.

    """
    statuses = [s.value for s in ReferralStatus]
    stmt = (
        select(ReferralOffer.offer_id, Offer.title, Organization.name, ReferralOffer.status,
               func.count(ReferralOffer.id))
        .join(Offer, Offer.id == ReferralOffer.offer_id)
        .join(Organization, Organization.id == Offer.organization_id)
        .group_by(ReferralOffer.offer_id, Offer.title, Organization.name, ReferralOffer.status)
    )
    if since is not None:
        stmt = stmt.join(Referral, Referral.id == ReferralOffer.referral_id).where(
            Referral.created_at >= dt.datetime.combine(since, dt.time()))
    rows: dict[int, OutcomeRow] = {}
    for offer_id, title, org, status, n in db.session.execute(stmt):
        row = rows.setdefault(offer_id, OutcomeRow(offer_id, title, org, {s: 0 for s in statuses}))
        row.counts[status] = row.counts.get(status, 0) + n
    ordered = sorted(rows.values(), key=lambda r: (-r.total, r.title, r.offer_id))
    return statuses, ordered
