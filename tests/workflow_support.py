"""Helpers for the tests of the providers' workflow: editor form data, mails."""
from __future__ import annotations

import re

from sqlalchemy import select

from directory.extensions import db
from directory.models import OutboxMessage, User
from tests.conftest import csrf_token


def offer_form(**overrides) -> dict:
    """Form fields of a complete, valid offer with one weekly slot (no location)."""
    data = {
        "title": "Nähcafé für alle",
        "summary": "Gemeinsam nähen und Deutsch sprechen.",
        "description": "Nähmaschinen sind da.\n\nStoffe bitte mitbringen.",
        "plain_summary": "Wir nähen zusammen.",
        "category_code": "meeting",
        "challenges": ["Z1", "W4"],
        "target_groups": ["women_girls"],
        "languages": ["de", "ar"],
        "is_free": "y",
        "cost": "",
        "contact_name": "Frau Beispiel",
        "contact_email": "naehcafe@example.org",
        "contact_phone": "0571 1234",
        "accessibility": "ebenerdig",
        "valid_from": "",
        "valid_to": "",
        "schedules-0-weekday": "1",
        "schedules-0-date": "",
        "schedules-0-opens_at": "09:30",
        "schedules-0-closes_at": "11:30",
        "schedules-0-note": "",
        "schedules-0-valid_from": "",
        "schedules-0-valid_to": "",
    }
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def new_location(index: int, name: str, address: str, postcode: str = "", lat="", lon="") -> dict:
    p = f"new_locations-{index}-"
    return {p + "name": name, p + "address": address, p + "postcode": postcode, p + "lat": str(lat),
            p + "lon": str(lon), p + "wheelchair_accessible": ""}


def post_editor(client, url: str, fields: dict, action: str = "save", version: str | None = None):
    """POST the editor form (with the CSRF token and version of the page at ``url``)."""
    page = client.get(url).get_data(as_text=True)
    token = csrf_token(client, url)
    if version is None:
        match = re.search(r'id="version" name="version" type="hidden" value="(\d*)"', page)
        version = match.group(1) if match else ""
    return client.post(url, data={"csrf_token": token, "version": version, "action": action, **fields})


def mails(to: str | None = None, kind: str | None = None) -> list[OutboxMessage]:
    stmt = select(OutboxMessage).order_by(OutboxMessage.id)
    if to:
        stmt = stmt.where(OutboxMessage.recipient == to)
    if kind:
        stmt = stmt.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(stmt))


def link_in(body: str, path_part: str) -> str:
    """The path of the first absolute link in a mail body that contains ``path_part``."""
    for url in re.findall(r"https?://\S+", body):
        if path_part in url:
            return re.sub(r"^https?://[^/]+", "", url)
    raise AssertionError(f"no link with {path_part!r} in mail:\n{body}")


_HASHES: dict[str, str] = {}


def make_user(role: str, organizations=(), email: str | None = None, password: str = "ein-langes-passwort") -> User:
    """A user (committed). The scrypt hash of each password is computed once per test run."""
    import uuid

    user = User(email=email or f"{role}-{uuid.uuid4().hex[:8]}@example.org", role=role, display_name=role.title())
    if password not in _HASHES:
        user.set_password(password)
        _HASHES[password] = user.password_hash
    user.password_hash = _HASHES[password]
    user.organizations = list(organizations)
    db.session.add(user)
    db.session.commit()
    return user
