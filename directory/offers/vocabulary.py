"""The small fixed vocabularies (districts, languages, target groups, challenges, categories),
read once per request and labelled in the interface language."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app, has_app_context
from sqlalchemy import select

from directory.core.i18n import SOURCE_LANGUAGE, is_translated, translations_for
from directory.extensions import db
from directory.models import (
    Category,
    Challenge,
    District,
    FieldOfAction,
    Language,
    TargetGroup,
    change_generation,
)


@dataclass(frozen=True)
class Term:
    code: str
    label: str
    group: str | None = None  # e.g. the field of action of a challenge
    extra: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass
class Vocabulary:
    districts: dict[str, Term]
    languages: dict[str, Term]
    target_groups: dict[str, Term]
    challenges: dict[str, Term]
    fields: dict[str, Term]
    categories: dict[str, Term]


def _pick(obj, stem: str, locale: str, context: str) -> str:
    """The label in the interface language: the catalogue entry for the German name (message
    context = kind of vocabulary, see directory/babel_seeds.py), for English the name_en column
    when the catalogue has none, else the German name."""
    german = getattr(obj, f"{stem}_de")
    if locale == SOURCE_LANGUAGE:
        return german
    translations = translations_for(locale)
    if is_translated(translations, german, context):
        return translations.upgettext(context, german)
    if locale == "en" and getattr(obj, f"{stem}_en", None):
        return getattr(obj, f"{stem}_en")
    return german


def load(locale: str = "de") -> Vocabulary:
    """The vocabularies labelled for the locale; cached per app until searchable data changes
    (vocabulary edits are logged in search_change like offer edits)."""
    key = (locale, change_generation())
    cache = current_app.extensions.setdefault("vocabulary_cache", {}) if has_app_context() else {}
    vocab = cache.get(key)
    if vocab is None:
        if len(cache) > 32:
            cache.clear()
        vocab = cache[key] = _load(locale)
    return vocab


def _load(locale: str) -> Vocabulary:
    s = db.session
    districts = {
        d.code: Term(d.code, d.name, extra={"lat": d.center_lat, "lon": d.center_lon})
        for d in s.scalars(select(District).order_by(District.name))
    }
    languages = {
        lang.code: Term(
            lang.code,
            _pick(lang, "name", locale, "language"),
            extra={"native": lang.native, "rtl": lang.rtl},
        )
        for lang in s.scalars(select(Language).order_by(Language.position))
    }
    targets = {
        t.code: Term(t.code, _pick(t, "name", locale, "target_group"))
        for t in s.scalars(select(TargetGroup).order_by(TargetGroup.position))
    }
    fields = {
        f.code: Term(f.code, _pick(f, "name", locale, "field_of_action"))
        for f in s.scalars(select(FieldOfAction).order_by(FieldOfAction.position))
    }
    challenges = {
        c.code: Term(c.code, _pick(c, "short", locale, "challenge"), group=c.field_code)
        for c in s.scalars(
            select(Challenge)
            .join(FieldOfAction)
            .order_by(FieldOfAction.position, Challenge.position)
        )
    }
    categories = {
        c.code: Term(c.code, _pick(c, "name", locale, "category"))
        for c in s.scalars(select(Category).order_by(Category.position))
    }
    return Vocabulary(districts, languages, targets, challenges, fields, categories)
