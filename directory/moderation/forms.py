"""Forms of the moderation pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Length,
)

from directory.core.forms import strip as _strip


class ReturnForm(FlaskForm):
    reason = TextAreaField(_l("Begründung für den Anbieter"), filters=[_strip], validators=[
        DataRequired(_l("Bitte geben Sie einen Grund an, damit der Anbieter weiß, was zu tun ist.")), Length(max=4000)])


class ApproveOrganizationForm(FlaskForm):
    trusted = BooleanField(_l("vertrauenswürdig: darf ohne Prüfung veröffentlichen"))


class ImportForm(FlaskForm):
    file = FileField(_l("Datei (CSV oder XLSX)"))
