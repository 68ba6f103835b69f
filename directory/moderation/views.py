"""Moderation (/moderation): the queue of new organisations and submitted offers, review with
differences and preview, approve or send back with a reason, all offers, an offer's history,
offers hidden because nobody confirmed them, the import upload and (admins) the mail outbox and
the user accounts (role, active or not)."""
from __future__ import annotations

from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from directory.accounts import users as accounts
from directory.accounts.auth import home_for
from directory.accounts.forms import UserAdminForm
from directory.accounts.permissions import roles_required
from directory.core import maps, paging
from directory.core.forms import ActionForm
from directory.core.geo import app_geocoder
from directory.core.i18n import current_language
from directory.core.mail import outbox
from directory.core.params import Params
from directory.extensions import db
from directory.models import (
    ImportRun,
    ImportState,
    InfoReport,
    Offer,
    OfferRevision,
    OfferTranslation,
    Organization,
    User,
    membership,
)
from directory.moderation.forms import (
    ApproveOrganizationForm,
    ImportUploadForm,
    ReturnForm,
    import_mapping_form,
    mapping_from,
)
from directory.offers import (
    editing,
    freshness,
    import_jobs,
    importer,
    reports,
    vocabulary,
)
from directory.offers.states import offer_state, open_revisions
from directory.providers import translations as offer_translations

bp = Blueprint("moderation", __name__, url_prefix="/moderation")
PER_PAGE = 50
OFFER_STATES = ("draft", "published", "archived")
STAFF = ("moderator",)  # admins always pass roles_required


def _members(org_ids) -> dict[int, list[User]]:
    out: dict[int, list[User]] = {i: [] for i in org_ids}
    if not org_ids:
        return out
    rows = db.session.execute(
        select(membership.c.organization_id, User).join(User, User.id == membership.c.user_id)
        .where(membership.c.organization_id.in_(org_ids)).order_by(User.id)
    )
    for org_id, user in rows:
        out[org_id].append(user)
    return out


@bp.get("/")
@roles_required(*STAFF)
def queue():
    organizations = list(db.session.scalars(
        select(Organization).where(Organization.approved.is_(False)).order_by(Organization.created_at, Organization.id)
    ))
    revisions = editing.pending_revisions()
    hidden = db.session.scalar(select(func.count()).select_from(freshness.hidden_offers().subquery()))
    return render_template(
        "moderation/queue.html", organizations=organizations, members=_members([o.id for o in organizations]),
        revisions=revisions, hidden_count=hidden, approve_org_form=ApproveOrganizationForm(),
        translations=offer_translations.pending_translations(),
        language_name=offer_translations.language_name,
        report_count=reports.open_count(),
    )


def _revision_or_404(revision_id: int) -> OfferRevision:
    revision = db.session.get(OfferRevision, revision_id)
    if revision is None:
        abort(404)
    return revision


@bp.get("/vorschlaege/<int:revision_id>")
@roles_required(*STAFF)
def review(revision_id: int):
    return _render_review(_revision_or_404(revision_id), ReturnForm())


def _render_review(revision: OfferRevision, return_form: ReturnForm, status: int = 200):
    locale = current_language()
    vocab = vocabulary.load(locale)
    offer = revision.offer
    live = editing.data_from_offer(offer)
    changes = editing.describe_changes(editing.diff(live, revision.data), vocab, locale) if offer.is_published else None
    preview = editing.preview(revision.data, offer.organization, vocab, locale)
    points = [{"lat": loc.lat, "lon": loc.lon, "title": loc.name, "address": loc.address}
              for loc in preview.locations if loc.lat is not None]

    preview_map = maps.detail_map(points, maps.map_config(), label=_("Karte der Orte (Vorschau)"), dom_id="preview-map") if points else None
    return render_template(
        "moderation/review.html", revision=revision, offer=offer, changes=changes, preview=preview,
        preview_map=preview_map, return_form=return_form, approve_form=ActionForm(),
        outdated=offer.is_published and revision.base_version != offer.version,
    ), status


@bp.post("/vorschlaege/<int:revision_id>/freigeben")
@roles_required(*STAFF)
def approve(revision_id: int):
    revision = _revision_or_404(revision_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        offer = editing.approve(revision, current_user)
    except editing.WorkflowError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("moderation.review", revision_id=revision_id)), 303
    except editing.VersionConflict:
        db.session.rollback()
        flash(_("Das Angebot wurde gerade gespeichert. Bitte prüfen Sie den Vorschlag noch einmal."), "error")
        return redirect(url_for("moderation.review", revision_id=revision_id)), 303
    db.session.commit()
    flash(_("„%(title)s“ ist freigegeben und veröffentlicht.", title=offer.title), "info")
    return redirect(url_for("moderation.queue"))


@bp.post("/vorschlaege/<int:revision_id>/zurueckgeben")
@roles_required(*STAFF)
def send_back(revision_id: int):
    revision = _revision_or_404(revision_id)
    form = ReturnForm()
    if not form.validate_on_submit():
        return _render_review(revision, form, 400)
    try:
        editing.send_back(revision, current_user, form.reason.data)
    except editing.WorkflowError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("moderation.review", revision_id=revision_id))
    db.session.commit()
    flash(_("„%(title)s“ ist mit Ihrer Begründung an den Anbieter zurückgegeben.", title=revision.offer.title), "info")
    return redirect(url_for("moderation.queue"))


# --- translations proposed by organisations that are not trusted ------------------------------------

def _translation_or_404(translation_id: int) -> OfferTranslation:
    return db.session.get(OfferTranslation, translation_id) or abort(404)


@bp.get("/uebersetzungen/<int:translation_id>")
@roles_required(*STAFF)
def review_translation(translation_id: int):
    return _render_translation(_translation_or_404(translation_id), ReturnForm())


def _render_translation(translation: OfferTranslation, return_form: ReturnForm, status: int = 200):
    from directory.models import TRANSLATED_FIELDS, User
    author = db.session.get(User, translation.pending_by) if translation.pending_by else None
    rows = [(name, getattr(translation.offer, name) or "", getattr(translation, name) or "",
             (translation.pending or {}).get(name, "")) for name in TRANSLATED_FIELDS]
    return render_template(
        "moderation/translation.html", translation=translation, offer=translation.offer, rows=rows,
        author=author, language_name=offer_translations.language_name(translation.language_code),
        return_form=return_form, approve_form=ActionForm(), labels=editing.FIELD_LABELS,
    ), status


def _version_field() -> int:
    raw = request.form.get("version", "")
    if not (raw.isascii() and raw.isdigit() and len(raw) < 10):
        abort(400)
    return int(raw)


@bp.post("/uebersetzungen/<int:translation_id>/freigeben")
@roles_required(*STAFF)
def approve_translation(translation_id: int):
    translation = _translation_or_404(translation_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        offer_translations.approve_pending(translation, current_user, _version_field())
    except offer_translations.TranslationDecided as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("moderation.review_translation", translation_id=translation_id)), 303
    db.session.commit()
    flash(_("Die Übersetzung von „%(title)s“ ist freigegeben.", title=translation.offer.title), "info")
    return redirect(url_for("moderation.queue"))


@bp.post("/uebersetzungen/<int:translation_id>/zurueckgeben")
@roles_required(*STAFF)
def return_translation(translation_id: int):
    translation = _translation_or_404(translation_id)
    form = ReturnForm()
    if not form.validate_on_submit():
        return _render_translation(translation, form, 400)
    title = translation.offer.title
    try:
        offer_translations.return_pending(translation, current_user, _version_field(), form.reason.data)
    except offer_translations.TranslationDecided as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("moderation.review_translation", translation_id=translation_id)), 303
    db.session.commit()
    flash(_("Die Übersetzung von „%(title)s“ ist mit Ihrer Begründung zurückgegeben.", title=title), "info")
    return redirect(url_for("moderation.queue"))


# --- organisations ----------------------------------------------------------------------------------

@bp.get("/organisationen")
@roles_required(*STAFF)
def organizations():
    orgs = list(db.session.scalars(select(Organization).order_by(Organization.approved, func.lower(Organization.name))))
    counts = dict(db.session.execute(
        select(Offer.organization_id, func.count(Offer.id)).group_by(Offer.organization_id)).all())
    return render_template("moderation/organizations.html", organizations=orgs, counts=counts,
                           members=_members([o.id for o in orgs]), form=ApproveOrganizationForm())


@bp.post("/organisationen/<int:organization_id>/freigeben")
@roles_required(*STAFF)
def approve_organization(organization_id: int):
    org = db.session.get(Organization, organization_id) or abort(404)
    form = ApproveOrganizationForm()
    if not form.validate_on_submit():
        abort(400)
    if org.approved or not editing.approve_organization(org, current_user, trusted=form.trusted.data):
        db.session.rollback()
        flash(_("„%(name)s“ ist schon freigegeben.", name=org.name), "info")
    else:
        db.session.commit()
        flash(_("„%(name)s“ ist freigegeben.", name=org.name), "info")
    return redirect(request.referrer if (request.referrer or "").startswith(request.host_url) else url_for("moderation.queue"))


@bp.post("/organisationen/<int:organization_id>/vertrauen")
@roles_required(*STAFF)
def set_trusted(organization_id: int):
    org = db.session.get(Organization, organization_id) or abort(404)
    form = ApproveOrganizationForm()
    if not form.validate_on_submit():
        abort(400)
    if editing.set_trusted(org, current_user, bool(form.trusted.data)):
        db.session.commit()
    flash(_("„%(name)s“: %(state)s", name=org.name,
            state=_("veröffentlicht ohne Prüfung") if org.trusted else _("Angebote werden geprüft")), "info")
    return redirect(url_for("moderation.organizations"))


# --- offers ------------------------------------------------------------------------------------------

@bp.get("/angebote")
@roles_required(*STAFF)
def offers():
    params = Params(request.args)
    status = params.choice("status", OFFER_STATES, _l("Unbekannter Status: %(value)s")) or ""
    q = params.one("q")
    page = paging.read_page(params)
    params.check()
    stmt = select(Offer).options(selectinload(Offer.organization))
    if status:
        stmt = stmt.where(Offer.status == status)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.join(Organization).where(
            func.lower(Offer.title).like(like) | func.lower(Organization.name).like(like))
    stmt = stmt.order_by(Offer.updated_at.desc(), Offer.id.desc())
    result = paging.paginate(stmt, page, PER_PAGE)
    revisions = open_revisions([o.id for o in result.items])
    rows = [(o, offer_state(o, revisions.get(o.id))) for o in result.items]
    return render_template("moderation/offers.html", rows=rows, pagination=result, status=status, q=q,
                           action_form=ActionForm())


@bp.get("/angebote/<int:offer_id>/verlauf")
@roles_required(*STAFF)
def offer_history(offer_id: int):
    offer = db.session.get(Offer, offer_id) or abort(404)
    locale = current_language()
    vocab = vocabulary.load(locale)
    entries = [(entry, editing.describe_changes(entry.changes or {}, vocab, locale))
               for entry in editing.history(offer)]
    return render_template("moderation/history.html", offer=offer, entries=entries,
                           action_labels=editing.ACTION_LABELS)


@bp.get("/veraltet")
@roles_required(*STAFF)
def stale():
    offers = list(db.session.scalars(freshness.hidden_offers()))
    return render_template("moderation/stale.html", offers=offers,
                           days=current_app.config["STALE_HIDE_AFTER_DAYS"], confirm_form=ActionForm())


@bp.get("/hinweise")
@roles_required(*STAFF)
def info_reports():
    """Visitors' notes that an offer is outdated or wrong, newest first."""
    return render_template("moderation/reports.html", reports=reports.open_reports(),
                           labels=reports.KIND_LABELS, form=ActionForm())


@bp.post("/hinweise/<int:report_id>/erledigt")
@roles_required(*STAFF)
def resolve_report(report_id: int):
    form = ActionForm()
    report = db.session.get(InfoReport, report_id) if report_id < 2**31 else None
    if report is None:
        abort(404)
    if not form.validate_on_submit():
        abort(400)
    if reports.resolve(report, current_user):
        db.session.commit()
        flash(_("Hinweis als erledigt markiert."), "success")
    return redirect(url_for("moderation.info_reports"))


# --- import -------------------------------------------------------------------------------------------

def _recent_runs() -> list[ImportRun]:
    return list(db.session.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(10)))


def _run_or_404(run_id: int) -> ImportRun:
    return db.session.get(ImportRun, run_id) or abort(404)


def _field_choices() -> list[SelectChoice]:
    return [SelectChoice("", _("– nicht übernehmen –"))] + [
        SelectChoice(f, f"{importer.FIELD_NAMES[f]} ({f})") for f in importer.COLUMNS]


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*STAFF)
def import_offers():
    """Step 1: upload a file (it is stored with the run), then choose the columns."""
    form = ImportUploadForm()
    if request.method == "GET":
        return render_template("moderation/import.html", form=form, runs=_recent_runs())
    if not form.validate_on_submit():
        return render_template("moderation/import.html", form=form, runs=_recent_runs()), 400
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        form.file.errors = [_("Bitte eine Datei auswählen.")]
        return render_template("moderation/import.html", form=form, runs=_recent_runs()), 400
    limit = current_app.config["IMPORT_MAX_BYTES"]
    content = upload.read(limit + 1)
    if len(content) > limit:
        form.file.errors = [_("Die Datei ist zu groß (höchstens %(mb)d MB).", mb=limit // (1024 * 1024) or 1)]
        return render_template("moderation/import.html", form=form, runs=_recent_runs()), 400
    try:
        table = importer.read_table(content, upload.filename)
    except importer.ImportFileError as exc:
        form.file.errors = [str(exc)]
        return render_template("moderation/import.html", form=form, runs=_recent_runs()), 400
    source = importer.source_named(form.source.data or "")
    run = ImportRun(user_id=current_user.id, filename=(upload.filename or "")[:255], content=content,
                    state=ImportState.uploaded.value, source_id=getattr(source, "id", None), total=len(table.rows),
                    options={"headers": table.headers, "mapping": importer.proposal(table, source),
                             "approve_organizations": bool(form.approve_organizations.data)})
    db.session.add(run)
    db.session.commit()
    return redirect(url_for("moderation.import_check", run_id=run.id))


@bp.route("/import/<int:run_id>/pruefen", methods=["GET", "POST"])
@roles_required(*STAFF)
def import_check(run_id: int):
    """Step 2: the column mapping and a dry run of every row; then start the import."""
    run = _run_or_404(run_id)
    if run.state != ImportState.uploaded.value:
        return redirect(url_for("moderation.import_run", run_id=run.id))
    try:
        table = importer.read_table(run.content or b"", run.filename)
    except importer.ImportFileError as exc:
        abort(400, description=str(exc))
    options = dict(run.options or {})
    headers = table.headers
    form = import_mapping_form(headers, options.get("mapping") or [], _field_choices(),
                               formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        form.approve_organizations.data = bool(options.get("approve_organizations"))
    status = 200
    problems: list[str] = []
    if request.method == "POST":
        if not form.validate_on_submit():
            status = 400
            problems = [_("Bitte die Auswahl prüfen.")]
        else:
            mapping = mapping_from(form, len(headers))
            problems = importer.mapping_problems(mapping)
            run.options = {**options, "mapping": mapping, "approve_organizations": bool(form.approve_organizations.data)}
            if problems:
                status = 400
            elif request.form.get("action") == "start":
                importer.remember(run.source, headers, mapping)
                import_jobs.start(run)
                return redirect(url_for("moderation.import_run", run_id=run_id))
            db.session.commit()
    mapping = (run.options or {}).get("mapping") or []
    if not problems:
        problems = importer.mapping_problems(mapping)
    report = None
    if not problems:
        report = importer.preview(importer.mapped_rows(table, mapping), app_geocoder(),
                                  getattr(run.source, "name", "") or "")
    columns = list(zip(headers, [getattr(form, f"col_{i}") for i in range(len(headers))]))
    return render_template("moderation/import_check.html", run=run, form=form, columns=columns, report=report,
                           problems=problems, labels=importer.GEOCODE_LABELS), status


@bp.get("/import/vorlage.csv")
@roles_required(*STAFF)
def import_template():
    return Response(importer.TEMPLATE.read_bytes(), mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=wegweiser-import-vorlage.csv"})


@bp.get("/import/<int:run_id>")
@roles_required(*STAFF)
def import_run(run_id: int):
    """Step 3: progress while the import runs (the page reloads itself), then the report."""
    run = _run_or_404(run_id)
    if run.state == ImportState.uploaded.value:
        return redirect(url_for("moderation.import_check", run_id=run.id))
    report = None
    if run.state == ImportState.done.value:
        report = importer.ImportReport([importer.RowResult(**r) for r in run.report or []], [], run_id=run.id)
    return render_template("moderation/import_run.html", run=run, report=report, labels=importer.GEOCODE_LABELS,
                           states=ImportState)


@bp.get("/import/<int:run_id>/abgelehnt.csv")
@roles_required(*STAFF)
def import_rejected(run_id: int):
    run = _run_or_404(run_id)
    name = (run.filename.rsplit(".", 1)[0] or "import") + "-abgelehnt.csv"
    return Response(importer.rejected_csv(run), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


# --- outbox (admins) ---------------------------------------------------------------------------------

@bp.get("/postausgang")
@roles_required("admin")
def outbox_page():
    return render_template("moderation/outbox.html", messages=outbox(limit=100),
                           backend=current_app.config.get("MAIL_BACKEND"))




# --- user accounts (admins) ----------------------------------------------------------------------------

@bp.get("/konten")
@roles_required("admin")
def users():
    params = Params(request.args)
    q = params.one("q")
    role = params.choice("role", tuple(accounts.ROLE_LABELS), _l("Unbekannte Rolle: %(value)s")) or ""
    page = paging.read_page(params)
    params.check()
    stmt = select(User).options(selectinload(User.organizations))
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(func.lower(User.email).like(like) | func.lower(User.display_name).like(like))
    if role:
        stmt = stmt.where(User.role == role)
    result = paging.paginate(stmt.order_by(func.lower(User.email), User.id), page, PER_PAGE)
    return render_template("moderation/users.html", pagination=result, q=q, role=role,
                           role_labels=accounts.ROLE_LABELS)


def _user_form(user: User, formdata=None) -> UserAdminForm:
    kwargs = {} if formdata is not None else {"formdata": None, "data": {
        **accounts.admin_data(user), "version": str(user.version)}}
    form = UserAdminForm(**kwargs)
    form.role.choices = [SelectChoice(k, v) for k, v in accounts.ROLE_LABELS.items()]
    return form


def _render_user(user: User, form: UserAdminForm, status: int = 200, **ctx):
    return render_template("moderation/user.html", account=user, form=form,
                           role_labels=accounts.ROLE_LABELS, **ctx), status


@bp.route("/konten/<int:user_id>", methods=["GET", "POST"])
@roles_required("admin")
def user_account(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    if request.method == "GET":
        return _render_user(user, _user_form(user))
    form = _user_form(user, formdata=request.form)
    if not form.validate():
        return _render_user(user, form, 400)
    version = form.version.data or ""
    if not (version.isascii() and version.isdigit() and len(version) < 10):
        abort(400)
    submitted = {"role": form.role.data, "active": bool(form.active.data)}
    myself = user.id == current_user.id
    try:
        changes = accounts.set_role_and_state(user, submitted["role"], submitted["active"], int(version))
        db.session.commit()
    except accounts.LastAdmin:
        db.session.rollback()
        flash(_("Das geht nicht: Danach gäbe es keine aktive Administration mehr. Geben Sie zuerst einem anderen "
                "Konto die Rolle „Administration“."), "error")
        return _render_user(user, form, 400)
    except accounts.VersionConflict as conflict:
        db.session.rollback()
        db.session.refresh(user)
        form.version.data = str(conflict.current_version)
        form.version.raw_data = [form.version.data]
        current = accounts.admin_data(user)
        return _render_user(user, form, 409, conflict=accounts.describe(
            {k: [current[k], v] for k, v in submitted.items() if current[k] != v}))
    if changes:
        current_app.logger.info("account %s changed by admin %s: %s", user.id, current_user.id, changes)
        flash(_("Das Konto %(email)s ist gespeichert.", email=user.email), "info")
    else:
        flash(_("Es gab keine Änderungen."), "info")
    if myself and changes:  # no longer an admin, or signed out
        return redirect(home_for(user))
    return redirect(url_for("moderation.users"))
