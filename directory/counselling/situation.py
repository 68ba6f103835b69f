"""The counsellor's situation form: request form data → validated :class:`ClientSituation`.

Read through :class:`directory.core.params.Params`, one translated message per bad value,
raised together as a :class:`~directory.core.params.ParamError`.
The form asks for nothing identifying: a district, a postcode or a point (never an address),
languages with levels, target groups, needs, free times, distance, cost, childcare, wheelchair.

Parameter names (POST form fields; every one optional):

========================  ===================================================================
``district``              district code (its centre is the client's point)
``postcode``              five-digit postcode (geocoded offline: centre of the postcode)
``point``                 ``lat,lon`` (overrides postcode and district)
``max_km``                one of :data:`RADIUS_CHOICES`
``age``                   the client's age in years (0…120)
``language-N``/``level-N``  N = 0…4: language code and level (A1…C2, native)
``only_languages``        ``1``: only the listed languages, German is not possible
``target``                target group codes (several)
``challenge``             workshop challenge codes (several)
``category``              offer category codes (several)
``time``                  ``mon:morning`` … ``sun:night``, or ``weekdays:morning``,
                          ``weekend:afternoon``, ``daily:evening`` (several)
``free``, ``childcare``, ``wheelchair``  ``1`` when ticked
``relax``                 a near-miss group's change (``distance:10``, ``language:de``,
                          ``only_languages``, ``time:tue:evening,sat:morning``, ``cost`` …):
                          the same situation with that condition widened (:func:`relax`)
========================  ===================================================================
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from directory.core.geo import Geocoder, parse_point
from directory.core.params import Params
from directory.counselling import matching
from directory.models import WEEKDAYS
from directory.offers.vocabulary import Vocabulary

LANGUAGE_ROWS = 5
RADIUS_CHOICES = ("1", "2", "3", "5", "10", "15", "25")
MAX_AGE = 120
DAY_GROUPS = {"weekdays": range(0, 5), "weekend": range(5, 7), "daily": range(0, 7)}
#: target groups that describe professionals, not clients: not offered on the form
NOT_CLIENT_GROUPS = frozenset({"employers", "associations", "all"})
MAX_VALUES = 60
MAX_LENGTH = 60

LEVEL_LABELS = {
    "native": _l("Muttersprache"),
    "C2": _l("C2 – nahezu muttersprachlich"),
    "C1": _l("C1 – fließend"),
    "B2": _l("B2 – gut"),
    "B1": _l("B1 – im Alltag sicher"),
    "A2": _l("A2 – Grundkenntnisse"),
    "A1": _l("A1 – Anfänger"),
}
PERIOD_LABELS = {
    "morning": _l("vormittags"),
    "afternoon": _l("nachmittags"),
    "evening": _l("abends"),
    "night": _l("spätabends"),
}
#: the level a language is assumed at when a counsellor accepts it for a near miss
ACCEPTED_LEVEL = "B1"


@dataclass
class SituationForm:
    """The submitted values, to show the form again exactly as it was filled in."""

    district: str = ""
    postcode: str = ""
    point: str = ""
    max_km: str = ""
    age: str = ""
    only_languages: bool = False
    languages: list[tuple[str, str]] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    challenges: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    times: list[str] = field(default_factory=list)
    free: bool = False
    childcare: bool = False
    wheelchair: bool = False
    origin_label: str = ""

    def language_rows(self) -> list[tuple[str, str]]:
        rows = list(self.languages)
        return rows + [("", "native")] * (LANGUAGE_ROWS - len(rows))

    def has_time(self, day: str, period: str) -> bool:
        return f"{day}:{period}" in self.times


def client_target_groups(vocab: Vocabulary) -> dict[str, str]:
    return {code: t.label for code, t in vocab.target_groups.items() if code not in NOT_CLIENT_GROUPS}


def _windows(tokens: list[str]) -> tuple[matching.TimeWindow, ...]:
    windows = set()
    for token in tokens:
        day, period = token.split(":")
        days = DAY_GROUPS.get(day) or [WEEKDAYS.index(day)]
        for d in days:
            windows.add((d, period))
    return tuple(matching.TimeWindow.period(d, p) for d, p in sorted(windows))


def parse(data, vocab: Vocabulary, geocoder: Geocoder | None) -> tuple[matching.ClientSituation, SituationForm]:
    """Validate the form (a MultiDict) or raise ParamError with a message per field."""
    params = Params(data, max_length=MAX_LENGTH, repeated=_l("Das Feld „%(name)s“ darf nur einmal vorkommen."))
    form = SituationForm()
    one = params.one

    def many(name: str, allowed, message) -> list[str]:
        return params.many(name, allowed, message, max_values=MAX_VALUES)

    # where the client lives: a district, a postcode or a point – never an address
    form.district = one("district")
    form.postcode = one("postcode")
    form.point = one("point")
    origin = None
    if form.district and form.district not in vocab.districts:
        params.error("district", _l("Unbekannter Stadtteil: %(value)s", value=form.district))
    elif form.district:
        term = vocab.districts[form.district]
        origin = matching.Point(term.extra["lat"], term.extra["lon"], term.label)
    if form.postcode:
        if not re.fullmatch(r"\d{5}", form.postcode):
            params.error("postcode", _l("Bitte eine Postleitzahl mit fünf Ziffern angeben."))
        else:
            hit = geocoder.geocode(form.postcode) if geocoder else None
            if hit is None:
                params.error("postcode", _l("Die Postleitzahl %(value)s ist nicht bekannt.", value=form.postcode))
            else:
                origin = matching.Point(hit.lat, hit.lon, form.postcode)
    if form.point:
        try:
            point = parse_point(form.point)
        except ValueError:
            point = None
        if point is None:
            params.error("point", _l("Die Koordinaten sind ungültig. Beispiel: 52.29,8.91"))
        else:
            origin = matching.Point(point.lat, point.lon, point.label)
    form.origin_label = origin.label if origin else ""

    form.max_km = one("max_km")
    max_km = None
    if form.max_km:
        if form.max_km not in RADIUS_CHOICES:
            params.error("max_km", _l("Ungültige Entfernung: %(value)s", value=form.max_km))
        elif origin is None and not params.failed("district", "postcode", "point"):
            params.error("max_km", _l("Für die Entfernung bitte Stadtteil, Postleitzahl oder Ort angeben."))
        else:
            max_km = float(form.max_km)

    form.age = one("age")
    age = None
    if form.age:
        if not (form.age.isascii() and form.age.isdigit()) or int(form.age) > MAX_AGE:
            params.error("age", _l("Bitte das Alter in Jahren angeben (0 bis %(max)s).", max=MAX_AGE))
        else:
            age = int(form.age)

    skills = []
    for i in range(LANGUAGE_ROWS):
        code, level = one(f"language-{i}"), one(f"level-{i}") or "native"
        if not code:
            continue
        if code not in vocab.languages:
            params.error(f"language-{i}", _l("Unbekannte Sprache: %(value)s", value=code))
        elif level not in matching.LEVELS:
            params.error(f"level-{i}", _l("Unbekanntes Sprachniveau: %(value)s", value=level))
        else:
            skills.append(matching.LanguageSkill(code, level))
            form.languages.append((code, level))

    form.targets = many("target", client_target_groups(vocab), _l("Unbekannte Zielgruppe: %(value)s"))
    form.challenges = many("challenge", vocab.challenges, _l("Unbekannte Herausforderung: %(value)s"))
    form.categories = many("category", vocab.categories, _l("Unbekannte Angebotsart: %(value)s"))
    time_tokens = {f"{d}:{p}" for d in (*WEEKDAYS, *DAY_GROUPS) for p in matching.PERIODS}
    form.times = many("time", time_tokens, _l("Unbekannte Zeitangabe: %(value)s"))

    for name in ("free", "childcare", "wheelchair", "only_languages"):
        setattr(form, name, params.flag(name, _l("Ungültiger Wert: %(value)s")))

    params.check()
    situation = matching.ClientSituation(
        origin=origin,
        max_km=max_km if max_km is None or math.isfinite(max_km) else None,
        languages=tuple(skills),
        target_groups=frozenset(form.targets),
        challenges=frozenset(form.challenges),
        categories=frozenset(form.categories),
        free_times=_windows(form.times),
        must_be_free=form.free,
        childcare=form.childcare,
        wheelchair=form.wheelchair,
        age=age,
        only_languages=form.only_languages and bool(skills),
    )
    return situation, form


def empty_form() -> SituationForm:
    return SituationForm()


# --- one-click relaxation ---------------------------------------------------------------------------

def change_token(change: tuple[str, object] | None) -> str:
    """A relaxation's change as the ``relax`` button value (see :func:`relax`)."""
    if change is None:
        return ""
    criterion, value = change
    if criterion == "distance":
        return f"distance:{radius_for(value)}"
    if criterion == "language":
        return f"language:{value}"
    if criterion == "time":
        return "time:" + ",".join(value)
    if criterion == "pair":
        return ";".join(change_token(part) for part in value)
    return criterion


def radius_for(km) -> str:
    """The smallest distance choice that reaches ``km`` ("" – no limit – beyond the largest)."""
    return next((r for r in RADIUS_CHOICES if float(r) >= float(km)), "")


def relax(data, vocab: Vocabulary):
    """The form data with the conditions widened as a ``relax`` value says (one change, or two
    joined by ``;``); unknown changes are ignored. Returns a new MultiDict without ``relax``."""
    out = data.copy()
    token = out.pop("relax", "") or ""
    for part in token[:400].split(";")[:2]:
        _relax_one(out, part, vocab)
    return out


def _relax_one(out, token: str, vocab: Vocabulary) -> None:
    criterion, _, value = token.partition(":")
    flags = {"cost": "free", "childcare": "childcare", "wheelchair": "wheelchair",
             "only_languages": "only_languages"}
    if criterion in flags:
        out.poplist(flags[criterion])
    elif criterion == "age" or criterion == "target":
        out.poplist("age" if criterion == "age" else "target")
    elif criterion == "distance" and (value in RADIUS_CHOICES or value == ""):
        if value:
            out.setlist("max_km", [value])
        else:
            out.poplist("max_km")
    elif criterion == "language" and value in vocab.languages:
        rows = [(out.get(f"language-{i}", ""), out.get(f"level-{i}", "")) for i in range(LANGUAGE_ROWS)]
        for i, (code, _level) in enumerate(rows):
            if code == value:
                out.setlist(f"level-{i}", [ACCEPTED_LEVEL])
                break
        else:
            free = next((i for i, (code, _level) in enumerate(rows) if not code), None)
            if free is not None:
                out.setlist(f"language-{free}", [value])
                out.setlist(f"level-{free}", [ACCEPTED_LEVEL])
        out.poplist("only_languages")
    elif criterion == "time":
        allowed = {f"{d}:{p}" for d in WEEKDAYS for p in matching.PERIODS}
        tokens = [t for t in value.split(",") if t in allowed]
        times = out.getlist("time")
        if tokens:
            out.setlist("time", times + [t for t in tokens if t not in times])
