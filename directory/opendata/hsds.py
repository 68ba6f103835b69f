"""Export of the published offers as Open Referral HSDS 3.0.

Two shapes of the same data:

* :func:`build` – the HSDS *tabular* JSON form: one array of flat rows per HSDS table
  (``organization``, ``service``, ``location``, ``address``, ``service_at_location``,
  ``schedule``, ``language``, ``phone``, ``contact``, ``taxonomy``, ``taxonomy_term``,
  ``attribute``), the shape of HSDS's ``schema/compiled/tabular.json``.
* :func:`data_package` – the same rows as CSV files named as in HSDS (``services.csv`` …) plus a
  ``datapackage.json`` (Frictionless Tabular Data Package) describing their columns.

Identifiers are UUIDs derived from our ids (uuid5), so they are stable from export to export.
Only published, unexpired offers, their providers and places are exported; nothing about
accounts. The IKON workshop challenges (with their fields of action as parent terms), the kinds
of offer and the target groups are three HSDS taxonomies; services link to their terms through
HSDS ``attribute`` rows. Schedules: weekly slots become ``freq=WEEKLY`` with ``byday``;
one-off dates become a single occurrence (``dtstart`` = ``until`` = the date, ``count`` 1).
Times are local time in Europe/Berlin (HSDS's numeric UTC offset cannot express summer time,
so ``timezone`` is left out and the description says so).
"""
from __future__ import annotations

import datetime as dt
import io
import json
import uuid
import zipfile
from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from directory.core import csv as csv_file
from directory.core.geo import distance_km
from directory.extensions import db
from directory.models import (
    Category,
    Challenge,
    FieldOfAction,
    Language,
    Location,
    Offer,
    Organization,
    TargetGroup,
)
from directory.offers.schedules import describe
from directory.offers.visibility import visible_clause
from directory.opendata.data import OFFER_LOADS
from directory.search import engine as search

HSDS_VERSION = "3.0"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://wegweiser.minden.example/hsds")
BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
STATE = "Nordrhein-Westfalen"
COUNTRY = "DE"
LOCAL_TIME_NOTE = "Zeiten in Ortszeit (Europe/Berlin)."

# table → (CSV file as named by HSDS, columns in order). Every column is an HSDS field.
TABLES: dict[str, tuple[str, list[str]]] = {
    "organization": ("organizations.csv", ["id", "name", "description", "email", "website", "uri"]),
    "service": ("services.csv", [
        "id", "organization_id", "name", "description", "url", "email", "status",
        "application_process", "fees_description", "eligibility_description", "assured_date",
        "alert", "last_modified",
    ]),
    "location": ("locations.csv", [
        "id", "location_type", "organization_id", "name", "description", "latitude", "longitude",
        "external_identifier", "external_identifier_type",
    ]),
    "address": ("addresses.csv", [
        "id", "location_id", "address_1", "city", "region", "state_province", "postal_code",
        "country", "address_type",
    ]),
    "service_at_location": ("service_at_location.csv", ["id", "service_id", "location_id", "description"]),
    "schedule": ("schedules.csv", [
        "id", "service_id", "valid_from", "valid_to", "dtstart", "until", "count", "wkst", "freq",
        "interval", "byday", "description", "opens_at", "closes_at", "notes",
    ]),
    "language": ("languages.csv", ["id", "service_id", "name", "code", "note"]),
    "phone": ("phones.csv", ["id", "service_id", "organization_id", "number", "type", "description"]),
    "contact": ("contacts.csv", ["id", "service_id", "name", "email"]),
    "taxonomy": ("taxonomies.csv", ["id", "name", "description", "uri", "version"]),
    "taxonomy_term": ("taxonomy_terms.csv", [
        "id", "code", "name", "description", "parent_id", "taxonomy", "language", "taxonomy_id",
    ]),
    "attribute": ("attributes.csv", ["id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value"]),
}
NUMBERS = {"latitude", "longitude", "count", "interval"}
FORMATS = {"email": "email", "website": "uri", "uri": "uri", "url": "uri"}
# Table Schema types that HSDS gives as `datapackage_type` for string fields.
DATAPACKAGE_TYPES = {
    "assured_date": ("date", None), "valid_from": ("date", None), "valid_to": ("date", None),
    "dtstart": ("date", None), "until": ("date", None), "last_modified": ("datetime", None),
    "opens_at": ("time", "%H:%M"), "closes_at": ("time", "%H:%M"),
}


def hsds_id(kind: str, key: Any) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


def _clean(row: dict) -> dict:
    """HSDS rows leave out empty optional fields instead of sending nulls."""
    return {k: v for k, v in row.items() if v is not None and v != ""}


@dataclass
class Taxonomy:
    key: str
    name: str
    description: str


TAXONOMIES = (
    Taxonomy("ikon", "IKON Minden – Herausforderungen",
             "Die 18 Herausforderungen aus den Workshops zum Integrationskonzept der Stadt Minden, "
             "gegliedert in 4 Handlungsfelder (Handlungsfelder sind Oberbegriffe)."),
    Taxonomy("category", "Wegweiser – Angebotsarten", "Art des Angebots (Sportgruppe, Kurs, Beratung …)."),
    Taxonomy("target_group", "Wegweiser – Zielgruppen", "Für wen ein Angebot gedacht ist."),
)


def taxonomy_rows(base_url: str) -> tuple[list[dict], list[dict], dict[tuple[str, str], str]]:
    """taxonomies, terms, and (taxonomy key, code) → term id."""
    taxonomies = [
        _clean({"id": hsds_id("taxonomy", t.key), "name": t.name, "description": t.description,
                "uri": f"{base_url}/api/v1/vocabularies" if base_url else None, "version": "1"})
        for t in TAXONOMIES
    ]
    terms: list[dict] = []
    ids: dict[tuple[str, str], str] = {}

    def add(tax: str, code: str, name: str, description: str, parent: str | None = None) -> None:
        term_id = hsds_id(f"term:{tax}", code)
        ids[(tax, code)] = term_id
        terms.append(_clean({
            "id": term_id, "code": code, "name": name, "description": description or name,
            "parent_id": parent, "taxonomy": next(t.name for t in TAXONOMIES if t.key == tax),
            "language": "de", "taxonomy_id": hsds_id("taxonomy", tax),
        }))

    s = db.session
    for f in s.scalars(select(FieldOfAction).order_by(FieldOfAction.position)):
        add("ikon", f"field:{f.code}", f.name_de, f"Handlungsfeld {f.name_de}")
    for c in s.scalars(select(Challenge).join(FieldOfAction).order_by(FieldOfAction.position, Challenge.position)):
        add("ikon", c.code, c.short_de, c.title_de, ids[("ikon", f"field:{c.field_code}")])
    for cat in s.scalars(select(Category).order_by(Category.position)):
        add("category", cat.code, cat.name_de, cat.name_de)
    for tg in s.scalars(select(TargetGroup).order_by(TargetGroup.position)):
        add("target_group", tg.code, tg.name_de, tg.name_de)
    return taxonomies, terms, ids


def _offers(today: dt.date) -> list[Offer]:
    return list(db.session.scalars(
        select(Offer)
        .where(visible_clause(today))
        .order_by(Offer.id)
        .options(*OFFER_LOADS)
    ))


def _schedule_row(offer: Offer, slot, service_id: str) -> dict:
    words = describe(slot, "de")
    weekday = BYDAY[slot.weekday]
    if slot.date is not None:
        row = {"dtstart": slot.date.isoformat(), "until": slot.date.isoformat(), "count": 1,
               "valid_from": slot.date.isoformat(), "valid_to": slot.date.isoformat(),
               "description": f"Am {words['day']}, {words['times']} Uhr. {LOCAL_TIME_NOTE}"}
    else:
        start = slot.valid_from or offer.valid_from
        end = slot.valid_to or offer.valid_to
        first = start or offer.created_at.date()  # HSDS: dtstart is needed with `interval`
        row = {"dtstart": first.isoformat(), "until": end.isoformat() if end else None,
               "valid_from": start.isoformat() if start else None, "valid_to": end.isoformat() if end else None,
               "interval": 1, "description": f"Jeden {words['day']}, {words['times']} Uhr. {LOCAL_TIME_NOTE}"}
    return _clean({
        "id": hsds_id("schedule", slot.id), "service_id": service_id, "wkst": "MO", "freq": "WEEKLY",
        "byday": weekday, "opens_at": slot.opens_at.strftime("%H:%M"), "closes_at": slot.closes_at.strftime("%H:%M"),
        "notes": slot.note, **row,
    })


def build(base_url: str = "", today: dt.date | None = None) -> dict[str, list[dict]]:
    """All published data as HSDS tabular JSON (table name → rows)."""
    today = today or dt.date.today()
    base_url = base_url.rstrip("/")
    taxonomies, terms, term_ids = taxonomy_rows(base_url)
    out: dict[str, list[dict]] = {name: [] for name in TABLES}
    out["taxonomy"], out["taxonomy_term"] = taxonomies, terms
    languages = {lang.code: lang for lang in db.session.scalars(select(Language))}
    orgs: dict[int, Organization] = {}
    locations: dict[int, Location] = {}

    for offer in _offers(today):
        service_id = hsds_id("service", offer.id)
        org = offer.organization
        orgs[org.id] = org
        description = "\n\n".join(p for p in (offer.summary, offer.description) if p)
        out["service"].append(_clean({
            "id": service_id,
            "organization_id": hsds_id("organization", org.id),
            "name": offer.title,
            "description": description or offer.title,
            "url": f"{base_url}/angebote/{offer.id}" if base_url else None,
            "email": offer.contact_email,
            "status": "active",
            "application_process": "Anmeldung erforderlich." if offer.registration_required else "Ohne Anmeldung.",
            "fees_description": "Kostenlos." if offer.is_free else (offer.cost or "Mit Kosten."),
            "eligibility_description": ", ".join(t.name_de for t in offer.target_groups) or None,
            "assured_date": offer.last_confirmed.isoformat() if offer.last_confirmed else None,
            "alert": "Demo-Datensatz (fiktiv)." if org.is_demo else None,
            "last_modified": offer.updated_at.replace(microsecond=0).isoformat() + "Z",
        }))
        for loc in offer.locations:
            locations[loc.id] = loc
            out["service_at_location"].append({
                "id": hsds_id("service_at_location", f"{offer.id}:{loc.id}"),
                "service_id": service_id, "location_id": hsds_id("location", loc.id),
                "description": f"{offer.title} – {loc.name}",
            })
        out["schedule"] += [_schedule_row(offer, slot, service_id) for slot in offer.schedules]
        for lang in offer.languages:
            out["language"].append({
                "id": hsds_id("language", f"{offer.id}:{lang.code}"), "service_id": service_id,
                "name": languages[lang.code].name_de, "code": lang.code,
                "note": "Sprache, die im Angebot gesprochen wird",
            })
        if offer.contact_phone:
            out["phone"].append({"id": hsds_id("phone", f"service:{offer.id}"), "service_id": service_id,
                                 "number": offer.contact_phone, "type": "voice", "description": "Kontakt zum Angebot"})
        if offer.contact_name or offer.contact_email:
            out["contact"].append(_clean({"id": hsds_id("contact", offer.id), "service_id": service_id,
                                          "name": offer.contact_name, "email": offer.contact_email}))
        links = [("ikon", c.code, "challenge") for c in offer.challenges]
        links.append(("category", offer.category_code, "category"))
        links += [("target_group", t.code, "target_group") for t in offer.target_groups]
        for tax, code, link_type in links:
            out["attribute"].append({
                "id": hsds_id("attribute", f"{offer.id}:{tax}:{code}"), "link_id": service_id,
                "taxonomy_term_id": term_ids[(tax, code)], "link_type": link_type,
                "link_entity": "service", "value": code,
            })

    for org in sorted(orgs.values(), key=lambda o: o.id):
        out["organization"].append(_clean({
            "id": hsds_id("organization", org.id), "name": org.name,
            "description": org.description or org.name, "email": org.email, "website": org.website,
            "uri": f"{base_url}/api/v1/organizations/{org.id}" if base_url else None,
        }))
        if org.phone:
            out["phone"].append({"id": hsds_id("phone", f"organization:{org.id}"),
                                 "organization_id": hsds_id("organization", org.id),
                                 "number": org.phone, "type": "voice", "description": "Anbieter"})
    for loc in sorted(locations.values(), key=lambda x: x.id):
        location_id = hsds_id("location", loc.id)
        out["location"].append(_clean({
            "id": location_id, "location_type": "physical",
            "organization_id": hsds_id("organization", loc.organization_id) if loc.organization_id in orgs else None,
            "name": loc.name,
            "description": f"Stadtteil {loc.district.name}" if loc.district else None,
            "latitude": loc.lat, "longitude": loc.lon,
            "external_identifier": str(loc.id), "external_identifier_type": "wegweiser-location-id",
        }))
        out["address"].append(_clean({
            "id": hsds_id("address", loc.id), "location_id": location_id,
            "address_1": loc.address or loc.name, "city": loc.city or "Minden",
            "region": loc.district.name if loc.district else None,
            "state_province": STATE, "postal_code": loc.postcode or "", "country": COUNTRY,
            "address_type": "physical",
        }))
    return out


# --- tabular data package ----------------------------------------------------------------

def _field(name: str) -> dict:
    field: dict[str, Any] = {"name": name, "type": "number" if name in NUMBERS else "string"}
    if name in DATAPACKAGE_TYPES:
        field["type"], fmt = DATAPACKAGE_TYPES[name]
        if fmt:
            field["format"] = fmt
    elif name == "id" or name.endswith("_id"):
        field["format"] = "uuid"
    elif name in FORMATS:
        field["format"] = FORMATS[name]
    if name == "id":
        field["constraints"] = {"required": True, "unique": True}
    return field


def _foreign_keys(table: str) -> list[dict]:
    targets = {"organization_id": "organization", "service_id": "service", "location_id": "location",
               "taxonomy_id": "taxonomy", "taxonomy_term_id": "taxonomy_term"}
    if table == "taxonomy_term":
        targets["parent_id"] = "taxonomy_term"
    columns = TABLES[table][1]
    return [{"fields": c, "reference": {"resource": targets[c], "fields": "id"}}
            for c in columns if c in targets]


def descriptor(created: dt.datetime, base_url: str = "") -> dict:
    return {
        "profile": "tabular-data-package",
        "name": "wegweiser-minden-hsds",
        "title": "Wegweiser Minden – Angebote der Integrationsarbeit (HSDS 3.0)",
        "description": ("Veröffentlichte Angebote im Format Open Referral HSDS 3.0. " + LOCAL_TIME_NOTE
                        + " Nur veröffentlichte Angebote, keine Daten von Benutzerkonten."),
        "version": HSDS_VERSION,
        "created": created.replace(microsecond=0).isoformat() + "Z",
        "homepage": base_url or None,
        "licenses": [{"name": "HSDS", "title": "Human Services Data Specification: an Open Referral "
                      "resource (https://openreferral.org/), CC BY-SA 4.0"}],
        "resources": [
            {
                "name": table, "path": path, "profile": "tabular-data-resource", "format": "csv",
                "mediatype": "text/csv", "encoding": "utf-8",
                "schema": {"fields": [_field(c) for c in columns], "primaryKey": "id",
                           "foreignKeys": _foreign_keys(table)},
            }
            for table, (path, columns) in TABLES.items()
        ],
    }


def csv_text(table: str, rows: Iterable[dict]) -> str:
    """One HSDS table as CSV: RFC 4180 (the data package's dialect), formula-like text guarded."""
    return csv_file.records(TABLES[table][1], rows, csv_file.MACHINES)


def data_package(data: dict[str, list[dict]], created: dt.datetime, base_url: str = "") -> dict[str, str]:
    """File name → text for every CSV file and the datapackage.json."""
    files = {path: csv_text(table, data[table]) for table, (path, _cols) in TABLES.items()}
    files["datapackage.json"] = json.dumps(descriptor(created, base_url), ensure_ascii=False, indent=2)
    return files


def zip_bytes(files: dict[str, str], stamp: dt.datetime) -> bytes:
    """A zip with fixed timestamps, so the same data always gives the same bytes (and ETag)."""
    buffer = io.BytesIO()
    date_time = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(f"wegweiser-hsds/{name}", date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return buffer.getvalue()


def export_document(data: dict[str, list[dict]], created: dt.datetime) -> dict:
    """The JSON export: HSDS tabular form plus a small header of our own."""
    return {
        "hsds_version": HSDS_VERSION,
        "created": created.replace(microsecond=0).isoformat() + "Z",
        "note": LOCAL_TIME_NOTE + " Nur veröffentlichte Angebote.",
        **data,
    }


# --- nested form (the HSDS API) ----------------------------------------------------------

class Package:
    """The tabular rows of :func:`build`, indexed so that the HSDS API can nest them: a service
    with its phones, schedules, places, languages, organisation, contacts and taxonomy terms, as
    HSDS's ``schema/compiled/*.json`` describe. The rows are the export's rows, unchanged: the
    API and the export share this one mapping."""

    def __init__(self, data: dict[str, list[dict]]):
        self.data = data
        self.by_id = {table: {row["id"]: row for row in rows} for table, rows in data.items()}
        self._children: dict[tuple[str, str, str], list[dict]] = {}
        for table, rows in data.items():
            for row in rows:
                for key, value in row.items():
                    if key == "link_id" or key.endswith("_id"):
                        self._children.setdefault((table, key, value), []).append(row)

    def children(self, table: str, key: str, value: str) -> list[dict]:
        return self._children.get((table, key, value), [])

    # one item each

    def taxonomy_term(self, term_id: str) -> dict:
        term = self.by_id["taxonomy_term"][term_id]
        return {**term, "taxonomy_detail": self.by_id["taxonomy"][term["taxonomy_id"]]}

    def attributes(self, link_id: str) -> list[dict]:
        return [{**a, "taxonomy_term": self.taxonomy_term(a["taxonomy_term_id"])}
                for a in self.children("attribute", "link_id", link_id)]

    def location(self, location_id: str) -> dict:
        return {**self.by_id["location"][location_id],
                "addresses": self.children("address", "location_id", location_id)}

    def service_list_item(self, service: dict) -> dict:
        """A service with its one-to-one fields and its organisation (``service_list.json``)."""
        return {**service, "organization": self.by_id["organization"][service["organization_id"]]}

    def service_full(self, service: dict) -> dict:
        """A fully nested service (``compiled/service.json``)."""
        sid = service["id"]
        return {
            **self.service_list_item(service),
            "phones": self.children("phone", "service_id", sid),
            "schedules": self.children("schedule", "service_id", sid),
            "service_at_locations": [
                {**sal, "location": self.location(sal["location_id"])}
                for sal in self.children("service_at_location", "service_id", sid)
            ],
            "languages": self.children("language", "service_id", sid),
            "contacts": self.children("contact", "service_id", sid),
            "attributes": self.attributes(sid),
        }

    def service_at_location_list_item(self, sal: dict) -> dict:
        return {**sal, "location": self.by_id["location"][sal["location_id"]],
                "service": self.service_list_item(self.by_id["service"][sal["service_id"]])}

    def service_at_location_full(self, sal: dict) -> dict:
        """A fully nested service at a location (``compiled/service_at_location.json``). The
        official OpenAPI document declares this answer as ``compiled/service.json``, so it also
        carries the service's ``name`` and ``status``: it then satisfies both."""
        service = self.by_id["service"][sal["service_id"]]
        return {
            **sal,
            "name": service["name"],
            "status": service["status"],
            "location": self.location(sal["location_id"]),
            "service": {k: v for k, v in self.service_full(service).items() if k != "service_at_locations"},
        }

    def organization_full(self, org: dict, full_service: bool = False) -> dict:
        """A nested organisation (``compiled/organization.json``) with its services: simple ones,
        or fully nested with ``full_service``."""
        services = [s for s in self.data["service"] if s["organization_id"] == org["id"]]
        return {
            **org,
            "phones": self.children("phone", "organization_id", org["id"]),
            "locations": [self.location(loc["id"]) for loc in self.children("location", "organization_id", org["id"])],
            "services": [self.service_full(s) if full_service else s for s in services],
        }


@dataclass
class ServiceFilters:
    """The HSDS API's filters of services and services at locations (all optional)."""

    service_ids: set[str] | None = None  # the services whose offers match the full-text search
    taxonomy_term_id: str | None = None
    taxonomy_id: str | None = None
    organization_id: str | None = None
    modified_after: dt.datetime | None = None  # naive UTC
    postcode: str | None = None
    centre: tuple[float, float] | None = None  # with radius_km: only places this close
    radius_km: float | None = None


def services_matching_text(text: str, vocab, geocoder) -> set[str]:
    """Ids of the services whose offers the search engine finds for ``text`` (same matching as
    the search page). Raises ``ParamError`` like the search page."""
    query = search.parse(MultiDict([("q", text)]), vocab, geocoder)
    offer_ids = db.session.scalars(select(Offer.id).where(*search.where_clauses(query)))
    return {hsds_id("service", oid) for oid in offer_ids}


def _modified(service: dict) -> dt.datetime:
    return dt.datetime.fromisoformat(service["last_modified"].removesuffix("Z"))


def _service_ok(pkg: Package, service: dict, f: ServiceFilters) -> bool:
    if f.service_ids is not None and service["id"] not in f.service_ids:
        return False
    if f.organization_id and service["organization_id"] != f.organization_id:
        return False
    if f.modified_after and _modified(service) < f.modified_after:
        return False
    if f.taxonomy_term_id or f.taxonomy_id:
        terms = [pkg.by_id["taxonomy_term"][a["taxonomy_term_id"]] for a in pkg.children("attribute", "link_id", service["id"])]
        if f.taxonomy_term_id and not any(t["id"] == f.taxonomy_term_id for t in terms):
            return False
        if f.taxonomy_id and not any(t["taxonomy_id"] == f.taxonomy_id for t in terms):
            return False
    return True


def filter_services(pkg: Package, f: ServiceFilters) -> list[dict]:
    return [s for s in pkg.data["service"] if _service_ok(pkg, s, f)]


def _place_ok(pkg: Package, location_id: str, f: ServiceFilters) -> bool:
    addresses = pkg.children("address", "location_id", location_id)
    if f.postcode and f.radius_km is None and not any(a["postal_code"] == f.postcode for a in addresses):
        return False
    if f.radius_km is not None:
        loc = pkg.by_id["location"][location_id]
        if f.centre is None or "latitude" not in loc:
            return False
        if distance_km(f.centre, (loc["latitude"], loc["longitude"])) > f.radius_km:
            return False
    return True


def filter_services_at_locations(pkg: Package, f: ServiceFilters) -> list[dict]:
    services = {s["id"] for s in filter_services(pkg, f)}
    return [sal for sal in pkg.data["service_at_location"]
            if sal["service_id"] in services and _place_ok(pkg, sal["location_id"], f)]


def text_filter(rows: list[dict], text: str | None, fields: tuple[str, ...] = ("name", "description")) -> list[dict]:
    """Rows whose fields contain the text (case-insensitive) – for the short lists of
    organisations, taxonomies and terms."""
    if not text:
        return rows
    needle = text.casefold()
    return [r for r in rows if any(needle in str(r.get(k, "")).casefold() for k in fields)]
