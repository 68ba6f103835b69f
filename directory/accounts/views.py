"""Account pages without a login: a provider signs up with a new organisation (which a
moderator must approve), accepts an invitation, resets a forgotten password, or confirms an
offer from the link in a reminder mail. Links in mails are signed and expire
(:mod:`directory.tokens`). Sign-up and reset mails are rate-limited (RATELIMIT_ACCOUNT).

Sign-up and reset answer the same, and do the same work, whether or not the e-mail address
has an account: sign-up always says "we sent you a mail" – a new address gets a link that
activates the account, a known one a hint to sign in or reset the password."""
from __future__ import annotations

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
from flask_login import current_user, login_user
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from directory.accounts.auth import home_for
from directory.accounts.forms import (
    AcceptInvitationForm,
    ForgotPasswordForm,
    ResetPasswordForm,
    SignupForm,
)
from directory.core import tokens
from directory.core.forms import ActionForm
from directory.core.mail import external_url, send_mail, staff_addresses
from directory.extensions import db, limiter
from directory.models import (
    Invitation,
    Offer,
    OfferStatus,
    Organization,
    Role,
    User,
    utcnow,
)
from directory.offers import editing

bp = Blueprint("account", __name__)


def _account_limit() -> str:
    return current_app.config["RATELIMIT_ACCOUNT"]


def _user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


# --- sign-up ---------------------------------------------------------------------------------------

@bp.route("/registrieren", methods=["GET", "POST"])
@limiter.limit(_account_limit, methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = SignupForm()
    if not form.validate_on_submit():
        return render_template("accounts/signup.html", form=form), 400 if form.errors else 200
    name = " ".join(form.organization_name.data.split())
    if db.session.scalar(select(Organization.id).where(func.lower(Organization.name) == name.lower()).limit(1)):
        form.organization_name.errors.append(_(
            "Diese Organisation ist schon im Wegweiser. Bitten Sie eine Kollegin oder einen Kollegen um eine "
            "Einladung – oder schreiben Sie der Stadt, wenn Sie niemanden dort erreichen."))
        return render_template("accounts/signup.html", form=form), 400
    existing = _user_by_email(form.email.data)
    if existing is not None:
        generate_password_hash(form.password.data, method="scrypt")  # the same work as a new account
        send_mail(existing.email, _("Wegweiser: Registrierung mit Ihrer Adresse"), _(
            "Guten Tag,\n\nmit Ihrer E-Mail-Adresse wollte sich gerade jemand im Wegweiser registrieren. "
            "Für diese Adresse gibt es schon ein Konto.\n\nAnmelden: %(login)s\n"
            "Passwort vergessen? %(reset)s\n\nWenn Sie das nicht waren, ignorieren Sie diese Nachricht.\n",
            login=external_url("auth.login"), reset=external_url("account.forgot_password")),
            kind="signup_known", deferred=True)
        db.session.commit()
        return _check_your_mail()
    organization = Organization(
        name=name, description=form.organization_description.data or "",
        website=form.organization_website.data or None, email=form.organization_email.data or None,
        phone=form.organization_phone.data or None, approved=False, trusted=False,
    )
    user = User(email=form.email.data.strip(), display_name=form.display_name.data, role=Role.provider.value,
                active=False)
    user.set_password(form.password.data)
    user.organizations = [organization]
    db.session.add_all([organization, user])
    db.session.flush()
    editing.record("created", user=user, organization=organization, note=_("Registrierung"))
    token = tokens.make(tokens.SIGNUP, {"u": user.id, "p": tokens.password_fingerprint(user.password_hash)})
    send_mail(user.email, _("Wegweiser: bitte bestätigen Sie Ihre E-Mail-Adresse"), _(
        "Guten Tag,\n\nbitte bestätigen Sie Ihre Registrierung für „%(name)s“ im Wegweiser "
        "(der Link gilt %(days)d Tage):\n%(link)s\n\nWenn Sie das nicht waren, ignorieren Sie diese Nachricht.\n",
        name=name, days=current_app.config["INVITATION_MAX_AGE_DAYS"],
        link=external_url("account.confirm_signup", token=token)), kind="signup_confirm", deferred=True)
    db.session.commit()
    return _check_your_mail()


def _check_your_mail():
    return render_template("accounts/message.html", title=_("Fast geschafft"), message=_(
        "Wir haben Ihnen eine E-Mail geschickt. Bitte öffnen Sie den Link darin, um die Registrierung "
        "abzuschließen. Bitte schauen Sie auch im Spam-Ordner nach."))


def _signup_user(token: str) -> User | None:
    try:
        payload = tokens.read(tokens.SIGNUP, token, tokens.invitation_max_age())
    except tokens.InvalidToken:
        return None
    user_id = payload.get("u") if isinstance(payload, dict) else None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.active or user.last_login_at is not None \
            or payload.get("p") != tokens.password_fingerprint(user.password_hash):
        return None  # used already, or an account that was switched off later
    return user


@bp.route("/registrieren/bestaetigen/<token>", methods=["GET", "POST"])
@limiter.limit(_account_limit, methods=["POST"])
def confirm_signup(token: str):
    """GET shows one button, POST activates: mail scanners that open links activate nothing."""
    user = _signup_user(token)
    if user is None:
        return render_template("accounts/message.html", title=_("Link ungültig"), message=_(
            "Dieser Link ist abgelaufen oder wurde schon benutzt. Wenn Ihr Konto schon aktiv ist, melden Sie "
            "sich bitte an."), link=(url_for("auth.login"), _("Anmelden"))), 400
    form = ActionForm()
    if request.method == "GET" or not form.validate_on_submit():
        return render_template("accounts/confirm_signup.html", user=user, form=form), \
            400 if request.method == "POST" else 200
    user.active = True
    organization = user.organizations[0] if user.organizations else None
    name = organization.name if organization else ""
    send_mail(staff_addresses(), _("Wegweiser: neue Organisation wartet auf Freigabe – %(name)s", name=name), _(
        "%(person)s (%(email)s) hat die Organisation „%(name)s“ registriert.\n\nBitte prüfen und freigeben:\n%(url)s\n",
        person=user.display_name, email=user.email, name=name, url=external_url("moderation.queue")),
        kind="signup")
    login_user(user)
    user.last_login_at = utcnow()
    db.session.commit()
    flash(_("Willkommen! Ihre Organisation wird von der Stadt geprüft. Sie können schon jetzt Angebote anlegen; "
            "veröffentlicht werden sie nach der Freigabe."), "info")
    return redirect(home_for(user))


# --- invitations --------------------------------------------------------------------------------------

def _invitation(token: str) -> Invitation | None:
    try:
        invitation_id = tokens.read(tokens.INVITATION, token, tokens.invitation_max_age())
    except tokens.InvalidToken:
        return None
    invitation = db.session.get(Invitation, invitation_id) if isinstance(invitation_id, int) else None
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at < utcnow():
        return None
    return invitation


@bp.route("/einladung/<token>", methods=["GET", "POST"])
@limiter.limit(_account_limit, methods=["POST"])
def accept_invitation(token: str):
    invitation = _invitation(token)
    if invitation is None:
        return render_template("accounts/message.html", title=_("Einladung ungültig"), message=_(
            "Diese Einladung ist abgelaufen oder wurde schon benutzt. Bitten Sie um eine neue Einladung.")), 400
    org = invitation.organization
    if current_user.is_authenticated:
        form = ActionForm()
        if request.method == "POST" and form.validate_on_submit():
            if current_user.role not in (Role.provider.value,) and not current_user.is_staff:
                return render_template("accounts/message.html", title=_("Einladung"), message=_(
                    "Mit diesem Konto kann man keiner Organisation beitreten.")), 403
            if org not in current_user.organizations:
                current_user.organizations.append(org)
            _accept(invitation, current_user)
            db.session.commit()
            flash(_("Sie pflegen jetzt auch die Angebote von „%(org)s“.", org=org.name), "info")
            return redirect(home_for(current_user))
        return render_template("accounts/invitation.html", invitation=invitation, join_form=form, form=None)
    existing = _user_by_email(invitation.email)
    if existing is not None:
        return render_template("accounts/invitation.html", invitation=invitation, form=None, join_form=None,
                               login_url=url_for("auth.login", next=request.path))
    form = AcceptInvitationForm()
    if not form.validate_on_submit():
        return render_template("accounts/invitation.html", invitation=invitation, form=form, join_form=None), \
            400 if form.errors else 200
    user = User(email=invitation.email, display_name=form.display_name.data, role=Role.provider.value)
    user.set_password(form.password.data)
    user.organizations = [org]
    db.session.add(user)
    db.session.flush()
    _accept(invitation, user)
    db.session.commit()
    login_user(user)
    flash(_("Willkommen! Sie pflegen jetzt die Angebote von „%(org)s“.", org=org.name), "info")
    return redirect(home_for(user))


def _accept(invitation: Invitation, user: User) -> None:
    invitation.accepted_at = utcnow()
    invitation.accepted_by_id = user.id
    editing.record("edited", user=user, organization=invitation.organization,
                   note=_("Einladung angenommen: %(email)s", email=user.email))


# --- password reset -----------------------------------------------------------------------------------

@bp.route("/passwort-vergessen", methods=["GET", "POST"])
@limiter.limit(_account_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        return render_template("accounts/forgot.html", form=form), 400 if form.errors else 200
    user = _user_by_email(form.email.data)
    if user is not None and user.active:
        token = tokens.make(tokens.RESET, {"u": user.id, "p": tokens.password_fingerprint(user.password_hash)})
        send_mail(user.email, _("Wegweiser: neues Passwort"), deferred=True, body=_(
            "Guten Tag,\n\nfür Ihr Konto im Wegweiser wurde ein neues Passwort angefordert. "
            "Hier können Sie es setzen (der Link gilt %(minutes)d Minuten und nur einmal):\n%(link)s\n\n"
            "Wenn Sie das nicht waren, ignorieren Sie diese Nachricht; Ihr Passwort bleibt dann unverändert.\n",
            minutes=current_app.config["PASSWORD_RESET_MAX_AGE_MINUTES"],
            link=external_url("account.reset_password", token=token)), kind="password_reset")
        db.session.commit()
    else:
        tokens.make(tokens.RESET, {"u": 0, "p": ""})  # the same work as for a known address
    # the same answer whether or not the address has an account
    return render_template("accounts/message.html", title=_("Passwort vergessen"), message=_(
        "Wenn es für diese Adresse ein Konto gibt, haben wir eine E-Mail mit einem Link geschickt. "
        "Bitte schauen Sie auch im Spam-Ordner nach."))


def _reset_user(token: str) -> User | None:
    try:
        payload = tokens.read(tokens.RESET, token, tokens.reset_max_age())
    except tokens.InvalidToken:
        return None
    if not isinstance(payload, dict):
        return None
    user = db.session.get(User, payload.get("u")) if isinstance(payload.get("u"), int) else None
    if user is None or not user.active or payload.get("p") != tokens.password_fingerprint(user.password_hash):
        return None
    return user


@bp.route("/passwort-neu/<token>", methods=["GET", "POST"])
@limiter.limit(_account_limit, methods=["POST"])
def reset_password(token: str):
    user = _reset_user(token)
    if user is None:
        return render_template("accounts/message.html", title=_("Link ungültig"), message=_(
            "Dieser Link ist abgelaufen oder wurde schon benutzt. Bitte fordern Sie einen neuen an."),
            link=(url_for("account.forgot_password"), _("Neuen Link anfordern"))), 400
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        return render_template("accounts/reset.html", form=form), 400 if form.errors else 200
    user.set_password(form.password.data)
    db.session.commit()
    flash(_("Ihr Passwort ist geändert. Bitte melden Sie sich an."), "info")
    return redirect(url_for("auth.login"))


# --- confirming an offer from the reminder mail --------------------------------------------------------

def _offer_from_token(token: str) -> tuple[Offer | None, bool]:
    try:
        payload = tokens.read(tokens.CONFIRM, token, tokens.confirm_max_age())
    except tokens.InvalidToken as exc:
        return None, exc.expired
    offer_id = payload.get("o") if isinstance(payload, dict) else None
    offer = db.session.get(Offer, offer_id) if isinstance(offer_id, int) else None
    return offer, False


@bp.route("/angebot-bestaetigen/<token>", methods=["GET", "POST"])
def confirm_offer(token: str):
    """GET shows one button, POST confirms: mail scanners that open links confirm nothing."""
    offer, expired = _offer_from_token(token)
    if offer is None or offer.status == OfferStatus.archived.value:
        message = _("Dieser Link ist abgelaufen. Bitte melden Sie sich an und bestätigen Sie das Angebot dort.") if expired \
            else _("Dieser Link ist ungültig.")
        return render_template("accounts/message.html", title=_("Angebot bestätigen"), message=message,
                               link=(url_for("auth.login"), _("Anmelden"))), 400
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("accounts/message.html", title=_("Angebot bestätigen"),
                                   message=_("Das Formular ist abgelaufen. Bitte laden Sie die Seite neu.")), 400
        editing.confirm(offer, current_user if current_user.is_authenticated else None,
                        note=_("über den Link in der Erinnerung"))
        db.session.commit()
        return render_template("accounts/confirmed.html", offer=offer)
    return render_template("accounts/confirm.html", offer=offer, form=form)
