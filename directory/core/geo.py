"""Geocoding behind one small interface, distances, and point-in-district.

* :class:`GazetteerGeocoder` answers from the offline gazetteer in ``seeds/gazetteer.csv``
  (streets and places of Minden) and the district centres: no network, the default.
* :class:`NominatimGeocoder` uses geopy's Nominatim with a user agent and a rate limit
  (production, when ``GEOCODER=nominatim``); it falls back to the gazetteer on errors.

Distances use geopy's geodesic distance. The database filters by an equirectangular
approximation (plain arithmetic, works on SQLite and PostgreSQL); at city scale its error is
far below a metre per kilometre.
"""
from __future__ import annotations

import csv
import json
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Protocol

from flask import current_app
from geopy.distance import geodesic
from geopy.exc import GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim
from sqlalchemy import select

from directory.config import ROOT
from directory.extensions import db
from directory.models import District

SEEDS = ROOT / "seeds"
KM_PER_DEGREE_LAT = 111.32


@dataclass(frozen=True)
class GeoPoint:
    lat: float
    lon: float
    label: str = ""
    district_code: str | None = None
    approximate: bool = False  # a centre or a place whose position is only roughly known
    # how exactly the query was found: exact (the address or a named place), street (the
    # street, not the house), postcode (centre of the postcode or district); see PRECISIONS
    precision: str = "exact"


PRECISIONS = ("exact", "street", "postcode", "none")


class Geocoder(Protocol):
    def geocode(self, query: str) -> GeoPoint | None: ...


_COORDS = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*[,; ]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


def parse_point(value: str) -> GeoPoint | None:
    """'52.29,8.91' → GeoPoint; None if the text is not a coordinate pair.

    Raises ValueError for a coordinate pair that is out of range.
    """
    m = _COORDS.match(value)
    if not m:
        return None
    lat, lon = float(m.group(1)), float(m.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError("coordinates out of range")
    return GeoPoint(lat, lon, f"{lat:.5f}, {lon:.5f}")


def normalise(text: str) -> str:
    """Lower-case, umlauts folded (ä→ae, ß→ss), 'str.' → 'strasse', single spaces."""
    t = text.lower().replace("ß", "ss")
    t = t.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    t = unicodedata.normalize("NFKD", t)
    t = "".join(c for c in t if not unicodedata.combining(c))
    t = re.sub(r"str\.(\s|$)", r"strasse\1", t)
    t = re.sub(r"[^a-z0-9/ -]+", " ", t)
    return re.sub(r"\s+", " ", t).strip()


@dataclass(frozen=True)
class GazetteerEntry:
    name: str
    kind: str
    postcode: str
    lat: float
    lon: float
    district: str | None
    approximate: bool = False


def load_gazetteer(path: Path = SEEDS / "gazetteer.csv") -> list[GazetteerEntry]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            GazetteerEntry(
                r["name"], r["kind"], r["postcode"], float(r["lat"]), float(r["lon"]),
                r.get("district") or None, (r.get("approximate") or "").strip() in ("1", "yes", "true"),
            )
            for r in csv.DictReader(fh)
        ]


class GazetteerGeocoder:
    """Offline geocoder: streets and places from the gazetteer, then postcodes, then districts."""

    def __init__(
        self,
        entries: Iterable[GazetteerEntry],
        districts: Iterable[tuple[str, str, float, float]] = (),
    ) -> None:
        self.entries = list(entries)
        # longest names first, so "Große Heide" wins over "Heide"
        self._by_name = [
            (re.compile(r"(^|\b)" + re.escape(name) + r"(\b|$)"), e)
            for name, e in sorted(((normalise(e.name), e) for e in self.entries), key=lambda p: -len(p[0]))
        ]
        self._districts = [(normalise(name), code, lat, lon, name) for code, name, lat, lon in districts]

    def geocode(self, query: str) -> GeoPoint | None:
        q = normalise(query)
        if not q:
            return None
        for pattern, e in self._by_name:
            if pattern.search(q):
                return GeoPoint(e.lat, e.lon, e.name, e.district, e.approximate,
                                precision="exact" if e.kind == "place" else "street")
        postcode = re.search(r"\b(\d{5})\b", q)
        if postcode:
            hits = [e for e in self.entries if e.postcode == postcode.group(1)]
            if hits:
                lat = sum(e.lat for e in hits) / len(hits)
                lon = sum(e.lon for e in hits) / len(hits)
                return GeoPoint(lat, lon, postcode.group(1), None, approximate=True, precision="postcode")
        for name, code, lat, lon, label in sorted(self._districts, key=lambda d: -len(d[0])):
            if re.search(r"(^|\b)" + re.escape(name) + r"(\b|$)", q):
                return GeoPoint(lat, lon, label, code, approximate=True, precision="postcode")
        return None


class RememberingGeocoder:
    """Asks the geocoder it wraps once per query (an import's list names the same addresses
    again and again)."""

    def __init__(self, geocoder: Geocoder) -> None:
        self.geocoder = geocoder
        self.answers: dict[str, GeoPoint | None] = {}

    def geocode(self, query: str) -> GeoPoint | None:
        if query not in self.answers:
            self.answers[query] = self.geocoder.geocode(query)
        return self.answers[query]


class NominatimGeocoder:
    """geopy's Nominatim, one request per second, results limited to the configured city."""

    def __init__(self, user_agent: str, city: str, fallback: Geocoder) -> None:

        self.city = city
        self.fallback = fallback
        self._geocode = RateLimiter(
            Nominatim(user_agent=user_agent, timeout=5).geocode, min_delay_seconds=1
        )

    def geocode(self, query: str) -> GeoPoint | None:

        try:
            hit = self._geocode(f"{query}, {self.city}", country_codes="de")
        except GeopyError:
            hit = None
        if hit is None:
            return self.fallback.geocode(query)
        return GeoPoint(hit.latitude, hit.longitude, hit.address, precision=_nominatim_precision(hit.raw or {}))


def _nominatim_precision(raw: dict) -> str:
    kind = raw.get("addresstype") or raw.get("type") or ""
    if kind in ("postcode", "suburb", "city_district", "quarter", "neighbourhood", "city", "town", "village"):
        return "postcode"
    if kind in ("road", "street", "residential", "pedestrian", "living_street", "footway", "service"):
        return "street"
    return "exact"


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Geodesic distance in kilometres between two (lat, lon) points."""
    return geodesic(a, b).km


def km_per_degree_lon(lat: float) -> float:
    return KM_PER_DEGREE_LAT * math.cos(math.radians(lat))


# --- point in district -------------------------------------------------------------------

def _in_ring(lon: float, lat: float, ring: list[list[float]]) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def point_in_geometry(lat: float, lon: float, geometry: dict) -> bool:
    """Ray casting on a GeoJSON Polygon or MultiPolygon (holes respected)."""
    if geometry["type"] == "Polygon":
        polygons = [geometry["coordinates"]]
    elif geometry["type"] == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        return False
    for rings in polygons:
        if rings and _in_ring(lon, lat, rings[0]) and not any(_in_ring(lon, lat, h) for h in rings[1:]):
            return True
    return False


def district_for_point(lat: float, lon: float, districts: Iterable[tuple[str, str | None]]) -> str | None:
    """Code of the district whose boundary (GeoJSON geometry text) contains the point."""
    for code, boundary in districts:
        if boundary and point_in_geometry(lat, lon, _geometry(boundary)):
            return code
    return None


@lru_cache(maxsize=64)
def _geometry(boundary: str) -> dict:
    return json.loads(boundary)


def app_geocoder() -> Geocoder:
    """The geocoder configured for the current Flask app (GEOCODER=gazetteer|nominatim)."""


    cached = current_app.extensions.get("wegweiser_geocoder")
    if cached is not None:
        return cached
    districts = [(d.code, d.name, d.center_lat, d.center_lon) for d in db.session.scalars(select(District))]
    geocoder: Geocoder = GazetteerGeocoder(load_gazetteer(), districts)
    if current_app.config.get("GEOCODER") == "nominatim":
        geocoder = NominatimGeocoder(
            current_app.config["GEOCODER_USER_AGENT"], current_app.config["GEOCODER_CITY"], geocoder
        )
    if districts:  # only cache once the districts are loaded
        current_app.extensions["wegweiser_geocoder"] = geocoder
    return geocoder
