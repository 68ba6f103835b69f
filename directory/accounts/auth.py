"""Signing in and out. Login is rate-limited (Flask-Limiter: Redis when REDIS_URL is set,
otherwise the database, so that every worker and app server counts the same tries).

A known and an unknown e-mail cost the same: for an unknown one the password is checked
against a dummy scrypt hash, so the answer's timing does not tell whether an account exists.
Logging out gives the user a new session token, which ends the session everywhere – also a
copy of the cookie that someone captured before."""
from __future__ import annotations

import secrets
import unicodedata
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from directory.accounts.forms import LoginForm, LogoutForm
from directory.extensions import db, limiter
from directory.models import User, utcnow

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None.

    Browsers ignore tabs and newlines inside URLs and read a backslash as a slash, so
    ``/\t/evil.example`` or ``/\\evil.example`` would lead off-site: any control or
    whitespace character, backslash, scheme or host is refused."""
    if not target or len(target) > 2000 or not target.startswith("/"):
        return None
    if "\\" in target or any(ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in target):
        return None
    if target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _dummy_hash() -> str:
    """A scrypt hash of a random password, made once per process (for unknown e-mails)."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = generate_password_hash(secrets.token_urlsafe(16), method="scrypt")
    return _DUMMY_HASH


_DUMMY_HASH: str | None = None


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password; the same work when there is none."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or not user.password_hash:
        check_password_hash(_dummy_hash(), password)
        return None
    ok = user.check_password(password)
    return user if ok and user.active else None


def home_for(user: User) -> str:
    endpoints = {
        "provider": "provider.dashboard",
        "moderator": "moderation.queue",
        "admin": "moderation.queue",
        "counsellor": "counsellor.match",
    }
    endpoint = endpoints.get(user.role)
    if endpoint and endpoint in current_app.view_functions:
        return url_for(endpoint)
    return url_for("public.search_page")


@bp.route("/anmelden", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            user.last_login_at = utcnow()
            db.session.commit()
            return redirect(safe_next(request.args.get("next")) or home_for(user))
        form.password.errors.append(_("E-Mail-Adresse oder Passwort ist falsch."))
        return render_template("accounts/login.html", form=form), 401
    status = 400 if form.errors else 200
    return render_template("accounts/login.html", form=form), status


@bp.post("/abmelden")
@login_required
def logout():
    form = LogoutForm()
    if form.validate_on_submit():
        current_user.new_session_token()
        db.session.commit()
        logout_user()
        flash(_("Sie sind abgemeldet."), "info")
    return redirect(url_for("public.search_page"))
