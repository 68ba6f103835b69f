"""Importing Open Referral HSDS 3.0 data (``flask import-hsds PATH_OR_URL``): federation with
other directories.

Reads, into one shape (:class:`Service`):

* an HSDS **data package**: a folder or zip of the HSDS CSV files (``services.csv``,
  ``organizations.csv`` … with or without ``datapackage.json``), or the same tables as JSON
  (Wegweiser's ``/api/v1/export/hsds.json``, HSDS's ``tabular.json``: table → rows);
* another instance's **HSDS API** (``/services?page=N`` with full service records), or a single
  JSON service record or service list page, by HTTP with the standard library.

Each service becomes an offer matched by its HSDS id (``Offer.external_id`` = ``hsds:<id>``,
organisations and locations likewise), marked with its source (:class:`ImportSource`, kind
hsds) and written in a SAVEPOINT, committed in batches: importing again changes nothing, a
changed record updates the offer, and an offer of the source that the source no longer lists
is archived. Taxonomy terms are matched to the challenges, kinds of offer and target groups by
code, then by name (HSDS ``attribute`` rows and nested ``attributes``). What cannot be
taken over is kept as a warning on the offer, as with spreadsheet imports.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from directory.core.geo import district_for_point
from directory.extensions import db
from directory.models import (
    Category,
    Challenge,
    District,
    ImportSource,
    Language,
    Location,
    Offer,
    OfferStatus,
    Organization,
    TargetGroup,
    User,
)
from directory.offers import editing
from directory.offers.import_values import (
    SYNONYMS,
    Cost,
    Matcher,
    ValueProblem,
    parse_cost,
)

BYDAY = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}
MAX_BYTES = 50 * 1024 * 1024
MAX_PAGES = 1000
BATCH = 200
TABLE_NAMES = {  # HSDS CSV file stem or JSON key → table
    "organizations": "organization", "services": "service", "locations": "location", "addresses": "address",
    "service_at_location": "service_at_location", "service_at_locations": "service_at_location",
    "schedules": "schedule", "languages": "language", "phones": "phone", "contacts": "contact",
    "taxonomies": "taxonomy", "taxonomy_terms": "taxonomy_term", "attributes": "attribute",
}


class HsdsError(ValueError):
    """The data cannot be read as HSDS; nothing was written."""


@dataclass
class Service:
    """One HSDS service with what Wegweiser takes from its related records."""
    id: str
    name: str
    description: str = ""
    url: str = ""
    email: str = ""
    status: str = "active"
    fees: str = ""
    application_process: str = ""
    assured_date: str = ""
    organization: dict = field(default_factory=dict)
    locations: list[dict] = field(default_factory=list)  # {id, name, lat, lon, address, postcode, city}
    schedules: list[dict] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    phone: str = ""
    contact_name: str = ""
    contact_email: str = ""
    terms: list[dict] = field(default_factory=list)  # {code, name, taxonomy, link_type, value}


@dataclass
class HsdsReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    archived: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (service id, reason)
    warnings: dict[str, list[str]] = field(default_factory=dict)


# --- reading ---------------------------------------------------------------------------------

def _fetch(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"Accept": "application/json, */*", "User-Agent": "Wegweiser-HSDS"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            data = response.read(MAX_BYTES + 1)
    except (OSError, ValueError) as exc:
        raise HsdsError(f"{url}: {exc}") from None
    if len(data) > MAX_BYTES:
        raise HsdsError(f"{url}: more than {MAX_BYTES // (1024 * 1024)} MB")
    return data


def _json(data: bytes, where: str):
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HsdsError(f"{where}: not JSON ({exc})") from None


def _csv_rows(text: str) -> list[dict]:
    return [{k: v for k, v in row.items() if k and v not in (None, "")} for row in csv.DictReader(io.StringIO(text))]


def tables_from_files(files: dict[str, bytes]) -> dict[str, list[dict]]:
    """{file name: content} of a data package → {table: rows}."""
    tables: dict[str, list[dict]] = {}
    for name, content in files.items():
        stem = Path(name).stem
        if Path(name).suffix.lower() == ".csv" and stem in TABLE_NAMES:
            tables[TABLE_NAMES[stem]] = _csv_rows(content.decode("utf-8-sig"))
    if "service" not in tables:
        raise HsdsError("no services.csv in the data package")
    return tables


def tables_from_json(doc: dict) -> dict[str, list[dict]]:
    tables: dict[str, list[dict]] = {}
    for key, rows in doc.items():
        stem = key.removesuffix(".csv")
        table = TABLE_NAMES.get(stem, stem)
        if table in TABLE_NAMES.values() and isinstance(rows, list):
            tables[table] = [r for r in rows if isinstance(r, dict)]
    return tables


def services_from_tables(tables: dict[str, list[dict]]) -> list[Service]:
    def by(table: str, key: str) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {}
        for row in tables.get(table, []):
            if row.get(key):
                out.setdefault(row[key], []).append(row)
        return out

    orgs = {r["id"]: r for r in tables.get("organization", []) if r.get("id")}
    locations = {r["id"]: r for r in tables.get("location", []) if r.get("id")}
    addresses = by("address", "location_id")
    at_location = by("service_at_location", "service_id")
    schedules, languages = by("schedule", "service_id"), by("language", "service_id")
    phones, contacts = by("phone", "service_id"), by("contact", "service_id")
    attributes = by("attribute", "link_id")
    terms = {r["id"]: r for r in tables.get("taxonomy_term", []) if r.get("id")}
    taxonomies = {r["id"]: r.get("name", "") for r in tables.get("taxonomy", []) if r.get("id")}
    out = []
    for row in tables.get("service", []):
        if not row.get("id"):
            continue
        places = []
        for link in at_location.get(row["id"], []):
            loc = locations.get(link.get("location_id"))
            if loc:
                places.append(_place(loc, (addresses.get(loc["id"]) or [{}])[0]))
        service_terms = []
        for attr in attributes.get(row["id"], []):
            term = terms.get(attr.get("taxonomy_term_id"), {})
            service_terms.append({"code": term.get("code", ""), "name": term.get("name", ""),
                                  "taxonomy": term.get("taxonomy") or taxonomies.get(term.get("taxonomy_id"), ""),
                                  "link_type": attr.get("link_type", ""), "value": attr.get("value", "")})
        contact = (contacts.get(row["id"]) or [{}])[0]
        out.append(Service(
            id=row["id"], name=row.get("name", ""), description=row.get("description", ""), url=row.get("url", ""),
            email=row.get("email", ""), status=row.get("status", "active"), fees=row.get("fees_description", ""),
            application_process=row.get("application_process", ""), assured_date=row.get("assured_date", ""),
            organization=orgs.get(row.get("organization_id"), {"id": row.get("organization_id", "")}),
            locations=places, schedules=schedules.get(row["id"], []),
            languages=[lang.get("code", "") for lang in languages.get(row["id"], []) if lang.get("code")],
            phone=(phones.get(row["id"]) or [{}])[0].get("number", ""),
            contact_name=contact.get("name", ""), contact_email=contact.get("email", ""), terms=service_terms,
        ))
    return out


def _place(loc: dict, address: dict) -> dict:
    def number(value):
        try:
            return float(value) if value not in (None, "") else None
        except (TypeError, ValueError):
            return None
    return {"id": loc["id"], "name": loc.get("name") or address.get("address_1") or "",
            "lat": number(loc.get("latitude")), "lon": number(loc.get("longitude")),
            "address": address.get("address_1", ""), "postcode": address.get("postal_code", ""),
            "city": address.get("city", "")}


def service_from_full(doc: dict) -> Service:
    """A full HSDS service record (as ``/services/{id}`` answers)."""
    places = []
    for sal in doc.get("service_at_locations") or []:
        loc = sal.get("location") or {}
        if loc.get("id"):
            places.append(_place(loc, (loc.get("addresses") or [{}])[0]))
    terms = []
    for attr in doc.get("attributes") or []:
        term = attr.get("taxonomy_term") or {}
        terms.append({"code": term.get("code", ""), "name": term.get("name", ""),
                      "taxonomy": term.get("taxonomy") or (term.get("taxonomy_detail") or {}).get("name", ""),
                      "link_type": attr.get("link_type", ""), "value": attr.get("value", "")})
    contact = (doc.get("contacts") or [{}])[0]
    return Service(
        id=doc["id"], name=doc.get("name", ""), description=doc.get("description") or "", url=doc.get("url") or "",
        email=doc.get("email") or "", status=doc.get("status") or "active", fees=doc.get("fees_description") or "",
        application_process=doc.get("application_process") or "", assured_date=doc.get("assured_date") or "",
        organization=doc.get("organization") or {}, locations=places, schedules=doc.get("schedules") or [],
        languages=[lang.get("code") for lang in doc.get("languages") or [] if lang.get("code")],
        phone=((doc.get("phones") or [{}])[0] or {}).get("number", "") or "",
        contact_name=contact.get("name") or "", contact_email=contact.get("email") or "", terms=terms,
    )


def _from_document(doc, where: str, base: str = "") -> list[Service]:
    if isinstance(doc, dict) and "contents" in doc:  # one page of a list
        return [service_from_full(item) for item in doc["contents"] if isinstance(item, dict) and item.get("id")]
    if isinstance(doc, dict) and doc.get("id") and "name" in doc:
        return [service_from_full(doc)]
    if isinstance(doc, dict):
        tables = tables_from_json(doc)
        if "service" in tables:
            return services_from_tables(tables)
    raise HsdsError(f"{where}: neither HSDS tables nor HSDS service records")


def read_api(base: str) -> list[Service]:
    """All services of an HSDS API, page by page (full records in the list, else one by one)."""
    base = base.rstrip("/")
    services: list[Service] = []
    page = 1
    while page <= MAX_PAGES:
        doc = _json(_fetch(f"{base}/services?{urllib.parse.urlencode({'page': page, 'per_page': 100})}"), base)
        if not isinstance(doc, dict) or not isinstance(doc.get("contents"), list):
            raise HsdsError(f"{base}/services: not an HSDS list")
        for item in doc["contents"]:
            if not isinstance(item, dict) or not item.get("id"):
                continue
            if "organization" not in item:
                item = _json(_fetch(f"{base}/services/{urllib.parse.quote(str(item['id']))}"), base)
            services.append(service_from_full(item))
        if doc.get("last_page") or page >= int(doc.get("total_pages") or 1) or not doc["contents"]:
            break
        page += 1
    return services


def read(location: str) -> list[Service]:
    """Services from a path (folder, zip, JSON) or a URL (API base, JSON or zip file)."""
    if re.match(r"https?://", location):
        path = urllib.parse.urlparse(location).path
        if path.endswith(".zip"):
            return _from_zip(_fetch(location), location)
        if path.endswith(".json"):
            return _from_document(_json(_fetch(location), location), location)
        return read_api(location)
    path = Path(location)
    if path.is_dir():
        files = {p.name: p.read_bytes() for p in path.iterdir() if p.suffix.lower() == ".csv"}
        return services_from_tables(tables_from_files(files))
    if not path.is_file():
        raise HsdsError(f"{location}: no such file or folder")
    content = path.read_bytes()
    if path.suffix.lower() == ".zip":
        return _from_zip(content, location)
    return _from_document(_json(content, location), location)


def _from_zip(content: bytes, where: str) -> list[Service]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        if sum(i.file_size for i in archive.infolist()) > MAX_BYTES:
            raise HsdsError(f"{where}: the data package is too large")
        files = {Path(i.filename).name: archive.read(i) for i in archive.infolist() if i.filename.endswith(".csv")}
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise HsdsError(f"{where}: {exc}") from None
    return services_from_tables(tables_from_files(files))


# --- mapping to offers -------------------------------------------------------------------------

class Terms:
    """HSDS taxonomy terms → challenge, category and target group codes."""

    def __init__(self):
        s = db.session
        self.challenges = Matcher((c.code, (c.short_de, c.short_en)) for c in s.scalars(select(Challenge)))
        self.categories = Matcher(((c.code, (c.name_de, c.name_en)) for c in s.scalars(select(Category))),
                                  SYNONYMS["categories"])
        self.targets = Matcher(((t.code, (t.name_de, t.name_en)) for t in s.scalars(select(TargetGroup))),
                               SYNONYMS["target_groups"])
        self.languages = {lang.code for lang in s.scalars(select(Language))}
        self.default_category = s.scalar(select(Category.code).order_by(Category.position).limit(1))

    def classify(self, terms: list[dict]) -> tuple[list[str], list[str], list[str], list[str]]:
        """(challenges, categories, target groups, terms not matched)."""
        challenges, categories, targets, unknown = [], [], [], []
        for term in terms:
            kind = term.get("link_type", "")
            code = term.get("value") or term.get("code") or ""
            name = term.get("name", "")
            order = {"challenge": (self.challenges,), "category": (self.categories,),
                     "target_group": (self.targets,)}.get(kind, (self.challenges, self.categories, self.targets))
            for matcher in order:
                hit = matcher.match(code) if code and code.lower() not in ("code", "value") else None
                hit = hit or (matcher.match(name) if name else None)
                if hit:
                    {id(self.challenges): challenges, id(self.categories): categories,
                     id(self.targets): targets}[id(matcher)].append(hit)
                    break
            else:
                if code.startswith("field:") or (term.get("taxonomy") or "").startswith("IKON") and not name:
                    continue
                unknown.append(name or code)
        return challenges, categories, targets, unknown


def _hhmm(value) -> str | None:
    m = re.match(r"^(\d{1,2}):(\d{2})", str(value or ""))
    return f"{int(m.group(1)):02d}:{m.group(2)}" if m else None


def _iso_date(value) -> str | None:
    m = re.match(r"^(\d{4}-\d{2}-\d{2})", str(value or ""))
    return m.group(1) if m else None


def slots(schedules: Iterable[dict]) -> tuple[list[dict], list[str]]:
    """HSDS schedules → weekly or one-off slots, and descriptions of those that are not."""
    out, notes = [], []
    for s in schedules:
        opens, closes = _hhmm(s.get("opens_at")), _hhmm(s.get("closes_at"))
        days = [BYDAY[d.strip()[-2:]] for d in str(s.get("byday") or "").split(",") if d.strip()[-2:] in BYDAY]
        once = str(s.get("count") or "") == "1" and s.get("dtstart") and s.get("dtstart") == s.get("until")
        if not opens or not closes or closes <= opens or (not days and not once) or (
                (s.get("freq") or "WEEKLY").upper() != "WEEKLY"):
            text = s.get("description") or s.get("notes") or ""
            if text:
                notes.append(str(text)[:300])
            continue
        base = {"opens_at": opens, "closes_at": closes, "note": (s.get("notes") or "")[:200] or None}
        if once:
            out.append({**base, "weekday": None, "date": _iso_date(s["dtstart"]), "valid_from": None, "valid_to": None})
            continue
        interval = str(s.get("interval") or "1")
        if interval not in ("1", "") and not base["note"]:
            base["note"] = f"alle {interval} Wochen"
        for day in days:
            out.append({**base, "weekday": day, "date": None, "valid_from": _iso_date(s.get("valid_from")),
                        "valid_to": _iso_date(s.get("valid_to"))})
    return out, notes


def offer_data(service: Service, terms: Terms) -> tuple[dict, list[dict]]:
    """Editor data for the offer (see directory.offers.editing) and warnings."""
    warnings: list[dict] = []
    data = editing.empty_data()
    data["title"] = service.name.strip()[:200]
    summary, _, rest = service.description.partition("\n\n")
    if rest and len(summary) <= 500:
        data["summary"], data["description"] = summary.strip(), rest.strip()
    elif len(service.description) <= 500 and "\n" not in service.description:
        data["summary"] = service.description.strip()
    else:
        data["description"] = service.description.strip()
    if data["summary"] == data["title"] and not data["description"]:
        data["summary"] = ""
    fees = service.fees.strip()
    try:
        cost = parse_cost(fees) or Cost(True)
    except ValueProblem:
        cost = Cost(False, fees)
    data["is_free"], data["cost"] = cost.is_free, (cost.text[:300] or None)
    data["registration_required"] = bool(re.match(r"^(anmeldung erforderlich|registration required)", service.application_process, re.IGNORECASE))
    data["contact_email"] = (service.email or service.contact_email or "")[:200] or None
    data["contact_name"] = service.contact_name[:200] or None
    data["contact_phone"] = service.phone.strip('"')[:60] or None
    challenges, categories, targets, unknown = terms.classify(service.terms)
    data["challenges"] = sorted(set(challenges))
    data["target_groups"] = sorted(set(targets))
    data["languages"] = sorted({c for c in service.languages if c in terms.languages})
    data["category_code"] = categories[0] if categories else terms.default_category
    if not categories:
        warnings.append({"field": "category", "message": str(_l("Art des Angebots: keine passende Kategorie – bitte auswählen"))})
    if unknown:
        warnings.append({"field": "challenges", "message": str(_l("Nicht zugeordnete Begriffe: %(terms)s",
                                                                   terms=", ".join(unknown[:10])))})
    data["schedules"], notes = slots(service.schedules)
    if notes:
        data["description"] = "\n\n".join(p for p in (data["description"], *notes) if p)
    unknown_languages = sorted({c for c in service.languages if c not in terms.languages})
    if unknown_languages:
        warnings.append({"field": "languages", "message": str(_l("Sprachen nicht bekannt: %(codes)s",
                                                                  codes=", ".join(unknown_languages)))})
    return data, warnings


# --- writing -------------------------------------------------------------------------------------

def _organization(info: dict, source: ImportSource, approve: bool, user: User | None) -> Organization:
    key = f"hsds:{info.get('id') or info.get('name', '')}"[:120]
    org = db.session.scalar(select(Organization).where(Organization.external_id == key))
    name = (info.get("name") or "").strip()[:200] or key
    if org is None:
        org = Organization(external_id=key, name=name, approved=approve, source_id=source.id,
                           description=info.get("description") or "", email=(info.get("email") or None),
                           website=(info.get("website") or None))
        db.session.add(org)
        db.session.flush()
        editing.record("created", user=user, organization=org, note=f"HSDS: {source.name}")
    elif org.name != name:
        org.name = name
    return org


def _location(place: dict, org: Organization, districts) -> Location:
    key = f"hsds:{place['id']}"[:120]
    loc = db.session.scalar(select(Location).where(Location.external_id == key))
    values = {"name": (place["name"] or place["address"] or "?")[:200], "address": place["address"][:200],
              "postcode": place["postcode"][:10], "city": (place["city"] or "Minden")[:100],
              "lat": place["lat"], "lon": place["lon"]}
    district = district_for_point(place["lat"], place["lon"], districts) if place["lat"] is not None else None
    if loc is None:
        loc = Location(external_id=key, organization_id=org.id, district_code=district,
                       geocode_precision="exact" if place["lat"] is not None else "none", **values)
        db.session.add(loc)
        db.session.flush()
    else:
        for k, v in values.items():
            if getattr(loc, k) != v:
                setattr(loc, k, v)
        loc.district_code = district
    return loc


def run(location: str, *, name: str = "", user: User | None = None, approve_organizations: bool = False,
        archive_missing: bool = True) -> HsdsReport:
    """Import (or follow) the HSDS data at ``location``; commits in batches."""
    services = read(location)
    source_name = (name or location)[:120]
    source = db.session.scalar(select(ImportSource).where(ImportSource.name == source_name))
    if source is None:
        source = ImportSource(name=source_name, kind="hsds", location=location[:500], mapping={})
        db.session.add(source)
    source.kind, source.location = "hsds", location[:500]
    db.session.flush()
    _touch(source.id)
    terms = Terms()
    districts = [(d.code, d.boundary_geojson) for d in db.session.scalars(select(District))]
    report = HsdsReport()
    seen: set[str] = set()
    for index, service in enumerate(services, start=1):
        key = f"hsds:{service.id}"[:120]
        if key in seen or not service.name.strip():
            report.rejected.append((service.id, "duplicate id" if key in seen else "no name"))
            continue
        seen.add(key)
        try:
            with db.session.begin_nested():
                _write(service, key, source, terms, districts, user, approve_organizations, report)
        except (ValueError, KeyError, TypeError) as exc:
            report.rejected.append((service.id, str(exc)[:200]))
        if index % BATCH == 0:
            db.session.commit()
            _touch(source.id)
    if archive_missing:
        for offer in db.session.scalars(select(Offer).where(Offer.source_id == source.id,
                                                            Offer.status != OfferStatus.archived.value)):
            if offer.external_id not in seen:
                editing.archive(offer, user)
                report.archived += 1
    db.session.commit()
    return report


def _touch(source_id: int) -> None:
    """A write that always reaches the database, so the SAVEPOINTs after it are nested in a
    transaction (on SQLite a SAVEPOINT outside one would commit each record on release)."""
    db.session.execute(update(ImportSource).where(ImportSource.id == source_id)
                       .values(updated_at=dt.datetime.now(dt.UTC).replace(tzinfo=None)))


def _write(service: Service, key: str, source: ImportSource, terms: Terms, districts, user, approve, report) -> None:
    org = _organization(service.organization, source, approve, user)
    data, warnings = offer_data(service, terms)
    data["locations"] = [_location(p, org, districts).id for p in service.locations]
    offer = db.session.scalar(select(Offer).where(Offer.external_id == key))
    if offer is not None and offer.source_id not in (None, source.id):
        raise ValueError(f"{key} belongs to another source")
    active = (service.status or "active").lower() == "active"
    publish = active and org.approved and not warnings
    wanted = OfferStatus.published.value if publish else (
        OfferStatus.archived.value if not active else OfferStatus.draft.value)
    confirmed = dt.date.fromisoformat(service.assured_date[:10]) if _iso_date(service.assured_date) else dt.date.today()
    ref = service.url or service.id
    if offer is None:
        offer = Offer(external_id=key, organization_id=org.id, status=wanted, version=1, last_confirmed=confirmed,
                      source_id=source.id, source_ref=ref[:300], import_warnings=warnings or None)
        offer.organization = org
        db.session.add(offer)
        editing.apply_data(offer, data)
        db.session.flush()
        editing.record("imported", user=user, offer=offer, changes=editing.diff(editing.empty_data(), data),
                       note=f"HSDS: {source.name}")
        report.created += 1
    else:
        changes = editing.diff(editing.data_from_offer(offer), data)
        if offer.status != wanted and not (offer.status == OfferStatus.published.value and wanted == OfferStatus.draft.value
                                           and not active):
            changes["status"] = [offer.status, wanted]
        if offer.last_confirmed != confirmed:
            changes["last_confirmed"] = [offer.last_confirmed.isoformat() if offer.last_confirmed else None,
                                         confirmed.isoformat()]
        if not changes and offer.source_ref == ref[:300] and (offer.import_warnings or None) == (warnings or None):
            report.unchanged += 1
            return
        editing.apply_data(offer, data)
        offer.status = changes.get("status", [None, offer.status])[1]
        offer.last_confirmed, offer.source_id, offer.source_ref = confirmed, source.id, ref[:300]
        offer.import_warnings = warnings or None
        offer.version += 1
        editing.record("imported", user=user, offer=offer, changes=changes, note=f"HSDS: {source.name}")
        report.updated += 1
    if warnings:
        report.warnings[service.id] = [w["message"] for w in warnings]
