"""Pieces every area's forms share (Flask-WTF, CSRF on every form, lazily translated labels)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    SelectMultipleField,
)
from wtforms.widgets import CheckboxInput, ListWidget


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def strip(value):
    return value.strip() if isinstance(value, str) else value


class ActionForm(FlaskForm):
    """A button without fields (archive, restore, approve …): only the CSRF token."""
