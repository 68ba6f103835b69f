"""Accounts: people who sign in (providers, moderators, counsellors, admins) and the
organisations they belong to. Passwords are stored as scrypt hashes (werkzeug)."""
from __future__ import annotations

import datetime as dt
import enum
import hmac
import secrets

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from directory.extensions import db

from .directory import Organization, utcnow

__all__ = ["Role", "User", "membership", "rate_limit"]


class Role(str, enum.Enum):
    provider = "provider"      # member of one or more organisations, edits their offers
    moderator = "moderator"    # city staff: edits everything, approves
    counsellor = "counsellor"  # integration counsellor: matching and referrals
    admin = "admin"            # everything a moderator can, plus user management


membership = Table(
    "membership",
    db.metadata,
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    Column("organization_id", ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True),
)

# Counters of the login and account rate limits when there is no Redis (core/ratelimit.py).
rate_limit = Table(
    "rate_limit",
    db.metadata,
    Column("key", String(255), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("expires_at", Float, nullable=False),
)


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(256), default="")
    role: Mapped[str] = mapped_column(String(16), default=Role.provider.value)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # part of every signed-in session (see get_id); a new one ends all existing sessions
    session_token: Mapped[str | None] = mapped_column(String(64))
    # raised by every save of the account's name, e-mail, role or state (optimistic locking)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    organizations: Mapped[list[Organization]] = relationship(secondary=membership)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login: what the session cookie carries
        """``"<id>:<session token>"`` – a session is valid only while the token is current."""
        if not self.session_token:
            self.new_session_token()
        return f"{self.id}:{self.session_token}"

    def new_session_token(self) -> None:
        """End every existing session of this user (logout, password change)."""
        self.session_token = secrets.token_urlsafe(24)

    def session_token_matches(self, token: str) -> bool:
        return bool(self.session_token) and hmac.compare_digest(self.session_token, token)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")
        self.new_session_token()

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def is_staff(self) -> bool:
        """Moderators and admins may see and edit everything."""
        return self.role in (Role.moderator.value, Role.admin.value)

    def has_role(self, *roles: str) -> bool:
        return self.role in roles or (self.role == Role.admin.value)

    @property
    def organization_ids(self) -> set[int]:
        return {o.id for o in self.organizations}
