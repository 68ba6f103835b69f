"""The search area's own form: a visitor's "Stimmt etwas nicht?" note on an offer page."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from directory.core.forms import strip as _strip
from directory.offers.reports import KIND_LABELS


class InfoReportForm(FlaskForm):
    """A visitor's "Stimmt etwas nicht?" note: what is wrong, optional text and contact."""
    kind = RadioField(_l("Was stimmt nicht?"), validators=[InputRequired(_l("Bitte wählen Sie aus, was nicht stimmt."))])
    message = TextAreaField(_l("Was sollte dort stehen? (freiwillig)"), filters=[_strip],
                            validators=[Length(max=1000)])
    contact = StringField(_l("E-Mail oder Telefon für Rückfragen (freiwillig)"), filters=[_strip],
                          validators=[Length(max=200)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k, str(v)) for k, v in KIND_LABELS.items()]
