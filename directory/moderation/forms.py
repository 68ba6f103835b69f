"""Forms of the moderation pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    SelectField,
    StringField,
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


class ImportUploadForm(FlaskForm):
    file = FileField(_l("Datei (CSV oder XLSX)"))
    source = StringField(_l("Quelle (z. B. „Jugendamt“ – die Spaltenzuordnung wird für sie gemerkt)"),
                         filters=[_strip], validators=[Length(max=120)])
    approve_organizations = BooleanField(_l("neue Organisationen gleich freigeben"))


def import_mapping_form(headers: list[str], proposal: list[str], choices: list, formdata=None):
    """One select per column of the file, preset with the proposed field."""

    class MappingForm(FlaskForm):
        approve_organizations = BooleanField(_l("neue Organisationen gleich freigeben"))

    for index, header in enumerate(headers):
        setattr(MappingForm, f"col_{index}", SelectField(header or f"#{index + 1}", choices=choices,
                                                          default=proposal[index] if index < len(proposal) else ""))
    form = MappingForm(formdata=formdata) if formdata is not None else MappingForm()
    return form


def mapping_from(form, count: int) -> list[str]:
    return [getattr(form, f"col_{i}").data or "" for i in range(count)]
