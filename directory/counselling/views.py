"""Counsellors: describe a client's situation, get ranked offers with reasons, hand over a
referral sheet, and follow the referrals of their organisation.

Role ``counsellor`` (admins too). Individual referrals are visible only to members of the
organisation that made them (and, per offer, to the receiving provider: referral_views.py);
being staff does not widen that. The situation form is a POST and is never stored.
"""
from __future__ import annotations

import datetime as dt

from babel.dates import format_date as babel_format_date
from babel.dates import format_time as babel_format_time
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal, get_translations
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from directory.accounts.permissions import roles_required
from directory.core import maps, paging
from directory.core.geo import app_geocoder
from directory.core.i18n import current_language
from directory.core.params import ParamError, Params
from directory.counselling import candidates as matching_data
from directory.counselling import matching
from directory.counselling import situation as situation_form
from directory.extensions import db
from directory.models import (
    DECLINE_REASONS,
    WEEKDAYS,
    Location,
    Offer,
    Organization,
    Referral,
    ReferralOffer,
)
from directory.models.activity import record_demand as record
from directory.offers import schedules as schedule_text
from directory.offers import vocabulary
from directory.referrals import sheet as referral_sheet
from directory.referrals.status import REASON_LABELS, STATUS_LABELS, apply_status_change

bp = Blueprint("counsellor", __name__, url_prefix="/beratung")

MAX_OFFERS_PER_REFERRAL = 4
RESULTS_SHOWN = 30

CRITERION_LABELS = {
    "needs": _l("Bedarf"),
    "focus": _l("Schwerpunkt"),
    "age": _l("Alter"),
    "language": _l("Sprache"),
    "target": _l("Zielgruppe"),
    "distance": _l("Entfernung"),
    "time": _l("Zeit"),
    "cost": _l("Kosten"),
    "childcare": _l("Kinderbetreuung"),
    "wheelchair": _l("Rollstuhl"),
    "capacity": _l("Freie Plätze"),
}
TIE_BREAK_LABELS = {key: _l(message) for key, message in matching.TIE_BREAK_MESSAGES.items()}


@bp.after_request
def not_cached(response):
    """Situations, results and referrals stay out of shared and browser caches."""
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- words for matching's reasons -------------------------------------------------------------

def labeler(vocab: vocabulary.Vocabulary, locale: str):
    def label(kind: str, value) -> str:
        if kind == "need":
            what, code = value
            terms = vocab.challenges if what == "challenge" else vocab.categories
            return terms[code].label if code in terms else code
        if kind == "language":
            return vocab.languages[value].label if value in vocab.languages else value
        if kind == "target":
            return vocab.target_groups[value].label if value in vocab.target_groups else value
        if kind == "level":
            return str(situation_form.LEVEL_LABELS[value]) if value == "native" else value
        if kind == "km":
            return format_decimal(value, format="0.0")
        if kind == "max":
            return format_decimal(value, format="0.#")
        if kind in ("first", "second"):
            return str(CRITERION_LABELS.get(value, value))
        if kind == "time":
            day, _sep, period = value.partition(":")
            weekday = schedule_text.weekday_name(WEEKDAYS.index(day), locale) if day in WEEKDAYS else day
            return f"{weekday} {situation_form.PERIOD_LABELS.get(period, period)}"
        if kind == "slot":
            day = (babel_format_date(value["date"], "medium", locale=locale) if value["date"]
                   else schedule_text.weekday_name(value["weekday"], locale))
            opens = babel_format_time(value["opens"], "short", locale=locale)
            closes = babel_format_time(value["closes"], "short", locale=locale)
            return f"{day} {opens}–{closes}"
        return str(value)
    return label


def reason_text(item, vocab: vocabulary.Vocabulary, locale: str) -> str:
    translations = get_translations()
    return matching.describe(item, labeler(vocab, locale), translations.gettext,
                             lambda one, many, n: translations.ngettext(one, many, n))


# --- demand counts for the city dashboard -------------------------------------------

def record_demand(situation: matching.ClientSituation, form: situation_form.SituationForm) -> None:
    """Anonymous counts of what counsellors ask for: per day and code, no user, no situation."""

    record("language", sorted({s.code for s in situation.languages}))
    record("target", sorted(situation.target_groups))
    record("challenge", sorted(situation.challenges))
    record("category", sorted(situation.categories))
    if form.district:
        record("district", [form.district])


# --- matching -----------------------------------------------------------------------------------

def _own_organizations() -> list[Organization]:
    return sorted(current_user.organizations, key=lambda o: o.name.casefold())


def _form_page(form, vocab, errors=None, finding=None, situation=None, status=200, **extra):
    locale = current_language()
    return render_template(
        "counselling/match.html",
        form=form, vocab=vocab, errors=errors, finding=finding, situation=situation, **extra,
        text=lambda item: reason_text(item, vocab, locale),
        relax_token=situation_form.change_token, radius_for=situation_form.radius_for,
        criterion_labels=CRITERION_LABELS, tie_labels=TIE_BREAK_LABELS,
        level_labels=situation_form.LEVEL_LABELS, period_labels=situation_form.PERIOD_LABELS,
        radius_choices=situation_form.RADIUS_CHOICES, weekdays=schedule_weekdays(locale),
        client_targets=situation_form.client_target_groups(vocab),
        organizations=_own_organizations(), max_offers=MAX_OFFERS_PER_REFERRAL,
        results_shown=RESULTS_SHOWN,
    ), status


def schedule_weekdays(locale: str) -> list[tuple[str, str]]:

    return [(code, schedule_text.weekday_name(i, locale)) for i, code in enumerate(WEEKDAYS)]


@bp.route("/", methods=["GET", "POST"])
@roles_required("counsellor")
def match():
    vocab = vocabulary.load(current_language())
    if request.method == "GET":
        return _form_page(situation_form.empty_form(), vocab)
    data = situation_form.relax(request.form, vocab) if "relax" in request.form else request.form
    try:
        situation, form = situation_form.parse(data, vocab, app_geocoder())
    except ParamError as exc:
        return _form_page(_echo(data), vocab, errors=exc.errors, status=400)
    finding = matching_data.find(situation)
    record_demand(situation, form)
    db.session.commit()
    return _form_page(form, vocab, finding=finding, situation=situation)


def _echo(data) -> situation_form.SituationForm:
    """The submitted values as they were (for a form with errors)."""
    form = situation_form.SituationForm(
        district=data.get("district", "")[:60], postcode=data.get("postcode", "")[:60],
        point=data.get("point", "")[:60], max_km=data.get("max_km", "")[:10], age=data.get("age", "")[:10],
        only_languages=bool(data.get("only_languages")),
        targets=data.getlist("target")[:60], challenges=data.getlist("challenge")[:60],
        categories=data.getlist("category")[:60], times=data.getlist("time")[:60],
        free=bool(data.get("free")), childcare=bool(data.get("childcare")), wheelchair=bool(data.get("wheelchair")),
    )
    for i in range(situation_form.LANGUAGE_ROWS):
        code = data.get(f"language-{i}", "")[:10]
        if code:
            form.languages.append((code, data.get(f"level-{i}", "native")[:10]))
    return form


# --- creating a referral ----------------------------------------------------------------------

@bp.post("/vermittlungen")
@roles_required("counsellor")
def create_referral():
    vocab = vocabulary.load(current_language())
    errors = []
    params = Params(request.form)
    raw_ids = request.form.getlist("offer")
    if not raw_ids:
        errors.append(_("Bitte mindestens ein Angebot auswählen."))
    elif len(raw_ids) > MAX_OFFERS_PER_REFERRAL:
        errors.append(_("Bitte höchstens %(n)d Angebote auf einen Bogen setzen.", n=MAX_OFFERS_PER_REFERRAL))
    ids = params.ids("offer", _("Ungültige Angebotsnummer."), max_values=MAX_OFFERS_PER_REFERRAL) if not errors else []
    if params.failed("offer"):
        errors.append(params.errors["offer"])
    offers = []
    if ids and not errors:
        found = {o.id: o for o in db.session.scalars(
            select(Offer).where(Offer.id.in_(ids), matching_data.counsellor_clause(dt.date.today())))}
        if len(found) != len(set(ids)):
            errors.append(_("Ein ausgewähltes Angebot ist nicht (mehr) veröffentlicht."))
        offers = [found[i] for i in dict.fromkeys(ids) if i in found]
    language = params.choice("language", vocab.languages, _l("Unbekannte Sprache: %(value)s")) or ""
    if params.failed("language"):
        errors.append(params.errors["language"])
    organizations = _own_organizations()
    organization = None
    if not organizations:
        errors.append(_("Ihr Konto gehört zu keiner Organisation. Bitte wenden Sie sich an die Verwaltung."))
    elif len(organizations) == 1:
        organization = organizations[0]
    else:
        wanted = request.form.get("organization", "")
        organization = next((o for o in organizations if str(o.id) == wanted), None)
        if organization is None:
            errors.append(_("Bitte die Organisation wählen, für die Sie vermitteln."))
    if errors:
        return _referral_errors(vocab, errors, ids, language)
    referral = Referral.create(organization, offers, current_user, language or None)
    db.session.commit()
    flash(_("Vermittlung %(code)s ist angelegt. Drucken Sie den Bogen aus oder laden Sie ihn als PDF.",
            code=referral.code), "success")
    return redirect(url_for("counsellor.sheet", code=referral.code))


def _referral_errors(vocab, errors: list[str], ids: list[int], language: str):
    """Show the same results again with the errors (the form re-sent the situation)."""
    messages = {f"referral-{i}": e for i, e in enumerate(errors)}
    try:
        situation, form = situation_form.parse(request.form, vocab, app_geocoder())
    except ParamError:
        raise ParamError("referral", " ".join(errors)) from None
    return _form_page(form, vocab, finding=matching_data.find(situation), situation=situation, status=400,
                      referral_errors=messages, selected_offers=set(ids), selected_language=language)


# --- the organisation's referrals -------------------------------------------------------------

def own_referral_or_404(code: str) -> Referral:
    if len(code) > 20:
        abort(404)
    referral = db.session.scalar(
        select(Referral)
        .where(Referral.code == code, Referral.organization_id.in_(current_user.organization_ids or {-1}))
        .options(selectinload(Referral.items).selectinload(ReferralOffer.events))
    )
    if referral is None:
        abort(404)
    return referral


@bp.get("/vermittlungen")
@roles_required("counsellor")
def referrals():
    params = Params(request.args)
    status = params.choice("status", STATUS_LABELS, _l("Unbekannter Status: %(value)s")) or ""
    page = paging.read_page(params)
    params.check()
    stmt = (
        select(Referral)
        .where(Referral.organization_id.in_(current_user.organization_ids or {-1}))
        .order_by(Referral.created_at.desc(), Referral.id.desc())
        .options(selectinload(Referral.items).selectinload(ReferralOffer.offer).selectinload(Offer.organization),
                 selectinload(Referral.organization))
    )
    if status:
        stmt = stmt.where(Referral.id.in_(select(ReferralOffer.referral_id).where(ReferralOffer.status == status)))
    page = paging.paginate(stmt, page, 50)
    return render_template("counselling/referrals.html", page=page, status=status,
                           status_labels=STATUS_LABELS, reason_labels=REASON_LABELS)


@bp.get("/vermittlungen/<code>")
@roles_required("counsellor")
def referral(code: str):
    return _referral_page(own_referral_or_404(code))


def _referral_page(referral: Referral, errors=None, status=200):
    return render_template(
        "counselling/referral.html", referral=referral, errors=errors,
        status_labels=STATUS_LABELS, reason_labels=REASON_LABELS, decline_reasons=DECLINE_REASONS,
    ), status


@bp.post("/vermittlungen/<code>/status")
@roles_required("counsellor")
def update_status(code: str):
    referral = own_referral_or_404(code)
    item_id = request.form.get("item", "")
    item = next((i for i in referral.items if str(i.id) == item_id), None)
    if item is None:
        abort(404)
    error = apply_status_change(item, request.form, "counsellor")
    if error:
        db.session.rollback()
        return _referral_page(own_referral_or_404(code), errors={"status": error}, status=400)
    db.session.commit()
    flash(_("Status gespeichert."), "success")
    return redirect(url_for("counsellor.referral", code=code))


# --- the sheet ----------------------------------------------------------------------------------

def _sheet_referral(code: str) -> Referral:
    referral = own_referral_or_404(code)
    # load what the sheet shows in a few IN queries (fills the session's identity map)
    db.session.scalars(select(Offer).where(Offer.id.in_([i.offer_id for i in referral.items])).options(
        selectinload(Offer.locations).selectinload(Location.district),
        selectinload(Offer.schedules), selectinload(Offer.organization))).all()
    return referral


@bp.get("/vermittlungen/<code>/bogen")
@roles_required("counsellor")
def sheet(code: str):

    referral = _sheet_referral(code)
    data = referral_sheet.build(referral)
    maps_html = {}
    heads = []
    for entry in data.offers:
        points = [{"lat": p["lat"], "lon": p["lon"], "title": p["name"], "address": p["address"]}
                  for p in entry.places if p["lat"] is not None]
        if points:
            parts = maps.detail_map(points, maps.map_config(), height="150px", label=_("Karte der Standorte"),
                                    dom_id=f"sheet-map-{entry.offer.id}")
            maps_html[entry.offer.id] = parts
            # the asset tags (Leaflet) once; each map's own <style> block as it is
            for line in parts.head.splitlines():
                is_asset = line.lstrip().startswith(("<link", "<script src"))
                if not (is_asset and line in heads):
                    heads.append(line)
    return render_template("counselling/sheet.html", sheet=data, maps=maps_html, map_head="\n".join(heads))


@bp.get("/vermittlungen/<code>/bogen.pdf")
@roles_required("counsellor")
def sheet_pdf(code: str):
    referral = _sheet_referral(code)
    data = referral_sheet.build(referral)
    try:
        pdf = referral_sheet.render_pdf(data)
    except referral_sheet.PdfUnavailable as exc:
        current_app.logger.error("referral PDF: %s", exc)
        abort(503, _("Das PDF kann gerade nicht erstellt werden (Schrift fehlt). Bitte den Bogen drucken."))
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="vermittlung-{referral.code}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
