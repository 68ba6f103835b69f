"""Editing offers: the editor's data, differences, saving with optimistic locking,
moderation (submit, approve, send back), archiving, confirming, and the change history.

The editor works on a plain, JSON-serialisable dict (:func:`data_from_offer`): scalar fields,
sorted code lists, location ids and schedule rows. The same dict is what a provider's
proposal (:class:`~directory.models.OfferRevision`) stores, what :func:`diff` compares and
what the history (:class:`~directory.models.ChangeRecord`) records as ``[old, new]``.

Rules
-----
* An offer that was never published is edited in place (its status stays ``draft`` until it
  is published); submitting it puts a revision into the moderation queue.
* A *published* offer is never changed by a provider's save: the change is stored as an open
  revision (draft or pending) and the public keeps seeing the live offer until a moderator
  approves it. The editor always shows the open revision when there is one.
* Moderators/admins, and members of an approved *trusted* organisation (when
  ``TRUSTED_PUBLISH_DIRECTLY``), publish directly.
* Every save of an existing offer first claims the version it was loaded with
  (``UPDATE offer SET version = version + 1 WHERE id = … AND version = …``); if someone saved
  in between, :class:`VersionConflict` is raised and nothing is written.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from babel.dates import format_date as babel_date
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from directory.core.geo import district_for_point
from directory.core.mail import (
    external_url,
    member_addresses,
    send_mail,
    staff_addresses,
)
from directory.extensions import db
from directory.models import (
    Challenge,
    ChangeRecord,
    District,
    Language,
    Location,
    Offer,
    OfferRevision,
    OfferStatus,
    Organization,
    RevisionState,
    Schedule,
    TargetGroup,
    User,
    offer_location,
    utcnow,
)
from directory.models.concurrency import (  # noqa: F401  (VersionConflict: raised by save_offer)
    VersionConflict,
    claim_transition,
    claim_version,
)
from directory.models.moderation import OPEN_STATES
from directory.offers.schedules import describe, weekday_name

TEXT_FIELDS = ("title", "summary", "description", "plain_summary")
SCALAR_FIELDS = (
    "title", "summary", "description", "plain_summary", "category_code", "is_free", "cost",
    "registration_required", "accessibility", "contact_name", "contact_email", "contact_phone",
    "valid_from", "valid_to",
)
NULLABLE_FIELDS = {"cost", "accessibility", "contact_name", "contact_email", "contact_phone",
                   "valid_from", "valid_to"}
BOOL_FIELDS = {"is_free", "registration_required"}
DATE_FIELDS = {"valid_from", "valid_to"}
LIST_FIELDS = ("challenges", "target_groups", "languages", "locations")
FIELDS = SCALAR_FIELDS + LIST_FIELDS + ("schedules",)
SLOT_KEYS = ("weekday", "date", "opens_at", "closes_at", "valid_from", "valid_to", "note")

FIELD_LABELS = {
    "title": _l("Titel"),
    "summary": _l("Kurzbeschreibung"),
    "description": _l("Beschreibung"),
    "plain_summary": _l("In Einfacher Sprache"),
    "category_code": _l("Art des Angebots"),
    "is_free": _l("Kostenlos"),
    "cost": _l("Kosten"),
    "registration_required": _l("Anmeldung erforderlich"),
    "accessibility": _l("Barrierefreiheit"),
    "contact_name": _l("Ansprechperson"),
    "contact_email": _l("E-Mail für Anfragen"),
    "contact_phone": _l("Telefon für Anfragen"),
    "valid_from": _l("Gültig ab"),
    "valid_to": _l("Gültig bis"),
    "challenges": _l("Herausforderungen"),
    "target_groups": _l("Zielgruppen"),
    "languages": _l("Gesprochene Sprachen"),
    "locations": _l("Orte"),
    "schedules": _l("Termine"),
    "status": _l("Status"),
    "last_confirmed": _l("Zuletzt bestätigt"),
    # locations
    "name": _l("Name des Ortes"),
    "address": _l("Straße und Hausnummer"),
    "postcode": _l("Postleitzahl"),
    "city": _l("Ort"),
    "lat": _l("Breitengrad"),
    "lon": _l("Längengrad"),
    "district_code": _l("Stadtteil"),
    "wheelchair_accessible": _l("Rollstuhlgerecht"),
    # organisations
    "approved": _l("Freigegeben"),
    "trusted": _l("Vertrauenswürdig (veröffentlicht ohne Prüfung)"),
}

ACTION_LABELS = {
    "created": _l("angelegt"),
    "edited": _l("geändert"),
    "proposed": _l("Änderung vorgeschlagen (noch nicht veröffentlicht)"),
    "submitted": _l("zur Prüfung eingereicht"),
    "published": _l("veröffentlicht"),
    "approved": _l("freigegeben"),
    "returned": _l("zurückgegeben"),
    "withdrawn": _l("Einreichung zurückgezogen"),
    "archived": _l("archiviert"),
    "restored": _l("wiederhergestellt (als Entwurf)"),
    "confirmed": _l("als aktuell bestätigt"),
    "imported": _l("importiert"),
    "hidden_stale": _l("aus der Suche ausgeblendet (lange nicht bestätigt)"),
    "translated": _l("Übersetzung gespeichert"),
    "translation_proposed": _l("Übersetzung zur Prüfung eingereicht"),
    "translation_approved": _l("Übersetzung freigegeben"),
    "translation_returned": _l("Übersetzung zurückgegeben"),
    "translation_deleted": _l("Übersetzung gelöscht"),
    "location_created": _l("Ort angelegt"),
    "location_edited": _l("Ort geändert"),
}


class WorkflowError(ValueError):
    """An action that is not possible in the offer's state; the message is for the user."""


# --- the editor's data ---------------------------------------------------------------------

def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, (dt.date, dt.time)) else (value or None)


def _hhmm(value) -> str | None:
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return value[:5] if value else None


def slot_dict(slot: Schedule | dict) -> dict:
    get = slot.get if isinstance(slot, dict) else (lambda k, d=None: getattr(slot, k, d))
    date = get("date")
    weekday = get("weekday")
    return {
        "weekday": None if date else (int(weekday) if weekday not in (None, "") else None),
        "date": _iso(date),
        "opens_at": _hhmm(get("opens_at")),
        "closes_at": _hhmm(get("closes_at")),
        "valid_from": _iso(get("valid_from")),
        "valid_to": _iso(get("valid_to")),
        "note": (get("note") or "").strip(),
    }


def _slot_key(s: dict):
    return (s["date"] or "", -1 if s["weekday"] is None else s["weekday"], s["opens_at"] or "",
            s["closes_at"] or "", s["valid_from"] or "", s["valid_to"] or "", s["note"])


def empty_data() -> dict:
    data: dict[str, Any] = {f: None if f in NULLABLE_FIELDS else "" for f in SCALAR_FIELDS}
    data.update(is_free=True, registration_required=False, category_code=None)
    data.update({f: [] for f in LIST_FIELDS})
    data["schedules"] = []
    return data


def normalise(data: dict) -> dict:
    """Canonical form: stripped strings, None for empty optional values, sorted lists."""
    out = empty_data()
    for f in SCALAR_FIELDS:
        value = data.get(f, out[f])
        if f in BOOL_FIELDS:
            value = bool(value)
        elif f in DATE_FIELDS:
            value = _iso(value)
        elif isinstance(value, str):
            value = value.strip().replace("\r\n", "\n")
        if f in NULLABLE_FIELDS and value in ("", None):
            value = None
        elif value is None and f not in NULLABLE_FIELDS and f != "category_code":
            value = ""
        out[f] = value
    for f in ("challenges", "target_groups", "languages"):
        out[f] = sorted({str(v) for v in data.get(f) or []})
    out["locations"] = sorted({int(v) for v in data.get("locations") or []})
    out["schedules"] = sorted((slot_dict(s) for s in data.get("schedules") or []), key=_slot_key)
    return out


def data_from_offer(offer: Offer) -> dict:
    data = {f: getattr(offer, f) for f in SCALAR_FIELDS}
    data["challenges"] = [c.code for c in offer.challenges]
    data["target_groups"] = [t.code for t in offer.target_groups]
    data["languages"] = [lang.code for lang in offer.languages]
    data["locations"] = [loc.id for loc in offer.locations]
    data["schedules"] = [slot_dict(s) for s in offer.schedules]
    return normalise(data)


def changed_fields(old: dict, new: dict) -> dict[str, list]:
    """``{field: [old, new]}`` of the keys whose values differ (plain records: locations,
    translations; offers use :func:`diff`)."""
    return {k: [old.get(k), new.get(k)] for k in new if old.get(k) != new.get(k)}


def diff(old: dict, new: dict) -> dict[str, list]:
    """Fields whose values differ: ``{field: [old, new]}`` (both normalised)."""
    a, b = normalise(old), normalise(new)
    return {f: [a[f], b[f]] for f in FIELDS if a[f] != b[f]}


def _by_codes(model, codes: list[str]) -> list:
    if not codes:
        return []
    return list(db.session.scalars(select(model).where(model.code.in_(codes))))


def apply_data(offer: Offer, data: dict) -> None:
    """Write the editor data onto the offer (only what differs)."""
    data = normalise(data)
    with db.session.no_autoflush:
        for f in SCALAR_FIELDS:
            value = data[f]
            if f in DATE_FIELDS and value:
                value = dt.date.fromisoformat(value)
            if getattr(offer, f) != value:
                setattr(offer, f, value)
        for f, model in (("challenges", Challenge), ("target_groups", TargetGroup), ("languages", Language)):
            if sorted(x.code for x in getattr(offer, f)) != data[f]:
                setattr(offer, f, _by_codes(model, data[f]))
        if sorted(loc.id for loc in offer.locations) != data["locations"]:
            offer.locations = list(db.session.scalars(select(Location).where(Location.id.in_(data["locations"])))) \
                if data["locations"] else []
        current = sorted((slot_dict(s) for s in offer.schedules), key=_slot_key)
        if current != data["schedules"]:
            offer.schedules = [_schedule(s) for s in data["schedules"]]


def _schedule(s: dict) -> Schedule:
    date = dt.date.fromisoformat(s["date"]) if s["date"] else None
    return Schedule(
        weekday=date.weekday() if date else int(s["weekday"]),
        date=date,
        opens_at=dt.time.fromisoformat(s["opens_at"]),
        closes_at=dt.time.fromisoformat(s["closes_at"]),
        valid_from=dt.date.fromisoformat(s["valid_from"]) if s["valid_from"] else None,
        valid_to=dt.date.fromisoformat(s["valid_to"]) if s["valid_to"] else None,
        note=s["note"] or None,
    )


# --- who may do what -------------------------------------------------------------------------

def publishes_directly(user: User, organization: Organization) -> bool:
    """Staff always; members of an approved, trusted organisation if configured."""
    if user.is_staff:
        return True
    return bool(organization.approved and organization.trusted
                and current_app.config.get("TRUSTED_PUBLISH_DIRECTLY", True))


def organization_locations(organization: Organization) -> list[Location]:
    """Locations a provider may choose for the organisation's offers: its own, and those its
    offers already use (demo data and imports may have locations without an owner)."""

    used = (
        select(offer_location.c.location_id)
        .join(Offer, Offer.id == offer_location.c.offer_id)
        .where(Offer.organization_id == organization.id)
    )
    return list(db.session.scalars(
        select(Location)
        .where(or_(Location.organization_id == organization.id, Location.id.in_(used)))
        .order_by(Location.name, Location.id)
    ))


def own_location_ids(organization: Organization, ids) -> list[int]:
    """The ids among ``ids`` that the organisation may use (see organization_locations);
    any other id – another organisation's place – is dropped."""
    wanted = {int(i) for i in ids or ()}
    if not wanted:
        return []
    allowed = {loc.id for loc in organization_locations(organization)}
    return sorted(wanted & allowed)


def can_edit_location(user: User, location: Location) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_staff or (location.organization_id is not None
                             and location.organization_id in user.organization_ids)


# --- history -----------------------------------------------------------------------------------

def history_values(action: str, *, user: User | None, offer: Offer | None = None,
                   location: Location | None = None, organization: Organization | None = None,
                   changes: dict | None = None, note: str = "") -> dict:
    """The column values of a history record of objects that have their ids (for inserting
    many at once, as the import does; :func:`record` adds one to the session)."""
    org_id = organization.id if organization is not None else (
        offer.organization_id if offer is not None else (location.organization_id if location else None))
    return {"action": action, "user_id": getattr(user, "id", None), "offer_id": getattr(offer, "id", None),
            "location_id": getattr(location, "id", None), "organization_id": org_id, "changes": changes or {},
            "note": note, "version": offer.version if offer is not None else None}


def record(action: str, *, user: User | None, offer: Offer | None = None,
           location: Location | None = None, organization: Organization | None = None,
           changes: dict | None = None, note: str = "") -> ChangeRecord:
    values = history_values(action, user=user, offer=offer, location=location, organization=organization,
                            changes=changes, note=note)
    del values["offer_id"], values["location_id"]  # by the relationships: the objects may be new
    entry = ChangeRecord(offer=offer, location=location, **values)
    db.session.add(entry)
    return entry


def history(offer: Offer) -> list[ChangeRecord]:
    """The offer's history and that of its locations, newest first."""
    location_ids = [loc.id for loc in offer.locations]
    clause = ChangeRecord.offer_id == offer.id
    if location_ids:
        clause = or_(clause, ChangeRecord.location_id.in_(location_ids))
    return list(db.session.scalars(
        select(ChangeRecord).where(clause).order_by(ChangeRecord.at.desc(), ChangeRecord.id.desc())
    ))


# --- revisions -----------------------------------------------------------------------------------

def open_revision(offer: Offer) -> OfferRevision | None:
    if offer.id is None:
        return None
    return db.session.scalar(
        select(OfferRevision)
        .where(OfferRevision.offer_id == offer.id, OfferRevision.state.in_(OPEN_STATES))
        .order_by(OfferRevision.id.desc())
        .limit(1)
    )


def editor_state(offer: Offer) -> tuple[dict, int, OfferRevision | None]:
    """(data to show in the editor, version to send back, the open revision if any)."""
    revision = open_revision(offer)
    if offer.is_published and revision is not None:
        return normalise(revision.data), offer.version, revision
    return data_from_offer(offer), offer.version, revision


@dataclass
class SaveOutcome:
    offer: Offer
    result: str  # saved_draft | submitted | published | updated | proposal_saved | unchanged
    withdrawn: bool = False
    created_locations: list[Location] = field(default_factory=list)


def create_location(organization: Organization, values: dict, user: User) -> Location:
    """A new location of the organisation; its district is derived from its point."""
    lat, lon = values.get("lat"), values.get("lon")
    district = None
    if lat is not None and lon is not None:
        districts = [(d.code, d.boundary_geojson) for d in db.session.scalars(select(District))]
        district = district_for_point(float(lat), float(lon), districts)
    loc = Location(
        organization=organization, name=values["name"].strip(), address=(values.get("address") or "").strip(),
        postcode=(values.get("postcode") or "").strip(), city=(values.get("city") or "Minden").strip() or "Minden",
        lat=lat, lon=lon, district_code=district,
        wheelchair_accessible=values.get("wheelchair_accessible"),
    )
    db.session.add(loc)
    db.session.flush()
    record("location_created", user=user, location=loc, organization=organization,
           changes={k: [None, getattr(loc, k)] for k in ("name", "address", "postcode", "lat", "lon", "district_code")})
    return loc


def save_offer(offer: Offer | None, organization: Organization, data: dict, user: User, *,
               submit: bool, expected_version: int | None = None,
               new_locations: list[dict] = ()) -> SaveOutcome:
    """Save the editor's data (see the module docstring for the rules). The caller commits,
    or rolls back on VersionConflict/WorkflowError."""
    if offer is not None:
        if offer.status == OfferStatus.archived.value:
            raise WorkflowError(str(_l("Archivierte Angebote können nicht bearbeitet werden. Bitte stellen Sie das Angebot zuerst wieder her.")))
        claim_version(offer, offer.version if expected_version is None else expected_version)
    data = normalise(data)
    data["locations"] = own_location_ids(organization, data["locations"])
    created = [create_location(organization, values, user) for values in new_locations]
    if created:
        data["locations"] = sorted(set(data["locations"]) | {loc.id for loc in created})
    direct = publishes_directly(user, organization)
    member = organization.id in user.organization_ids

    if offer is None:
        offer = Offer(organization=organization, status=OfferStatus.draft.value, version=1)
        db.session.add(offer)
        apply_data(offer, data)
        db.session.flush()
        record("created", user=user, offer=offer, changes=diff(empty_data(), data))
        return _after_unpublished_save(offer, organization, data, user, submit, direct, member, created)

    if not offer.is_published:
        before = data_from_offer(offer)
        apply_data(offer, data)
        changes = diff(before, data)
        if changes:
            record("edited", user=user, offer=offer, changes=changes)
        return _after_unpublished_save(offer, organization, data, user, submit, direct, member, created)

    # a published offer: the public keeps the live version unless the change is published now
    revision = open_revision(offer)
    if submit and direct:
        before = data_from_offer(offer)
        apply_data(offer, data)
        changes = diff(before, data)
        if member:
            offer.last_confirmed = dt.date.today()
        if revision is not None:
            by_other = revision.created_by_id not in (None, user.id)
            _close(revision, RevisionState.approved, user)
            record("approved" if by_other else "edited", user=user, offer=offer, changes=changes,
                   note=str(_l("Vorschlag von %(name)s", name=_name(revision.created_by))) if by_other else "")
            if by_other:
                _notify_provider(revision, approved=True)
        elif changes:
            record("edited", user=user, offer=offer, changes=changes)
        return SaveOutcome(offer, "updated" if changes else "unchanged", created_locations=created)

    previous = normalise(revision.data) if revision is not None else data_from_offer(offer)
    if revision is None:
        revision = OfferRevision(offer=offer, created_by_id=user.id, data=data, state=RevisionState.draft.value)
        db.session.add(revision)
    withdrawn = False
    revision.data = data
    revision.base_version = offer.version
    if not user.is_staff:
        revision.created_by_id = user.id
    changes = diff(previous, data)
    if submit:
        revision.state = RevisionState.pending.value
        revision.submitted_at = utcnow()
        record("submitted", user=user, offer=offer, changes=changes)
        _notify_staff_of_submission(offer, change=True)
        return SaveOutcome(offer, "submitted", created_locations=created)
    if revision.state == RevisionState.pending.value and not user.is_staff:
        revision.state = RevisionState.draft.value
        withdrawn = True
    if changes:
        record("proposed", user=user, offer=offer, changes=changes)
    return SaveOutcome(offer, "proposal_saved", withdrawn=withdrawn, created_locations=created)


def _after_unpublished_save(offer, organization, data, user, submit, direct, member, created) -> SaveOutcome:
    revision = open_revision(offer)
    if submit:
        if direct and organization.approved:
            if revision is not None:
                _close(revision, RevisionState.approved, user)
            _publish(offer, user)
            return SaveOutcome(offer, "published", created_locations=created)
        if revision is None:
            revision = OfferRevision(offer=offer, created_by_id=user.id)
            db.session.add(revision)
        revision.data = data
        revision.base_version = offer.version
        revision.state = RevisionState.pending.value
        revision.submitted_at = utcnow()
        if not user.is_staff:
            revision.created_by_id = user.id
        record("submitted", user=user, offer=offer)
        _notify_staff_of_submission(offer, change=False)
        return SaveOutcome(offer, "submitted", created_locations=created)
    withdrawn = False
    if revision is not None:
        revision.data = data
        if revision.state == RevisionState.pending.value and not user.is_staff:
            revision.state = RevisionState.draft.value
            withdrawn = True
            record("withdrawn", user=user, offer=offer)
    return SaveOutcome(offer, "saved_draft", withdrawn=withdrawn, created_locations=created)


def _publish(offer: Offer, user: User | None) -> None:
    offer.status = OfferStatus.published.value
    offer.last_confirmed = dt.date.today()
    record("published", user=user, offer=offer)


def _close(revision: OfferRevision, state: RevisionState, user: User | None, reason: str = "") -> None:
    revision.state = state.value
    revision.decided_by_id = getattr(user, "id", None)
    revision.decided_at = utcnow()
    if reason:
        revision.reason = reason


def _name(user: User | None) -> str:
    if user is None:
        return str(_l("unbekannt"))
    return user.display_name or user.email


# --- moderation -------------------------------------------------------------------------------------

def pending_revisions() -> list[OfferRevision]:
    return list(db.session.scalars(
        select(OfferRevision)
        .where(OfferRevision.state == RevisionState.pending.value)
        .order_by(OfferRevision.submitted_at, OfferRevision.id)
    ))


def _already_decided(revision: OfferRevision) -> WorkflowError:
    by = _name(revision.decided_by) if revision.decided_by_id else None
    if revision.state == RevisionState.approved.value:
        text = _l("Dieser Vorschlag wurde schon freigegeben (von %(name)s).", name=by) if by else \
            _l("Dieser Vorschlag wurde schon freigegeben.")
    elif revision.state == RevisionState.returned.value:
        text = _l("Dieser Vorschlag wurde schon zurückgegeben (von %(name)s).", name=by) if by else \
            _l("Dieser Vorschlag wurde schon zurückgegeben.")
    else:
        text = _l("Dieser Vorschlag wurde schon bearbeitet.")
    return WorkflowError(str(text))


def _decide(revision: OfferRevision, state: RevisionState, moderator: User, reason: str = "") -> None:
    """Close a pending revision – only if it is still pending (one winner among concurrent
    moderators); the others get WorkflowError with who decided."""
    values = {"state": state.value, "decided_by_id": moderator.id, "decided_at": utcnow()}
    if reason:
        values["reason"] = reason
    if not claim_transition(revision, {"state": RevisionState.pending.value}, values):
        raise _already_decided(revision)


def approve(revision: OfferRevision, moderator: User) -> Offer:
    """Apply the revision to the offer and publish it (once, however many moderators click)."""
    offer = revision.offer
    if revision.state != RevisionState.pending.value:
        raise _already_decided(revision)
    if offer.status == OfferStatus.archived.value:
        raise WorkflowError(str(_l("Das Angebot ist archiviert.")))
    if not offer.organization.approved:
        raise WorkflowError(str(_l("Die Organisation ist noch nicht freigegeben. Bitte geben Sie zuerst die Organisation frei.")))
    _decide(revision, RevisionState.approved, moderator)
    before = data_from_offer(offer)
    apply_data(offer, revision.data)
    claim_version(offer, offer.version)
    changes = diff(before, revision.data)
    was_published = offer.is_published
    offer.status = OfferStatus.published.value
    offer.last_confirmed = dt.date.today()
    record("approved", user=moderator, offer=offer, changes=changes if was_published else {},
           note=str(_l("Vorschlag von %(name)s", name=_name(revision.created_by))))
    _notify_provider(revision, approved=True)
    return offer


def send_back(revision: OfferRevision, moderator: User, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(str(_l("Bitte geben Sie einen Grund an, damit der Anbieter weiß, was zu tun ist.")))
    if revision.state != RevisionState.pending.value:
        raise _already_decided(revision)
    _decide(revision, RevisionState.returned, moderator, reason)
    record("returned", user=moderator, offer=revision.offer, note=reason)
    _notify_provider(revision, approved=False)


def approve_organization(organization: Organization, moderator: User, trusted: bool = False) -> bool:
    """Approve the organisation; False (nothing recorded, no mail) if it already was."""
    if not claim_transition(organization, {"approved": False}, {"approved": True, "trusted": bool(trusted)},
                            bump_version=True):
        return False
    record("edited", user=moderator, organization=organization,
           changes={"approved": [False, True], **({"trusted": [False, True]} if trusted else {})},
           note=str(_l("Organisation freigegeben")))
    send_mail(
        member_addresses(organization.id),
        str(_l("Wegweiser: Ihre Organisation ist freigegeben")),
        str(_l("Guten Tag,\n\ndie Organisation „%(org)s“ ist jetzt im Wegweiser freigegeben. "
               "Eingereichte Angebote werden nun geprüft und veröffentlicht.\n\nIhre Angebote: %(url)s\n",
               org=organization.name, url=external_url("provider.dashboard"))),
        kind="organization_approved",
    )
    return True


def set_trusted(organization: Organization, moderator: User, trusted: bool) -> bool:
    """Change whether the organisation publishes without review; False if it already was so."""
    old = bool(organization.trusted)
    if old == bool(trusted) or not claim_transition(organization, {"trusted": old}, {"trusted": bool(trusted)},
                                                    bump_version=True):
        return False
    record("edited", user=moderator, organization=organization, changes={"trusted": [old, bool(trusted)]})
    return True


def _notify_staff_of_submission(offer: Offer, change: bool) -> None:

    subject = _l("Wegweiser: Änderung zur Prüfung – %(title)s", title=offer.title) if change else \
        _l("Wegweiser: neues Angebot zur Prüfung – %(title)s", title=offer.title)
    send_mail(
        staff_addresses(), str(subject),
        str(_l("„%(title)s“ von %(org)s wartet auf Prüfung:\n%(url)s\n",
               title=offer.title, org=offer.organization.name, url=external_url("moderation.queue"))),
        kind="submitted",
    )


def _notify_provider(revision: OfferRevision, approved: bool) -> None:

    user = revision.created_by
    if user is None or not user.active:
        return
    offer = revision.offer
    if approved:
        subject = _l("Wegweiser: „%(title)s“ ist veröffentlicht", title=offer.title)
        body = _l("Guten Tag,\n\n„%(title)s“ wurde geprüft und ist jetzt veröffentlicht:\n%(url)s\n",
                  title=offer.title, url=external_url("public.offer_detail", offer_id=offer.id))
    else:
        subject = _l("Wegweiser: „%(title)s“ braucht noch Änderungen", title=offer.title)
        body = _l("Guten Tag,\n\n„%(title)s“ wurde zur Überarbeitung zurückgegeben. Begründung:\n\n%(reason)s\n\n"
                  "Zum Angebot: %(url)s\n",
                  title=offer.title, reason=revision.reason,
                  url=external_url("provider.edit_offer", offer_id=offer.id))
    send_mail(user.email, str(subject), str(body), kind="moderation_result")


# --- archive, restore, confirm ----------------------------------------------------------------------

def archive(offer: Offer, user: User) -> bool:
    """Archive the offer; False if it already was (by this or a concurrent request)."""
    old = offer.status
    if old == OfferStatus.archived.value or not claim_transition(
            offer, {"status": old}, {"status": OfferStatus.archived.value}, bump_version=True):
        return False
    revision = open_revision(offer)
    if revision is not None:
        _close(revision, RevisionState.superseded, user)
    record("archived", user=user, offer=offer, changes={"status": [old, offer.status]})
    return True


def restore(offer: Offer, user: User) -> bool:
    """Bring an archived offer back as a draft; False if it was not archived (any more)."""
    if offer.status != OfferStatus.archived.value or not claim_transition(
            offer, {"status": OfferStatus.archived.value}, {"status": OfferStatus.draft.value}, bump_version=True):
        return False
    record("restored", user=user, offer=offer, changes={"status": [OfferStatus.archived.value, offer.status]})
    return True


def confirm(offer: Offer, user: User | None, today: dt.date | None = None, note: str = "") -> bool:
    """Mark the offer as still current; False if it cannot be confirmed (archived)."""
    if offer.status == OfferStatus.archived.value:
        return False
    today = today or dt.date.today()
    old = offer.last_confirmed
    if old != today and claim_transition(offer, {"last_confirmed": old}, {"last_confirmed": today}):
        record("confirmed", user=user, offer=offer,
               changes={"last_confirmed": [_iso(old), today.isoformat()]}, note=note)
    return True


# --- showing data and changes -----------------------------------------------------------------------

def _labels(vocab) -> dict[str, dict[str, str]]:
    return {
        "category_code": {k: t.label for k, t in vocab.categories.items()},
        "challenges": {k: t.label for k, t in vocab.challenges.items()},
        "target_groups": {k: t.label for k, t in vocab.target_groups.items()},
        "languages": {k: t.label for k, t in vocab.languages.items()},
        "district_code": {k: t.label for k, t in vocab.districts.items()},
    }


def slot_text(s: dict, locale: str) -> str:


    s = slot_dict(s)
    if s["date"]:
        day = babel_date(dt.date.fromisoformat(s["date"]), "full", locale=locale)
    elif s["weekday"] is not None:
        day = str(_l("jeden %(day)s", day=weekday_name(s["weekday"], locale)))
    else:
        day = "?"
    text = f"{day}, {s['opens_at'] or '?'}–{s['closes_at'] or '?'}"
    if s["valid_from"] or s["valid_to"]:
        text += f" ({s['valid_from'] or '…'} – {s['valid_to'] or '…'})"
    if s["note"]:
        text += f" – {s['note']}"
    return text


def format_value(name: str, value, vocab, locale: str, location_names: dict[int, str]) -> str:
    """A stored value as text for the history and the conflict table."""
    if value is None or value == "" or value == []:
        return "–"
    if name in BOOL_FIELDS or isinstance(value, bool):
        return str(_l("ja")) if value else str(_l("nein"))
    labels = _labels(vocab).get(name)
    if name == "locations":
        return "; ".join(location_names.get(int(v), f"#{v}") for v in value)
    if name == "schedules":
        return "; ".join(slot_text(s, locale) for s in value)
    if isinstance(value, list):
        return ", ".join((labels or {}).get(v, str(v)) for v in value)
    if labels is not None:
        return labels.get(value, str(value))
    return str(value)


def location_names(ids) -> dict[int, str]:
    ids = {int(i) for i in ids}
    if not ids:
        return {}
    return {
        loc.id: f"{loc.name} ({loc.address})" if loc.address else loc.name
        for loc in db.session.scalars(select(Location).where(Location.id.in_(ids)))
    }


def describe_changes(changes: dict, vocab, locale: str) -> list[tuple[str, str, str]]:
    """[(field label, old text, new text)] for a ``{field: [old, new]}`` dict."""
    ids = set()
    for name, (old, new) in changes.items():
        if name == "locations":
            ids.update(old or [])
            ids.update(new or [])
    names = location_names(ids)
    order = {f: i for i, f in enumerate(FIELDS)}
    return [
        (str(FIELD_LABELS.get(name, name)), format_value(name, old, vocab, locale, names),
         format_value(name, new, vocab, locale, names))
        for name, (old, new) in sorted(changes.items(), key=lambda kv: order.get(kv[0], 99))
    ]


def preview(data: dict, organization: Organization, vocab, locale: str,
            extra_locations: list[dict] = ()) -> SimpleNamespace:
    """A plain object with what the offer page shows, built from editor data (never an ORM
    object, so nothing can be flushed by accident)."""

    data = normalise(data)
    locations = []
    ids = own_location_ids(organization, data["locations"])
    if ids:
        for loc in db.session.scalars(select(Location).where(Location.id.in_(ids)).order_by(Location.name)):
            locations.append(SimpleNamespace(name=loc.name, address=loc.address, postcode=loc.postcode,
                                             city=loc.city, lat=loc.lat, lon=loc.lon,
                                             district=vocab.districts[loc.district_code].label
                                             if loc.district_code in vocab.districts else None))
    for loc in extra_locations:
        locations.append(SimpleNamespace(**loc))
    slots = [(s, describe(_schedule(s), locale)) for s in data["schedules"]
             if s["opens_at"] and s["closes_at"] and (s["date"] or s["weekday"] is not None)]
    labels = _labels(vocab)
    return SimpleNamespace(
        **{f: data[f] for f in SCALAR_FIELDS},
        organization=organization,
        category=labels["category_code"].get(data["category_code"] or "", ""),
        challenges=[(c, vocab.challenges[c].label, vocab.fields[vocab.challenges[c].group].label)
                    for c in data["challenges"] if c in vocab.challenges],
        target_groups=[labels["target_groups"].get(t, t) for t in data["target_groups"]],
        languages=[(code, vocab.languages[code].extra.get("native", code) if code in vocab.languages else code,
                    labels["languages"].get(code, code)) for code in data["languages"]],
        locations=locations,
        slots=slots,
    )
