"""Referrals: a counsellor hands a client one or more offers on a referral sheet.

A :class:`Referral` holds no client data at all: a random reference code (printed on the
sheet), the counsellor's organisation, the date and the language the sheet was printed in.
Each offer on it is a :class:`ReferralOffer` with its own status, because every provider
answers for its own offer::

    sent → contacted → started → completed
      ↘ declined / no_capacity (with an optional reason) from any state before completed

Every change is kept as a :class:`ReferralEvent` (status history). After the retention period
(``REFERRAL_RETENTION_DAYS``, ``flask referrals-retention``) a referral is anonymised: code,
organisation, author, language, notes and history are removed; the per-offer outcome and the
month stay for the aggregated statistics (:mod:`directory.referral_stats`).
"""
from __future__ import annotations

import datetime as dt
import enum
import secrets

from sqlalchemy import DateTime, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.extensions import db

from .accounts import User
from .concurrency import claim_transition
from .directory import Offer, Organization, utcnow

__all__ = [
    "ReferralStatus", "Referral", "ReferralOffer", "ReferralEvent", "TRANSITIONS", "FINAL_STATUSES",
    "DECLINE_REASONS", "InvalidTransition", "new_reference_code",
]


class ReferralStatus(str, enum.Enum):
    sent = "sent"
    contacted = "contacted"
    started = "started"
    completed = "completed"
    declined = "declined"
    no_capacity = "no_capacity"


S = ReferralStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    S.sent.value: frozenset({S.contacted.value, S.started.value, S.declined.value, S.no_capacity.value}),
    S.contacted.value: frozenset({S.started.value, S.declined.value, S.no_capacity.value}),
    S.started.value: frozenset({S.completed.value, S.declined.value}),
    S.completed.value: frozenset(),
    S.declined.value: frozenset(),
    S.no_capacity.value: frozenset(),
}
FINAL_STATUSES = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)
#: reasons a provider or counsellor can give for declined / no_capacity (codes; labels in views)
DECLINE_REASONS = ("not_reached", "client_declined", "not_suitable", "requirements", "full", "other")
NOTE_MAX = 300

# reference codes: no 0/O, 1/I/L, so that they can be read out on the phone
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_reference_code() -> str:
    """A random code such as ``WW-K7M3-9QXR`` (31⁸ ≈ 8.5·10¹¹ possibilities)."""
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"WW-{chars[:4]}-{chars[4:]}"


class InvalidTransition(ValueError):
    pass


class Referral(db.Model):
    __tablename__ = "referral"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(16), unique=True)
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    language_code: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    anonymised_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    organization: Mapped[Organization | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    items: Mapped[list[ReferralOffer]] = relationship(
        back_populates="referral", cascade="all, delete-orphan", order_by="ReferralOffer.position",
        passive_deletes=True,
    )

    @classmethod
    def create(cls, organization: Organization, offers: list[Offer], user: User | None,
               language_code: str | None) -> "Referral":
        code = new_reference_code()
        while db.session.scalar(select(cls.id).where(cls.code == code)) is not None:
            code = new_reference_code()  # pragma: no cover - a collision is very unlikely
        referral = cls(code=code, organization=organization, created_by=user, language_code=language_code)
        for i, offer in enumerate(offers):
            item = ReferralOffer(offer=offer, position=i, status=S.sent.value)
            item.events.append(ReferralEvent(status=S.sent.value, actor_role="counsellor",
                                             user_id=user.id if user else None))
            referral.items.append(item)
        db.session.add(referral)
        return referral

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_at is not None


class ReferralOffer(db.Model):
    """One offer on a referral, with its status as the provider or counsellor reported it."""

    __tablename__ = "referral_offer"
    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id", ondelete="CASCADE"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offer.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default=S.sent.value, index=True)
    reason: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(String(NOTE_MAX))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    referral: Mapped[Referral] = relationship(back_populates="items")
    offer: Mapped[Offer] = relationship()
    events: Mapped[list[ReferralEvent]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="ReferralEvent.id",
        passive_deletes=True,
    )

    @property
    def next_statuses(self) -> list[str]:
        return [s.value for s in S if s.value in TRANSITIONS[self.status]]

    def change(self, status: str, actor_role: str, user: User | None = None,
               reason: str | None = None, note: str | None = None) -> None:
        """Move to a new status (checked against TRANSITIONS) and record it in the history."""
        if status not in TRANSITIONS.get(self.status, ()):
            raise InvalidTransition(f"{self.status} → {status}")
        if status in (S.declined.value, S.no_capacity.value):
            if reason is not None and reason not in DECLINE_REASONS:
                raise InvalidTransition(f"unknown reason {reason!r}")
        else:
            reason, note = None, None
        note = (note or "").strip()[:NOTE_MAX] or None
        old = self.status
        # one winner when two people report at once: the second finds the status moved on
        if not claim_transition(self, {"status": old},
                                {"status": status, "reason": reason, "note": note, "updated_at": utcnow()}):
            raise InvalidTransition(f"{old} → {status}: changed meanwhile to {self.status}")
        self.events.append(ReferralEvent(status=status, reason=reason, actor_role=actor_role,
                                         user_id=user.id if user else None))


class ReferralEvent(db.Model):
    """The status history of a referral's offer."""

    __tablename__ = "referral_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("referral_offer.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    actor_role: Mapped[str] = mapped_column(String(16), default="counsellor")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    item: Mapped[ReferralOffer] = relationship(back_populates="events")
