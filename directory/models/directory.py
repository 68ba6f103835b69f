"""The domain, in the Open Referral HSDS 3 vocabulary where it fits.

HSDS name          here
organization       Organization
service            Offer (an "Angebot")
location           Location
service_at_location offer_location (association table)
schedule           Schedule
language           Language (+ offer_language)
taxonomy/term      FieldOfAction / Challenge (the IKON workshop taxonomy), Category, TargetGroup

Vocabulary tables use their stable code as primary key, so codes appear directly in URLs,
the API and imports.
"""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Time,
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from directory.extensions import db

__all__ = [
    "utcnow", "OfferStatus", "WEEKDAYS", "FieldOfAction", "Challenge", "Measure", "Category",
    "TargetGroup", "Language", "District", "Organization", "Offer", "Location", "Schedule",
    "offer_challenge", "offer_target_group", "offer_language", "offer_location",
]


def utcnow() -> dt.datetime:
    """Naive UTC timestamp (stored the same way on SQLite and PostgreSQL)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class OfferStatus(str, enum.Enum):
    draft = "draft"
    published = "published"
    archived = "archived"


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


# --- vocabularies -----------------------------------------------------------------------

class FieldOfAction(db.Model):
    """A field of action (Handlungsfeld) of the integration concept."""

    __tablename__ = "field_of_action"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_de: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)
    challenges: Mapped[list[Challenge]] = relationship(
        back_populates="field", order_by="Challenge.position"
    )


class Challenge(db.Model):
    """One of the 18 workshop challenges (Herausforderungen); an HSDS taxonomy term."""

    __tablename__ = "challenge"
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    field_code: Mapped[str] = mapped_column(ForeignKey("field_of_action.code"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    short_de: Mapped[str] = mapped_column(String(160))
    short_en: Mapped[str] = mapped_column(String(160))
    title_de: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text)
    goal_de: Mapped[str] = mapped_column(Text, default="")
    goal_en: Mapped[str] = mapped_column(Text, default="")
    target_de: Mapped[str] = mapped_column(Text, default="")
    target_en: Mapped[str] = mapped_column(Text, default="")
    field: Mapped[FieldOfAction] = relationship(back_populates="challenges")
    measures: Mapped[list[Measure]] = relationship(
        back_populates="challenge", order_by="Measure.position", cascade="all, delete-orphan"
    )


class Measure(db.Model):
    """A measure suggested by the workshop for a challenge (Anregung)."""

    __tablename__ = "measure"
    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_code: Mapped[str] = mapped_column(ForeignKey("challenge.code"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text_de: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    challenge: Mapped[Challenge] = relationship(back_populates="measures")


class Category(db.Model):
    __tablename__ = "category"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_de: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)


class TargetGroup(db.Model):
    __tablename__ = "target_group"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_de: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Language(db.Model):
    """A language spoken at offers (ISO 639-1 code, name in its own script)."""

    __tablename__ = "language"
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    native: Mapped[str] = mapped_column(String(80))
    name_de: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    rtl: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)


class District(db.Model):
    """A Stadtbezirk with centre point and boundary (GeoJSON geometry as text)."""

    __tablename__ = "district"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    center_lat: Mapped[float] = mapped_column(Float)
    center_lon: Mapped[float] = mapped_column(Float)
    boundary_geojson: Mapped[str | None] = mapped_column(Text)
    boundary_approximate: Mapped[bool] = mapped_column(Boolean, default=True)
    boundary_source: Mapped[str] = mapped_column(String(300), default="")


# --- providers and offers ---------------------------------------------------------------

class Organization(db.Model):
    """A provider: association, city office, sports club, church, employer (HSDS organization)."""

    __tablename__ = "organization"
    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str | None] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(60))
    logo_url: Mapped[str | None] = mapped_column(String(300))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # A provider's new organisation needs a moderator's approval before its offers can be
    # published; trusted organisations publish without moderation.
    approved: Mapped[bool] = mapped_column(Boolean, default=True)
    trusted: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    offers: Mapped[list[Offer]] = relationship(back_populates="organization")
    # created by an import (organisation's origin, like Offer.source_id)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("import_source.id", ondelete="SET NULL"))
    locations: Mapped[list[Location]] = relationship(back_populates="organization")


offer_challenge = Table(
    "offer_challenge",
    db.metadata,
    Column("offer_id", ForeignKey("offer.id", ondelete="CASCADE"), primary_key=True),
    Column("challenge_code", ForeignKey("challenge.code"), primary_key=True),
    Index("ix_offer_challenge_code_offer", "challenge_code", "offer_id"),
)
offer_target_group = Table(
    "offer_target_group",
    db.metadata,
    Column("offer_id", ForeignKey("offer.id", ondelete="CASCADE"), primary_key=True),
    Column("target_group_code", ForeignKey("target_group.code"), primary_key=True),
    Index("ix_offer_target_group_code_offer", "target_group_code", "offer_id"),
)
offer_language = Table(
    "offer_language",
    db.metadata,
    Column("offer_id", ForeignKey("offer.id", ondelete="CASCADE"), primary_key=True),
    Column("language_code", ForeignKey("language.code"), primary_key=True),
    Index("ix_offer_language_code_offer", "language_code", "offer_id"),
)
# HSDS service_at_location: where an offer is held.
offer_location = Table(
    "offer_location",
    db.metadata,
    Column("offer_id", ForeignKey("offer.id", ondelete="CASCADE"), primary_key=True),
    Column("location_id", ForeignKey("location.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_offer_location_location_offer", "location_id", "offer_id"),
)


class Offer(db.Model):
    """An offer (HSDS service): a sports group, a course, counselling, a café ..."""

    __tablename__ = "offer"
    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    plain_summary: Mapped[str] = mapped_column(Text, default="")
    category_code: Mapped[str] = mapped_column(ForeignKey("category.code"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=OfferStatus.draft.value, index=True)
    is_free: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    cost: Mapped[str | None] = mapped_column(String(300))
    registration_required: Mapped[bool] = mapped_column(Boolean, default=False)
    accessibility: Mapped[str | None] = mapped_column(Text)
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(60))
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    last_confirmed: Mapped[dt.date | None] = mapped_column(Date, index=True)
    # Optimistic locking (directory/offers/editing.py): raised by one on every saved edit.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime, default=utcnow, onupdate=utcnow, index=True
    )
    # Text indexed by the database's full-text search (SQLite FTS5 / PostgreSQL tsvector),
    # kept up to date from the offer's fields; see directory/fulltext.py.
    search_text: Mapped[str] = mapped_column(Text, default="")
    # The terms of the title and of search_text as the full-text index stores them (folded,
    # stemmed, compounds split: directory/core/text.py); kept in step by directory/search/fulltext.py.
    title_terms: Mapped[str] = mapped_column(Text, default="", server_default="")
    text_terms: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Matching and referrals: children are looked after during the offer (None =
    # not stated); open places reported by the provider (None = not counted, 0 = full)
    childcare: Mapped[bool | None] = mapped_column(Boolean)
    open_places: Mapped[int | None] = mapped_column(Integer)
    # Imported offers: where they come from (import_source.id; another directory for HSDS
    # federation, whose record the offer follows), the record's id or address there, and what
    # the import could not take over as written (shown to moderators): [{"field", "message"}].
    source_id: Mapped[int | None] = mapped_column(ForeignKey("import_source.id", ondelete="SET NULL"), index=True)
    source_ref: Mapped[str | None] = mapped_column(String(300))
    import_warnings: Mapped[list | None] = mapped_column(JSON)
    source: Mapped[ImportSource | None] = relationship("ImportSource")  # noqa: F821

    organization: Mapped[Organization] = relationship(back_populates="offers")
    category: Mapped[Category] = relationship()
    challenges: Mapped[list[Challenge]] = relationship(
        secondary=offer_challenge, order_by="Challenge.code"
    )
    target_groups: Mapped[list[TargetGroup]] = relationship(
        secondary=offer_target_group, order_by="TargetGroup.position"
    )
    languages: Mapped[list[Language]] = relationship(
        secondary=offer_language, order_by="Language.position"
    )
    locations: Mapped[list[Location]] = relationship(
        secondary=offer_location, back_populates="offers", order_by="Location.name"
    )
    schedules: Mapped[list[Schedule]] = relationship(
        back_populates="offer",
        cascade="all, delete-orphan",
        order_by="(Schedule.date, Schedule.weekday, Schedule.opens_at)",
    )

    @property
    def is_published(self) -> bool:
        return self.status == OfferStatus.published.value

    def build_search_text(self, exclude=frozenset()) -> str:
        parts = [self.summary, self.description, self.plain_summary]
        if self.organization is not None:
            parts.append(self.organization.name)
        # translations (models/translations.py) make an offer findable in other languages
        for translation in getattr(self, "translations", None) or ():
            if translation not in exclude:
                parts.extend(translation.search_words())
        return "\n".join(p for p in parts if p)


class Location(db.Model):
    """A place where offers are held (HSDS location with a physical address)."""

    __tablename__ = "location"
    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(100), default="Minden")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    district_code: Mapped[str | None] = mapped_column(ForeignKey("district.code"), index=True)
    wheelchair_accessible: Mapped[bool | None] = mapped_column(Boolean)
    # raised by every save; a save names the version it was loaded with (optimistic locking)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # How exactly the point was found: exact (address or given coordinates), street (street
    # only), postcode (centre of the postcode or district), none (not found); None = not geocoded.
    geocode_precision: Mapped[str | None] = mapped_column(String(16))

    organization: Mapped[Organization | None] = relationship(back_populates="locations")
    district: Mapped[District | None] = relationship()
    offers: Mapped[list[Offer]] = relationship(
        secondary=offer_location, back_populates="locations"
    )

    __table_args__ = (Index("ix_location_lat_lon", "lat", "lon"),)


class Schedule(db.Model):
    """A weekly recurring slot (weekday set, date empty) or a one-off date (date set).

    For one-off dates `weekday` is derived from the date, so that the weekday filter
    treats both kinds alike.
    """

    __tablename__ = "schedule"
    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offer.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday … 6 = Sunday
    opens_at: Mapped[dt.time] = mapped_column(Time)
    closes_at: Mapped[dt.time] = mapped_column(Time)
    date: Mapped[dt.date | None] = mapped_column(Date)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(200))

    offer: Mapped[Offer] = relationship(back_populates="schedules")

    __table_args__ = (Index("ix_schedule_weekday_offer", "weekday", "offer_id"),)

    @property
    def is_one_off(self) -> bool:
        return self.date is not None


@event.listens_for(Session, "before_flush")
def _refresh_search_text(session: Session, _context, _instances) -> None:
    """Keep Offer.search_text (the full-text document) in step with the offer's fields."""
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Offer):
            text = obj.build_search_text()
            if obj.search_text != text:
                obj.search_text = text
        elif isinstance(obj, Organization) and obj in session.dirty:
            for offer in obj.offers:  # the provider's name is part of each offer's document
                offer.search_text = offer.build_search_text()
        elif isinstance(obj, Schedule) and obj.date is not None:
            obj.weekday = obj.date.weekday()
