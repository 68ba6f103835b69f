"""Freshness: reminders to confirm offers, and offers hidden because nobody confirmed them.

Periods (settings, in days):

* ``CONFIRM_REMIND_AFTER_DAYS`` (152): a published offer not confirmed for that long gets a
  reminder mail to its organisation's members (or the organisation's address), with a signed,
  expiring one-click confirmation link per offer; at most once per
  ``CONFIRM_REMIND_INTERVAL_DAYS`` (30) per offer.
* ``STALE_AFTER_DAYS`` (183): search and offer page show "not confirmed since …".
* ``STALE_HIDE_AFTER_DAYS`` (365): hidden from public search, offer page and API
  (:func:`directory.offers.visibility.visible_clause`) and listed for moderators; the organisation is told
  once (per confirmation date) and the history records it.

:func:`run` is what ``flask confirm-reminders`` (cron) does; running it twice on the same day
sends nothing the second time.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from directory.core import tokens
from directory.core.mail import external_url, member_addresses, send_mail
from directory.extensions import db
from directory.models import ConfirmReminder, Offer, OfferStatus, utcnow
from directory.offers.editing import record


def hide_cutoff(today: dt.date) -> dt.date | None:
    days = current_app.config.get("STALE_HIDE_AFTER_DAYS", 365)
    return today - dt.timedelta(days=days) if days else None


def hidden_offers(today: dt.date | None = None):
    """Published offers hidden because they were not confirmed for too long (a select)."""
    today = today or dt.date.today()
    cutoff = hide_cutoff(today)
    stmt = (select(Offer).where(Offer.status == OfferStatus.published.value)
            .options(selectinload(Offer.organization)).order_by(Offer.last_confirmed, Offer.id))
    if cutoff is None:
        return stmt.where(False)
    return stmt.where(Offer.last_confirmed < cutoff)


def confirm_link(offer: Offer) -> str:
    return external_url("account.confirm_offer", token=tokens.make(tokens.CONFIRM, {"o": offer.id}))


@dataclass
class RunReport:
    reminded_offers: int = 0
    hidden_offers: int = 0
    mails: int = 0
    without_recipient: list[int] = field(default_factory=list)


def _recipients(offer: Offer) -> list[str]:
    return member_addresses(offer.organization_id) or ([offer.organization.email] if offer.organization.email else [])


def _due(kind: str, cutoff: dt.date, since: dt.datetime | None):
    """Published offers confirmed before ``cutoff`` without a ``kind`` notice (since ``since``
    or, for the hidden notice, for the same confirmation date)."""
    sent = select(ConfirmReminder.id).where(ConfirmReminder.offer_id == Offer.id, ConfirmReminder.kind == kind)
    if since is not None:
        sent = sent.where(ConfirmReminder.sent_at >= since)
    else:
        sent = sent.where(ConfirmReminder.last_confirmed == Offer.last_confirmed)
    return (
        select(Offer)
        .where(Offer.status == OfferStatus.published.value, Offer.last_confirmed.is_not(None),
               Offer.last_confirmed < cutoff, ~exists(sent))
        .options(selectinload(Offer.organization))
        .order_by(Offer.organization_id, Offer.id)
    )


def run(today: dt.date | None = None, now: dt.datetime | None = None) -> RunReport:
    """Send due reminders and hidden notices; the caller commits."""
    cfg = current_app.config
    today = today or dt.date.today()
    now = now or utcnow()
    report = RunReport()
    by_recipient: dict[str, list[tuple[str, Offer]]] = defaultdict(list)
    notices: list[tuple[str, Offer, list[str]]] = []

    cutoff = hide_cutoff(today)
    if cutoff is not None:
        for offer in db.session.scalars(_due("hidden", cutoff, None)):
            notices.append(("hidden", offer, _recipients(offer)))
    remind_cutoff = today - dt.timedelta(days=cfg["CONFIRM_REMIND_AFTER_DAYS"])
    since = now - dt.timedelta(days=cfg["CONFIRM_REMIND_INTERVAL_DAYS"])
    hidden_ids = {o.id for _, o, _ in notices}
    for offer in db.session.scalars(_due("reminder", remind_cutoff, since)):
        if offer.id not in hidden_ids:
            notices.append(("reminder", offer, _recipients(offer)))

    for kind, offer, recipients in notices:
        if not recipients:
            report.without_recipient.append(offer.id)
        for address in recipients:
            by_recipient[address].append((kind, offer))
        db.session.add(ConfirmReminder(offer_id=offer.id, kind=kind, last_confirmed=offer.last_confirmed,
                                       sent_at=now, recipients=", ".join(recipients)))
        if kind == "hidden":
            report.hidden_offers += 1
            record("hidden_stale", user=None, offer=offer,
                   note=str(_l("Nicht bestätigt seit %(date)s", date=offer.last_confirmed.isoformat())))
        else:
            report.reminded_offers += 1

    for address, items in by_recipient.items():
        send_mail(address, str(_l("Wegweiser: Sind Ihre Angebote noch aktuell?")), _body(items), kind="reminder")
        report.mails += 1
    return report


def _body(items: list[tuple[str, Offer]]) -> str:
    lines = [str(_l("Guten Tag,")), "",
             str(_l("bitte bestätigen Sie mit einem Klick, dass diese Angebote im Wegweiser noch stimmen. "
                    "Wenn sich etwas geändert hat, ändern Sie das Angebot bitte unter %(url)s.",
                    url=external_url("provider.dashboard"))), ""]
    for kind, offer in items:
        lines.append(f"• {offer.title} ({offer.organization.name})")
        if kind == "hidden":
            lines.append("  " + str(_l("Dieses Angebot ist zurzeit NICHT in der Suche sichtbar, weil es seit %(date)s nicht bestätigt wurde.",
                                       date=offer.last_confirmed.isoformat())))
        lines.append("  " + str(_l("Noch aktuell: %(url)s", url=confirm_link(offer))))
        lines.append("")
    lines.append(str(_l("Die Links gelten %(days)d Tage.", days=current_app.config["CONFIRM_LINK_MAX_AGE_DAYS"])))
    return "\n".join(lines)


def status_of(offer: Offer, today: dt.date | None = None) -> str:
    """fresh | stale (note shown) | hidden (out of search) for a published offer."""
    today = today or dt.date.today()
    if offer.last_confirmed is None:
        return "fresh"
    cutoff = hide_cutoff(today)
    if cutoff is not None and offer.last_confirmed < cutoff:
        return "hidden"
    if offer.last_confirmed < today - dt.timedelta(days=current_app.config["STALE_AFTER_DAYS"]):
        return "stale"
    return "fresh"


__all__ = ["run", "hidden_offers", "status_of", "confirm_link", "RunReport"]
