"""Which text of an offer a visitor sees: the provider's translation into the interface
language where there is one, the German original otherwise – field by field, each with the
language it is written in, so that templates can mark German text with ``lang="de"``.

Only translations the provider wrote or checked (``source == "provider"``) are shown; a
machine suggestion stays a draft in the provider's form until the provider saves it.
"""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy import select

from directory.core import pictograms
from directory.core.i18n import SOURCE_LANGUAGE, current_language, direction
from directory.extensions import db
from directory.models import Offer, OfferTranslation, TranslationSource
from directory.offers import schedules

FIELDS = ("title", "summary", "description", "plain_summary")


@dataclass(frozen=True)
class Text:
    value: str
    lang: str
    translated: bool = False

    def __bool__(self) -> bool:
        return bool(self.value and self.value.strip())

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class OfferTexts:
    ui_lang: str
    title: Text
    summary: Text
    description: Text
    plain_summary: Text

    @property
    def translated(self) -> bool:
        """Some text is the provider's translation into the interface language."""
        return any(getattr(self, f).translated for f in FIELDS)

    @property
    def german_only(self) -> bool:
        """The interface is not German and no text is translated."""
        return self.ui_lang != SOURCE_LANGUAGE and not self.translated

    def lead(self, simple: bool) -> Text:
        """The short text for lists: the plain-language summary in simple mode (if any)."""
        if simple and self.plain_summary:
            return self.plain_summary
        return self.summary or self.plain_summary


def provider_translation(offer: Offer, lang: str) -> OfferTranslation | None:
    for translation in getattr(offer, "translations", None) or ():
        if translation.language_code == lang and translation.source == TranslationSource.provider.value:
            return translation
    return None


def texts_for(offer: Offer, lang: str) -> OfferTexts:
    translation = provider_translation(offer, lang) if lang != SOURCE_LANGUAGE else None
    values = {}
    for name in FIELDS:
        translated = (getattr(translation, name, "") or "").strip() if translation else ""
        if translated:
            values[name] = Text(getattr(translation, name), lang, True)
        else:
            values[name] = Text(getattr(offer, name) or "", SOURCE_LANGUAGE)
    return OfferTexts(ui_lang=lang, **values)


def lang_attrs(text: Text, ui_lang: str) -> Markup:
    """` lang="de" dir="ltr"` when a text's language differs from the page's, else nothing."""
    if text.lang == ui_lang:
        return Markup("")
    return Markup(' lang="{}" dir="{}"').format(text.lang, direction(text.lang))


def decorate_markers(markers: list[dict], vocab, lang: str) -> None:
    """Map markers in the visitor's language: translated titles, category pictogram and name."""
    titles: dict[int, str] = {}
    if lang != SOURCE_LANGUAGE and markers:
        ids = {m["offer_id"] for m in markers}
        titles = dict(db.session.execute(
            select(OfferTranslation.offer_id, OfferTranslation.title).where(
                OfferTranslation.offer_id.in_(ids),
                OfferTranslation.language_code == lang,
                OfferTranslation.source == TranslationSource.provider.value,
                OfferTranslation.title != "",
            )
        ).all())
    icons: dict[str | None, str] = {}  # one url_for per category, not per marker
    for marker in markers:
        code = marker.get("category_code")
        marker["title"] = titles.get(marker["offer_id"], marker["title"])
        if code not in icons:
            icons[code] = pictograms.url("category", code)
        marker["icon"] = icons[code]
        term = vocab.categories.get(code)
        marker["category"] = term.label if term else ""


def init_app(app) -> None:
    """Template globals: an offer's texts in the visitor's language (provider's translation or
    German), their lang/dir attributes, and pictogram URLs."""
    app.jinja_env.globals.update(
        offer_texts=lambda offer: texts_for(offer, current_language()),
        lang_attrs=lambda text: lang_attrs(text, current_language()),
        pictogram_url=pictograms.url,
        next_date=lambda offer: schedules.next_date(offer.schedules, current_language()),
    )
