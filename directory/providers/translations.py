"""Providers translate their offers (/anbieter/angebote/<id>/uebersetzungen).

One form per interface language with the four texts of an offer next to the German original.
Translations are moderated like every other change: staff and members of an approved,
trusted organisation publish at once; anyone else's translation waits in the moderation
queue (``OfferTranslation.pending``) and the public keeps seeing the published text until a
moderator approves it (:func:`approve_pending`, :func:`return_pending`). Every save names
the version it was loaded with: a stale save is a 409 with the differences. Public
translations are marked "vom Anbieter übersetzt" and every save is in the offer's history. With
MACHINE_TRANSLATION configured, "Vorschlag einfügen" pre-fills the empty fields – the provider
reads, corrects and saves; nothing machine-made is published unsaved.
Access: the offer's organisation (and staff) through permissions.get_own_offer_or_404.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import Length

from directory.accounts.permissions import get_own_offer_or_404, roles_required
from directory.core.i18n import INTERFACE_LANGUAGES, SOURCE_LANGUAGE, direction
from directory.core.mail import external_url, send_mail, staff_addresses
from directory.extensions import db
from directory.models import (
    TRANSLATED_FIELDS,
    ChangeRecord,
    Offer,
    OfferTranslation,
    TranslationSource,
    User,
    utcnow,
)
from directory.models.concurrency import (
    VersionConflict,
    claim_transition,
    claim_version,
)
from directory.offers import editing as offer_editing
from directory.offers import machine_translation

bp = Blueprint("provider_translations", __name__, url_prefix="/anbieter/angebote")
EDITORS = ("provider", "moderator")
TARGETS = [code for code in INTERFACE_LANGUAGES if code != SOURCE_LANGUAGE]
LIMITS = {"title": 200, "summary": 500, "description": 10_000, "plain_summary": 2_000}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class TranslationForm(FlaskForm):
    version = HiddenField()
    title = StringField(_l("Titel"), filters=[_strip], validators=[
        Length(max=LIMITS["title"], message=_l("Höchstens %(max)d Zeichen."))])
    summary = TextAreaField(_l("Kurzbeschreibung"), filters=[_strip], validators=[
        Length(max=LIMITS["summary"], message=_l("Höchstens %(max)d Zeichen."))])
    description = TextAreaField(_l("Beschreibung"), filters=[_strip], validators=[
        Length(max=LIMITS["description"], message=_l("Höchstens %(max)d Zeichen."))])
    plain_summary = TextAreaField(_l("In Einfacher Sprache"), filters=[_strip], validators=[
        Length(max=LIMITS["plain_summary"], message=_l("Höchstens %(max)d Zeichen."))])

    def values(self) -> dict[str, str]:
        return {f: (getattr(self, f).data or "") for f in TRANSLATED_FIELDS}


def _language_or_404(lang: str) -> str:
    if lang not in TARGETS:
        abort(404)
    return lang


def _translation(offer: Offer, lang: str) -> OfferTranslation | None:
    return next((t for t in offer.translations if t.language_code == lang), None)


def language_name(code: str) -> str:
    return INTERFACE_LANGUAGES[code][0]


@bp.get("/<int:offer_id>/uebersetzungen")
@roles_required(*EDITORS)
def overview(offer_id: int):
    offer = get_own_offer_or_404(offer_id)
    rows = []
    for code in TARGETS:
        translation = _translation(offer, code)
        filled = [f for f in TRANSLATED_FIELDS if translation and (getattr(translation, f) or "").strip()]
        wanted = [f for f in TRANSLATED_FIELDS if (getattr(offer, f) or "").strip()]
        rows.append({"code": code, "translation": translation, "filled": len(filled), "wanted": len(wanted)})
    return render_template("providers/translations/overview.html", offer=offer, rows=rows,
                           language_name=language_name, text_direction=direction)


@bp.route("/<int:offer_id>/uebersetzungen/<lang>", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit(offer_id: int, lang: str):
    offer = get_own_offer_or_404(offer_id)
    lang = _language_or_404(lang)
    translation = _translation(offer, lang)
    form = TranslationForm(obj=translation) if request.method == "GET" else TranslationForm()
    suggested: list[str] = []
    status = 200
    if request.method == "POST":
        action = request.form.get("action", "save")
        if action == "suggest":
            # pre-fill empty fields (off by default: then there is simply no suggestion)
            originals = {f: getattr(offer, f) or "" for f in TRANSLATED_FIELDS if not (getattr(form, f).data or "")}
            for field, text in machine_translation.suggest(originals, SOURCE_LANGUAGE, lang).items():
                getattr(form, field).data = text[:LIMITS[field]]
                suggested.append(field)
            if suggested:
                flash(_("Maschineller Vorschlag eingefügt. Bitte lesen und verbessern Sie ihn, bevor Sie speichern."), "info")
            else:
                flash(_("Kein maschineller Vorschlag verfügbar."), "info")
        elif action == "save":
            version = form.version.data or "0"
            if not (version.isascii() and version.isdigit() and len(version) < 10):
                abort(400)
            if form.validate():
                values = form.values()
                if not any(values.values()):
                    form.title.errors = list(form.title.errors) + [
                        _("Bitte mindestens ein Feld ausfüllen – oder die Übersetzung löschen.")]
                    status = 400
                else:
                    try:
                        published = _save(offer, lang, translation, values, int(version))
                        db.session.commit()
                    except VersionConflict:
                        db.session.rollback()
                        return _render_conflict(offer, lang, form, values)
                    if published:
                        flash(_("Die Übersetzung (%(language)s) ist gespeichert und öffentlich sichtbar.",
                                language=language_name(lang)), "success")
                    else:
                        flash(_("Die Übersetzung (%(language)s) ist zur Prüfung eingereicht. Öffentlich sichtbar "
                                "bleibt bis zur Freigabe der bisherige Stand.", language=language_name(lang)), "success")
                    return redirect(url_for(".overview", offer_id=offer.id))
            else:
                status = 400
        else:
            abort(400)
    elif translation is not None:
        form.version.data = str(translation.version)
        for field, text in (translation.pending or {}).items():  # the provider's own proposal
            if field in TRANSLATED_FIELDS:
                getattr(form, field).data = text
    else:
        form.version.data = "0"
    return _render(offer, lang, form, translation, suggested=suggested), status


def _render(offer: Offer, lang: str, form: TranslationForm, translation, suggested=(), conflict=None,
            conflict_by=None):
    return render_template(
        "providers/translations/edit.html", offer=offer, form=form, lang=lang, lang_dir=direction(lang),
        language_name=language_name(lang), translation=translation, suggested=list(suggested),
        machine=machine_translation.enabled(), limits=LIMITS, conflict=conflict, conflict_by=conflict_by,
        direct=offer_editing.publishes_directly(current_user, offer.organization),
    )


def _render_conflict(offer: Offer, lang: str, form: TranslationForm, values: dict[str, str]):
    """409: someone saved this translation since the form was loaded; show what differs."""
    db.session.expire(offer, ["translations"])
    translation = _translation(offer, lang)
    current = _shown(translation)
    form.version.data = str(translation.version if translation else 0)
    form.version.raw_data = [form.version.data]
    labels = {f: str(getattr(form, f).label.text) for f in TRANSLATED_FIELDS}
    conflict = [(labels[f], old or "–", new or "–")
                for f, (old, new) in offer_editing.changed_fields(current, values).items()]
    last = db.session.scalar(select(ChangeRecord).where(ChangeRecord.offer_id == offer.id)
                             .order_by(ChangeRecord.id.desc()).limit(1))
    return _render(offer, lang, form, translation, conflict=conflict, conflict_by=last), 409


def _shown(translation: OfferTranslation | None) -> dict[str, str]:
    """What the editor shows of a translation: the open proposal, else the published text."""
    if translation is None:
        return {f: "" for f in TRANSLATED_FIELDS}
    pending = translation.pending or {}
    return {f: pending.get(f, getattr(translation, f) or "") if translation.pending else (getattr(translation, f) or "")
            for f in TRANSLATED_FIELDS}


def _save(offer: Offer, lang: str, translation: OfferTranslation | None, values: dict[str, str],
          expected_version: int) -> bool:
    """Save (trusted: publish; else: propose) a translation. True if it is public now.
    VersionConflict when the translation was saved since the form was loaded."""
    direct = offer_editing.publishes_directly(current_user, offer.organization)
    if translation is None:
        if expected_version != 0:
            raise VersionConflict(0)  # it was deleted meanwhile
        translation = OfferTranslation(language_code=lang, version=1, source=TranslationSource.provider.value)
        try:
            with db.session.begin_nested():  # two first saves at once: the second is a conflict
                offer.translations.append(translation)
                db.session.flush()
        except IntegrityError:
            raise VersionConflict(1) from None
        before = {}
    else:
        claim_version(translation, expected_version)
        before = _shown(translation)
    changes = {f"{f}[{lang}]": [before.get(f, ""), v] for f, v in values.items() if before.get(f, "") != v}
    if direct:
        for field, value in values.items():
            setattr(translation, field, value)
        translation.source = TranslationSource.provider.value
        translation.pending = translation.pending_by = translation.pending_at = None
        translation.updated_by = current_user.id
        translation.updated_at = utcnow()
        offer_editing.record("translated", user=current_user, offer=offer, changes=changes)
        return True
    translation.pending = dict(values)
    translation.pending_by = current_user.id
    translation.pending_at = utcnow()
    offer_editing.record("translation_proposed", user=current_user, offer=offer, changes=changes)
    send_mail(staff_addresses(), _("Wegweiser: Übersetzung zur Prüfung – %(title)s", title=offer.title), _(
        "Die Übersetzung (%(language)s) von „%(title)s“ (%(org)s) wartet auf Prüfung:\n%(url)s\n",
        language=language_name(lang), title=offer.title, org=offer.organization.name,
        url=external_url("moderation.review_translation", translation_id=translation.id)), kind="submitted")
    return False


# --- moderation of proposed translations (views in moderation/views.py) ---------------------------

class TranslationDecided(ValueError):
    """The proposal was already approved or sent back (by someone else, a moment ago)."""


def pending_translations() -> list[OfferTranslation]:
    return list(db.session.scalars(
        select(OfferTranslation).where(OfferTranslation.pending_at.is_not(None))
        .order_by(OfferTranslation.pending_at, OfferTranslation.id)
    ))


def _decide(translation: OfferTranslation, expected_version: int) -> dict[str, str]:
    """Take the open proposal – once: of two moderators deciding at once, the second gets
    TranslationDecided. Returns the proposed texts."""
    proposal = translation.pending
    if not proposal or not claim_transition(
            translation, {"version": expected_version}, {"pending": None, "pending_at": None}, bump_version=True):
        raise TranslationDecided(_("Diese Übersetzung wurde inzwischen geändert oder schon bearbeitet."))
    return proposal


def approve_pending(translation: OfferTranslation, moderator: User, expected_version: int) -> None:
    proposal = _decide(translation, expected_version)
    offer, lang = translation.offer, translation.language_code
    before = {f: getattr(translation, f) or "" for f in TRANSLATED_FIELDS}
    for field in TRANSLATED_FIELDS:
        setattr(translation, field, proposal.get(field, ""))
    translation.source = TranslationSource.provider.value
    translation.updated_by = translation.pending_by
    translation.updated_at = utcnow()
    changes = {f"{f}[{lang}]": [before[f], proposal.get(f, "")] for f in TRANSLATED_FIELDS
               if before[f] != proposal.get(f, "")}
    offer_editing.record("translation_approved", user=moderator, offer=offer, changes=changes)
    _notify_author(translation, _("Wegweiser: Übersetzung von „%(title)s“ ist veröffentlicht", title=offer.title), _(
        "Guten Tag,\n\ndie Übersetzung (%(language)s) von „%(title)s“ wurde geprüft und ist jetzt öffentlich:\n%(url)s\n",
        language=language_name(lang), title=offer.title,
        url=external_url("public.offer_detail", offer_id=offer.id)))
    translation.pending_by = None


def return_pending(translation: OfferTranslation, moderator: User, expected_version: int, reason: str) -> None:
    reason = (reason or "").strip()
    _decide(translation, expected_version)
    offer, lang = translation.offer, translation.language_code
    offer_editing.record("translation_returned", user=moderator, offer=offer, note=reason)
    _notify_author(translation, _("Wegweiser: Übersetzung von „%(title)s“ braucht noch Änderungen", title=offer.title), _(
        "Guten Tag,\n\ndie Übersetzung (%(language)s) von „%(title)s“ wurde nicht veröffentlicht. Begründung:\n\n"
        "%(reason)s\n\nZur Übersetzung: %(url)s\n", language=language_name(lang), title=offer.title, reason=reason,
        url=external_url("provider_translations.edit", offer_id=offer.id, lang=lang)))
    translation.pending_by = None
    if translation.is_empty:  # a first translation that was never published
        offer.translations.remove(translation)


def _notify_author(translation: OfferTranslation, subject: str, body: str) -> None:
    author = db.session.get(User, translation.pending_by) if translation.pending_by else None
    if author is not None and author.active:
        send_mail(author.email, subject, body, kind="moderation_result")


@bp.post("/<int:offer_id>/uebersetzungen/<lang>/loeschen")
@roles_required(*EDITORS)
def delete(offer_id: int, lang: str):
    offer = get_own_offer_or_404(offer_id)
    lang = _language_or_404(lang)
    translation = _translation(offer, lang)
    if translation is not None:
        offer.translations.remove(translation)
        offer_editing.record("translation_deleted", user=current_user, offer=offer,
                             changes={f"{f}[{lang}]": [getattr(translation, f), ""] for f in TRANSLATED_FIELDS
                                      if getattr(translation, f)})
        db.session.commit()
        flash(_("Die Übersetzung (%(language)s) ist gelöscht.", language=language_name(lang)), "success")
    return redirect(url_for(".overview", offer_id=offer.id))
