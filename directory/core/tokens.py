"""Signed, expiring tokens for links in mails (itsdangerous, keyed with SECRET_KEY).

Each purpose has its own salt, so a token for one purpose is useless for another.

* password reset – carries the user id and a fragment of the current password hash: once
  the password is changed the token no longer matches (one-time).
* invitation – carries the invitation id; one-time through ``Invitation.accepted_at``.
* confirm offer – carries the offer id; confirming twice is harmless.
* sign-up – carries the new (inactive) user's id and password fingerprint; one-time because
  the account is active afterwards.
"""
from __future__ import annotations

import datetime as dt

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

RESET = "password-reset"
INVITATION = "invitation"
CONFIRM = "confirm-offer"
SIGNUP = "signup"


class InvalidToken(ValueError):
    def __init__(self, expired: bool = False):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"wegweiser-{purpose}")


def make(purpose: str, payload) -> str:
    return _serializer(purpose).dumps(payload)


def read(purpose: str, token: str, max_age: dt.timedelta):
    """The payload; raises InvalidToken (with ``expired``) for bad or old tokens."""
    if not token or len(token) > 500:
        raise InvalidToken()
    try:
        return _serializer(purpose).loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired:
        raise InvalidToken(expired=True) from None
    except BadSignature:
        raise InvalidToken() from None


def password_fingerprint(password_hash: str) -> str:
    return password_hash[-16:]


def reset_max_age() -> dt.timedelta:
    return dt.timedelta(minutes=current_app.config["PASSWORD_RESET_MAX_AGE_MINUTES"])


def confirm_max_age() -> dt.timedelta:
    return dt.timedelta(days=current_app.config["CONFIRM_LINK_MAX_AGE_DAYS"])


def invitation_max_age() -> dt.timedelta:
    return dt.timedelta(days=current_app.config["INVITATION_MAX_AGE_DAYS"])
