"""Aggregated referral outcomes – the only view of referrals moderators and the city dashboard
get. Nothing here returns a reference code, an organisation that referred, a user
or a date finer than the month: only counts per offer, per status and per decline reason.

Anonymised referrals (after the retention period) are counted like all others.

Functions (all take an optional ``since`` date, referrals created on or after it):

* :func:`outcomes_per_offer` – per offer: referrals and how many reached each status;
  ``share_started`` = (started + completed) / referrals.
* :func:`decline_reasons` – declined / no-capacity answers by reason code.
* :func:`totals` – the same counts over all offers.
* :func:`per_month` – referrals per month (``YYYY-MM``).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, select

from directory.extensions import db
from directory.models import (
    Offer,
    Organization,
    Referral,
    ReferralOffer,
    ReferralStatus,
)

STATUSES = [s.value for s in ReferralStatus]
STARTED = (ReferralStatus.started.value, ReferralStatus.completed.value)


@dataclass
class Outcome:
    offer_id: int | None
    title: str
    organization: str
    referrals: int
    counts: dict[str, int]

    @property
    def started(self) -> int:
        return sum(self.counts.get(s, 0) for s in STARTED)

    @property
    def share_started(self) -> float:
        return self.started / self.referrals if self.referrals else 0.0

    @property
    def open(self) -> int:
        return self.counts.get("sent", 0) + self.counts.get("contacted", 0)


def _since(stmt, since: dt.date | None):
    if since is None:
        return stmt
    return stmt.where(Referral.created_at >= dt.datetime.combine(since, dt.time()))


def _status_columns():
    return [func.sum(case((ReferralOffer.status == s, 1), else_=0)) for s in STATUSES]


def outcomes_per_offer(since: dt.date | None = None, organization_id: int | None = None) -> list[Outcome]:
    """Referral outcomes per offer, most referred first. ``organization_id`` narrows to the
    offers of one provider (for a provider's own overview)."""
    stmt = (
        select(Offer.id, Offer.title, Organization.name, func.count(ReferralOffer.id), *_status_columns())
        .select_from(ReferralOffer)
        .join(Referral, Referral.id == ReferralOffer.referral_id)
        .join(Offer, Offer.id == ReferralOffer.offer_id)
        .join(Organization, Organization.id == Offer.organization_id)
        .group_by(Offer.id, Offer.title, Organization.name)
    )
    if organization_id is not None:
        stmt = stmt.where(Offer.organization_id == organization_id)
    rows = db.session.execute(_since(stmt, since)).all()
    out = [
        Outcome(oid, title, org, n, {s: int(c or 0) for s, c in zip(STATUSES, counts)})
        for oid, title, org, n, *counts in rows
    ]
    out.sort(key=lambda o: (-o.referrals, o.title.casefold(), o.offer_id or 0))
    return out


def decline_reasons(since: dt.date | None = None) -> dict[str, int]:
    """Declined / no-capacity answers per reason code (``""`` = no reason given)."""
    stmt = (
        select(ReferralOffer.reason, func.count(ReferralOffer.id))
        .join(Referral, Referral.id == ReferralOffer.referral_id)
        .where(ReferralOffer.status.in_([ReferralStatus.declined.value, ReferralStatus.no_capacity.value]))
        .group_by(ReferralOffer.reason)
    )
    rows = db.session.execute(_since(stmt, since)).all()
    return dict(sorted(((r or "", int(n)) for r, n in rows), key=lambda p: (-p[1], p[0])))


def totals(since: dt.date | None = None) -> dict:
    """Referrals (sheets), referred offers, and offers per status, over everything."""
    stmt = (
        select(func.count(func.distinct(Referral.id)), func.count(ReferralOffer.id), *_status_columns())
        .select_from(ReferralOffer)
        .join(Referral, Referral.id == ReferralOffer.referral_id)
    )
    sheets, items, *counts = db.session.execute(_since(stmt, since)).one()
    by_status = {s: int(c or 0) for s, c in zip(STATUSES, counts)}
    started = sum(by_status[s] for s in STARTED)
    return {
        "referrals": int(sheets or 0),
        "referred_offers": int(items or 0),
        "by_status": by_status,
        "share_started": started / items if items else 0.0,
    }


def per_month(since: dt.date | None = None) -> dict[str, int]:
    """Referrals (sheets) per calendar month, ``{"2026-11": 12, …}``."""
    year = func.extract("year", Referral.created_at)
    month = func.extract("month", Referral.created_at)
    stmt = _since(select(year, month, func.count(Referral.id)).group_by(year, month), since)
    rows = db.session.execute(stmt).all()
    return dict(sorted((f"{int(y):04d}-{int(m):02d}", int(n)) for y, m, n in rows))
