"""Who may do what. Every write is checked here on the server, never only by hiding buttons.

* :func:`roles_required` – view decorator: HTML callers are sent to the login page,
  JSON callers get 401/403 error objects.
* :func:`get_own_offer_or_404` – the offer if the current user may edit it (member of its
  organisation, or staff); otherwise 404, so that other organisations' offers stay unknown.
"""
from __future__ import annotations

from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user

from directory.core.errors import error_response, wants_json
from directory.extensions import db, login_manager
from directory.models import Offer, Organization, User


def load_user(session_id: str) -> User | None:
    """The user of a session cookie's ``"<id>:<token>"`` (see ``User.get_id``); None – signed
    out – when the token is not the user's current one (after logout or a password change)."""
    user_id, _, token = session_id.partition(":")
    if not (user_id.isascii() and user_id.isdigit()) or len(user_id) > 12 or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.session_token_matches(token):
        return None
    return user


def unauthorized():
    if wants_json():
        return error_response(401)
    return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))


def init_app(app) -> None:
    """Tell Flask-Login how to load the signed-in user and what to do without one."""
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)


def roles_required(*roles: str):
    """Allow signed-in users with one of the roles (admins always)."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def can_edit_organization(user, organization_id: int) -> bool:
    return user.is_authenticated and (user.is_staff or organization_id in user.organization_ids)


def get_own_offer_or_404(offer_id: int) -> Offer:
    offer = db.session.get(Offer, offer_id)
    if offer is None or not can_edit_organization(current_user, offer.organization_id):
        abort(404)
    return offer


def get_own_organization_or_404(organization_id: int) -> Organization:
    org = db.session.get(Organization, organization_id)
    if org is None or not can_edit_organization(current_user, org.id):
        abort(404)
    return org
