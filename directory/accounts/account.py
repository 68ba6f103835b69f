"""Mein Konto (/konto): a signed-in user changes their name and e-mail address (a new address
needs the current password), their password (the current one required, the rules of sign-up
for the new one), and ends their other sessions. A new password and "Überall abmelden" end
every session of the user; this one is signed in again with the new token. Rules in users.py."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from sqlalchemy.exc import IntegrityError

from directory.accounts import users
from directory.accounts.forms import AccountForm, PasswordChangeForm
from directory.core.forms import ActionForm
from directory.extensions import db, limiter

bp = Blueprint("my_account", __name__, url_prefix="/konto")


def _limit() -> str:
    return current_app.config["RATELIMIT_ACCOUNT"]


def _account_form() -> AccountForm:
    return AccountForm(formdata=None, data={**users.account_data(current_user), "version": str(current_user.version)})


def _render(account_form=None, password_form=None, status: int = 200, **ctx):
    return render_template(
        "accounts/account.html", account_form=account_form or _account_form(),
        password_form=password_form or PasswordChangeForm(formdata=None), sessions_form=ActionForm(),
        role_label=users.ROLE_LABELS.get(current_user.role, current_user.role), **ctx), status


def _me():
    """The signed-in User itself (the domain functions and the version check need the model
    object, not Flask-Login's proxy)."""
    return current_user._get_current_object()


def _sign_in_again() -> None:
    """The session token changed: keep this session signed in with the new one."""
    login_user(_me(), fresh=True)


@bp.get("/")
@login_required
def account():
    return _render()


@bp.post("/")
@login_required
@limiter.limit(_limit)
def save_account():
    form = AccountForm()
    if not form.validate():
        return _render(account_form=form, status=400)
    version = form.version.data or ""
    if not (version.isascii() and version.isdigit() and len(version) < 10):
        abort(400)
    new_email = form.email.data.strip()
    old_email = current_user.email
    if new_email.lower() != old_email.lower() and not current_user.check_password(form.current_password.data or ""):
        form.current_password.errors = list(form.current_password.errors) + [
            _("Für eine neue E-Mail-Adresse brauchen wir Ihr aktuelles Passwort – es stimmt nicht.")]
        return _render(account_form=form, status=400)
    submitted = {"display_name": form.display_name.data, "email": new_email}
    try:
        changes = users.save_account(_me(), submitted, int(version))
        db.session.commit()
    except (users.EmailTaken, IntegrityError):  # the unique index: the same address saved at once
        db.session.rollback()
        form.email.errors = list(form.email.errors) + [_("Diese E-Mail-Adresse gehört schon zu einem anderen Konto.")]
        return _render(account_form=form, status=400)
    except users.VersionConflict as conflict:
        db.session.rollback()
        db.session.refresh(_me())
        form.version.data = str(conflict.current_version)
        form.version.raw_data = [form.version.data]
        current = users.account_data(current_user)
        return _render(account_form=form, status=409, conflict=users.describe(
            {k: [current[k], v] for k, v in submitted.items() if current[k] != v}))
    flash(_("Ihre Angaben sind gespeichert.") if changes else _("Es gab keine Änderungen."), "info")
    return redirect(url_for("my_account.account"))


@bp.post("/passwort")
@login_required
@limiter.limit(_limit)
def change_password():
    form = PasswordChangeForm()
    if not form.validate():
        return _render(password_form=form, status=400)
    if not current_user.check_password(form.old_password.data):
        form.old_password.errors = list(form.old_password.errors) + [_("Das aktuelle Passwort stimmt nicht.")]
        return _render(password_form=form, status=400)
    users.change_password(_me(), form.password.data)
    db.session.commit()
    _sign_in_again()
    flash(_("Ihr Passwort ist geändert. Auf allen anderen Geräten sind Sie abgemeldet."), "info")
    return redirect(url_for("my_account.account"))


@bp.post("/ueberall-abmelden")
@login_required
def end_sessions():
    if not ActionForm().validate_on_submit():
        abort(400)
    users.end_other_sessions(_me())
    db.session.commit()
    _sign_in_again()
    flash(_("Sie sind auf allen anderen Geräten abgemeldet."), "info")
    return redirect(url_for("my_account.account"))
