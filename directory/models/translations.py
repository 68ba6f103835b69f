"""Offer texts in other languages.

An offer is written in German (``Offer.title`` …). A provider may add a translation of the
four texts per language; the public pages show it to visitors whose interface language it is,
marked "vom Anbieter übersetzt". Each field may be left empty, then the German text is shown
(marked ``lang="de"``). ``source`` says who wrote it: ``provider`` (typed or checked by the
provider) or ``machine`` (a suggestion of the optional machine-translation hook, not yet
checked – never published as "translated by the provider").

Translations are part of the offer's full-text document (``Offer.search_text``), so an offer
is found by words of its Arabic or Ukrainian text as well.
"""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Session, backref, mapped_column, relationship

from directory.extensions import db

from .directory import Offer, utcnow

__all__ = ["OfferTranslation", "TranslationSource", "TRANSLATED_FIELDS"]

TRANSLATED_FIELDS = ("title", "summary", "description", "plain_summary")


class TranslationSource(str, enum.Enum):
    provider = "provider"
    machine = "machine"


class OfferTranslation(db.Model):
    __tablename__ = "offer_translation"
    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offer.id", ondelete="CASCADE"), index=True)
    language_code: Mapped[str] = mapped_column(String(8), ForeignKey("language.code"))
    title: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    plain_summary: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16), default=TranslationSource.provider.value)
    # who last saved it (a user id of accounts; no foreign key so that deleting a
    # user keeps the text)
    updated_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # a change waiting for moderation ({field: text}, by whom, since when); the published
    # fields above stay what the public sees until a moderator approves it
    pending: Mapped[dict | None] = mapped_column(JSON)
    pending_by: Mapped[int | None] = mapped_column(Integer)
    pending_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)

    # Offer.translations (loaded with one IN query per batch of offers: list pages need them)
    offer: Mapped[Offer] = relationship(
        backref=backref("translations", cascade="all, delete-orphan", lazy="selectin",
                        order_by="OfferTranslation.language_code", passive_deletes=True),
    )

    __table_args__ = (UniqueConstraint("offer_id", "language_code"),)

    @property
    def by_provider(self) -> bool:
        return self.source == TranslationSource.provider.value

    @property
    def is_empty(self) -> bool:
        return not any((getattr(self, f) or "").strip() for f in TRANSLATED_FIELDS)

    def search_words(self) -> list[str]:
        return [getattr(self, f) for f in TRANSLATED_FIELDS if getattr(self, f)]


@event.listens_for(Session, "before_flush")
def _refresh_offers_of_changed_translations(session: Session, _context, _instances) -> None:
    """A new, changed or deleted translation changes its offer's full-text document."""
    deleted = set(session.deleted)
    offers = set()
    for obj in list(session.new) + list(session.dirty) + list(deleted):
        if isinstance(obj, OfferTranslation) and obj.offer is not None:
            offers.add(obj.offer)
    for offer in offers:
        if offer in deleted:
            continue
        text = offer.build_search_text(exclude=deleted)
        if offer.search_text != text:
            offer.search_text = text
