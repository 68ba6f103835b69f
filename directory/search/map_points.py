"""The results map's points as GeoJSON, clustered on the server by a grid per zoom level.

One point per (offer, location) of the whole result set of a search (the same ``SearchQuery``
and visibility rule as the list), optionally cut to a bounding box. While the box holds at most
``max_points`` points they are sent one by one (the browser's markercluster groups and spreads
them); beyond that they are grouped into grid cells of about ``CELL_PX`` screen pixels
at the requested zoom and each cell becomes one feature with ``cluster: true`` and ``count``
(computed on the app's search index, not in the database).
So the response stays small however many offers there are.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from directory.core.params import Params
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


def read_zoom(params: Params) -> int:
    """The ``zoom`` request argument (default 12); a bad value is recorded on ``params``."""
    raw = params.one("zoom")
    if not raw:
        return 12
    try:
        return parse_zoom(raw)
    except ValueError:
        params.error("zoom", _l("Die Zoomstufe muss eine ganze Zahl zwischen %(min)d und %(max)d sein.",
                                min=MIN_ZOOM, max=MAX_ZOOM))
        return 12


def read_bbox(params: Params) -> BBox | None:
    """The ``bbox`` request argument or None; a bad value is recorded on ``params``."""
    raw = params.one("bbox")
    if not raw:
        return None
    try:
        return parse_bbox(raw)
    except ValueError:
        params.error("bbox", _l("Der Kartenausschnitt muss aus vier Zahlen bestehen: West, Süd, Ost, Nord "
                                "(z. B. 8.8,52.2,9.0,52.4)."))
        return None


def cell_size(zoom: int) -> tuple[float, float]:
    """Grid cell of about CELL_PX screen pixels at zoom: (degrees of longitude, Web Mercator y).

    Mercator y is ``ln(tan(pi/4 + lat/2))``, which spans 2*pi over the world like longitude's
    360 degrees, so the cells are square on the screen at every latitude.
    """
    share = CELL_PX / TILE_PX / (2 ** zoom)
    return 360.0 * share, 2 * math.pi * share


def _point_rows(pairs: list[tuple[int, int]]) -> list[dict]:
    """Title, provider and category of each (offer id, location id) point, in the given order."""
    if not pairs:
        return []
    rows = {}
    for start in range(0, len(pairs), 500):
        chunk = pairs[start:start + 500]
        stmt = (
            select(Location.lat, Location.lon, Location.district_code, Offer.id, Offer.title, Organization.name,
                   Offer.category_code, Location.id)
            .select_from(offer_location)
            .join(Location, Location.id == offer_location.c.location_id)
            .join(Offer, Offer.id == offer_location.c.offer_id)
            .join(Organization, Organization.id == Offer.organization_id)
            .where(offer_location.c.offer_id.in_({o for o, _l in chunk}),
                   offer_location.c.location_id.in_({loc for _o, loc in chunk}))
        )
        for lat, lon, district, oid, title, org, category, location_id in db.session.execute(stmt):
            rows[(oid, location_id)] = {"lat": lat, "lon": lon, "district": district, "offer_id": oid,
                                        "title": title, "provider": org, "category_code": category}
    return [rows[pair] for pair in pairs if pair in rows]


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
    """The points of the search in the box, or grid clusters when there are more than max_points.

    The points come from the app's search index (directory/search/index.py): the result set is
    a bitmap there, the coordinates are arrays, and the grid is computed with numpy – only the
    points sent one by one are read from the database, for their titles."""
    ix, evaluation, _scores = search.evaluate(query, with_counts=False)
    keep = ix.points(evaluation.matched)
    lat, lon = ix.point_lat, ix.point_lon
    if bbox is not None:
        keep &= (lon >= bbox.west) & (lon <= bbox.east) & (lat >= bbox.south) & (lat <= bbox.north)
    offers, locations, lat, lon = ix.point_offer[keep], ix.point_location[keep], lat[keep], lon[keep]
    total = int(len(offers))
    extent = None
    if bbox is None and total:
        extent = [float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())]
    if total <= max_points or zoom >= POINTS_ONLY_ZOOM:
        pairs = list(zip(offers[:max_points].tolist(), locations[:max_points].tolist()))
        points = _point_rows(pairs)
        return MapPoints(points, [], total, extent, False, total > len(points))

    dx, dy = cell_size(zoom)
    gx = np.floor(lon / dx).astype(np.int64)
    gy = np.floor(np.log(np.tan(np.radians(45.0 + lat / 2.0))) / dy).astype(np.int64)
    gx -= gx.min()
    gy -= gy.min()
    cell_keys, cell_of, counts = np.unique(gx * (int(gy.max()) + 1) + gy, return_inverse=True, return_counts=True)
    order = np.argsort(cell_of, kind="stable")
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    sorted_lat, sorted_lon = lat[order], lon[order]
    mean_lat = np.bincount(cell_of, weights=lat) / counts
    mean_lon = np.bincount(cell_of, weights=lon) / counts
    west, east = np.minimum.reduceat(sorted_lon, starts), np.maximum.reduceat(sorted_lon, starts)
    south, north = np.minimum.reduceat(sorted_lat, starts), np.maximum.reduceat(sorted_lat, starts)
    clusters, singles = [], []
    for cell in range(len(cell_keys)):
        if counts[cell] == 1:
            i = order[starts[cell]]
            singles.append((int(offers[i]), int(locations[i])))
        else:
            clusters.append({"lat": float(mean_lat[cell]), "lon": float(mean_lon[cell]), "count": int(counts[cell]),
                             "bbox": [float(west[cell]), float(south[cell]), float(east[cell]), float(north[cell])]})
    return MapPoints(_point_rows(sorted(singles)), clusters, total, extent, True, False)


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
