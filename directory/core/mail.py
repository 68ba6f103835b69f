"""Sending mail through a configurable backend.

* ``MAIL_BACKEND=outbox`` (default; development and tests): the mail is stored in the table
  ``mail_outbox`` and can be read with ``flask --app wsgi outbox`` or on the admins' page
  "Postausgang". Nothing leaves the machine.
* ``MAIL_BACKEND=smtp``: sent with smtplib (``MAIL_SERVER``, ``MAIL_PORT``, ``MAIL_USERNAME``,
  ``MAIL_PASSWORD``, ``MAIL_USE_TLS`` (STARTTLS), ``MAIL_USE_SSL``, ``MAIL_SENDER``). A mail
  that cannot be delivered is stored in the outbox with the error, so nothing is lost and the
  request that caused it (a sign-up, a reset) does not fail.

Links in mails are absolute: ``PUBLIC_BASE_URL`` when set (needed for the CLI), else the
request's host.
"""
from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from flask import after_this_request, current_app, has_request_context, url_for
from sqlalchemy import select

from directory.extensions import db
from directory.models import OutboxMessage, Role, User, membership

DEFAULT_BASE_URL = "http://127.0.0.1:5000"


def external_url(endpoint: str, **values) -> str:
    """Absolute URL of an endpoint, usable in mails sent from requests and from the CLI."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if has_request_context() and not base:
        return url_for(endpoint, _external=True, **values)
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return (base or DEFAULT_BASE_URL).rstrip("/") + path


def send_mail(to: str | list[str], subject: str, body: str, kind: str = "", deferred: bool = False) -> int:
    """Send a plain-text mail to one or more recipients; returns how many were sent/stored.

    The caller commits (outbox rows are added to the current session). ``deferred``: with
    SMTP, deliver after the response has been sent – a sign-up or reset then answers as fast
    for a known address as for an unknown one."""
    recipients = [to] if isinstance(to, str) else list(dict.fromkeys(to))
    backend = current_app.config.get("MAIL_BACKEND", "outbox")
    if deferred and backend == "smtp" and has_request_context():
        app = current_app._get_current_object()

        @after_this_request
        def deliver_later(response):
            def deliver():
                with app.app_context():
                    send_mail(recipients, subject, body, kind)
                    db.session.commit()
            response.call_on_close(deliver)
            return response
        return len(recipients)
    for recipient in recipients:
        if backend == "smtp":
            error = _send_smtp(recipient, subject, body)
            if not error:
                continue
            current_app.logger.error("mail to %s not delivered: %s", recipient, error)
            db.session.add(OutboxMessage(recipient=recipient, subject=subject, body=body,
                                         kind=kind, backend="smtp", error=error))
        else:
            db.session.add(OutboxMessage(recipient=recipient, subject=subject, body=body,
                                         kind=kind, backend="outbox"))
    return len(recipients)


def _send_smtp(recipient: str, subject: str, body: str) -> str:
    cfg = current_app.config
    msg = EmailMessage()
    msg["From"] = cfg["MAIL_SENDER"]
    msg["To"] = recipient
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="wegweiser")
    msg.set_content(body)
    try:
        cls = smtplib.SMTP_SSL if cfg.get("MAIL_USE_SSL") else smtplib.SMTP
        with cls(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=20) as smtp:
            if cfg.get("MAIL_USE_TLS") and not cfg.get("MAIL_USE_SSL"):
                smtp.starttls()
            if cfg.get("MAIL_USERNAME"):
                smtp.login(cfg["MAIL_USERNAME"], cfg.get("MAIL_PASSWORD") or "")
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        return f"{type(exc).__name__}: {exc}"
    return ""


def staff_addresses() -> list[str]:
    """Addresses of the active moderators and admins (for notifications)."""
    return list(db.session.scalars(
        select(User.email).where(User.active.is_(True),
                                 User.role.in_((Role.moderator.value, Role.admin.value)))
        .order_by(User.id)
    ))


def member_addresses(organization_id: int) -> list[str]:

    return list(db.session.scalars(
        select(User.email)
        .join(membership, membership.c.user_id == User.id)
        .where(membership.c.organization_id == organization_id, User.active.is_(True))
        .order_by(User.id)
    ))


def outbox(limit: int = 20, recipient: str | None = None) -> list[OutboxMessage]:
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if recipient:
        stmt = stmt.where(OutboxMessage.recipient == recipient)
    return list(db.session.scalars(stmt))
