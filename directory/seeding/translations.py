"""Loading the demo translations of demo offers (seeds/demo_translations.yaml), idempotently.

Called at the end of :func:`directory.seeding.load_demo`. Rows are keyed by (demo offer,
language); only fields that differ are written, so a second ``flask seed`` changes nothing.
Offers of the file that are not in the database (a smaller demo data set) are skipped.
"""
from __future__ import annotations

from sqlalchemy import select

from directory.extensions import db
from directory.models import (
    TRANSLATED_FIELDS,
    Language,
    Offer,
    OfferTranslation,
    TranslationSource,
)
from directory.seeding.common import DEMO_PREFIX, SeedError, read_yaml, set_changed


def load_demo_translations(data: dict | None = None) -> int:
    data = data or read_yaml("demo_translations.yaml")
    by_offer: dict = data.get("offers") or {}
    languages = set(db.session.scalars(select(Language.code)))
    offers = {
        o.external_id: o
        for o in db.session.scalars(
            select(Offer).where(Offer.external_id.in_([DEMO_PREFIX + key for key in by_offer]))
        )
    }
    written = 0
    for key, translations in by_offer.items():
        offer = offers.get(DEMO_PREFIX + key)
        if offer is None:
            continue
        existing = {t.language_code: t for t in offer.translations}
        for lang, fields in translations.items():
            if lang not in languages:
                raise SeedError(f"translation of {key}: unknown language {lang!r}")
            unknown = set(fields) - set(TRANSLATED_FIELDS)
            if unknown:
                raise SeedError(f"translation of {key} ({lang}): unknown fields {sorted(unknown)}")
            translation = existing.get(lang)
            if translation is None:
                translation = OfferTranslation(language_code=lang)
                offer.translations.append(translation)
            set_changed(translation, source=TranslationSource.provider.value,
                 **{f: (fields.get(f) or "").strip() for f in TRANSLATED_FIELDS})
            written += 1
    return written
