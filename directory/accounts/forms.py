"""Forms of sign-in, sign-up, invitations, password reset, one's own account and user management."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    EqualTo,
    Length,
    Optional,
)

from directory.core.forms import strip as _strip


class LoginForm(FlaskForm):
    email = EmailField(_l("E-Mail-Adresse"), validators=[DataRequired(_l("Bitte die E-Mail-Adresse angeben.")),
                                                         Email(_l("Bitte eine gültige E-Mail-Adresse angeben.")),
                                                         Length(max=254)])
    password = PasswordField(_l("Passwort"), validators=[DataRequired(_l("Bitte das Passwort angeben.")),
                                                         Length(max=200)])
    submit = SubmitField(_l("Anmelden"))


class LogoutForm(FlaskForm):
    submit = SubmitField(_l("Abmelden"))


PASSWORD_MIN = 10


def _password_field(label):
    return PasswordField(label, validators=[
        DataRequired(_l("Bitte ein Passwort angeben.")),
        Length(min=PASSWORD_MIN, max=200, message=_l("Das Passwort muss mindestens %(n)d Zeichen lang sein.", n=PASSWORD_MIN)),
    ])


class SignupForm(FlaskForm):
    display_name = StringField(_l("Ihr Name"), filters=[_strip], validators=[DataRequired(_l("Bitte Ihren Namen angeben.")), Length(max=120)])
    email = EmailField(_l("E-Mail-Adresse"), filters=[_strip], validators=[
        DataRequired(_l("Bitte die E-Mail-Adresse angeben.")), Email(_l("Bitte eine gültige E-Mail-Adresse angeben.")),
        Length(max=254)])
    password = _password_field(_l("Passwort"))
    password2 = PasswordField(_l("Passwort wiederholen"), validators=[
        DataRequired(_l("Bitte das Passwort wiederholen.")), EqualTo("password", _l("Die Passwörter stimmen nicht überein."))])
    organization_name = StringField(_l("Name der Organisation"), filters=[_strip], validators=[
        DataRequired(_l("Bitte den Namen der Organisation angeben.")), Length(max=200)])
    organization_description = TextAreaField(_l("Was macht die Organisation? (kurz)"), filters=[_strip],
                                             validators=[Optional(), Length(max=2000)])
    organization_website = URLField(_l("Website"), filters=[_strip], validators=[
        Optional(), URL(message=_l("Bitte eine vollständige Adresse angeben, z. B. https://example.org")), Length(max=300)])
    organization_email = EmailField(_l("E-Mail der Organisation"), filters=[_strip], validators=[
        Optional(), Email(_l("Bitte eine gültige E-Mail-Adresse angeben.")), Length(max=200)])
    organization_phone = StringField(_l("Telefon der Organisation"), filters=[_strip], validators=[Optional(), Length(max=60)])


class AcceptInvitationForm(FlaskForm):
    display_name = StringField(_l("Ihr Name"), filters=[_strip], validators=[DataRequired(_l("Bitte Ihren Namen angeben.")), Length(max=120)])
    password = _password_field(_l("Passwort"))
    password2 = PasswordField(_l("Passwort wiederholen"), validators=[
        DataRequired(_l("Bitte das Passwort wiederholen.")), EqualTo("password", _l("Die Passwörter stimmen nicht überein."))])


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-Mail-Adresse"), filters=[_strip], validators=[
        DataRequired(_l("Bitte die E-Mail-Adresse angeben.")), Email(_l("Bitte eine gültige E-Mail-Adresse angeben.")),
        Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = _password_field(_l("Neues Passwort"))
    password2 = PasswordField(_l("Neues Passwort wiederholen"), validators=[
        DataRequired(_l("Bitte das Passwort wiederholen.")), EqualTo("password", _l("Die Passwörter stimmen nicht überein."))])


class AccountForm(FlaskForm):
    """Mein Konto: name and e-mail (a new e-mail address needs the current password)."""

    version = HiddenField()
    display_name = StringField(_l("Ihr Name"), filters=[_strip], validators=[
        DataRequired(_l("Bitte Ihren Namen angeben.")), Length(max=120)])
    email = EmailField(_l("E-Mail-Adresse"), filters=[_strip], validators=[
        DataRequired(_l("Bitte die E-Mail-Adresse angeben.")), Email(_l("Bitte eine gültige E-Mail-Adresse angeben.")),
        Length(max=254)])
    current_password = PasswordField(_l("Aktuelles Passwort (nur bei einer neuen E-Mail-Adresse)"),
                                     validators=[Optional(), Length(max=200)])


class PasswordChangeForm(FlaskForm):
    old_password = PasswordField(_l("Aktuelles Passwort"), validators=[
        DataRequired(_l("Bitte Ihr aktuelles Passwort angeben.")), Length(max=200)])
    password = _password_field(_l("Neues Passwort"))
    password2 = PasswordField(_l("Neues Passwort wiederholen"), validators=[
        DataRequired(_l("Bitte das Passwort wiederholen.")), EqualTo("password", _l("Die Passwörter stimmen nicht überein."))])


class UserAdminForm(FlaskForm):
    """An admin changes a user's role and whether the account is active."""

    version = HiddenField()
    role = SelectField(_l("Rolle"), choices=[])
    active = BooleanField(_l("Konto aktiv (kann sich anmelden)"))
