"""The mail outbox: with MAIL_BACKEND=outbox (development, tests) every mail is
stored here instead of being sent; with smtp, only mails that could not be delivered are."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from directory.extensions import db

from .directory import utcnow

__all__ = ["OutboxMessage"]


class OutboxMessage(db.Model):
    __tablename__ = "mail_outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32), default="")
    backend: Mapped[str] = mapped_column(String(16), default="outbox")
    error: Mapped[str] = mapped_column(Text, default="")
