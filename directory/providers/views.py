"""The providers' area (/anbieter): their organisations and offers, the offer editor,
locations, the organisation's profile, confirming, archiving, inviting colleagues. Moderators and admins may use every
page here for every organisation. Thin views: the rules live in offer_editing.py."""
from __future__ import annotations

import datetime as dt

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from directory.accounts.auth import safe_next
from directory.accounts.permissions import (
    get_own_offer_or_404,
    get_own_organization_or_404,
    roles_required,
)
from directory.core import maps, tokens
from directory.core.forms import ActionForm
from directory.core.geo import app_geocoder, district_for_point
from directory.core.i18n import current_language
from directory.core.mail import external_url, send_mail
from directory.extensions import db
from directory.models import (
    ChangeRecord,
    District,
    Invitation,
    Location,
    Offer,
    OfferStatus,
    Organization,
    utcnow,
)
from directory.offers import editing, states, vocabulary
from directory.providers import organizations as profiles
from directory.providers.forms import (
    ConfirmForm,
    InviteForm,
    LocationForm,
    OfferForm,
    OrganizationForm,
    form_data,
)

bp = Blueprint("provider", __name__, url_prefix="/anbieter")
EDITORS = ("provider", "moderator")


# --- dashboard ----------------------------------------------------------------------------------

@bp.get("/")
@roles_required("provider")
def dashboard():
    organizations = sorted(current_user.organizations, key=lambda o: o.name.lower())
    org_ids = [o.id for o in organizations]
    offers = list(db.session.scalars(
        select(Offer).where(Offer.organization_id.in_(org_ids))
        .options(selectinload(Offer.locations)).order_by(Offer.title, Offer.id)
    )) if org_ids else []
    revisions = states.open_revisions([o.id for o in offers])
    by_org = {org.id: [] for org in organizations}
    for offer in offers:
        by_org[offer.organization_id].append((offer, revisions.get(offer.id), states.offer_state(offer, revisions.get(offer.id))))
    locations = {org.id: editing.organization_locations(org) for org in organizations}
    return render_template(
        "providers/dashboard.html", organizations=organizations, by_org=by_org, locations=locations,
        action_form=ActionForm(), confirm_form=ConfirmForm(), invite_form=InviteForm(),
        stale_before=dt.date.today() - dt.timedelta(days=current_app.config["STALE_AFTER_DAYS"]),
        can_edit_location=editing.can_edit_location,
    )


# --- the offer editor ------------------------------------------------------------------------------

def _choices(form: OfferForm, vocab: vocabulary.Vocabulary, locations: list[Location]) -> None:
    form.category_code.choices = [SelectChoice("", _("– bitte wählen –"))] + [
        SelectChoice(c, t.label) for c, t in vocab.categories.items()]
    form.challenges.choices = [SelectChoice(c, t.label) for c, t in vocab.challenges.items()]
    form.target_groups.choices = [SelectChoice(c, t.label) for c, t in vocab.target_groups.items()]
    form.languages.choices = [SelectChoice(c, t.label) for c, t in vocab.languages.items()]
    form.locations.choices = [SelectChoice(loc.id, loc.name) for loc in locations]


def _allowed_organizations() -> list[Organization]:
    if current_user.is_staff:
        return list(db.session.scalars(select(Organization).order_by(Organization.name)))
    return sorted(current_user.organizations, key=lambda o: o.name.lower())


@bp.route("/angebote/neu", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new_offer():
    org_id = request.args.get("organisation", "")
    if org_id.isdigit():
        organization = get_own_organization_or_404(int(org_id))
    else:
        allowed = _allowed_organizations()
        if len(allowed) != 1:
            return render_template("providers/choose_organization.html", organizations=allowed)
        organization = allowed[0]
    return _editor(None, organization)


@bp.route("/angebote/<int:offer_id>", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_offer(offer_id: int):
    offer = get_own_offer_or_404(offer_id)
    return _editor(offer, offer.organization)


def _form_url(offer: Offer | None, organization: Organization) -> str:
    if offer is None:
        return url_for("provider.new_offer", organisation=organization.id)
    return url_for("provider.edit_offer", offer_id=offer.id)


def _editor(offer: Offer | None, organization: Organization):
    locale = current_language()
    vocab = vocabulary.load(locale)
    locations = editing.organization_locations(organization)
    revision = None
    if request.method == "GET":
        if offer is not None:
            data, version, revision = editing.editor_state(offer)
        else:
            data, version = editing.empty_data(), 0
        form = OfferForm(data=form_data(data))
        form.version.data = str(version)
        if not locations and offer is None:
            form.new_locations.append_entry()
    else:
        form = OfferForm()
        if offer is not None:
            revision = editing.open_revision(offer)
    _choices(form, vocab, locations)
    ctx = dict(offer=offer, organization=organization, vocab=vocab, revision=revision,
               form_url=_form_url(offer, organization), locations=locations,
               direct=editing.publishes_directly(current_user, organization),
               archived=offer is not None and offer.status == OfferStatus.archived.value)
    if request.method == "GET":
        return _render_editor(form, **ctx)

    action = request.form.get("action", "save")
    status = 200
    if action == "add_slot":
        if len(form.schedules) < form.schedules.max_entries:
            form.schedules.append_entry()
        else:
            flash(_("Höchstens %(n)d Zeilen.", n=form.schedules.max_entries), "error")
        return _render_editor(form, **ctx)
    if action.startswith("remove_slot-"):
        _remove_entry(form.schedules, "schedules-" + action.split("-", 1)[1])
        if not len(form.schedules):
            form.schedules.append_entry()
        return _render_editor(form, **ctx)
    if action == "add_location":
        if len(form.new_locations) < form.new_locations.max_entries:
            form.new_locations.append_entry()
        return _render_editor(form, **ctx)
    if action.startswith("remove_location-"):
        _remove_entry(form.new_locations, "new_locations-" + action.split("-", 1)[1])
        return _render_editor(form, **ctx)
    if action == "geocode":
        _geocode_new_locations(form, force=True)
        return _render_editor(form, **ctx)
    if action == "preview":
        valid = form.validate()
        _geocode_new_locations(form)
        if not valid:
            status = 400
        return _render_editor(form, preview=True, **ctx), status
    if action not in ("save", "submit"):
        abort(400)
    if ctx["archived"]:
        flash(_("Archivierte Angebote können nicht bearbeitet werden. Bitte stellen Sie das Angebot zuerst wieder her."), "error")
        return _render_editor(form, **ctx), 409

    valid = form.validate()
    if action == "submit" and form.submission_errors():
        valid = False
    valid = _geocode_new_locations(form) and valid
    if not valid:
        return _render_editor(form, **ctx), 400
    submitted = form.data_dict()
    new_locations = [e.form.values() for e in form.new_locations if not e.form.is_empty()]
    try:
        expected = int(form.version.data or 0)
    except ValueError:
        abort(400)
    try:
        outcome = editing.save_offer(offer, organization, submitted, current_user, submit=action == "submit",
                                     expected_version=expected if offer is not None else None,
                                     new_locations=new_locations)
        db.session.commit()
    except editing.VersionConflict as conflict:
        db.session.rollback()
        current, version, revision = editing.editor_state(offer)
        form.version.data = str(version)
        last = db.session.scalar(select(ChangeRecord).where(ChangeRecord.offer_id == offer.id)
                                 .order_by(ChangeRecord.id.desc()).limit(1))
        ctx["revision"] = revision
        return _render_editor(
            form, conflict=editing.describe_changes(editing.diff(current, submitted), vocab, locale),
            conflict_by=last, conflict_version=conflict.current_version, **ctx), 409
    except editing.WorkflowError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _render_editor(form, **ctx), 409
    messages = {
        "saved_draft": _("Der Entwurf ist gespeichert. Er ist noch nicht öffentlich."),
        "submitted": _("Danke! Das Angebot ist zur Prüfung eingereicht. Sie bekommen eine Nachricht, sobald es geprüft ist."),
        "published": _("Das Angebot ist veröffentlicht."),
        "updated": _("Die Änderungen sind veröffentlicht."),
        "unchanged": _("Es gab keine Änderungen."),
        "proposal_saved": _("Ihre Änderungen sind als Entwurf gespeichert. Öffentlich sichtbar bleibt die bisherige Fassung, bis Sie die Änderungen einreichen und sie geprüft sind."),
    }
    flash(messages[outcome.result], "info")
    if outcome.withdrawn:
        flash(_("Die Einreichung wurde zurückgezogen, weil Sie weiter bearbeiten. Reichen Sie das Angebot erneut ein, wenn es fertig ist."), "info")
    if outcome.result in ("submitted", "published", "updated"):
        return redirect(_home())
    return redirect(url_for("provider.edit_offer", offer_id=outcome.offer.id))


def _remove_entry(field_list, name: str) -> None:
    field_list.entries = [e for e in field_list.entries if e.name != name]


def _geocode_new_locations(form: OfferForm, force: bool = False) -> bool:
    """Fill lat/lon of new locations from their address; field errors where not found."""
    ok = True
    geocoder = None
    for entry in form.new_locations:
        sub = entry.form
        if sub.is_empty():
            continue
        if not (sub.name.data or sub.address.data):
            sub.name.errors = list(sub.name.errors) + [_("Bitte einen Namen oder eine Adresse angeben.")]
            ok = False
            continue
        if (sub.lat.data is None) != (sub.lon.data is None):
            sub.lat.errors = list(sub.lat.errors) + [_("Bitte Breiten- und Längengrad angeben – oder beide leer lassen.")]
            ok = False
            continue
        if sub.lat.data is not None and not force:
            continue
        if not sub.address.data:
            if sub.lat.data is None:
                sub.address.errors = list(sub.address.errors) + [_("Bitte eine Adresse angeben oder den Punkt auf der Karte setzen.")]
                ok = False
            continue
        geocoder = geocoder or app_geocoder()
        point = geocoder.geocode(" ".join(p for p in (sub.address.data, sub.postcode.data) if p))
        if point is None:
            sub.address.errors = list(sub.address.errors) + [_(
                "Diese Adresse haben wir nicht gefunden. Bitte prüfen Sie die Schreibweise – oder setzen Sie den "
                "Punkt selbst: auf der Karte oder mit Breiten- und Längengrad (z. B. 52.2890 und 8.9160).")]
            ok = False
            continue
        sub.lat.data, sub.lon.data = round(point.lat, 6), round(point.lon, 6)
        # the inputs show raw_data when present: replace it so the found point is displayed
        sub.lat.raw_data, sub.lon.raw_data = [str(sub.lat.data)], [str(sub.lon.data)]
    return ok


def _new_location_info(form: OfferForm, vocab) -> dict[str, str | None]:
    districts = [(d.code, d.boundary_geojson) for d in db.session.scalars(select(District))]
    info = {}
    for entry in form.new_locations:
        sub = entry.form
        if sub.lat.data is not None and sub.lon.data is not None and not sub.lat.errors and not sub.lon.errors:
            code = district_for_point(sub.lat.data, sub.lon.data, districts)
            info[entry.name] = vocab.districts[code].label if code in vocab.districts else _("außerhalb der Stadtteile")
    return info


def _render_editor(form: OfferForm, *, offer, organization, vocab, preview: bool = False, conflict=None,
                   conflict_by=None, conflict_version=None, **ctx):
    info = _new_location_info(form, vocab)
    preview_obj = preview_map = None
    if preview:
        extra = []
        for entry in form.new_locations:
            sub = entry.form
            if not sub.is_empty():
                extra.append(dict(name=sub.name.data or sub.address.data or "", address=sub.address.data or "",
                                  postcode=sub.postcode.data or "", city="Minden", lat=sub.lat.data, lon=sub.lon.data,
                                  district=info.get(entry.name)))
        preview_obj = editing.preview(form.data_dict(), organization, vocab, current_language(), extra)
        points = [{"lat": loc.lat, "lon": loc.lon, "title": loc.name, "address": loc.address}
                  for loc in preview_obj.locations if loc.lat is not None and loc.lon is not None]
        if points:

            preview_map = maps.detail_map(points, maps.map_config(), label=_("Karte der Orte (Vorschau)"), dom_id="preview-map")
    history_url = url_for("moderation.offer_history", offer_id=offer.id) if offer is not None and current_user.is_staff else None
    location_extra = {
        loc.id: ", ".join(p for p in (loc.address, vocab.districts[loc.district_code].label
                                       if loc.district_code in vocab.districts else "") if p)
        for loc in ctx["locations"]
    }
    return render_template(
        "providers/editor.html", form=form, offer=offer, organization=organization, vocab=vocab,
        preview=preview_obj, preview_map=preview_map, conflict=conflict, conflict_by=conflict_by,
        conflict_version=conflict_version, new_location_info=info,
        history_url=history_url, location_extra=location_extra,
        can_edit_location=editing.can_edit_location, **ctx,
    )


# --- actions on an offer --------------------------------------------------------------------------

def _home() -> str:
    return url_for("moderation.offers") if current_user.is_staff else url_for("provider.dashboard")


def _back():
    """Back to the page the button was on (a local path in the form's ``next``), else home."""
    return redirect(safe_next(request.form.get("next")) or _home())


@bp.post("/angebote/<int:offer_id>/bestaetigen")
@roles_required(*EDITORS)
def confirm_offer(offer_id: int):
    offer = get_own_offer_or_404(offer_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if editing.confirm(offer, current_user):
        db.session.commit()
        flash(_("Danke! „%(title)s“ ist als aktuell bestätigt.", title=offer.title), "info")
    else:
        flash(_("Archivierte Angebote können nicht bestätigt werden."), "error")
    return _back()


@bp.post("/angebote/<int:offer_id>/archivieren")
@roles_required(*EDITORS)
def archive_offer(offer_id: int):
    offer = get_own_offer_or_404(offer_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if editing.archive(offer, current_user):
        db.session.commit()
        flash(_("„%(title)s“ ist archiviert und nicht mehr in der Suche. Der Verlauf bleibt erhalten.", title=offer.title), "info")
    else:
        db.session.rollback()
        flash(_("„%(title)s“ war schon archiviert.", title=offer.title), "info")
    return _back()


@bp.post("/angebote/<int:offer_id>/wiederherstellen")
@roles_required(*EDITORS)
def restore_offer(offer_id: int):
    offer = get_own_offer_or_404(offer_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if not editing.restore(offer, current_user):
        db.session.rollback()
        flash(_("„%(title)s“ ist nicht archiviert.", title=offer.title), "info")
        return redirect(url_for("provider.edit_offer", offer_id=offer.id))
    db.session.commit()
    flash(_("„%(title)s“ ist wiederhergestellt – als Entwurf. Reichen Sie es ein, um es wieder zu veröffentlichen.", title=offer.title), "info")
    return redirect(url_for("provider.edit_offer", offer_id=offer.id))


# --- locations --------------------------------------------------------------------------------------

@bp.route("/orte/<int:location_id>", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_location(location_id: int):
    location = db.session.get(Location, location_id)
    if location is None or not editing.can_edit_location(current_user, location):
        abort(404)
    if request.method == "GET":
        form = LocationForm(data={
            "name": location.name, "address": location.address, "postcode": location.postcode,
            "lat": location.lat, "lon": location.lon,
            "wheelchair_accessible": {True: "1", False: "0"}.get(location.wheelchair_accessible, ""),
            "version": str(location.version),
        })
        return render_template("providers/location.html", form=form, location=location, district=_district_name(location))
    form = LocationForm()
    action = request.form.get("action", "save")
    if not form.validate():
        return render_template("providers/location.html", form=form, location=location, district=None), 400
    if action == "geocode" or (form.lat.data is None and form.address.data):
        point = app_geocoder().geocode(" ".join(p for p in (form.address.data, form.postcode.data) if p))
        if point is None:
            form.address.errors = list(form.address.errors) + [_(
                "Diese Adresse haben wir nicht gefunden. Bitte prüfen Sie die Schreibweise – oder setzen Sie den "
                "Punkt selbst: auf der Karte oder mit Breiten- und Längengrad.")]
            return render_template("providers/location.html", form=form, location=location, district=None), 400
        form.lat.data, form.lon.data = round(point.lat, 6), round(point.lon, 6)
        form.lat.raw_data, form.lon.raw_data = [str(form.lat.data)], [str(form.lon.data)]
        if action == "geocode":
            return render_template("providers/location.html", form=form, location=location,
                                   district=_district_name_for(form.lat.data, form.lon.data))
    if (form.lat.data is None) != (form.lon.data is None):
        form.lat.errors = list(form.lat.errors) + [_("Bitte Breiten- und Längengrad angeben – oder beide leer lassen.")]
        return render_template("providers/location.html", form=form, location=location, district=None), 400
    version = form.version.data or ""
    if not (version.isascii() and version.isdigit() and len(version) < 10):
        abort(400)
    fields = ("name", "address", "postcode", "lat", "lon", "district_code", "wheelchair_accessible")
    before = {k: getattr(location, k) for k in fields}
    submitted = {
        "name": form.name.data, "address": form.address.data or "", "postcode": form.postcode.data or "",
        "lat": form.lat.data, "lon": form.lon.data,
        "district_code": _district_code_for(form.lat.data, form.lon.data),
        "wheelchair_accessible": {"1": True, "0": False}.get(form.wheelchair_accessible.data or ""),
    }
    try:
        editing.claim_version(location, int(version))
    except editing.VersionConflict as conflict:
        db.session.rollback()
        db.session.refresh(location)
        current = {k: getattr(location, k) for k in fields}
        form.version.data = str(conflict.current_version)
        form.version.raw_data = [form.version.data]
        vocab = vocabulary.load(current_language())
        last = db.session.scalar(select(ChangeRecord).where(ChangeRecord.location_id == location.id)
                                 .order_by(ChangeRecord.id.desc()).limit(1))
        return render_template(
            "providers/location.html", form=form, location=location, district=_district_name(location),
            conflict=editing.describe_changes(editing.changed_fields(current, submitted), vocab, current_language()),
            conflict_by=last), 409
    for name, value in submitted.items():
        setattr(location, name, value)
    changes = {k: [v, getattr(location, k)] for k, v in before.items() if getattr(location, k) != v}
    if changes:
        editing.record("location_edited", user=current_user, location=location, changes=changes)
    db.session.commit()
    flash(_("Der Ort „%(name)s“ ist gespeichert.", name=location.name), "info")
    return redirect(_home())


def _district_code_for(lat, lon) -> str | None:
    if lat is None or lon is None:
        return None
    return district_for_point(lat, lon, [(d.code, d.boundary_geojson) for d in db.session.scalars(select(District))])


def _district_name_for(lat, lon) -> str | None:
    code = _district_code_for(lat, lon)
    district = db.session.get(District, code) if code else None
    return district.name if district else None


def _district_name(location: Location) -> str | None:
    return location.district.name if location.district else None


# --- the organisation's profile ---------------------------------------------------------------------

@bp.route("/organisationen/<int:organization_id>", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_organization(organization_id: int):
    organization = get_own_organization_or_404(organization_id)
    if request.method == "GET":
        form = OrganizationForm(data={**profiles.profile_data(organization), "version": str(organization.version)})
        return _render_organization(form, organization)
    form = OrganizationForm()
    if not form.validate():
        return _render_organization(form, organization), 400
    version = form.version.data or ""
    if not (version.isascii() and version.isdigit() and len(version) < 10):
        abort(400)
    submitted = {name: getattr(form, name).data for name in profiles.PROFILE_FIELDS}
    try:
        changes = profiles.save_profile(organization, submitted, current_user, int(version))
        db.session.commit()
    except profiles.NameTaken:
        db.session.rollback()
        form.name.errors = list(form.name.errors) + [_(
            "Eine andere Organisation heißt schon so. Bitte wählen Sie einen anderen Namen.")]
        return _render_organization(form, organization), 400
    except profiles.VersionConflict as conflict:
        db.session.rollback()
        db.session.refresh(organization)
        current = profiles.profile_data(organization)
        form.version.data = str(conflict.current_version)
        form.version.raw_data = [form.version.data]
        yours = profiles.clean_values(submitted)
        return _render_organization(
            form, organization, conflict=profiles.describe(editing.changed_fields(current, yours)),
            conflict_by=profiles.last_change(organization)), 409
    if changes:
        flash(_("Das Profil von „%(name)s“ ist gespeichert.", name=organization.name), "info")
    else:
        flash(_("Es gab keine Änderungen."), "info")
    return redirect(url_for("provider.edit_organization", organization_id=organization.id))


def _render_organization(form: OrganizationForm, organization: Organization, **ctx):
    return render_template("providers/organization.html", form=form, organization=organization,
                           history=profiles.history_rows(organization),
                           back_url=url_for("moderation.organizations") if current_user.is_staff
                           else url_for("provider.dashboard"), **ctx)


# --- invitations ----------------------------------------------------------------------------------

@bp.post("/organisationen/<int:organization_id>/einladen")
@roles_required(*EDITORS)
def invite(organization_id: int):
    organization = get_own_organization_or_404(organization_id)
    form = InviteForm()
    if not form.validate_on_submit():
        for error in form.email.errors:
            flash(str(error), "error")
        return redirect(_home()), 303
    email = form.email.data.strip()
    invitation = Invitation(organization=organization, email=email, invited_by_id=current_user.id,
                            expires_at=utcnow() + tokens.invitation_max_age())
    db.session.add(invitation)
    db.session.flush()
    link = external_url("account.accept_invitation", token=tokens.make(tokens.INVITATION, invitation.id))
    send_mail(email, _("Einladung zum Wegweiser: %(org)s", org=organization.name), _(
        "Guten Tag,\n\n%(name)s lädt Sie ein, die Angebote von „%(org)s“ im Wegweiser Minden mit zu pflegen.\n\n"
        "Einladung annehmen (einmalig, %(days)d Tage gültig):\n%(link)s\n\n"
        "Wenn Sie damit nichts anfangen können, ignorieren Sie diese Nachricht einfach.\n",
        name=current_user.display_name or current_user.email, org=organization.name,
        days=current_app.config["INVITATION_MAX_AGE_DAYS"], link=link), kind="invitation")
    db.session.commit()
    flash(_("Die Einladung an %(email)s ist verschickt.", email=email), "info")
    return redirect(_home())


