"""Moderation (/moderation): the queue of new organisations and submitted offers, review with
differences and preview, approve or send back with a reason, all offers, an offer's history,
offers hidden because nobody confirmed them, the import upload and (admins) the mail outbox."""
from __future__ import annotations

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
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from directory.accounts.permissions import roles_required
from directory.core import maps
from directory.core.forms import ActionForm
from directory.core.geo import app_geocoder
from directory.core.i18n import current_language
from directory.core.mail import outbox
from directory.extensions import db
from directory.models import (
    ImportRun,
    Offer,
    OfferRevision,
    Organization,
    User,
    membership,
)
from directory.models import InfoReport
from directory.moderation import reports
from directory.moderation.forms import ApproveOrganizationForm, ImportForm, ReturnForm
from directory.offers import editing, freshness, importer, vocabulary
from directory.offers.states import offer_state, open_revisions

bp = Blueprint("moderation", __name__, url_prefix="/moderation")
PER_PAGE = 50
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
        return redirect(url_for("moderation.review", revision_id=revision_id))
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
    if org.approved:
        flash(_("„%(name)s“ ist schon freigegeben.", name=org.name), "info")
    else:
        editing.approve_organization(org, current_user, trusted=form.trusted.data)
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
    if bool(org.trusted) != bool(form.trusted.data):
        editing.record("edited", user=current_user, organization=org,
                       changes={"trusted": [bool(org.trusted), bool(form.trusted.data)]})
        org.trusted = bool(form.trusted.data)
        db.session.commit()
    flash(_("„%(name)s“: %(state)s", name=org.name,
            state=_("veröffentlicht ohne Prüfung") if org.trusted else _("Angebote werden geprüft")), "info")
    return redirect(url_for("moderation.organizations"))


# --- offers ------------------------------------------------------------------------------------------

@bp.get("/angebote")
@roles_required(*STAFF)
def offers():
    status = request.args.get("status", "")
    q = (request.args.get("q") or "").strip()[:200]
    page = request.args.get("page", "1")
    if status not in ("", "draft", "published", "archived") or not (page.isascii() and page.isdigit()) or int(page) < 1:
        abort(400)
    stmt = select(Offer).options(selectinload(Offer.organization))
    if status:
        stmt = stmt.where(Offer.status == status)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.join(Organization).where(
            func.lower(Offer.title).like(like) | func.lower(Organization.name).like(like))
    stmt = stmt.order_by(Offer.updated_at.desc(), Offer.id.desc())
    result = db.paginate(stmt, page=int(page), per_page=PER_PAGE, error_out=False)
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

@bp.route("/import", methods=["GET", "POST"])
@roles_required(*STAFF)
def import_offers():
    form = ImportForm()
    runs = list(db.session.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(10)))
    if request.method == "GET":
        return render_template("moderation/import.html", form=form, report=None, runs=runs)
    if not form.validate_on_submit():
        abort(400)
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        form.file.errors = [_("Bitte eine Datei auswählen.")]
        return render_template("moderation/import.html", form=form, report=None, runs=runs), 400
    limit = current_app.config["IMPORT_MAX_BYTES"]
    content = upload.read(limit + 1)
    if len(content) > limit:
        form.file.errors = [_("Die Datei ist zu groß (höchstens %(mb)d MB).", mb=limit // (1024 * 1024) or 1)]
        return render_template("moderation/import.html", form=form, report=None, runs=runs), 400
    try:
        report = importer.import_file(content, upload.filename, app_geocoder(), user=current_user)
    except importer.ImportFileError as exc:
        db.session.rollback()
        form.file.errors = [str(exc)]
        return render_template("moderation/import.html", form=form, report=None, runs=runs), 400
    db.session.commit()
    runs = list(db.session.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(10)))
    return render_template("moderation/import.html", form=ImportForm(formdata=None), report=report, runs=runs)


@bp.get("/import/vorlage.csv")
@roles_required(*STAFF)
def import_template():
    return Response(importer.TEMPLATE.read_bytes(), mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=wegweiser-import-vorlage.csv"})


@bp.get("/import/<int:run_id>")
@roles_required(*STAFF)
def import_run(run_id: int):
    run = db.session.get(ImportRun, run_id) or abort(404)
    rows = [importer.RowResult(**r) for r in run.report or []]
    report = importer.ImportReport(rows, [], run_id=run.id)
    return render_template("moderation/import.html", form=ImportForm(), report=report, runs=[], run=run)


# --- outbox (admins) ---------------------------------------------------------------------------------

@bp.get("/postausgang")
@roles_required("admin")
def outbox_page():
    return render_template("moderation/outbox.html", messages=outbox(limit=100),
                           backend=current_app.config.get("MAIL_BACKEND"))


