"""An organisation's public profile: name, description, website, e-mail and phone – what the
offer pages and the open data show of the provider.

Members of the organisation and staff edit it. A save names the version the form was loaded
with (:func:`~directory.models.concurrency.claim_version`); a save in between raises
:class:`VersionConflict` and nothing is written. A name must not be another organisation's
(compared without case and extra spaces). There is no moderation step for profiles: every
change is applied at once and written to the change history (``ChangeRecord`` with the
organisation, ``{field: [old, new]}``); when a member of an organisation that is not trusted
changes it, the moderators get a mail with the changes.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from directory.core.mail import external_url, send_mail, staff_addresses
from directory.extensions import db
from directory.models import ChangeRecord, Organization, User
from directory.models.concurrency import VersionConflict, claim_version
from directory.offers.editing import ACTION_LABELS, FIELD_LABELS, changed_fields, record

__all__ = ["PROFILE_FIELDS", "PROFILE_LABELS", "NameTaken", "VersionConflict", "normalise_name", "name_taken",
           "clean_values", "profile_data", "save_profile", "describe", "history", "history_rows",
           "last_change"]

PROFILE_FIELDS = ("name", "description", "website", "email", "phone")
PROFILE_LABELS = {
    "name": _l("Name der Organisation"),
    "description": _l("Beschreibung"),
    "website": _l("Website"),
    "email": _l("E-Mail-Adresse"),
    "phone": _l("Telefon"),
}
NULLABLE = {"website", "email", "phone"}
HISTORY_LABELS = {**FIELD_LABELS, **PROFILE_LABELS}


class NameTaken(ValueError):
    """Another organisation already has this name."""


def normalise_name(name: str) -> str:
    return " ".join((name or "").split())


def name_taken(name: str, exclude_id: int | None = None) -> bool:
    """Whether another organisation has the name (case-insensitive, spaces normalised)."""
    stmt = select(Organization.id).where(func.lower(Organization.name) == normalise_name(name).lower())
    if exclude_id is not None:
        stmt = stmt.where(Organization.id != exclude_id)
    return db.session.scalar(stmt.limit(1)) is not None


def profile_data(organization: Organization) -> dict:
    return {name: getattr(organization, name) for name in PROFILE_FIELDS}


def clean_values(values: dict) -> dict:
    data = {}
    for name in PROFILE_FIELDS:
        value = values.get(name)
        value = value.strip() if isinstance(value, str) else value
        data[name] = (value or None) if name in NULLABLE else (value or "")
    data["name"] = normalise_name(data["name"])
    return data


def save_profile(organization: Organization, values: dict, user: User, expected_version: int) -> dict:
    """Apply the profile ``values``; returns the changes ``{field: [old, new]}`` (also
    recorded in the history). Raises NameTaken or VersionConflict (nothing written); the
    caller commits."""
    data = clean_values(values)
    if data["name"] != organization.name and name_taken(data["name"], exclude_id=organization.id):
        raise NameTaken(data["name"])
    claim_version(organization, expected_version)
    changes = changed_fields(profile_data(organization), data)
    for name, (_old, new) in changes.items():
        setattr(organization, name, new)
    if changes:
        entry = record("edited", user=user, organization=organization, changes=changes,
                       note=str(_l("Profil der Organisation geändert")))
        entry.version = organization.version
        if not organization.trusted and not user.is_staff:
            _notify_staff(organization, user, changes)
    return changes


def _notify_staff(organization: Organization, user: User, changes: dict) -> None:
    lines = "\n".join(f"{PROFILE_LABELS[k]}: {old or '–'} → {new or '–'}" for k, (old, new) in changes.items())
    send_mail(
        staff_addresses(),
        str(_l("Wegweiser: Profil geändert – %(org)s", org=organization.name)),
        str(_l("%(person)s hat das Profil von „%(org)s“ geändert (gilt sofort):\n\n%(lines)s\n\n"
               "Zum Profil: %(url)s\n", person=user.display_name or user.email, org=organization.name,
               lines=lines, url=external_url("provider.edit_organization", organization_id=organization.id))),
        kind="organization_edited",
    )


def _text(value) -> str:
    if isinstance(value, bool):
        return str(_l("ja")) if value else str(_l("nein"))
    return "–" if value in (None, "") else str(value)


def describe(changes: dict) -> list[tuple[str, str, str]]:
    """[(label, old text, new text)] for the conflict table and the history, profile fields
    in the form's order, then the others (approval, trust)."""
    order = {name: i for i, name in enumerate(PROFILE_FIELDS)}
    return [(str(HISTORY_LABELS.get(name, name)), _text(old), _text(new))
            for name, (old, new) in sorted(changes.items(), key=lambda kv: order.get(kv[0], 99))]


def _profile_records():
    return select(ChangeRecord).where(ChangeRecord.offer_id.is_(None), ChangeRecord.location_id.is_(None))


def history(organization: Organization, limit: int = 10) -> list[ChangeRecord]:
    """The organisation's own history entries (not its offers' or locations'), newest first."""
    return list(db.session.scalars(
        _profile_records().where(ChangeRecord.organization_id == organization.id)
        .order_by(ChangeRecord.id.desc()).limit(limit)))


def history_rows(organization: Organization, limit: int = 10) -> list[tuple[ChangeRecord, str, list]]:
    """(entry, action label, described changes) of :func:`history`."""
    return [(e, str(ACTION_LABELS.get(e.action, e.action)), describe(e.changes or {}))
            for e in history(organization, limit)]


def last_change(organization: Organization) -> ChangeRecord | None:
    entries = history(organization, limit=1)
    return entries[0] if entries else None
