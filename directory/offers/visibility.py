"""What the public may see: the one rule for search, offer page, API, exports, widget and
matching (and, with the freshness rule switched off, the city dashboard's "published")."""
from __future__ import annotations

import datetime as dt

from flask import current_app, has_app_context
from sqlalchemy import and_, or_, select
from sqlalchemy.sql import ColumnElement

from directory.models import Offer, OfferStatus, offer_location


def visible_clause(today: dt.date, hide_after_days: int | None = None) -> ColumnElement[bool]:
    """Published, not expired and confirmed recently enough: what the public may see.

    Offers not confirmed for ``hide_after_days`` (default: the app's STALE_HIDE_AFTER_DAYS,
    365; 0 switches the rule off) are hidden from search, the offer page and the API."""
    if hide_after_days is None:
        hide_after_days = current_app.config.get("STALE_HIDE_AFTER_DAYS", 365) if has_app_context() else 365
    clauses = [
        Offer.status == OfferStatus.published.value,
        or_(Offer.valid_to.is_(None), Offer.valid_to >= today),
    ]
    if hide_after_days:
        cutoff = today - dt.timedelta(days=hide_after_days)
        clauses.append(or_(Offer.last_confirmed.is_(None), Offer.last_confirmed >= cutoff))
    return and_(*clauses)


def visible_offer_ids(today: dt.date | None = None):
    """SELECT of the ids of every offer the public may see."""
    return select(Offer.id).where(visible_clause(today or dt.date.today()))


def visible_org_ids(today: dt.date | None = None):
    """SELECT of the organisations with at least one visible offer."""
    return select(Offer.organization_id).where(visible_clause(today or dt.date.today()))


def visible_location_ids(today: dt.date | None = None):
    """SELECT of the places where at least one visible offer takes place."""
    return select(offer_location.c.location_id).where(offer_location.c.offer_id.in_(visible_offer_ids(today)))


def hide_after_days() -> int:
    """Days without confirmation after which the public no longer sees an offer (0: never)."""
    return current_app.config.get("STALE_HIDE_AFTER_DAYS", 365) if has_app_context() else 365


def unconfirmed_since(offer: Offer, today: dt.date) -> dt.date | None:
    """The offer's last confirmation (or creation day) when the public no longer sees it."""
    days = hide_after_days()
    if not days:
        return None
    confirmed = offer.last_confirmed
    if confirmed is None or confirmed >= today - dt.timedelta(days=days):
        return None
    return confirmed
