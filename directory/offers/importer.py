"""Importing offers from a CSV or XLSX spreadsheet (``flask import-offers``, moderators' upload).

The column layout is documented in the README ("Importing offers") and shipped as
``docs/import-template.csv``. Each row is one offer at one location:

* matched by ``external_id`` (idempotent: importing the same file twice changes nothing);
* its organisation is matched by name (case and spacing ignored) and created when unknown;
* its address is geocoded with the configured geocoder unless ``lat``/``lon`` are given;
* validated completely before anything is written, then written inside a SAVEPOINT, so a bad
  row is reported with its reasons and never aborts the other rows nor leaves half a row.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from zipfile import BadZipFile

from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from directory.config import ROOT
from directory.core.geo import Geocoder
from directory.core.geo import normalise as normalise_place
from directory.extensions import db
from directory.models import (
    Category,
    Challenge,
    ImportRun,
    Language,
    Location,
    Offer,
    OfferStatus,
    Organization,
    TargetGroup,
    User,
)
from directory.offers.editing import (
    apply_data,
    create_location,
    data_from_offer,
    diff,
    empty_data,
    organization_locations,
    record,
)

COLUMNS = (
    "external_id", "organization", "title", "category", "summary", "description", "plain_summary",
    "challenges", "target_groups", "languages", "free", "cost", "registration_required",
    "accessibility", "contact_name", "contact_email", "contact_phone", "valid_from", "valid_to",
    "last_confirmed", "location_name", "address", "postcode", "lat", "lon", "schedule", "status",
)
REQUIRED_COLUMNS = ("external_id", "organization", "title", "category")
TEMPLATE = ROOT / "docs" / "import-template.csv"
MAX_ROWS = 5000
MAX_CELL = 5000
LIMITS = {"external_id": 120, "organization": 200, "title": 200, "summary": 500, "cost": 300,
          "contact_name": 200, "contact_email": 200, "contact_phone": 60, "location_name": 200,
          "address": 200, "postcode": 10}
TRUE = {"ja", "j", "yes", "y", "1", "true", "wahr", "x"}
FALSE = {"nein", "n", "no", "0", "false", "falsch"}
DAYS = {
    "mo": 0, "mon": 0, "montag": 0, "monday": 0,
    "di": 1, "die": 1, "dienstag": 1, "tue": 1, "tuesday": 1,
    "mi": 2, "mit": 2, "mittwoch": 2, "wed": 2, "wednesday": 2,
    "do": 3, "don": 3, "donnerstag": 3, "thu": 3, "thursday": 3,
    "fr": 4, "fre": 4, "freitag": 4, "fri": 4, "friday": 4,
    "sa": 5, "sam": 5, "samstag": 5, "sat": 5, "saturday": 5,
    "so": 6, "son": 6, "sonntag": 6, "sun": 6, "sunday": 6,
}
_SLOT = re.compile(
    r"^\s*(?P<day>[A-Za-zÄÖÜäöü]+\.?|\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{4})\s*,?\s*"
    r"(?P<start>\d{1,2}[:.]\d{2})\s*(?:-|–|bis)\s*(?P<end>\d{1,2}[:.]\d{2})\s*(?:Uhr)?\s*$",
    re.IGNORECASE,
)


class ImportFileError(ValueError):
    """The file as a whole cannot be read (format, missing columns); nothing was written."""


@dataclass
class RowResult:
    row: int
    external_id: str
    status: str  # created | updated | unchanged | rejected
    title: str = ""
    messages: list[str] = field(default_factory=list)
    offer_id: int | None = None


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


# --- reading -----------------------------------------------------------------------------------

def _header(name) -> str:
    return re.sub(r"[\s-]+", "_", str(name or "").strip().lower())


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()[:5] if isinstance(value, dt.time) else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "ja" if value else "nein"
    return str(value).strip()


def read_rows(content: bytes, filename: str) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """[(spreadsheet row number, {column: text})], unknown column names."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        table = _read_xlsx(content)
    elif suffix in (".csv", ".txt"):
        table = _read_csv(content)
    else:
        raise ImportFileError(str(_l("Bitte eine CSV- oder XLSX-Datei hochladen (nicht „%(suffix)s“).", suffix=suffix or filename)))
    if not table:
        raise ImportFileError(str(_l("Die Datei ist leer.")))
    header = [_header(h) for h in table[0]]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ImportFileError(str(_l("Es fehlen Spalten: %(columns)s. Bitte verwenden Sie die Vorlage.",
                                     columns=", ".join(missing))))
    unknown = [h for h in header if h and h not in COLUMNS]
    rows = []
    for number, values in enumerate(table[1:], start=2):
        cells = {h: _cell(v)[:MAX_CELL] for h, v in zip(header, values) if h in COLUMNS}
        if any(cells.values()):
            rows.append((number, cells))
    if len(rows) > MAX_ROWS:
        raise ImportFileError(str(_l("Höchstens %(n)d Zeilen pro Import.", n=MAX_ROWS)))
    return rows, unknown


def _read_csv(content: bytes) -> list[list]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")  # Excel's "CSV" on German Windows
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise ImportFileError(str(_l("Die CSV-Datei ist fehlerhaft: %(error)s", error=str(exc)))) from None


def _read_xlsx(content: bytes) -> list[list]:


    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (BadZipFile, KeyError, ValueError, OSError):
        raise ImportFileError(str(_l("Die XLSX-Datei kann nicht gelesen werden."))) from None
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


# --- validating one row ------------------------------------------------------------------------

class _Vocab:
    def __init__(self):
        s = db.session
        self.categories = self._index(s.scalars(select(Category)), ("code", "name_de", "name_en"))
        self.challenges = self._index(s.scalars(select(Challenge)), ("code", "short_de"))
        self.targets = self._index(s.scalars(select(TargetGroup)), ("code", "name_de", "name_en"))
        self.languages = self._index(s.scalars(select(Language)), ("code", "name_de", "name_en", "native"))

    @staticmethod
    def _index(objects, attrs) -> dict[str, str]:
        out = {}
        for obj in objects:
            for attr in attrs:
                out[str(getattr(obj, attr)).strip().lower()] = obj.code
        return out


def _split(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[;,|\n]", text) if p.strip()]


def _date(text: str) -> dt.date:
    text = text.strip()
    m = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
    if m:
        return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    return dt.date.fromisoformat(text[:10])


def _time(text: str) -> str:
    h, m = re.split(r"[:.]", text)
    return dt.time(int(h), int(m)).strftime("%H:%M")


def parse_schedule(text: str) -> list[dict]:
    """'Di 09:30-11:30; 05.12.2026 10:00-12:00' → schedule rows; ValueError with the bad part."""
    slots = []
    for part in re.split(r"[;\n]", text):
        if not part.strip():
            continue
        m = _SLOT.match(part)
        if not m:
            raise ValueError(part.strip())
        day = m.group("day").rstrip(".").lower()
        try:
            start, end = _time(m.group("start")), _time(m.group("end"))
        except ValueError:
            raise ValueError(part.strip()) from None
        if end <= start:
            raise ValueError(part.strip())
        slot = {"weekday": None, "date": None, "opens_at": start, "closes_at": end,
                "valid_from": None, "valid_to": None, "note": ""}
        if day in DAYS:
            slot["weekday"] = DAYS[day]
        else:
            try:
                slot["date"] = _date(day).isoformat()
            except ValueError:
                raise ValueError(part.strip()) from None
        slots.append(slot)
    return slots


def _codes(text: str, index: dict[str, str], what, errors: list[str]) -> list[str]:
    out = []
    for part in _split(text):
        code = index.get(part.lower())
        if code is None:
            errors.append(str(_l("%(what)s: unbekannter Wert „%(value)s“", what=what, value=part)))
        else:
            out.append(code)
    return out


def _bool(text: str, default: bool, name: str, errors: list[str]) -> bool:
    t = text.strip().lower()
    if not t:
        return default
    if t in TRUE:
        return True
    if t in FALSE:
        return False
    errors.append(str(_l("%(column)s: „%(value)s“ ist weder ja noch nein", column=name, value=text)))
    return default


def validate_row(cells: dict[str, str], vocab: _Vocab, geocoder: Geocoder) -> tuple[dict, dict, list[str]]:
    """(offer data, location values, errors) for one row; writes nothing."""
    errors: list[str] = []
    get = lambda c: (cells.get(c) or "").strip()  # noqa: E731
    for column, limit in LIMITS.items():
        if len(get(column)) > limit:
            errors.append(str(_l("%(column)s: höchstens %(n)d Zeichen", column=column, n=limit)))
    for column in REQUIRED_COLUMNS:
        if not get(column):
            errors.append(str(_l("%(column)s fehlt", column=column)))
    data = empty_data()
    for name in ("title", "summary", "description", "plain_summary", "cost", "accessibility",
                 "contact_name", "contact_email", "contact_phone"):
        data[name] = get(name)
    if get("category"):
        data["category_code"] = vocab.categories.get(get("category").lower())
        if data["category_code"] is None:
            errors.append(str(_l("category: unbekannte Art „%(value)s“", value=get("category"))))
    data["challenges"] = _codes(get("challenges"), vocab.challenges, "challenges", errors)
    data["target_groups"] = _codes(get("target_groups"), vocab.targets, "target_groups", errors)
    data["languages"] = _codes(get("languages"), vocab.languages, "languages", errors)
    data["is_free"] = _bool(get("free"), True, "free", errors)
    data["registration_required"] = _bool(get("registration_required"), False, "registration_required", errors)
    email = get("contact_email")
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        errors.append(str(_l("contact_email: „%(value)s“ ist keine E-Mail-Adresse", value=email)))
    for name in ("valid_from", "valid_to", "last_confirmed"):
        if get(name):
            try:
                data[name] = _date(get(name)).isoformat()
            except ValueError:
                errors.append(str(_l("%(column)s: „%(value)s“ ist kein Datum (JJJJ-MM-TT oder TT.MM.JJJJ)",
                                     column=name, value=get(name))))
                data[name] = None
    if data.get("valid_from") and data.get("valid_to") and data["valid_to"] < data["valid_from"]:
        errors.append(str(_l("valid_to liegt vor valid_from")))
    if get("schedule"):
        try:
            data["schedules"] = parse_schedule(get("schedule"))
        except ValueError as exc:
            errors.append(str(_l("schedule: „%(part)s“ nicht verstanden (Beispiel: „Di 09:30-11:30; 05.12.2026 10:00-12:00“)",
                                 part=str(exc))))
    status = get("status").lower() or "published"
    if status not in ("published", "draft", "veröffentlicht", "entwurf"):
        errors.append(str(_l("status: „%(value)s“ (erlaubt: published, draft)", value=get("status"))))
    data["_status"] = "draft" if status in ("draft", "entwurf") else "published"

    location = None
    if get("address") or get("location_name") or get("lat") or get("lon"):
        location = {"name": get("location_name") or get("address"), "address": get("address"),
                    "postcode": get("postcode"), "lat": None, "lon": None}
        if get("lat") or get("lon"):
            try:
                lat, lon = float(get("lat").replace(",", ".")), float(get("lon").replace(",", "."))
                if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                    raise ValueError
                location["lat"], location["lon"] = lat, lon
            except ValueError:
                errors.append(str(_l("lat/lon: „%(lat)s“, „%(lon)s“ sind keine gültigen Koordinaten",
                                     lat=get("lat"), lon=get("lon"))))
        elif not errors:
            point = geocoder.geocode(" ".join(p for p in (get("address"), get("postcode")) if p))
            if point is None:
                errors.append(str(_l("address: „%(address)s“ wurde nicht gefunden – bitte prüfen oder lat/lon angeben",
                                     address=get("address"))))
            else:
                location["lat"], location["lon"] = round(point.lat, 6), round(point.lon, 6)
    return data, location, errors


# --- writing -------------------------------------------------------------------------------------

def _org_key(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip().lower())


def _find_location(org: Organization, values: dict) -> Location | None:
    """An existing location of the organisation with the same name and address."""
    address, name = normalise_place(values["address"]), normalise_place(values["name"])
    for loc in organization_locations(org):
        if normalise_place(loc.name) == name and normalise_place(loc.address) == address and (
                not values["postcode"] or not loc.postcode or loc.postcode == values["postcode"]):
            return loc
    return None


def _write_row(result: RowResult, org_name: str, data: dict, location_values: dict | None,
               user: User | None, organizations: dict[str, Organization]) -> None:
    status = data.pop("_status")
    last_confirmed = data.pop("last_confirmed", None)
    org = organizations.get(_org_key(org_name))
    if org is None:
        org = Organization(name=re.sub(r"\s+", " ", org_name.strip()), approved=True)
        db.session.add(org)
        db.session.flush()
        result.messages.append(str(_l("Organisation „%(name)s“ neu angelegt", name=org.name)))
    offer = db.session.scalar(select(Offer).where(Offer.external_id == result.external_id))
    if offer is not None and offer.organization_id != org.id:
        raise ValueError(str(_l("external_id gehört zu einem Angebot einer anderen Organisation (%(name)s)",
                                name=offer.organization.name)))
    if location_values is not None:
        loc = _find_location(org, location_values) or create_location(org, location_values, user)
        data["locations"] = [loc.id]
    elif offer is not None:
        data["locations"] = [loc.id for loc in offer.locations]
    wanted_status = OfferStatus.published.value if status == "published" and org.approved else OfferStatus.draft.value
    confirmed = dt.date.fromisoformat(last_confirmed) if last_confirmed else dt.date.today()
    if offer is None:
        offer = Offer(external_id=result.external_id, organization=org, status=wanted_status, version=1,
                      last_confirmed=confirmed)
        db.session.add(offer)
        apply_data(offer, data)
        db.session.flush()
        record("imported", user=user, offer=offer, changes=diff(empty_data(), data))
        result.status, result.offer_id = "created", offer.id
        organizations[_org_key(org.name)] = org
        return
    before = data_from_offer(offer)
    changes = diff(before, data)
    if offer.status != wanted_status and offer.status != OfferStatus.archived.value:
        changes["status"] = [offer.status, wanted_status]
    if last_confirmed and offer.last_confirmed != confirmed:
        changes["last_confirmed"] = [offer.last_confirmed.isoformat() if offer.last_confirmed else None, last_confirmed]
    result.offer_id = offer.id
    if not changes:
        result.status = "unchanged"
        return
    apply_data(offer, data)
    if "status" in changes:
        offer.status = wanted_status
    if "last_confirmed" in changes:
        offer.last_confirmed = confirmed
    offer.version += 1
    record("imported", user=user, offer=offer, changes=changes)
    result.status = "updated"


def _organizations() -> dict[str, Organization]:
    orgs: dict[str, Organization] = {}
    for org in db.session.scalars(select(Organization).order_by(Organization.id.desc())):
        orgs[_org_key(org.name)] = org  # the oldest wins for duplicate names
    return orgs


def import_rows(rows: list[tuple[int, dict[str, str]]], geocoder: Geocoder, user: User | None = None,
                filename: str = "", notes: list[str] = ()) -> ImportReport:
    """Validate and write each row in its own SAVEPOINT; the caller commits."""
    run = ImportRun(user_id=getattr(user, "id", None), filename=filename[:255])
    db.session.add(run)
    # The first write opens the transaction, so the SAVEPOINTs below are nested in it
    # (on SQLite a SAVEPOINT outside a transaction would commit on release).
    db.session.flush()
    vocab = _Vocab()
    organizations = _organizations()
    seen: set[str] = set()
    results: list[RowResult] = []
    for number, cells in rows:
        ext = (cells.get("external_id") or "").strip()
        result = RowResult(number, ext, "rejected", title=(cells.get("title") or "")[:200])
        results.append(result)
        data, location, errors = validate_row(cells, vocab, geocoder)
        if ext and ext in seen:
            errors.append(str(_l("external_id „%(id)s“ kommt in der Datei mehrfach vor", id=ext)))
        seen.add(ext)
        if errors:
            result.messages = errors
            continue
        try:
            with db.session.begin_nested():
                _write_row(result, cells["organization"], data, location, user, organizations)
        except (ValueError, SQLAlchemyError) as exc:
            result.status = "rejected"
            result.offer_id = None
            result.messages = [str(exc) if isinstance(exc, ValueError)
                               else str(_l("Datenbankfehler: %(error)s", error=type(exc).__name__))]
            organizations = _organizations()  # an organisation created in the failed row is gone
    report = ImportReport(results, list(notes), run_id=None)
    run.created, run.updated = report.count("created"), report.count("updated")
    run.unchanged, run.rejected = report.count("unchanged"), report.count("rejected")
    run.report = [asdict(r) for r in results]
    db.session.flush()
    report.run_id = run.id
    return report


def import_file(content: bytes, filename: str, geocoder: Geocoder, user: User | None = None) -> ImportReport:
    rows, unknown = read_rows(content, filename)
    notes = [str(_l("Unbekannte Spalten werden ignoriert: %(columns)s", columns=", ".join(unknown)))] if unknown else []
    return import_rows(rows, geocoder, user=user, filename=Path(filename).name, notes=notes)


__all__ = ["COLUMNS", "ImportFileError", "ImportReport", "RowResult", "import_file", "import_rows",
           "parse_schedule", "read_rows"]
