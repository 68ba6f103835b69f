"""Signing in and out. Login is rate-limited (Flask-Limiter; Redis when REDIS_URL is set)."""
from __future__ import annotations

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

from directory.accounts.forms import LoginForm, LogoutForm
from directory.extensions import db, limiter
from directory.models import User, utcnow

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are followed after login."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


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
        user = db.session.scalar(select(User).where(func.lower(User.email) == form.email.data.strip().lower()))
        if user is not None and user.active and user.check_password(form.password.data):
            login_user(user)
            user.last_login_at = utcnow()
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")) or home_for(user))
        form.password.errors.append(_("E-Mail-Adresse oder Passwort ist falsch."))
        return render_template("accounts/login.html", form=form), 401
    status = 400 if form.errors else 200
    return render_template("accounts/login.html", form=form), status


@bp.post("/abmelden")
@login_required
def logout():
    form = LogoutForm()
    if form.validate_on_submit():
        logout_user()
        flash(_("Sie sind abgemeldet."), "info")
    return redirect(url_for("public.search_page"))
