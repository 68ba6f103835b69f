"""Flask-WTF forms with lazily translated labels. Area-specific forms may live next to their
blueprint (e.g. provider_forms.py); shared small forms live here."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, Length


class LoginForm(FlaskForm):
    email = EmailField(_l("E-Mail-Adresse"), validators=[DataRequired(_l("Bitte die E-Mail-Adresse angeben.")),
                                                         Email(_l("Bitte eine gültige E-Mail-Adresse angeben.")),
                                                         Length(max=254)])
    password = PasswordField(_l("Passwort"), validators=[DataRequired(_l("Bitte das Passwort angeben.")),
                                                         Length(max=200)])
    submit = SubmitField(_l("Anmelden"))


class LogoutForm(FlaskForm):
    submit = SubmitField(_l("Abmelden"))
