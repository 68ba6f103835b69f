"""Providers' workflow: proposed changes awaiting moderation, the change history,
invitations, confirmation reminders and import runs.

* :class:`OfferRevision` – what a provider proposes for an offer: the whole editor state as
  JSON (see :mod:`directory.offer_editing`). At most one *open* revision (draft, pending,
  returned) per offer. For a published offer the public keeps seeing the live offer until a
  moderator approves the revision.
* :class:`ChangeRecord` – one entry of an offer's (or location's) history: who, when, what
  happened, and for edits the changed fields with old and new values.
"""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from directory.extensions import db

from .accounts import User
from .directory import Location, Offer, Organization, utcnow

__all__ = [
    "RevisionState", "OfferRevision", "ChangeRecord", "Invitation", "ConfirmReminder", "ImportRun", "ImportSource", "ImportState",
    "InfoReport", "REPORT_KINDS",
]

# what a visitor can say is wrong with an offer ("Stimmt etwas nicht?")
REPORT_KINDS = ("outdated", "time", "place", "contact", "ended", "other")


class RevisionState(str, enum.Enum):
    draft = "draft"          # saved by the provider, not yet submitted
    pending = "pending"      # in the moderation queue
    returned = "returned"    # sent back by a moderator with a reason
    approved = "approved"    # applied to the offer
    superseded = "superseded"  # replaced (e.g. the offer was archived)


OPEN_STATES = (RevisionState.draft.value, RevisionState.pending.value, RevisionState.returned.value)


class OfferRevision(db.Model):
    __tablename__ = "offer_revision"
    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offer.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16), default=RevisionState.draft.value, index=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    # Offer.version when the revision was last saved: a moderator is warned if the live
    # offer changed since.
    base_version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reason: Mapped[str] = mapped_column(Text, default="")

    offer: Mapped[Offer] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class ChangeRecord(db.Model):
    """History entry. ``changes`` maps field → [old, new] (codes, ids, ISO dates)."""

    __tablename__ = "change_record"
    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offer.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    # created, edited, proposed, submitted, published, approved, returned, archived,
    # restored, confirmed, imported, hidden_stale, location_edited
    action: Mapped[str] = mapped_column(String(24))
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int | None] = mapped_column(Integer)

    user: Mapped[User | None] = relationship()
    offer: Mapped[Offer | None] = relationship()
    location: Mapped[Location | None] = relationship()


class Invitation(db.Model):
    """A one-time invitation of a colleague into an organisation (link with a signed id)."""

    __tablename__ = "invitation"
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    organization: Mapped[Organization] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])


class ConfirmReminder(db.Model):
    """A reminder (or hidden notice) sent for an offer: makes `flask confirm-reminders`
    idempotent."""

    __tablename__ = "confirm_reminder"
    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offer.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # reminder | hidden
    last_confirmed: Mapped[dt.date | None] = mapped_column(Date)
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    recipients: Mapped[str] = mapped_column(Text, default="")


class ImportSource(db.Model):
    """Where imported offers come from: an office's list (with the column mapping last used for
    it) or another directory's HSDS data (``kind`` = hsds, ``location`` = its URL or path)."""

    __tablename__ = "import_source"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="file")  # file | hsds
    location: Mapped[str] = mapped_column(String(500), default="")
    # header text → field name ("" = ignored), as last confirmed by a person
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class ImportState(str, enum.Enum):
    uploaded = "uploaded"  # file stored, mapping and dry run shown, not yet started
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class ImportRun(db.Model):
    """One run of the offer import (CLI or upload): the uploaded file until it has been
    imported, the choices made for it, its progress and its per-row report."""

    __tablename__ = "import_run"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255), default="")
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[list] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(16), default=ImportState.done.value, server_default="done")
    source_id: Mapped[int | None] = mapped_column(ForeignKey("import_source.id", ondelete="SET NULL"))
    # {"mapping": [field per column], "approve_organizations": bool}
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    processed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    error: Mapped[str] = mapped_column(Text, default="", server_default="")
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    user: Mapped[User | None] = relationship()
    source: Mapped[ImportSource | None] = relationship()


class InfoReport(db.Model):
    """A visitor's note that an offer's information is outdated or wrong. No account; the
    contact is optional and only for questions back."""

    __tablename__ = "info_report"
    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offer.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    offer: Mapped[Offer] = relationship()
    resolved_by: Mapped[User | None] = relationship()
