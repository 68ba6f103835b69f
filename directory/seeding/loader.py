"""Loading the seed files (taxonomy, vocabularies, districts, demo data) idempotently.

Every loader upserts by a stable key (a code, or the external id ``demo:<key>``) and only
writes what differs, so running ``flask seed`` twice changes nothing the second time.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Callable, Iterable

from sqlalchemy import select

from directory.core.geo import district_for_point
from directory.extensions import db
from directory.models import (
    WEEKDAYS,
    Category,
    Challenge,
    District,
    FieldOfAction,
    Language,
    Location,
    Measure,
    Offer,
    Organization,
    Schedule,
    TargetGroup,
)
from directory.seeding.common import (
    DEMO_PREFIX,
    SEEDS,
    SeedError,
    read_yaml,
    set_changed,
)
from directory.seeding.translations import load_demo_translations


def _upsert(model, key: str, **values):
    obj = db.session.get(model, key)
    if obj is None:
        obj = model(code=key)
        db.session.add(obj)
    set_changed(obj, **values)
    return obj


def load_vocabularies(data: dict | None = None) -> None:
    data = data or read_yaml("vocabularies.yaml")
    for i, c in enumerate(data["categories"]):
        _upsert(Category, c["code"], name_de=c["name_de"], name_en=c["name_en"], position=i)
    for i, t in enumerate(data["target_groups"]):
        _upsert(TargetGroup, t["code"], name_de=t["name_de"], name_en=t["name_en"], position=i)
    for i, lang in enumerate(data["languages"]):
        _upsert(
            Language, lang["code"], native=lang["native"], name_de=lang["name_de"],
            name_en=lang["name_en"], rtl=bool(lang.get("rtl", False)), position=i,
        )


def load_challenges(data: dict | None = None) -> None:
    data = data or read_yaml("challenges.yaml")
    for fi, f in enumerate(data["fields"]):
        _upsert(FieldOfAction, f["code"], name_de=f["name_de"], name_en=f["name_en"], position=fi)
        for ci, c in enumerate(f["challenges"]):
            challenge = _upsert(
                Challenge, c["code"], field_code=f["code"], position=ci,
                short_de=c["short_de"], short_en=c["short_en"],
                title_de=c["title_de"], title_en=c["title_en"],
                goal_de=c.get("goal_de", ""), goal_en=c.get("goal_en", ""),
                target_de=c.get("target_de", ""), target_en=c.get("target_en", ""),
            )
            wanted = [(m["de"], m["en"]) for m in c.get("measures", [])]
            current = [(m.text_de, m.text_en) for m in challenge.measures]
            if wanted != current:
                challenge.measures = [
                    Measure(position=i, text_de=de, text_en=en) for i, (de, en) in enumerate(wanted)
                ]


def load_districts(geojson: dict | None = None, approximate: bool | None = None,
                   source: str | None = None) -> int:
    """Create or update districts from a GeoJSON FeatureCollection.

    Features need properties ``name`` (and ``code``, else derived from the name); ``center``
    ([lat, lon]) is optional for replacements. Returns the number of districts written.
    """
    if geojson is None:
        with (SEEDS / "districts.geojson").open(encoding="utf-8") as fh:
            geojson = json.load(fh)
    if geojson.get("type") != "FeatureCollection" or not isinstance(geojson.get("features"), list):
        raise SeedError("not a GeoJSON FeatureCollection")
    by_name = {d.name: d for d in db.session.scalars(select(District))}
    written = 0
    for i, feature in enumerate(geojson["features"]):
        props = feature.get("properties") or {}
        geometry = feature.get("geometry") or {}
        name = props.get("name")
        if not name or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            raise SeedError(f"feature {i}: needs a name and a Polygon/MultiPolygon geometry")
        code = props.get("code") or (by_name[name].code if name in by_name else slug(name))
        center = props.get("center") or _centroid(geometry)
        district = db.session.get(District, code) or by_name.get(name)
        if district is None:
            district = District(code=code)
            db.session.add(district)
        set_changed(
            district, name=name, center_lat=round(float(center[0]), 6),
            center_lon=round(float(center[1]), 6),
            boundary_geojson=json.dumps(geometry, separators=(",", ":")),
            boundary_approximate=bool(props.get("approximate", False) if approximate is None else approximate),
            boundary_source=(source if source is not None else props.get("source", ""))[:300],
        )
        written += 1
    return written


def _centroid(geometry: dict) -> tuple[float, float]:
    ring = geometry["coordinates"][0] if geometry["type"] == "Polygon" else geometry["coordinates"][0][0]
    lons = [p[0] for p in ring]
    lats = [p[1] for p in ring]
    return sum(lats) / len(lats), sum(lons) / len(lons)


def slug(text: str) -> str:
    t = text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    out = "".join(c if c.isalnum() else "-" for c in t)
    return "-".join(filter(None, out.split("-")))


def _date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _time(value: str) -> dt.time:
    return dt.time.fromisoformat(str(value))


def load_demo(data: dict | None = None, progress: Callable[[Iterable], Iterable] = lambda it: it) -> dict[str, int]:
    """Load the demo organisations, locations and offers (published, marked as demo)."""
    data = data or read_yaml("demo_offers.yaml")
    counts = {"organizations": 0, "locations": 0, "offers": 0}
    orgs: dict[str, Organization] = {}
    for o in data["organizations"]:
        ext = DEMO_PREFIX + o["key"]
        org = db.session.scalar(select(Organization).where(Organization.external_id == ext))
        if org is None:
            org = Organization(external_id=ext, name=o["name"])
            db.session.add(org)
        set_changed(
            org, name=o["name"], description=o.get("description", ""), website=o.get("website"),
            email=o.get("email"), phone=str(o["phone"]) if o.get("phone") else None, is_demo=True,
        )
        orgs[o["key"]] = org
        counts["organizations"] += 1

    districts = [(d.code, d.boundary_geojson) for d in db.session.scalars(select(District))]
    locations: dict[str, Location] = {}
    for loc in data["locations"]:
        ext = DEMO_PREFIX + loc["key"]
        obj = db.session.scalar(select(Location).where(Location.external_id == ext))
        if obj is None:
            obj = Location(external_id=ext)
            db.session.add(obj)
        lat, lon = float(loc["lat"]), float(loc["lon"])
        set_changed(
            obj, name=loc["name"], address=loc.get("address", ""), postcode=str(loc.get("postcode", "")),
            lat=lat, lon=lon,
            district_code=loc.get("district") or district_for_point(lat, lon, districts),
            wheelchair_accessible=loc.get("wheelchair_accessible"),
        )
        locations[loc["key"]] = obj
        counts["locations"] += 1

    cache = {
        "challenge": {c.code: c for c in db.session.scalars(select(Challenge))},
        "target": {t.code: t for t in db.session.scalars(select(TargetGroup))},
        "language": {lang.code: lang for lang in db.session.scalars(select(Language))},
    }
    for o in progress(data["offers"]):
        _load_offer(o, orgs, locations, cache)
        counts["offers"] += 1

    counts["translations"] = load_demo_translations()
    return counts


def _pick(cache: dict, codes: list[str], what: str, key: str) -> list:
    try:
        return [cache[what][c] for c in codes]
    except KeyError as exc:
        raise SeedError(f"offer {key}: unknown {what} {exc.args[0]!r}") from None


def _load_offer(o: dict, orgs: dict, locations: dict, cache: dict) -> Offer:
    ext = DEMO_PREFIX + o["key"]
    offer = db.session.scalar(select(Offer).where(Offer.external_id == ext))
    if offer is None:
        offer = Offer(external_id=ext)
        db.session.add(offer)
    contact = o.get("contact") or {}
    set_changed(
        offer,
        organization=orgs[o["organization"]],
        title=o["title"], summary=o.get("summary", ""), description=o.get("description", ""),
        plain_summary=o.get("plain_summary", ""), category_code=o["category"],
        status="published", is_free=bool(o.get("free", True)), cost=o.get("cost"),
        registration_required=bool(o.get("registration_required", False)),
        accessibility=o.get("accessibility"),
        contact_name=contact.get("name"), contact_email=contact.get("email"),
        contact_phone=str(contact["phone"]) if contact.get("phone") else None,
        valid_from=_date(o.get("valid_from")), valid_to=_date(o.get("valid_to")),
        last_confirmed=_date(o.get("last_confirmed")),
        childcare=o.get("childcare"),
    )
    for attr, what, codes in (
        ("challenges", "challenge", o.get("challenges", [])),
        ("target_groups", "target", o.get("target_groups", [])),
        ("languages", "language", o.get("languages", [])),
    ):
        wanted = _pick(cache, codes, what, o["key"])
        if {x.code for x in getattr(offer, attr)} != {x.code for x in wanted}:
            setattr(offer, attr, wanted)
    wanted_locations = [locations[k] for k in o.get("locations", [])]
    if {id(x) for x in offer.locations} != {id(x) for x in wanted_locations}:
        offer.locations = wanted_locations
    wanted_slots = [_slot(s) for s in o.get("schedule") or []]
    current = [
        (s.weekday, s.opens_at, s.closes_at, s.date, s.valid_from, s.valid_to) for s in offer.schedules
    ]
    if sorted(current, key=repr) != sorted(wanted_slots, key=repr):
        offer.schedules = [
            Schedule(weekday=w, opens_at=a, closes_at=b, date=d, valid_from=vf, valid_to=vt)
            for w, a, b, d, vf, vt in wanted_slots
        ]
    return offer


def _slot(s: dict) -> tuple:
    date = _date(s.get("date"))
    if date is not None:
        weekday = date.weekday()
    else:
        if s.get("weekday") not in WEEKDAYS:
            raise SeedError(f"schedule slot {s!r}: weekday must be one of {', '.join(WEEKDAYS)}")
        weekday = WEEKDAYS.index(s["weekday"])
    return (weekday, _time(s["start"]), _time(s["end"]), date,
            _date(s.get("valid_from")), _date(s.get("valid_to")))


def load_reference_data() -> None:
    load_vocabularies()
    load_challenges()
    load_districts()
