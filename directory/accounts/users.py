"""Accounts as their owners and the admins change them: one's own name and e-mail, one's
password, ending sessions; an admin's change of a user's role and whether the account is active.

Name, e-mail, role and state are saved with a version check
(:func:`~directory.models.concurrency.claim_version` on ``User.version``): a save in between
raises :class:`VersionConflict`. A new password or a new session token ends the user's other
sessions (the cookie carries the token, see ``User.get_id``); the caller signs the current
session in again. The last active admin cannot be demoted or deactivated: the active admins'
rows are locked (PostgreSQL ``FOR UPDATE``; SQLite runs writers one at a time) and counted
after the change, so two admins demoting each other at once cannot both succeed.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from directory.core.mail import external_url, send_mail
from directory.extensions import db
from directory.models import Role, User
from directory.models.concurrency import VersionConflict, claim_version

__all__ = ["ACCOUNT_FIELDS", "ADMIN_FIELDS", "ROLE_LABELS", "FIELD_LABELS", "EmailTaken", "LastAdmin",
           "VersionConflict", "email_taken", "account_data", "save_account", "change_password",
           "end_other_sessions", "admin_data", "set_role_and_state", "describe"]

ACCOUNT_FIELDS = ("display_name", "email")
ADMIN_FIELDS = ("role", "active")
ROLE_LABELS = {
    Role.provider.value: _l("Anbieter"),
    Role.counsellor.value: _l("Beratung"),
    Role.moderator.value: _l("Moderation"),
    Role.admin.value: _l("Administration"),
}
FIELD_LABELS = {
    "display_name": _l("Ihr Name"),
    "email": _l("E-Mail-Adresse"),
    "role": _l("Rolle"),
    "active": _l("Konto aktiv"),
}


class EmailTaken(ValueError):
    """Another account has this e-mail address."""


class LastAdmin(ValueError):
    """The change would leave no active admin."""


def email_taken(email: str, exclude_id: int | None = None) -> bool:
    stmt = select(User.id).where(func.lower(User.email) == email.strip().lower())
    if exclude_id is not None:
        stmt = stmt.where(User.id != exclude_id)
    return db.session.scalar(stmt.limit(1)) is not None


def account_data(user: User) -> dict:
    return {name: getattr(user, name) for name in ACCOUNT_FIELDS}


def save_account(user: User, values: dict, expected_version: int) -> dict:
    """Set the user's name and e-mail; the changes ``{field: [old, new]}``. Raises EmailTaken
    or VersionConflict (nothing written). The caller checks the password and commits."""
    data = {"display_name": " ".join((values.get("display_name") or "").split()),
            "email": (values.get("email") or "").strip()}
    if data["email"].lower() != user.email.lower() and email_taken(data["email"], exclude_id=user.id):
        raise EmailTaken(data["email"])
    claim_version(user, expected_version)
    changes = {k: [getattr(user, k), v] for k, v in data.items() if getattr(user, k) != v}
    for name, (_old, new) in changes.items():
        setattr(user, name, new)
    if "email" in changes:  # the old address is told, in case someone else did it
        send_mail(changes["email"][0], str(_l("Wegweiser: Ihre E-Mail-Adresse wurde geändert")), str(_l(
            "Guten Tag,\n\ndie E-Mail-Adresse Ihres Kontos im Wegweiser ist jetzt %(email)s.\n\n"
            "Wenn Sie das nicht waren, melden Sie sich bitte sofort bei der Stadt: %(url)s\n",
            email=user.email, url=external_url("public.about"))), kind="email_changed")
    return changes


def change_password(user: User, password: str) -> None:
    """A new password; every session of the user ends (the caller signs the current one in
    again). The user gets a notice by mail."""
    user.set_password(password)
    send_mail(user.email, str(_l("Wegweiser: Ihr Passwort wurde geändert")), str(_l(
        "Guten Tag,\n\ndas Passwort Ihres Kontos im Wegweiser wurde eben geändert; alle anderen Anmeldungen "
        "sind beendet.\n\nWenn Sie das nicht waren, setzen Sie bitte ein neues Passwort: %(url)s\n",
        url=external_url("account.forgot_password"))), kind="password_changed")


def end_other_sessions(user: User) -> None:
    """A new session token: every session ends (the caller signs the current one in again)."""
    user.new_session_token()


def admin_data(user: User) -> dict:
    return {"role": user.role, "active": bool(user.active)}


def _lock_active_admins() -> None:
    """Lock the active admins' rows (PostgreSQL; SQLite ignores FOR UPDATE and runs one
    writer at a time), so that two demotions of admins are decided one after the other."""
    db.session.scalars(select(User.id).where(User.role == Role.admin.value, User.active.is_(True))
                       .order_by(User.id).with_for_update()).all()


def _active_admins() -> int:
    return db.session.scalar(select(func.count(User.id)).where(
        User.role == Role.admin.value, User.active.is_(True))) or 0


def set_role_and_state(user: User, role: str, active: bool, expected_version: int) -> dict:
    """Change the user's role and whether the account is active; the changes. Deactivating
    ends the user's sessions. Raises LastAdmin (no active admin would be left) or
    VersionConflict; after either the caller rolls back, else it commits.

    The admins are counted after the change is written, inside the transaction that holds the
    write locks: a concurrent demotion has either been committed by then (and is counted) or
    waits for this one."""
    if role not in ROLE_LABELS:
        raise ValueError(role)
    demotes_admin = user.role == Role.admin.value and user.active and (role != Role.admin.value or not active)
    if demotes_admin:
        _lock_active_admins()
    claim_version(user, expected_version)
    changes = {k: [old, new] for k, old, new in (("role", user.role, role), ("active", bool(user.active), active))
               if old != new}
    user.role = role
    if user.active and not active:
        user.new_session_token()
    user.active = active
    if demotes_admin:
        db.session.flush()
        if _active_admins() == 0:
            raise LastAdmin(user.email)
    return changes


def describe(changes: dict) -> list[tuple[str, str, str]]:
    """[(label, old text, new text)] for the conflict table."""
    def text(name, value):
        if name == "role":
            return str(ROLE_LABELS.get(value, value))
        if isinstance(value, bool):
            return str(_l("ja")) if value else str(_l("nein"))
        return "–" if value in (None, "") else str(value)
    order = {name: i for i, name in enumerate(ACCOUNT_FIELDS + ADMIN_FIELDS)}
    return [(str(FIELD_LABELS.get(name, name)), text(name, old), text(name, new))
            for name, (old, new) in sorted(changes.items(), key=lambda kv: order.get(kv[0], 99))]
