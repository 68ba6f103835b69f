"""Forms of the providers' area: the offer editor, locations, the organisation's profile, invitations."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    FloatField,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from directory.core.forms import MultiCheckboxField
from directory.core.forms import strip as _strip
from directory.offers.editing import normalise
from directory.search.engine import WEEKDAY_LABELS

MAX_SCHEDULE_ROWS = 30


MAX_NEW_LOCATIONS = 10


WHEELCHAIR_CHOICES = [SelectChoice("", _l("unbekannt")), SelectChoice("1", _l("ja")), SelectChoice("0", _l("nein"))]


class ScheduleRowForm(Form):
    """One schedule row: weekly (weekday) or one-off (date); an all-empty row is ignored."""

    weekday = SelectField(_l("Wochentag"), choices=[], validators=[Optional()])
    date = DateField(_l("oder Datum (einmalig)"), validators=[Optional()])
    opens_at = TimeField(_l("von"), validators=[Optional()])
    closes_at = TimeField(_l("bis"), validators=[Optional()])
    valid_from = DateField(_l("gilt ab"), validators=[Optional()])
    valid_to = DateField(_l("gilt bis"), validators=[Optional()])
    note = StringField(_l("Hinweis"), filters=[_strip], validators=[Optional(), Length(max=200)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.weekday.choices = [SelectChoice("", _l("– Wochentag –"))] + [
            SelectChoice(str(i), label) for i, label in enumerate(WEEKDAY_LABELS.values())
        ]

    def is_empty(self) -> bool:
        return not any([self.weekday.data, self.date.data, self.opens_at.data, self.closes_at.data,
                        self.note.data, self.valid_from.data, self.valid_to.data])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.is_empty():
            return ok
        if not self.weekday.data and not self.date.data:
            self.weekday.errors = list(self.weekday.errors) + [_l("Bitte einen Wochentag oder ein Datum wählen.")]
            ok = False
        if self.opens_at.data is None and not self.opens_at.errors:
            self.opens_at.errors = list(self.opens_at.errors) + [_l("Bitte die Anfangszeit angeben.")]
            ok = False
        if self.closes_at.data is None and not self.closes_at.errors:
            self.closes_at.errors = list(self.closes_at.errors) + [_l("Bitte die Endzeit angeben.")]
            ok = False
        if self.opens_at.data and self.closes_at.data and self.closes_at.data <= self.opens_at.data:
            self.closes_at.errors = list(self.closes_at.errors) + [_l("Das Ende muss nach dem Anfang liegen.")]
            ok = False
        if self.valid_from.data and self.valid_to.data and self.valid_to.data < self.valid_from.data:
            self.valid_to.errors = list(self.valid_to.errors) + [_l("„gilt bis“ liegt vor „gilt ab“.")]
            ok = False
        return ok

    def row(self) -> dict:
        return {
            "weekday": None if self.date.data else (int(self.weekday.data) if self.weekday.data else None),
            "date": self.date.data.isoformat() if self.date.data else None,
            "opens_at": self.opens_at.data.strftime("%H:%M") if self.opens_at.data else None,
            "closes_at": self.closes_at.data.strftime("%H:%M") if self.closes_at.data else None,
            "valid_from": self.valid_from.data.isoformat() if self.valid_from.data else None,
            "valid_to": self.valid_to.data.isoformat() if self.valid_to.data else None,
            "note": self.note.data or "",
        }


class NewLocationForm(Form):
    """A new place: address → geocoded point; the point can be corrected by hand or on the map."""

    name = StringField(_l("Name des Ortes"), filters=[_strip], validators=[Optional(), Length(max=200)])
    address = StringField(_l("Straße und Hausnummer"), filters=[_strip], validators=[Optional(), Length(max=200)])
    postcode = StringField(_l("Postleitzahl"), filters=[_strip], validators=[Optional(), Length(max=10)])
    lat = FloatField(_l("Breitengrad"), validators=[Optional(), NumberRange(-90, 90, _l("Breitengrad zwischen -90 und 90"))])
    lon = FloatField(_l("Längengrad"), validators=[Optional(), NumberRange(-180, 180, _l("Längengrad zwischen -180 und 180"))])
    wheelchair_accessible = SelectField(_l("Rollstuhlgerecht"), choices=WHEELCHAIR_CHOICES,
                                        validators=[Optional()])

    def is_empty(self) -> bool:
        return not any([self.name.data, self.address.data, self.postcode.data,
                        self.lat.data is not None, self.lon.data is not None])

    def values(self) -> dict:
        return {
            "name": self.name.data or self.address.data or "",
            "address": self.address.data or "",
            "postcode": self.postcode.data or "",
            "lat": self.lat.data,
            "lon": self.lon.data,
            "wheelchair_accessible": {"1": True, "0": False}.get(self.wheelchair_accessible.data or ""),
        }


class OfferForm(FlaskForm):
    version = HiddenField()
    title = StringField(_l("Titel"), filters=[_strip], validators=[DataRequired(_l("Bitte einen Titel angeben.")), Length(max=200)])
    summary = TextAreaField(_l("Kurzbeschreibung"), filters=[_strip], validators=[Optional(), Length(max=500, message=_l("Höchstens 500 Zeichen."))])
    description = TextAreaField(_l("Beschreibung"), filters=[_strip], validators=[Optional(), Length(max=20000)])
    plain_summary = TextAreaField(_l("In Einfacher Sprache"), filters=[_strip], validators=[Optional(), Length(max=2000)])
    category_code = SelectField(_l("Art des Angebots"), choices=[], validators=[DataRequired(_l("Bitte die Art des Angebots wählen."))])
    challenges = MultiCheckboxField(_l("Herausforderungen"), choices=[])
    target_groups = MultiCheckboxField(_l("Für wen?"), choices=[])
    languages = MultiCheckboxField(_l("Gesprochene Sprachen"), choices=[])
    is_free = BooleanField(_l("Kostenlos"))
    cost = StringField(_l("Kosten"), filters=[_strip], validators=[Optional(), Length(max=300)])
    registration_required = BooleanField(_l("Anmeldung erforderlich"))
    accessibility = TextAreaField(_l("Barrierefreiheit"), filters=[_strip], validators=[Optional(), Length(max=2000)])
    contact_name = StringField(_l("Ansprechperson"), filters=[_strip], validators=[Optional(), Length(max=200)])
    contact_email = EmailField(_l("E-Mail für Anfragen"), filters=[_strip], validators=[
        Optional(), Email(_l("Bitte eine gültige E-Mail-Adresse angeben.")), Length(max=200)])
    contact_phone = StringField(_l("Telefon für Anfragen"), filters=[_strip], validators=[Optional(), Length(max=60)])
    valid_from = DateField(_l("Gültig ab"), validators=[Optional()])
    valid_to = DateField(_l("Gültig bis"), validators=[Optional()])
    locations = MultiCheckboxField(_l("Orte der Organisation"), coerce=int, choices=[])
    schedules = FieldList(FormField(ScheduleRowForm), _l("Termin"), min_entries=1, max_entries=MAX_SCHEDULE_ROWS)
    new_locations = FieldList(FormField(NewLocationForm), _l("Neuer Ort"), min_entries=0, max_entries=MAX_NEW_LOCATIONS)

    def validate_valid_to(self, field):
        if field.data and self.valid_from.data and field.data < self.valid_from.data:
            raise ValidationError(_l("„Gültig bis“ liegt vor „Gültig ab“."))

    def validate_cost(self, field):
        if not self.is_free.data and not field.data:
            raise ValidationError(_l("Bitte die Kosten angeben (oder „Kostenlos“ ankreuzen)."))

    def submission_errors(self) -> bool:
        """Extra checks before an offer goes to moderation or is published; adds field errors."""
        ok = True
        required = [
            (self.summary, _l("Bitte eine Kurzbeschreibung angeben (sie steht in der Trefferliste).")),
            (self.languages, _l("Bitte mindestens eine Sprache wählen, die beim Angebot gesprochen wird.")),
            (self.target_groups, _l("Bitte mindestens eine Zielgruppe wählen.")),
            (self.challenges, _l("Bitte mindestens eine Herausforderung wählen, zu der das Angebot passt.")),
        ]
        for field, message in required:
            if not field.data:
                field.errors = list(field.errors) + [message]
                ok = False
        has_new = any(not e.form.is_empty() for e in self.new_locations)
        if not self.locations.data and not has_new:
            self.locations.errors = list(self.locations.errors) + [
                _l("Bitte mindestens einen Ort wählen oder einen neuen Ort anlegen.")]
            ok = False
        return not ok

    def data_dict(self) -> dict:
        return normalise({
            "title": self.title.data, "summary": self.summary.data, "description": self.description.data,
            "plain_summary": self.plain_summary.data, "category_code": self.category_code.data or None,
            "is_free": self.is_free.data, "cost": None if self.is_free.data else self.cost.data,
            "registration_required": self.registration_required.data,
            "accessibility": self.accessibility.data, "contact_name": self.contact_name.data,
            "contact_email": self.contact_email.data, "contact_phone": self.contact_phone.data,
            "valid_from": self.valid_from.data, "valid_to": self.valid_to.data,
            "challenges": self.challenges.data or [], "target_groups": self.target_groups.data or [],
            "languages": self.languages.data or [], "locations": self.locations.data or [],
            "schedules": [e.form.row() for e in self.schedules if not e.form.is_empty()],
        })


def form_data(data: dict) -> dict:
    """Editor data → values for ``OfferForm(data=…)`` (dates and times as objects)."""
    def date(v):
        return dt.date.fromisoformat(v) if v else None

    def time(v):
        return dt.time.fromisoformat(v) if v else None

    out = {k: data[k] for k in ("title", "summary", "description", "plain_summary", "category_code", "is_free",
                                "cost", "registration_required", "accessibility", "contact_name",
                                "contact_email", "contact_phone", "challenges", "target_groups",
                                "languages", "locations")}
    out["valid_from"], out["valid_to"] = date(data["valid_from"]), date(data["valid_to"])
    out["schedules"] = [
        {"weekday": "" if s["weekday"] is None else str(s["weekday"]), "date": date(s["date"]),
         "opens_at": time(s["opens_at"]), "closes_at": time(s["closes_at"]),
         "valid_from": date(s["valid_from"]), "valid_to": date(s["valid_to"]), "note": s["note"]}
        for s in data["schedules"]
    ] or [{}]
    return out


class LocationForm(FlaskForm):
    """Correcting a location: address, point (map or numbers) – the district follows the point."""

    version = HiddenField()
    name = StringField(_l("Name des Ortes"), filters=[_strip], validators=[DataRequired(_l("Bitte einen Namen angeben.")), Length(max=200)])
    address = StringField(_l("Straße und Hausnummer"), filters=[_strip], validators=[Optional(), Length(max=200)])
    postcode = StringField(_l("Postleitzahl"), filters=[_strip], validators=[Optional(), Length(max=10)])
    lat = FloatField(_l("Breitengrad"), validators=[Optional(), NumberRange(-90, 90, _l("Breitengrad zwischen -90 und 90"))])
    lon = FloatField(_l("Längengrad"), validators=[Optional(), NumberRange(-180, 180, _l("Längengrad zwischen -180 und 180"))])
    wheelchair_accessible = SelectField(_l("Rollstuhlgerecht"), choices=WHEELCHAIR_CHOICES,
                                        validators=[Optional()])


class OrganizationForm(FlaskForm):
    """The organisation's public profile (shown with its offers and in the open data)."""

    version = HiddenField()
    name = StringField(_l("Name der Organisation"), filters=[_strip], validators=[
        DataRequired(_l("Bitte den Namen der Organisation angeben.")), Length(max=200)])
    description = TextAreaField(_l("Was macht die Organisation?"), filters=[_strip],
                                validators=[Optional(), Length(max=5000)])
    website = URLField(_l("Website"), filters=[_strip], validators=[
        Optional(), URL(message=_l("Bitte eine vollständige Adresse angeben, z. B. https://example.org")),
        Regexp(r"(?i)^https?://", message=_l("Bitte eine Adresse mit http:// oder https:// angeben.")), Length(max=300)])
    email = EmailField(_l("E-Mail-Adresse"), filters=[_strip], validators=[
        Optional(), Email(_l("Bitte eine gültige E-Mail-Adresse angeben.")), Length(max=200)])
    phone = StringField(_l("Telefon"), filters=[_strip], validators=[Optional(), Length(max=60)])


class ConfirmForm(FlaskForm):
    submit = SubmitField(_l("Ist noch aktuell"))


class InviteForm(FlaskForm):
    email = EmailField(_l("E-Mail-Adresse der Kollegin / des Kollegen"), filters=[_strip], validators=[
        DataRequired(_l("Bitte die E-Mail-Adresse angeben.")), Email(_l("Bitte eine gültige E-Mail-Adresse angeben.")),
        Length(max=254)])
