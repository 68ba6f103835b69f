"""The results map's points as GeoJSON, clustered on the server by a grid per zoom level.

One point per (offer, location) of the whole result set of a search (the same ``SearchQuery``
and visibility rule as the list), optionally cut to a bounding box. While the box holds at most
``max_points`` points they are sent one by one (the browser's markercluster groups and spreads
them); beyond that the database groups them into grid cells of about ``CELL_PX`` screen pixels
at the requested zoom and each cell becomes one feature with ``cluster: true`` and ``count``.
So the response stays small however many offers there are.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.sql import ColumnElement

from directory.extensions import db
from directory.models import Location, Offer, Organization, offer_location
from directory.search import engine as search

CELL_PX = 80
TILE_PX = 256
MIN_ZOOM = 0
MAX_ZOOM = 19
# from this zoom on single points are sent even beyond max_points (cut off, marked truncated)
POINTS_ONLY_ZOOM = 18


@dataclass(frozen=True)
class BBox:
    west: float
    south: float
    east: float
    north: float


def parse_bbox(raw: str) -> BBox:
    """``west,south,east,north`` in degrees (WGS 84), clamped to the world; ValueError if bad."""
    parts = raw.split(",")
    if len(parts) != 4:
        raise ValueError("four numbers expected")
    west, south, east, north = (float(p) for p in parts)
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise ValueError("not a number")
    west, east = max(-180.0, west), min(180.0, east)
    south, north = max(-90.0, south), min(90.0, north)
    if west >= east or south >= north:
        raise ValueError("empty box")
    return BBox(west, south, east, north)


def parse_zoom(raw: str) -> int:
    if not (raw.isascii() and raw.isdigit()) or not (MIN_ZOOM <= int(raw) <= MAX_ZOOM):
        raise ValueError("zoom out of range")
    return int(raw)


def parse_zoom_arg(args, errors: dict[str, str]) -> int:
    """The ``zoom`` request argument (default 12); a bad value records a translated error."""
    raw = args.getlist("zoom")
    if not raw:
        return 12
    try:
        if len(raw) > 1:
            raise ValueError("repeated")
        return parse_zoom(raw[0].strip())
    except ValueError:
        errors["zoom"] = str(_l("Die Zoomstufe muss eine ganze Zahl zwischen %(min)d und %(max)d sein.",
                                min=MIN_ZOOM, max=MAX_ZOOM))
        return 12


def parse_bbox_arg(args, errors: dict[str, str]) -> BBox | None:
    """The ``bbox`` request argument or None; a bad value records a translated error."""
    raw = args.getlist("bbox")
    if not raw:
        return None
    try:
        if len(raw) > 1 or len(raw[0]) > 200:
            raise ValueError("repeated or too long")
        return parse_bbox(raw[0])
    except ValueError:
        errors["bbox"] = str(_l("Der Kartenausschnitt muss aus vier Zahlen bestehen: West, Süd, Ost, Nord "
                                "(z. B. 8.8,52.2,9.0,52.4)."))
        return None


def cell_size(zoom: int) -> tuple[float, float]:
    """Grid cell of about CELL_PX screen pixels at zoom: (degrees of longitude, Web Mercator y).

    Mercator y is ``ln(tan(pi/4 + lat/2))``, which spans 2*pi over the world like longitude's
    360 degrees, so the cells are square on the screen at every latitude.
    """
    share = CELL_PX / TILE_PX / (2 ** zoom)
    return 360.0 * share, 2 * math.pi * share


def _conditions(query: search.SearchQuery, bbox: BBox | None) -> list[ColumnElement[bool]]:
    conditions = [
        offer_location.c.offer_id.in_(search.matching_ids(query)),
        Location.lat.is_not(None),
        Location.lon.is_not(None),
    ]
    if bbox is not None:
        conditions += [Location.lon.between(bbox.west, bbox.east), Location.lat.between(bbox.south, bbox.north)]
    return conditions


def _located(query: search.SearchQuery, bbox: BBox | None, *columns) -> Select:
    return (
        select(*columns)
        .select_from(offer_location)
        .join(Location, Location.id == offer_location.c.location_id)
        .where(*_conditions(query, bbox))
    )


def _point_rows(where: list[ColumnElement[bool]], limit: int | None) -> list[dict]:
    stmt = (
        select(Location.lat, Location.lon, Location.district_code, Offer.id, Offer.title, Organization.name,
               Offer.category_code)
        .select_from(offer_location)
        .join(Location, Location.id == offer_location.c.location_id)
        .join(Offer, Offer.id == offer_location.c.offer_id)
        .join(Organization, Organization.id == Offer.organization_id)
        .where(*where)
        .order_by(Offer.id, Location.id)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return [
        {"lat": lat, "lon": lon, "district": district, "offer_id": oid, "title": title, "provider": org,
         "category_code": category}
        for lat, lon, district, oid, title, org, category in db.session.execute(stmt)
    ]


@dataclass
class MapPoints:
    """Points (dicts with lat/lon/offer_id/title/provider/category_code/district) and clusters."""

    points: list[dict]
    clusters: list[dict]  # {"lat", "lon", "count", "bbox": [w, s, e, n]}
    total: int  # points in the box (or the whole result set)
    bbox: list[float] | None  # extent of all points of the result set (only without a box)
    clustered: bool
    truncated: bool


def map_points(query: search.SearchQuery, zoom: int, bbox: BBox | None, max_points: int) -> MapPoints:
    """The points of the search in the box, or grid clusters when there are more than max_points."""
    dx, dy = cell_size(zoom)
    gx = func.floor(Location.lon / dx)
    gy = func.floor(func.ln(func.tan(func.radians(45.0 + Location.lat / 2.0))) / dy)
    # one pass: per grid cell its count, centre, extent and (for cells of one) the point itself
    cells = db.session.execute(
        _located(query, bbox, func.count(), func.avg(Location.lat), func.avg(Location.lon),
                 func.min(Location.lon), func.min(Location.lat), func.max(Location.lon), func.max(Location.lat),
                 func.min(Location.id), func.min(offer_location.c.offer_id))
        .group_by(gx, gy)
    ).all()
    total = sum(int(cell[0]) for cell in cells)
    extent = None
    if bbox is None and cells:
        extent = [float(min(c[3] for c in cells)), float(min(c[4] for c in cells)),
                  float(max(c[5] for c in cells)), float(max(c[6] for c in cells))]
    if total <= max_points or zoom >= POINTS_ONLY_ZOOM:
        points = _point_rows(_conditions(query, bbox), max_points) if total else []
        return MapPoints(points, [], total, extent, False, total > len(points))

    clusters = []
    singles = []
    for count, lat, lon, w, s, e, n, location_id, offer_id in cells:
        if count == 1:
            singles.append(and_(Location.id == location_id, offer_location.c.offer_id == offer_id))
        else:
            clusters.append({"lat": float(lat), "lon": float(lon), "count": int(count),
                             "bbox": [float(w), float(s), float(e), float(n)]})
    points = []
    for start in range(0, len(singles), 200):
        points += _point_rows(_conditions(query, None) + [or_(*singles[start:start + 200])], None)
    return MapPoints(points, clusters, total, extent, True, False)


def feature_collection(result: MapPoints, complete: bool) -> dict:
    """GeoJSON (RFC 7946) FeatureCollection; ``total``/``clustered``/``complete`` are foreign members.

    Point features carry title, provider, url, icon, category and district; cluster features
    ``cluster: true``, ``count`` and the cell's ``bbox``.
    """
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [c["lon"], c["lat"]]},
         "properties": {"cluster": True, "count": c["count"]}, "bbox": c["bbox"]}
        for c in result.clusters
    ]
    for p in result.points:
        features.append({
            "type": "Feature",
            "id": f"{p['offer_id']}-{len(features)}",
            "geometry": {"type": "Point", "coordinates": [p["lon"], p["lat"]]},
            "properties": {"offer_id": p["offer_id"], "title": p["title"], "provider": p["provider"],
                           "url": p.get("url", ""), "icon": p.get("icon", ""), "category": p.get("category", ""),
                           "district": p["district"]},
        })
    collection: dict = {"type": "FeatureCollection"}
    if result.bbox:
        collection["bbox"] = result.bbox
    collection.update(total=result.total, clustered=result.clustered, truncated=result.truncated,
                      complete=complete, features=features)
    return collection
