"""How an offer stands for the people who edit it: its open revision and a status label."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from directory.extensions import db
from directory.models import Offer, OfferRevision, OfferStatus
from directory.models.moderation import OPEN_STATES
from directory.offers import freshness


def offer_state(offer: Offer, revision: OfferRevision | None) -> tuple[str, str]:
    """(css modifier, label) of an offer for its provider."""
    rev = revision.state if revision is not None else None
    if offer.status == OfferStatus.archived.value:
        return "archived", _("Archiviert")
    if offer.is_published:
        label = {
            "pending": _("Veröffentlicht · Änderung in Prüfung"),
            "returned": _("Veröffentlicht · Änderung zurückgegeben"),
            "draft": _("Veröffentlicht · Änderungsentwurf gespeichert"),
        }.get(rev, _("Veröffentlicht"))
        status = freshness.status_of(offer)
        if status == "hidden":
            return "hidden", label + " · " + _("nicht in der Suche: bitte bestätigen")
        return ("returned" if rev == "returned" else "published"), label
    return {
        "pending": ("pending", _("In Prüfung")),
        "returned": ("returned", _("Zurückgegeben")),
    }.get(rev, ("draft", _("Entwurf")))


def open_revisions(offer_ids) -> dict[int, OfferRevision]:
    if not offer_ids:
        return {}
    revisions = db.session.scalars(
        select(OfferRevision).where(OfferRevision.offer_id.in_(offer_ids), OfferRevision.state.in_(OPEN_STATES))
        .order_by(OfferRevision.id)
    )
    return {r.offer_id: r for r in revisions}
