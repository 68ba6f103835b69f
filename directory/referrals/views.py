"""Closing the loop: providers answer the referrals to their offers; moderators see outcomes.

* Providers (role ``provider``, admins too) see the referred offers of *their* organisations
  by reference code – no client data, not even the other offers on the same sheet – mark them
  contacted / started / completed / declined / no capacity, and report open places (0 = the
  offer shows "currently full" publicly and is no longer suggested by the matcher).
* Moderators (role ``moderator``) see only aggregated outcomes (:mod:`referral_stats`).
  Individual referrals stay with the referring organisation and the receiving provider.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from directory.accounts.permissions import get_own_offer_or_404, roles_required
from directory.core import paging
from directory.core.params import Params
from directory.extensions import db
from directory.models import Offer, Referral, ReferralOffer
from directory.referrals import stats as referral_stats
from directory.referrals.status import REASON_LABELS, STATUS_LABELS, apply_status_change

bp = Blueprint("referrals", __name__)

MAX_OPEN_PLACES = 9999


@bp.after_request
def not_cached(response):
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _own_items_query():
    return (
        select(ReferralOffer)
        .join(Offer, Offer.id == ReferralOffer.offer_id)
        .join(Referral, Referral.id == ReferralOffer.referral_id)
        .where(Offer.organization_id.in_(current_user.organization_ids or {-1}),
               Referral.anonymised_at.is_(None))
    )


def own_item_or_404(item_id: int) -> ReferralOffer:
    item = db.session.scalar(_own_items_query().where(ReferralOffer.id == item_id))
    if item is None:
        abort(404)
    return item


def _inbox(errors=None, status=200):
    code = request.args.get("code", "").strip().upper()[:20]
    wanted = request.args.get("status", "")
    stmt = _own_items_query().options(
        selectinload(ReferralOffer.offer), selectinload(ReferralOffer.events),
        selectinload(ReferralOffer.referral).selectinload(Referral.organization),
    ).order_by(Referral.created_at.desc(), ReferralOffer.id.desc())
    if code:
        stmt = stmt.where(Referral.code == code)
    if wanted in STATUS_LABELS:
        stmt = stmt.where(ReferralOffer.status == wanted)
    params = Params(request.args)
    page = paging.paginate(stmt, paging.read_page(params), 50)
    params.check()
    offers = list(db.session.scalars(
        select(Offer).where(Offer.organization_id.in_(current_user.organization_ids or {-1}))
        .order_by(Offer.title)))
    return render_template("referrals/inbox.html", page=page, code=code, status=wanted, offers=offers,
                           errors=errors, status_labels=STATUS_LABELS, reason_labels=REASON_LABELS), status


@bp.get("/anbieter/vermittlungen")
@roles_required("provider")
def inbox():
    return _inbox()


@bp.post("/anbieter/vermittlungen/<int:item_id>/status")
@roles_required("provider")
def update_item(item_id: int):
    item = own_item_or_404(item_id)
    error = apply_status_change(item, request.form, "provider")
    if error:
        db.session.rollback()
        return _inbox(errors={"status": error}, status=400)
    if request.form.get("mark_full") and item.status == "no_capacity":
        item.offer.open_places = 0
    db.session.commit()
    flash(_("Status für %(code)s gespeichert.", code=item.referral.code), "success")
    return redirect(url_for("referrals.inbox"))


@bp.post("/anbieter/vermittlungen/plaetze/<int:offer_id>")
@roles_required("provider")
def open_places(offer_id: int):
    offer = get_own_offer_or_404(offer_id)
    raw = request.form.get("open_places", "").strip()
    if request.form.get("full"):
        raw = "0"
    if raw == "":
        offer.open_places = None
    elif raw.isascii() and raw.isdigit() and len(raw) <= len(str(MAX_OPEN_PLACES)) and int(raw) <= MAX_OPEN_PLACES:
        offer.open_places = int(raw)
    else:
        return _inbox(errors={"open_places": _(
            "Freie Plätze: bitte eine ganze Zahl von 0 bis %(max)d angeben oder leer lassen.",
            max=MAX_OPEN_PLACES)}, status=400)
    db.session.commit()
    if offer.open_places == 0:
        flash(_("„%(title)s“ ist jetzt als ausgebucht gemeldet.", title=offer.title), "success")
    else:
        flash(_("Freie Plätze für „%(title)s“ gespeichert.", title=offer.title), "success")
    return redirect(url_for("referrals.inbox"))


@bp.get("/statistik/vermittlungen")
@roles_required("moderator")
def outcomes():
    return render_template(
        "referrals/outcomes.html",
        outcomes=referral_stats.outcomes_per_offer(),
        reasons=referral_stats.decline_reasons(),
        totals=referral_stats.totals(),
        months=referral_stats.per_month(),
        status_labels=STATUS_LABELS, reason_labels=REASON_LABELS,
    )

