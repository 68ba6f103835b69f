"""Providers translate their offers (/anbieter/angebote/<id>/uebersetzungen).

One form per interface language with the four texts of an offer next to the German original.
A saved translation is public at once (the German offer went through moderation; translations
are marked "vom Anbieter übersetzt" and every save is in the offer's history). With
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
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from directory.accounts.permissions import get_own_offer_or_404, roles_required
from directory.core.i18n import INTERFACE_LANGUAGES, SOURCE_LANGUAGE, direction
from directory.extensions import db
from directory.models import (
    TRANSLATED_FIELDS,
    Offer,
    OfferTranslation,
    TranslationSource,
    utcnow,
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
            if form.validate():
                values = form.values()
                if not any(values.values()):
                    form.title.errors = list(form.title.errors) + [
                        _("Bitte mindestens ein Feld ausfüllen – oder die Übersetzung löschen.")]
                    status = 400
                else:
                    _save(offer, lang, translation, values)
                    db.session.commit()
                    flash(_("Die Übersetzung (%(language)s) ist gespeichert und öffentlich sichtbar.",
                            language=language_name(lang)), "success")
                    return redirect(url_for(".overview", offer_id=offer.id))
            else:
                status = 400
        else:
            abort(400)
    return render_template(
        "providers/translations/edit.html", offer=offer, form=form, lang=lang, lang_dir=direction(lang),
        language_name=language_name(lang), translation=translation, suggested=suggested,
        machine=machine_translation.enabled(), limits=LIMITS,
    ), status


def _save(offer: Offer, lang: str, translation: OfferTranslation | None, values: dict[str, str]) -> None:
    before = {f: getattr(translation, f) for f in TRANSLATED_FIELDS} if translation else {}
    if translation is None:
        translation = OfferTranslation(language_code=lang)
        offer.translations.append(translation)
    for field, value in values.items():
        setattr(translation, field, value)
    translation.source = TranslationSource.provider.value
    translation.updated_by = current_user.id
    translation.updated_at = utcnow()
    changes = {f"{f}[{lang}]": [before.get(f, ""), v] for f, v in values.items() if before.get(f, "") != v}
    offer_editing.record("translated", user=current_user, offer=offer, changes=changes)


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
