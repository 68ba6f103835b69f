"""Visitors' reports that an offer's information is outdated or wrong ("Stimmt etwas nicht?").

A report needs no account and no personal data; it lands in the moderation list and the offer's
provider gets a mail (the organisation's members, else its own address).
"""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from directory.core.mail import external_url, member_addresses, send_mail
from directory.extensions import db
from directory.models import InfoReport, Offer, User

KIND_LABELS = {
    "outdated": _l("Die Angaben sind veraltet"),
    "time": _l("Zeit oder Tag stimmt nicht"),
    "place": _l("Der Ort stimmt nicht"),
    "contact": _l("Kontakt stimmt nicht"),
    "ended": _l("Das Angebot gibt es nicht mehr"),
    "other": _l("Etwas anderes"),
}


def create(offer: Offer, kind: str, message: str, contact: str) -> InfoReport:
    """Store the report and tell the provider; the caller commits."""
    report = InfoReport(offer=offer, kind=kind, message=message, contact=contact)
    db.session.add(report)
    recipients = member_addresses(offer.organization_id) or (
        [offer.organization.email] if offer.organization.email else [])
    if recipients:
        body = "\n".join([
            "Jemand hat bei Wegweiser angemerkt, dass bei Ihrem Angebot etwas nicht stimmt.",
            "",
            f"Angebot: {offer.title}",
            f"Was: {KIND_LABELS[kind]}",
            f"Hinweis: {message or '–'}",
            "",
            "Bitte prüfen und ändern Sie das Angebot:",
            external_url("provider.edit_offer", offer_id=offer.id),
        ])
        send_mail(recipients, f"Hinweis zu Ihrem Angebot: {offer.title}"[:200], body, kind="info_report")
    return report


def open_reports() -> list[InfoReport]:
    return list(db.session.scalars(
        select(InfoReport).where(InfoReport.resolved_at.is_(None))
        .order_by(InfoReport.created_at.desc(), InfoReport.id.desc())
        .options(selectinload(InfoReport.offer).selectinload(Offer.organization))
    ))


def open_count() -> int:
    return db.session.scalar(select(func.count(InfoReport.id)).where(InfoReport.resolved_at.is_(None))) or 0


def resolve(report: InfoReport, user: User) -> bool:
    """Mark a report as dealt with; False when it already was."""
    if report.resolved_at is not None:
        return False
    report.resolved_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    report.resolved_by = user
    return True
