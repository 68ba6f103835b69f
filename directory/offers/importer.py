"""Importing offers from a spreadsheet (``flask import-offers``, the moderators' upload).

A file goes through four steps:

1. **reading** (:func:`read_table`): CSV in UTF-8 (with or without BOM) or Windows-1252,
   separated by semicolons, commas, tabs or bars; XLSX streamed with openpyxl in read-only
   mode after its declared size, packed size and shared-string table were checked against
   :data:`LIMITS` (a sheet declaring a million rows is refused before anything is loaded);
2. **column mapping** (:mod:`directory.offers.import_columns`): proposed from the headers,
   corrected by the person importing, remembered per :class:`ImportSource`;
3. **checking** each row (:func:`check_row`, values read by :mod:`directory.offers.import_values`):
   only a row without title or organisation, or with an id used twice in the file, is rejected;
   a field that cannot be understood is left empty with a warning and the offer is imported as
   a draft, flagged for moderators (``Offer.import_warnings``), as is a place found less exactly
   than by its address (``Location.geocode_precision``);
4. **writing** (:func:`execute`): in batches of :data:`BATCH` rows, each put into the session
   without touching the database, then flushed at once and committed (so other writes wait at
   most for one batch's flush, and a killed import leaves only whole rows); when the database
   refuses a batch it is undone and written again row by row, each row in its own SAVEPOINT,
   the refused row rejected. Rows are matched by ``external_id`` or, without one, by
   organisation + title + place, so importing the same file again changes nothing.
   Organisations the import does not know are created waiting for approval unless the person
   ticked "approve new organisations".

Imports run in the background (:mod:`directory.offers.import_jobs`) with their progress stored
in :class:`ImportRun`.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import time
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook
from sqlalchemy import func, insert, inspect, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from directory.config import ROOT
from directory.core import csv as csv_file
from directory.core.geo import Geocoder, RememberingGeocoder, district_for_point
from directory.core.geo import normalise as fold_place
from directory.extensions import db
from directory.models import (
    Category,
    ChangeRecord,
    Challenge,
    District,
    ImportRun,
    ImportSource,
    ImportState,
    Language,
    Location,
    Offer,
    OfferStatus,
    Organization,
    Schedule,
    TargetGroup,
    User,
    offer_location,
)
from directory.offers import import_columns
from directory.offers.editing import (
    apply_data,
    data_from_offer,
    diff,
    empty_data,
    history_values,
)
from directory.offers.import_values import (
    SYNONYMS,
    Matcher,
    ValueProblem,
    parse_bool,
    parse_cost,
    parse_date,
    parse_times,
)

COLUMNS = import_columns.FIELDS
REQUIRED_COLUMNS = import_columns.REQUIRED
TEMPLATE = ROOT / "docs" / "import-template.csv"
MAX_ROWS = 5000
MAX_CELL = 5000
BATCH = 200
BATCH_SECONDS = 0.5  # a batch ends after this long too, so other writers wait at most that
# Checked before a file is loaded (XLSX: from its declared dimension and packed sizes).
LIMITS = {"rows": MAX_ROWS + 1, "columns": 100, "cells": 300_000, "unpacked_bytes": 64 * 1024 * 1024,
          "shared_strings_bytes": 16 * 1024 * 1024, "compression_ratio": 200}
FIELD_LIMITS = {"external_id": 120, "organization": 200, "title": 200, "summary": 500, "cost": 300,
                "contact_name": 200, "contact_email": 200, "contact_phone": 60, "location_name": 200,
                "address": 200, "postcode": 10, "city": 100}
GEOCODE_LABELS = {
    "exact": _l("Adresse gefunden"), "street": _l("nur die Straße gefunden (Hausnummer nicht)"),
    "postcode": _l("nur Postleitzahl oder Stadtteil gefunden (Mitte)"), "none": _l("Adresse nicht gefunden"),
}


class ImportFileError(ValueError):
    """The file as a whole cannot be read (format, size, missing columns); nothing was written."""


@dataclass
class RowResult:
    row: int
    external_id: str
    status: str  # created | updated | unchanged | rejected (dry run: would be …)
    title: str = ""
    messages: list[str] = field(default_factory=list)
    offer_id: int | None = None
    warnings: list[dict] = field(default_factory=list)  # [{"field", "message"}]: imported as a draft
    geocode: str = ""  # exact | street | postcode | none | "" (no address)
    cells: list[str] = field(default_factory=list)  # the row as in the file (kept for rejected rows)


@dataclass
class ImportReport:
    rows: list[RowResult]
    notes: list[str]
    run_id: int | None = None

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def counts(self) -> dict[str, int]:
        return {s: self.count(s) for s in ("created", "updated", "unchanged", "rejected")}

    @property
    def flagged(self) -> int:
        return sum(1 for r in self.rows if r.warnings and r.status != "rejected")


# --- reading -----------------------------------------------------------------------------------

@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (row number in the spreadsheet, cell texts); empty rows left out


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.time):
        return value.isoformat()[:5]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()[:MAX_CELL]


def read_table(content: bytes, filename: str) -> Table:
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        raw = _read_xlsx(content)
    elif suffix in (".csv", ".txt"):
        raw = _read_csv(content)
    else:
        raise ImportFileError(str(_l("Bitte eine CSV- oder XLSX-Datei hochladen (nicht „%(suffix)s“).",
                                     suffix=suffix or filename)))
    header_at = next((i for i, r in enumerate(raw) if any(cell_text(c) for c in r)), None)
    if header_at is None:
        raise ImportFileError(str(_l("Die Datei ist leer.")))
    headers = [cell_text(h) for h in raw[header_at]]
    while headers and not headers[-1]:
        headers.pop()
    rows = []
    for number, values in enumerate(raw[header_at + 1:], start=header_at + 2):
        cells = [cell_text(v) for v in values[:len(headers)]]
        cells += [""] * (len(headers) - len(cells))
        if any(cells):
            rows.append((number, cells))
    if len(rows) > MAX_ROWS:
        raise ImportFileError(str(_l("Höchstens %(n)d Zeilen pro Import.", n=MAX_ROWS)))
    return Table(headers, rows)


def decode(content: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 (Excel's "CSV" on German Windows)."""
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="replace")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _read_csv(content: bytes) -> list[list]:
    text = decode(content).replace("\x00", "")
    sample = "\n".join(text.splitlines()[:20])
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=";,\t|").delimiter
    except csv.Error:
        first = sample.split("\n", 1)[0]
        delimiter = max((";", ",", "\t", "|"), key=first.count)
    rows = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if len(rows) > LIMITS["rows"] + 1000:
                raise ImportFileError(str(_l("Höchstens %(n)d Zeilen pro Import.", n=MAX_ROWS)))
            if len(row) > LIMITS["columns"]:
                raise ImportFileError(str(_l("Höchstens %(n)d Spalten.", n=LIMITS["columns"])))
            rows.append(row)
    except csv.Error as exc:
        raise ImportFileError(str(_l("Die CSV-Datei ist fehlerhaft: %(error)s", error=str(exc)))) from None
    return rows


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?"')


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.decode():
        n = n * 26 + ord(ch) - 64
    return n


def check_xlsx(content: bytes) -> None:
    """Refuse a workbook before loading it: packed sizes, the first sheet's declared
    dimension, the shared-string table's size. Raises ImportFileError."""
    unreadable = ImportFileError(str(_l("Die XLSX-Datei kann nicht gelesen werden.")))
    too_big = ImportFileError(str(_l(
        "Die Tabelle ist zu groß: höchstens %(rows)d Zeilen und %(columns)d Spalten.",
        rows=MAX_ROWS, columns=LIMITS["columns"])))
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise unreadable from None
    unpacked = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if unpacked > LIMITS["unpacked_bytes"] or unpacked / packed > LIMITS["compression_ratio"]:
        raise too_big
    names = {i.filename: i for i in infos}
    strings = names.get("xl/sharedStrings.xml")
    if strings is not None and strings.file_size > LIMITS["shared_strings_bytes"]:
        raise too_big
    sheets = sorted(n for n in names if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))
    if not sheets:
        raise unreadable
    try:
        with archive.open(sheets[0]) as fh:
            head = fh.read(4096)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError):
        raise unreadable from None
    m = _DIMENSION.search(head)
    if m and m.group(3):
        rows = int(m.group(4)) - int(m.group(2)) + 1
        columns = _column_number(m.group(3)) - _column_number(m.group(1)) + 1
        if rows > LIMITS["rows"] + 1000 or columns > LIMITS["columns"] or rows * columns > LIMITS["cells"] * 2:
            raise too_big


def _read_xlsx(content: bytes) -> list[list]:
    check_xlsx(content)
    unreadable = ImportFileError(str(_l("Die XLSX-Datei kann nicht gelesen werden.")))
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for broken XML, styles or string tables
        raise unreadable from None
    try:
        sheet = workbook.worksheets[0]
        rows, cells = [], 0
        for row in sheet.iter_rows(values_only=True, max_col=LIMITS["columns"]):
            if len(rows) > LIMITS["rows"] + 1000:
                raise ImportFileError(str(_l("Höchstens %(n)d Zeilen pro Import.", n=MAX_ROWS)))
            cells += len(row)
            if cells > LIMITS["cells"] * 2:
                raise ImportFileError(str(_l("Die Tabelle hat zu viele Zellen.")))
            rows.append(list(row))
        return rows
    except ImportFileError:
        raise
    except Exception:  # noqa: BLE001 - a broken sheet is a message, never a 500
        raise unreadable from None
    finally:
        workbook.close()


# --- mapping -----------------------------------------------------------------------------------

def mapped_rows(table: Table, mapping: list[str]) -> list[tuple[int, dict[str, str]]]:
    """Rows as {field: text} with the chosen mapping; house number joined to the address."""
    out = []
    for number, values in table.rows:
        cells: dict[str, str] = {}
        for fieldname, value in zip(mapping, values):
            if fieldname and value:
                cells[fieldname] = f"{cells[fieldname]}, {value}" if fieldname in cells else value
        if cells.get("house_number"):
            cells["address"] = f"{cells.get('address', '')} {cells.pop('house_number')}".strip()
        out.append((number, cells))
    return out


def mapping_problems(mapping: list[str]) -> list[str]:
    out = []
    for problem in import_columns.check(mapping):
        kind, name = problem.split(":", 1)
        if kind == "missing":
            out.append(str(_l("Keine Spalte für „%(field)s“ gewählt.", field=FIELD_NAMES.get(name, name))))
        else:
            out.append(str(_l("„%(field)s“ ist mehreren Spalten zugeordnet.", field=FIELD_NAMES.get(name, name))))
    return out


FIELD_NAMES = {
    "external_id": _l("Kennung (external_id)"), "organization": _l("Träger / Organisation"), "title": _l("Titel"),
    "category": _l("Art des Angebots"), "summary": _l("Kurzbeschreibung"), "description": _l("Beschreibung"),
    "plain_summary": _l("In einfacher Sprache"), "challenges": _l("Herausforderungen"),
    "target_groups": _l("Zielgruppen"), "languages": _l("Sprachen"), "free": _l("kostenlos (ja/nein)"),
    "cost": _l("Kosten"), "registration_required": _l("Anmeldung nötig"), "accessibility": _l("Barrierefreiheit"),
    "contact_name": _l("Ansprechperson"), "contact_email": _l("E-Mail"), "contact_phone": _l("Telefon"),
    "valid_from": _l("gültig ab"), "valid_to": _l("gültig bis"), "last_confirmed": _l("zuletzt bestätigt"),
    "location_name": _l("Name des Ortes"), "address": _l("Straße (und Hausnummer)"), "house_number": _l("Hausnummer"),
    "postcode": _l("PLZ"), "city": _l("Stadt"), "lat": _l("Breitengrad"), "lon": _l("Längengrad"),
    "schedule": _l("Zeiten"), "status": _l("Status (veröffentlicht/Entwurf)"),
}


# --- checking one row --------------------------------------------------------------------------

class Vocab:
    """The vocabularies as matchers (code, German and English label, common synonyms)."""

    def __init__(self):
        s = db.session
        self.categories = Matcher(((c.code, (c.name_de, c.name_en)) for c in s.scalars(select(Category))),
                                  SYNONYMS["categories"])
        self.challenges = Matcher((c.code, (c.short_de, c.short_en)) for c in s.scalars(select(Challenge)))
        self.targets = Matcher(((t.code, (t.name_de, t.name_en)) for t in s.scalars(select(TargetGroup))),
                               SYNONYMS["target_groups"])
        self.languages = Matcher(((lang.code, (lang.name_de, lang.name_en, lang.native))
                                  for lang in s.scalars(select(Language))), SYNONYMS["languages"])
        first = s.scalar(select(Category.code).order_by(Category.position).limit(1))
        self.default_category = first
        # the labels translated once per run, not in every row
        self.field_names = {name: str(label) for name, label in FIELD_NAMES.items()}
        self.geocode_labels = {grade: str(label) for grade, label in GEOCODE_LABELS.items()}


@dataclass
class Checked:
    data: dict
    location: dict | None
    errors: list[str]
    warnings: list[dict]
    organization: str
    key: str
    geocode: str = ""


def _warn(warnings: list[dict], fieldname: str, message, names: dict | None = None) -> None:
    name = (names or {}).get(fieldname) or FIELD_NAMES.get(fieldname, fieldname)
    warnings.append({"field": fieldname, "message": f"{name}: {message}"})


# the same names and addresses come again and again in a list
normalise_place = lru_cache(maxsize=50_000)(fold_place)


def row_key(cells: dict[str, str], source: str = "") -> str:
    """external_id, or a stable key from source, organisation, title and place."""
    given = (cells.get("external_id") or "").strip()
    if given:
        return given
    parts = [source, cells.get("organization", ""), cells.get("title", ""), cells.get("location_name", ""),
             cells.get("address", "")]
    digest = hashlib.sha1("\x1f".join(normalise_place(p) for p in parts).encode()).hexdigest()[:20]
    return f"import-{digest}"


def check_row(cells: dict[str, str], vocab: Vocab, geocoder: Geocoder, source: str = "") -> Checked:
    """What a row would become; writes nothing."""
    errors: list[str] = []
    warnings: list[dict] = []
    get = lambda c: (cells.get(c) or "").strip()
    warn = lambda fieldname, message: _warn(warnings, fieldname, message, vocab.field_names)
    for name in REQUIRED_COLUMNS:
        if not get(name):
            errors.append(str(_l("%(column)s fehlt", column=name)))
    for name, limit in FIELD_LIMITS.items():
        if len(get(name)) > limit:
            if name in REQUIRED_COLUMNS or name == "external_id":
                errors.append(str(_l("%(column)s: höchstens %(n)d Zeichen", column=name, n=limit)))
            else:
                warn(name, _l("höchstens %(n)d Zeichen – gekürzt", n=limit))
    data = empty_data()
    for name in ("title", "summary", "description", "plain_summary", "cost", "accessibility",
                 "contact_name", "contact_phone"):
        data[name] = get(name)[:FIELD_LIMITS.get(name, MAX_CELL)]
    category = vocab.categories.match(get("category")) if get("category") else None
    if category is None:
        for word in get("title").split():  # "Sprachcafé am Dienstag" → the kind named in the title
            category = vocab.categories.match(word)
            if category:
                break
    if category is None:
        if get("category"):
            warn("category", _l("unbekannte Art „%(value)s“ – bitte auswählen", value=get("category")))
        else:
            warn("category", _l("fehlt – bitte auswählen"))
        category = vocab.default_category
    data["category_code"] = category
    for name, matcher in (("challenges", vocab.challenges), ("target_groups", vocab.targets),
                          ("languages", vocab.languages)):
        codes, unknown = matcher.match_list(get(name))
        data[name] = codes
        if unknown:
            warn(name, _l("nicht verstanden: %(values)s", values=", ".join(f"„{u}“" for u in unknown)))
    try:
        free = parse_bool(get("free"))
    except ValueProblem:
        free = None
        cost = parse_cost(get("free"))  # "kostenlos" / "2 €" in the free column
        if cost is None:
            warn("free", _l("„%(value)s“ ist weder ja noch nein", value=get("free")))
        else:
            free = cost.is_free
            data["cost"] = data["cost"] or cost.text
    if get("cost"):
        try:
            cost = parse_cost(get("cost"))
            if free is None:
                free = cost.is_free
            data["cost"] = "" if cost.is_free else get("cost")[:300]
        except ValueProblem as exc:
            warn("cost", exc)
    data["is_free"] = True if free is None else free
    try:
        required = parse_bool(get("registration_required"))
        data["registration_required"] = bool(required)
    except ValueProblem as exc:
        warn("registration_required", exc)
    email = get("contact_email")
    if email:
        if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email) and len(email) <= 200:
            data["contact_email"] = email
        else:
            warn("contact_email", _l("„%(value)s“ ist keine E-Mail-Adresse", value=email))
    for name in ("valid_from", "valid_to", "last_confirmed"):
        try:
            day = parse_date(get(name))
            data[name] = day.isoformat() if day else None
        except ValueProblem as exc:
            warn(name, exc)
            data[name] = None
    if data.get("valid_from") and data.get("valid_to") and data["valid_to"] < data["valid_from"]:
        warn("valid_to", _l("liegt vor „gültig ab“"))
        data["valid_to"] = None
    if get("schedule"):
        try:
            times = parse_times(get("schedule"))
            data["schedules"] = times.slots
            if times.note:
                note = str(_l("Zeiten: %(note)s", note=times.note))
                data["description"] = f"{data['description']}\n\n{note}".strip()
            if times.warning:
                warn("schedule", times.warning)
        except ValueProblem as exc:
            warn("schedule", exc)
    status = get("status").lower() or "published"
    if status not in ("published", "draft", "veröffentlicht", "entwurf", "ja", "nein"):
        warn("status", _l("„%(value)s“ (erlaubt: veröffentlicht, Entwurf)", value=get("status")))
    data["_status"] = "draft" if status in ("draft", "entwurf", "nein") else "published"

    location = None
    geocode = ""
    if get("address") or get("location_name") or get("lat") or get("lon"):
        location = {"name": (get("location_name") or get("address"))[:200], "address": get("address")[:200],
                    "postcode": get("postcode")[:10], "city": get("city")[:100] or "Minden", "lat": None, "lon": None}
        if get("lat") or get("lon"):
            try:
                lat, lon = float(get("lat").replace(",", ".")), float(get("lon").replace(",", "."))
                if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                    raise ValueError
                location["lat"], location["lon"] = lat, lon
                geocode = "exact"
            except ValueError:
                warn("lat", _l("„%(lat)s“, „%(lon)s“ sind keine gültigen Koordinaten",
                               lat=get("lat"), lon=get("lon")))
        if not geocode:
            query = " ".join(p for p in (get("address"), get("postcode"), get("location_name")) if p)
            point = geocoder.geocode(query) if query else None
            if point is None:
                geocode = "none"
            else:
                location["lat"], location["lon"] = round(point.lat, 6), round(point.lon, 6)
                geocode = point.precision or "exact"
            if geocode != "exact":
                warn("address", _l("„%(address)s“: %(grade)s", address=query,
                                   grade=vocab.geocode_labels[geocode]))
        location["geocode_precision"] = geocode
    return Checked(data, location, errors, warnings, re.sub(r"\s+", " ", get("organization")),
                   row_key(cells, source), geocode)


# --- writing -------------------------------------------------------------------------------------

def org_key(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip().lower())


class RowRefused(ValueError):
    """A row that cannot be written, found before anything of it was changed in the session."""


def _belongs_to(obj: Offer | Location, org: Organization) -> None:
    """Link an offer or place to its organisation. A known organisation by its id, without the
    backref event (it would mark the organisation changed and so rebuild the search text of
    all its offers); a new one by the relationship (it has no id before the flush)."""
    if org.id is None:
        obj.organization = org
    else:
        obj.organization_id = org.id
        set_committed_value(obj, "organization", org)


class Writer:
    """Writes checked rows into the session without flushing them; keeps what it needs to find
    organisations and places across rows. New objects get their ids at the batch's flush, so
    the history records of the rows are made afterwards, by :meth:`finish`."""

    def __init__(self, user: User | None, source: ImportSource | None, approve_organizations: bool):
        self.user = user
        self.source = source
        self.approve = approve_organizations
        self.organizations: dict[str, int | Organization] = {}  # id until used, then the object
        for org_id, name in db.session.execute(select(Organization.id, Organization.name).order_by(Organization.id.desc())):
            self.organizations[org_key(name)] = org_id  # the oldest wins for duplicate names
        self.locations: dict[str, dict[tuple, Location]] = {}  # by organisation key
        self.districts = [(d.code, d.boundary_geojson) for d in db.session.scalars(select(District))]
        self.offers: dict[str, int | Offer] = dict(db.session.execute(
            select(Offer.external_id, Offer.id).where(Offer.external_id.is_not(None))).all())
        self.terms = {name: {t.code: t for t in db.session.scalars(select(model))}
                      for name, model in (("challenges", Challenge), ("target_groups", TargetGroup),
                                          ("languages", Language))}
        self.loaded: list[Offer] = []
        self.loaded_to = 0  # the rows before this one have been preloaded
        self.pending: list[Callable[[], dict]] = []  # history records waiting for the flush

    def preload(self, keys: list[str], to: int) -> None:
        """Load the existing offers of the next rows (up to row index ``to``) with their links
        in a few queries."""
        self.loaded_to = to
        ids = [v for v in (self.offers.get(k) for k in keys) if isinstance(v, int)]
        self.loaded = list(db.session.scalars(select(Offer).where(Offer.id.in_(ids)).options(
            selectinload(Offer.challenges), selectinload(Offer.target_groups), selectinload(Offer.languages),
            selectinload(Offer.locations), selectinload(Offer.schedules)))) if ids else []

    def finish(self) -> None:
        """Insert the history records of the rows written since the last call (after the flush
        that gave their objects ids), all in one statement."""
        pending, self.pending = self.pending, []
        if pending:
            db.session.execute(insert(ChangeRecord.__table__), [make() for make in pending])

    def _set_terms(self, offer: Offer, data: dict) -> None:
        """Vocabulary links from the objects loaded once (apply_data would query each row)."""
        for name, terms in self.terms.items():
            wanted = sorted(set(data[name]))
            if sorted(t.code for t in getattr(offer, name)) != wanted:
                setattr(offer, name, [terms[c] for c in wanted if c in terms])

    def _places(self, key: str, org: Organization) -> dict[tuple, Location]:
        if key not in self.locations:
            places: dict[tuple, Location] = {}
            if org.id is not None:
                used = select(offer_location.c.location_id).join(Offer, Offer.id == offer_location.c.offer_id).where(
                    Offer.organization_id == org.id)
                for loc in db.session.scalars(select(Location).where(
                        (Location.organization_id == org.id) | Location.id.in_(used)).order_by(Location.id.desc())):
                    places[(normalise_place(loc.name), normalise_place(loc.address))] = loc
            self.locations[key] = places
        return self.locations[key]

    def _location(self, org: Organization, key: str, values: dict) -> Location:
        places = self._places(key, org)
        place = (normalise_place(values["name"]), normalise_place(values["address"]))
        loc = places.get(place)
        if loc is not None:
            if values.get("geocode_precision") and loc.geocode_precision is None:
                loc.geocode_precision = values["geocode_precision"]
            return loc
        district = None
        if values["lat"] is not None:
            district = district_for_point(values["lat"], values["lon"], self.districts)
        loc = Location(name=values["name"].strip() or values["address"], address=values["address"],
                       postcode=values["postcode"], city=values.get("city") or "Minden", lat=values["lat"],
                       lon=values["lon"], district_code=district, geocode_precision=values.get("geocode_precision"),
                       version=1)  # every value given: rows inserted together, nothing fetched back
        _belongs_to(loc, org)
        db.session.add(loc)
        self.pending.append(lambda: history_values(
            "location_created", user=self.user, location=loc, organization=org,
            changes={k: [None, getattr(loc, k)] for k in ("name", "address", "postcode", "lat", "lon", "district_code")}))
        places[place] = loc
        return loc

    def _organization(self, name: str, result: RowResult) -> Organization:
        key = org_key(name)
        known = self.organizations.get(key)
        if isinstance(known, Organization):
            return known
        if known is not None:
            org = db.session.get(Organization, known)
            if org is not None:
                self.organizations[key] = org
                return org
        org = Organization(name=name, approved=self.approve, source_id=getattr(self.source, "id", None), version=1)
        db.session.add(org)
        self.pending.append(lambda: history_values("created", user=self.user, organization=org, note="import"))
        result.messages.append(str(_l("Organisation „%(name)s“ neu angelegt", name=org.name) if self.approve else
                                   _l("Organisation „%(name)s“ neu angelegt – wartet auf Freigabe", name=org.name)))
        self.organizations[key] = org
        return org

    def _offer(self, key: str) -> Offer | None:
        known = self.offers.get(key)
        if known is None or isinstance(known, Offer):
            return known
        return db.session.get(Offer, known)

    def write(self, result: RowResult, checked: Checked) -> None:
        """Put the row into the session (no flush); :class:`RowRefused` before changing anything."""
        data = dict(checked.data)
        status = data.pop("_status")
        last_confirmed = data.pop("last_confirmed", None)
        offer = self._offer(checked.key)
        if offer is not None:
            known = self.organizations.get(org_key(checked.organization))
            known_id = known.id if isinstance(known, Organization) else known
            if known_id is None or known_id != offer.organization_id:
                raise RowRefused(str(_l("external_id gehört zu einem Angebot einer anderen Organisation (%(name)s)",
                                        name=offer.organization.name)))
        org = self._organization(checked.organization, result)
        if checked.location is not None:
            locations = [self._location(org, org_key(checked.organization), checked.location)]
        elif offer is not None:
            locations = list(offer.locations)
        else:
            locations = []
        warnings = checked.warnings or None
        publish = status == "published" and org.approved
        confirmed = dt.date.fromisoformat(last_confirmed) if last_confirmed else dt.date.today()
        user = self.user
        if offer is None:
            wanted = OfferStatus.published.value if publish and not warnings else OfferStatus.draft.value
            offer = Offer(external_id=checked.key, status=wanted, version=1,
                          last_confirmed=confirmed, source_id=getattr(self.source, "id", None),
                          import_warnings=warnings)
            _belongs_to(offer, org)
            for name in self.terms:
                set_committed_value(offer, name, [])
            set_committed_value(offer, "locations", [])
            set_committed_value(offer, "schedules", [])
            db.session.add(offer)
            with db.session.no_autoflush:
                self._set_terms(offer, data)
                apply_data(offer, {**data, "locations": []})
                offer.locations = locations
            self.offers[checked.key] = offer
            result.status = "created"
            changes = diff(empty_data(), {**data, "locations": []})  # now: the flush holds the write lock

            def created() -> dict:
                result.offer_id = offer.id
                if locations:
                    changes["locations"] = [[], sorted({loc.id for loc in locations})]
                return history_values("imported", user=user, offer=offer, changes=changes)

            self.pending.append(created)
            return
        before = data_from_offer(offer)
        # a place new in this batch has no id yet (0 never is one): it differs from every old one
        changes = diff(before, {**data, "locations": [loc.id or 0 for loc in locations]})
        wanted = offer.status
        if status == "draft" and offer.status == OfferStatus.published.value:
            wanted = OfferStatus.draft.value
        elif publish and not warnings and offer.status == OfferStatus.draft.value:
            wanted = OfferStatus.published.value
        if offer.status != wanted:
            changes["status"] = [offer.status, wanted]
        if last_confirmed and offer.last_confirmed != confirmed:
            changes["last_confirmed"] = [offer.last_confirmed.isoformat() if offer.last_confirmed else None, last_confirmed]
        if (offer.import_warnings or None) != warnings:
            changes["import_warnings"] = [offer.import_warnings, warnings]
        result.offer_id = offer.id
        if not changes:
            result.status = "unchanged"
            return
        with db.session.no_autoflush:
            self._set_terms(offer, data)
            apply_data(offer, {**data, "locations": [loc.id for loc in offer.locations]})
            if sorted(loc.id or 0 for loc in offer.locations) != sorted(loc.id or 0 for loc in locations):
                offer.locations = locations
        offer.status = wanted
        offer.import_warnings = warnings
        if "last_confirmed" in changes:
            offer.last_confirmed = confirmed
        offer.version += 1

        def updated() -> dict:
            if "locations" in changes:
                changes["locations"] = [before["locations"], sorted(loc.id for loc in locations)]
            return history_values("imported", user=user, offer=offer, changes=changes)

        self.pending.append(updated)
        result.status = "updated"


def _results(rows, vocab, geocoder, source_name, cells_of) -> tuple[list[RowResult], list[Checked | None]]:
    seen: set[str] = set()
    results, checks = [], []
    geocoder = RememberingGeocoder(geocoder)
    for number, cells in rows:
        check = check_row(cells, vocab, geocoder, source_name)
        result = RowResult(number, check.key, "rejected", title=(cells.get("title") or "")[:200],
                           warnings=check.warnings, geocode=check.geocode)
        if check.key in seen:
            check.errors.append(str(_l("external_id „%(id)s“ kommt in der Datei mehrfach vor", id=check.key)))
        seen.add(check.key)
        if check.errors:
            result.messages = check.errors
            result.cells = cells_of(number)
            check = None
        results.append(result)
        checks.append(check)
    return results, checks


def preview(rows: list[tuple[int, dict[str, str]]], geocoder: Geocoder, source_name: str = "") -> ImportReport:
    """The dry run: what each row would become (created, updated or rejected); writes nothing."""
    vocab = Vocab()
    results, checks = _results(rows, vocab, geocoder, source_name, lambda n: [])
    keys = [c.key for c in checks if c is not None]
    existing: set[str] = set()
    for i in range(0, len(keys), 500):
        existing.update(db.session.scalars(select(Offer.external_id).where(Offer.external_id.in_(keys[i:i + 500]))))
    for result, check in zip(results, checks):
        if check is not None:
            result.status = "updated" if check.key in existing else "created"
    return ImportReport(results, [])


def _open_transaction(run_id: int) -> None:
    """A write that always reaches the database, so the SAVEPOINTs after it are nested in a
    transaction (on SQLite a SAVEPOINT outside one would commit each row on release)."""
    db.session.execute(update(ImportRun).where(ImportRun.id == run_id).values(processed=ImportRun.processed))


NUMBERED = (Organization, Location, Offer, Schedule)


def _number_new_rows() -> None:
    """SQLite: give the batch's new rows their ids (max + 1 …, as SQLite would), so that each
    table gets one multi-row INSERT: SQLite cannot tell which row of such an INSERT got which id,
    so SQLAlchemy would insert them one at a time. Called holding the write lock (the batch's
    first statement takes it), so no other writer takes an id meanwhile."""
    if db.session.get_bind().dialect.name != "sqlite":
        return
    new: dict[type, list] = {}
    for obj in db.session.new:
        if isinstance(obj, NUMBERED) and obj.id is None:
            new.setdefault(type(obj), []).append(obj)
    for model, objects in new.items():
        next_id = (db.session.scalar(select(func.max(model.id))) or 0) + 1
        for obj in sorted(objects, key=lambda o: inspect(o).insert_order):
            obj.id = next_id
            next_id += 1


def _reject(result: RowResult, exc: Exception, cells_of: Callable[[int], list[str]]) -> None:
    result.status, result.offer_id = "rejected", None
    result.messages = [str(exc) if isinstance(exc, ValueError)
                       else str(_l("Datenbankfehler: %(error)s", error=type(exc).__name__))]
    result.cells = cells_of(result.row)


def _write_batch(pairs, start, writer, run_id, commit, batch, batch_seconds, cells_of) -> tuple[int, bool]:
    """Write the rows from ``start`` on – up to ``batch`` rows or ``batch_seconds`` – with one
    flush. (end, True) when written; (end, False) when something failed, all of it undone.

    The rows are put into the session first, reading only (on SQLite without holding the write
    lock); the write lock is taken for the flush."""
    undo = None if commit else db.session.begin_nested()
    began, end = time.monotonic(), start
    try:
        with db.session.no_autoflush:
            while end < len(pairs) and end - start < batch and (
                    end == start or time.monotonic() - began <= batch_seconds):
                if end >= writer.loaded_to:
                    writer.preload([c.key for _, c in pairs[end:end + 100] if c is not None], end + 100)
                result, check = pairs[end]
                end += 1
                if check is not None:
                    try:
                        writer.write(result, check)
                    except RowRefused as exc:
                        _reject(result, exc, cells_of)
        with db.session.no_autoflush:
            if commit:
                _open_transaction(run_id)
            _number_new_rows()
        db.session.flush()
        writer.finish()
    except (ValueError, SQLAlchemyError):
        if undo is not None:
            undo.rollback()
        else:
            db.session.rollback()  # all before the batch is committed
        return end, False
    if undo is not None:
        undo.commit()
    return end, True


def _write_rows(pairs, writer, run_id, commit, cells_of, new_writer):
    """The rows of a failed batch one by one, each in its own SAVEPOINT: the one the database
    refuses is rejected, the others are written."""
    if commit:
        _open_transaction(run_id)
    for result, check in pairs:
        if check is None:
            continue
        result.status, result.offer_id, result.messages, result.cells = "rejected", None, [], []
        try:
            with db.session.begin_nested():
                with db.session.no_autoflush:
                    writer.write(result, check)
                db.session.flush()
                writer.finish()
        except (ValueError, SQLAlchemyError) as exc:
            _reject(result, exc, cells_of)
            writer = new_writer()  # what the row created (an organisation, a place) is gone
    return writer


def _write_all(results, checks, writer, run_id, source_id, commit, batch, batch_seconds, cells_of, new_writer):
    pairs = list(zip(results, checks))
    start = 0
    while start < len(pairs):
        end, written = _write_batch(pairs, start, writer, run_id, commit, batch, batch_seconds, cells_of)
        if not written:
            writer = _write_rows(pairs[start:end], new_writer(), run_id, commit, cells_of, new_writer)
        start = end
        if commit:
            db.session.get(ImportRun, run_id).processed = end
            db.session.commit()
            if source_id is not None:
                writer.source = db.session.get(ImportSource, source_id)


def import_rows(rows: list[tuple[int, dict[str, str]]], geocoder: Geocoder, user: User | None = None, *,
                run: ImportRun | None = None, source: ImportSource | None = None,
                approve_organizations: bool = False, notes: list[str] = (), batch: int = BATCH,
                batch_seconds: float = BATCH_SECONDS,
                cells_of: Callable[[int], list[str]] = lambda n: [],
                commit: bool = True) -> ImportReport:
    """Check and write the rows in batches of up to ``batch`` rows (or ``batch_seconds``), each
    flushed at once and committed (``commit=False``: the caller commits or rolls back)."""
    if run is None:
        run = ImportRun(user_id=getattr(user, "id", None), state=ImportState.running.value)
        db.session.add(run)
    run.state, run.total = ImportState.running.value, len(rows)
    source_id = getattr(source, "id", None)
    source_name = getattr(source, "name", "") or ""
    db.session.flush()
    run_id = run.id
    if commit:
        db.session.commit()  # checking the rows below only reads: hold no write lock meanwhile
    vocab = Vocab()
    writer = Writer(user, source, approve_organizations)
    results, checks = _results(rows, vocab, geocoder, source_name, cells_of)
    session = db.session()
    expire_on_commit = session.expire_on_commit
    session.expire_on_commit = False  # the import's own objects stay usable across its batches
    try:
        _write_all(results, checks, writer, run_id, source_id, commit, batch, batch_seconds, cells_of,
                   lambda: Writer(user, source, approve_organizations))
    finally:
        session.expire_on_commit = expire_on_commit
    report = ImportReport(results, list(notes), run_id=run_id)
    rows_report = [asdict(r) for r in results]
    run = db.session.get(ImportRun, run_id)
    run.created, run.updated = report.count("created"), report.count("updated")
    run.unchanged, run.rejected = report.count("unchanged"), report.count("rejected")
    run.report = rows_report
    run.processed, run.state, run.finished_at = len(results), ImportState.done.value, dt.datetime.now(dt.UTC).replace(tzinfo=None)
    run.content = None
    db.session.flush()
    if commit:
        db.session.commit()
    return report


# --- runs --------------------------------------------------------------------------------------

def source_named(name: str, kind: str = "file") -> ImportSource | None:
    name = re.sub(r"\s+", " ", (name or "").strip())[:120]
    if not name:
        return None
    source = db.session.scalar(select(ImportSource).where(ImportSource.name == name))
    if source is None:
        source = ImportSource(name=name, kind=kind, mapping={}, location="")
        db.session.add(source)
        db.session.flush()
    return source


def proposal(table: Table, source: ImportSource | None) -> list[str]:
    return import_columns.propose(table.headers, (source.mapping if source else None) or {})


def remember(source: ImportSource | None, headers: list[str], mapping: list[str]) -> None:
    if source is not None:
        source.mapping = {**(source.mapping or {}), **{h: m for h, m in zip(headers, mapping) if h}}


def execute(run: ImportRun, geocoder: Geocoder, batch: int = BATCH) -> ImportReport:
    """Import a stored upload with its options (the background job); commits as it goes."""
    table = read_table(run.content or b"", run.filename)
    options = run.options or {}
    mapping = options.get("mapping") or proposal(table, run.source)
    problems = mapping_problems(mapping)
    if problems:
        raise ImportFileError(" ".join(problems))
    run.options = {**options, "mapping": mapping, "headers": table.headers}
    user = db.session.get(User, run.user_id) if run.user_id else None
    by_number = dict(table.rows)
    return import_rows(mapped_rows(table, mapping), geocoder, user, run=run, source=run.source,
                       approve_organizations=bool(options.get("approve_organizations")), batch=batch,
                       cells_of=lambda n: by_number.get(n, []))


def import_file(content: bytes, filename: str, geocoder: Geocoder, user: User | None = None, *,
                source_name: str = "", mapping: list[str] | None = None, approve_organizations: bool = False,
                commit: bool = True, batch: int = BATCH, batch_seconds: float = BATCH_SECONDS) -> ImportReport:
    """Read, map (proposal unless given) and import a file in one go (CLI, tests)."""
    table = read_table(content, filename)
    source = source_named(source_name)
    mapping = mapping or proposal(table, source)
    problems = mapping_problems(mapping)
    if problems:
        raise ImportFileError(" ".join(problems) + " " + str(_l("Spalten der Datei: %(headers)s",
                                                                  headers=", ".join(table.headers))))
    notes = []
    ignored = [h for h, m in zip(table.headers, mapping) if h and not m]
    if ignored:
        notes.append(str(_l("Nicht zugeordnete Spalten werden ignoriert: %(columns)s", columns=", ".join(ignored))))
    run = ImportRun(user_id=getattr(user, "id", None), filename=Path(filename).name[:255],
                    source_id=getattr(source, "id", None),
                    options={"mapping": mapping, "headers": table.headers,
                             "approve_organizations": approve_organizations})
    db.session.add(run)
    by_number = dict(table.rows)
    return import_rows(mapped_rows(table, mapping), geocoder, user, run=run, source=source,
                       approve_organizations=approve_organizations, notes=notes, commit=commit, batch=batch,
                       batch_seconds=batch_seconds,
                       cells_of=lambda n: by_number.get(n, []))


# --- rejected rows -----------------------------------------------------------------------------

def rejected_csv(run: ImportRun) -> bytes:
    """The rejected rows of a run as in the file, with a first column giving the reasons, to
    correct and upload again (the reason column is ignored on upload)."""
    headers = [h for h in (run.options or {}).get("headers", [])]
    rows = [RowResult(**r) for r in run.report or []]
    rejected = [r for r in rows if r.status == "rejected"]
    width = max([len(headers)] + [len(r.cells) for r in rejected])
    headers = headers + [""] * (width - len(headers))
    return csv_file.text([str(_l("Grund der Ablehnung"))] + headers,
                         [[" | ".join(r.messages)] + r.cells + [""] * (width - len(r.cells)) for r in rejected],
                         csv_file.PEOPLE).encode("utf-8")


def parse_schedule(text: str) -> list[dict]:
    """A time cell → schedule rows; ValueError (ValueProblem) with what was not understood."""
    return parse_times(text).slots


__all__ = ["COLUMNS", "ImportFileError", "ImportReport", "RowResult", "execute", "import_file", "import_rows",
           "parse_schedule", "preview", "read_table", "rejected_csv"]
