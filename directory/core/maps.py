"""Maps drawn by folium, loading nothing from a third party until the visitor agrees.

folium builds each map's Leaflet set-up (``folium.Map``, a ``folium.GeoJson`` layer for the
district outlines, an empty ``folium.plugins.MarkerCluster`` for the results); everything that
happens in the browser after that lives in ``static/js/maps.js``: markers and popups (built
with ``textContent``), the clustered points of the results map (fetched as GeoJSON from
``/karte/punkte.geojson``), district names as tooltips, translated zoom button titles and the
"Karte laden" step before any tile is requested.

How folium's defaults are replaced, through its documented hooks only:

* ``default_js`` / ``default_css`` of the map and of the marker cluster are set *per instance*
  to the copies in ``static/vendor/`` (Leaflet, leaflet.markercluster) plus ``static/js/maps.js``;
  folium's class lists (jQuery, Bootstrap, Font Awesome … from CDNs) are never used or touched.
* ``tiles=None``: the tile layer is added by ``maps.js``, right away when the tiles are
  self-hosted or the visitor agreed before, otherwise after a click on "Karte laden".
* The map's own header (page-wide ``html, body`` styles, a viewport meta tag, inline script)
  is left out; the container is sized by ``static/css/wegweiser.css``.
* The rendered header is checked: any script or style other than the expected local files
  raises ``RuntimeError``. Those files are not linked from the page: the container lists them
  in ``data-assets`` (scripts in the order they run) and ``static/js/map-loader.js`` (the only tag in
  ``MapParts.head``, deferred) fetches them once a map is shown – on a phone's list view
  never, on a wide screen right after the page is parsed. folium's set-up code waits in
  ``window.wegweiserMapQueue`` until Leaflet is there, so nothing of the map blocks the first
  paint of the list and the filters.

No text from the database passes through folium: branca compiles every rendered fragment
again as a Jinja template, so ``{{ ... }}`` in a title would run on the server. folium only
sees numbers (coordinates, zoom) and fixed options; names, titles and addresses go into a
``<script type="application/json">`` data island written here (JSON with ``<``, ``>``, ``&``
and ``'`` escaped) and into HTML attributes escaped here.

The rendering functions read no request: the caller passes ``MapConfig``; ``map_config()``
builds the running app's (tile settings, whether to ask first, translated texts).
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import folium
from branca.element import CssLink, JavascriptLink
from flask import current_app, request, url_for
from flask_babel import gettext as _
from folium.plugins import MarkerCluster

__all__ = [
    "ASSETS",
    "DEFAULT_CENTER",
    "DEFAULT_ZOOM",
    "MapConfig",
    "MapParts",
    "detail_map",
    "map_config",
    "results_map",
    "tiles_need_consent",
]

# Minden (Westf.), used when there is nothing to fit the map to.
DEFAULT_CENTER: tuple[float, float] = (52.289, 8.916)
DEFAULT_ZOOM = 12
MIN_ZOOM = 3
MAX_ZOOM = 19
FIT_MAX_ZOOM = 14  # keep the neighbourhood (and district outlines) in view

# Paths below static/ of the files a map loads.
LEAFLET_JS = "vendor/leaflet/leaflet.js"
LEAFLET_CSS = "vendor/leaflet/leaflet.css"
MARKERCLUSTER_JS = "vendor/leaflet.markercluster/leaflet.markercluster.js"
MARKERCLUSTER_CSS = "vendor/leaflet.markercluster/MarkerCluster.css"
MARKERCLUSTER_DEFAULT_CSS = "vendor/leaflet.markercluster/MarkerCluster.Default.css"
MAPS_JS = "js/maps.js"
MAP_LOADER_JS = "js/map-loader.js"
ASSETS: tuple[str, ...] = (  # the files of the results map; the last one loads the others
    LEAFLET_JS,
    LEAFLET_CSS,
    MAPS_JS,
    MARKERCLUSTER_JS,
    MARKERCLUSTER_CSS,
    MARKERCLUSTER_DEFAULT_CSS,
    MAP_LOADER_JS,
)

DISTRICT_STYLE = {
    "color": "#3a6ea5",
    "weight": 2,
    "opacity": 0.8,
    "fillColor": "#3a6ea5",
    "fillOpacity": 0.06,
}

_DOM_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_CSS_SIZE_RE = re.compile(r"^\d+(\.\d+)?(px|em|rem|vh|%)$")
# http(s) URLs and URLs without a scheme (relative paths); no whitespace/controls.
_SAFE_URL_RE = re.compile(r"^(?:https?://|(?![A-Za-z][A-Za-z0-9+.\-]*:))[^\x00-\x20\x7f]*$", re.IGNORECASE)
_DEPTH = {
    "Point": 0,
    "MultiPoint": 1,
    "LineString": 1,
    "MultiLineString": 2,
    "Polygon": 2,
    "MultiPolygon": 3,
}


@dataclass
class MapConfig:
    """How maps are rendered.

    tile_url: Leaflet tile URL template; ``None`` or ``""`` means no tile layer.
    attribution: HTML attribution for the tile layer (trusted config, not user data).
    asset_url: maps a path below ``static/`` such as ``"vendor/leaflet/leaflet.js"`` to the URL
        it is served from; a ``Mapping`` of path -> URL is accepted as well.
    consent: ask before the first tile is requested ("Karte laden"); off for self-hosted tiles.
    texts: interface texts in the visitor's language, see ``TEXT_KEYS``.
    """

    tile_url: str | None
    attribution: str
    asset_url: Callable[[str], str] | Mapping[str, str]
    consent: bool = True
    texts: dict[str, str] = field(default_factory=dict)


# Interface texts the browser side needs (German defaults; map_config() translates them).
TEXT_KEYS: dict[str, str] = {
    "zoom-in": "Vergrößern",
    "zoom-out": "Verkleinern",
    "consent": "Die Hintergrundkarte kommt von {host}. Beim Laden erfährt dieser Server Ihre IP-Adresse.",
    "consent-button": "Karte laden",
    "cluster": "{n} Orte, zum Vergrößern auswählen",
    "error": "Die Orte konnten nicht geladen werden.",
}


@dataclass
class MapParts:
    """A rendered map, split for a page template.

    head: the ``<script src defer>`` of the map loader: goes into ``<head>``.
    body: the map container with its data island and the list of files to load: goes where the
        map should appear.
    script: the ``<script>`` with folium's set-up code, queued for the loader: goes at the end
        of ``<body>``.
    """

    head: str
    body: str
    script: str


# --------------------------------------------------------------------------- helpers


def _js_json(value: Any) -> str:
    """JSON for embedding in an HTML <script> element."""
    return (
        json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("'", "\\u0027")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _asset_url(config: MapConfig, path: str) -> str:
    getter = config.asset_url
    url = getter[path] if isinstance(getter, Mapping) else getter(path)
    if not isinstance(url, str) or not url:
        raise ValueError(f"asset_url returned no URL for {path!r}")
    if "{" in url or "}" in url:
        raise ValueError(f"asset URL must not contain braces: {url!r}")
    # branca writes the URL into src="..."/href="..." without escaping it.
    return html.escape(url, quote=True)


def safe_link(url: Any) -> str:
    """url if it is a harmless link target (relative or http/https), else ""."""
    if not url:
        return ""
    url = str(url).strip()
    return url if _SAFE_URL_RE.match(url) else ""


def _coord(value: Any, limit: float) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number) or abs(number) > limit:
        return None
    return round(number, 6)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _check_dom_id(dom_id: str) -> str:
    if not _DOM_ID_RE.match(dom_id):
        raise ValueError(f"invalid map id {dom_id!r}")
    return dom_id


def _check_height(height: str) -> str:
    height = str(height).strip()
    if not _CSS_SIZE_RE.match(height):
        raise ValueError(f"invalid map height {height!r} (use e.g. '420px')")
    return height


def _clean_coords(coords: Any, depth: int, points: list[tuple[float, float]]) -> Any:
    """Copy GeoJSON coordinates as floats (depth 0 = one position), collecting (lat, lon)."""
    if depth == 0:
        lon, lat = _coord(coords[0], 180.0), _coord(coords[1], 90.0)
        if lon is None or lat is None:
            raise ValueError("invalid coordinate")
        points.append((lat, lon))
        return [lon, lat]
    return [_clean_coords(c, depth - 1, points) for c in coords]


def _clean_geometry(geometry: Any, points: list[tuple[float, float]]) -> dict | None:
    if not isinstance(geometry, dict):
        return None
    kind = geometry.get("type")
    try:
        if kind == "GeometryCollection":
            parts = [_clean_geometry(g, points) for g in geometry.get("geometries") or []]
            parts = [p for p in parts if p]
            return {"type": kind, "geometries": parts} if parts else None
        if kind not in _DEPTH:
            return None
        return {"type": kind, "coordinates": _clean_coords(geometry["coordinates"], _DEPTH[kind], points)}
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def _districts(
    districts_geojson: dict | None, name_key: str
) -> tuple[list[dict], list[str | None], list[tuple[float, float]]]:
    """Geometry-only copies of the district features (ids 0..n-1), their names and all points."""
    if not districts_geojson:
        return [], [], []
    kind = districts_geojson.get("type")
    if kind == "FeatureCollection":
        features = districts_geojson.get("features") or []
    elif kind == "Feature":
        features = [districts_geojson]
    else:  # a bare geometry
        features = [{"type": "Feature", "geometry": districts_geojson, "properties": {}}]
    out: list[dict] = []
    names: list[str | None] = []
    points: list[tuple[float, float]] = []
    for feature in features:
        if not isinstance(feature, dict):
            continue
        geometry = _clean_geometry(feature.get("geometry"), points)
        if geometry is None:
            continue
        name = (feature.get("properties") or {}).get(name_key)
        out.append({"type": "Feature", "id": len(out), "properties": {}, "geometry": geometry})
        names.append(None if name is None else str(name))
    return out, names, points


def _bounds(points: list[tuple[float, float]] | list[list]) -> list[list[float]]:
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


def tile_host(tile_url: str | None) -> str:
    """The host a tile URL template asks, for the consent text ("{s}.tile.osm.org" -> "tile.osm.org")."""
    if not tile_url:
        return ""
    host = urlsplit(tile_url.replace("{s}", "a")).hostname or ""
    if tile_url.split("//", 1)[-1].startswith("{s}."):
        host = host.split(".", 1)[-1]
    return host


def tiles_need_consent(tile_url: str | None, self_hosted: bool, page_host: str | None = None) -> bool:
    """Whether the visitor is asked before tiles load: not for self-hosted or same-origin tiles."""
    if not tile_url or self_hosted:
        return False
    parts = urlsplit(tile_url)
    if not parts.netloc:  # a path on this site
        return False
    return page_host is None or parts.netloc.lower() != page_host.lower()


# --------------------------------------------------------------------------- rendering


def _folium_map(config: MapConfig, location: tuple[float, float], zoom: int) -> folium.Map:
    m = folium.Map(
        location=list(location),
        zoom_start=zoom,
        tiles=None,
        zoom_control="topleft",
        # Leaflet map options; markercluster needs the map's maxZoom (without tiles nothing sets it)
        minZoom=MIN_ZOOM, maxZoom=MAX_ZOOM,
    )
    # Local Leaflet and the map behaviour, per instance (the class lists stay untouched).
    m.default_js = [
        ("leaflet", _asset_url(config, LEAFLET_JS)),
        ("wegweiser_maps", _asset_url(config, MAPS_JS)),
    ]
    m.default_css = [("leaflet_css", _asset_url(config, LEAFLET_CSS))]
    return m


def _add_districts(m: folium.Map, features: list[dict]) -> None:
    if not features:
        return
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name="districts",
        style_function=lambda _feature: DISTRICT_STYLE,
        control=False,
        zoom_on_click=False,
    ).add_to(m)


def _container(
    config: MapConfig,
    dom_id: str,
    css_class: str,
    label: str,
    height: str,
    inner: str,
    data: dict,
    assets: list[str],
    extra: dict[str, str] | None = None,
) -> str:
    attrs = {
        "id": _check_dom_id(dom_id),
        "class": f"wegweiser-map {css_class}",
        "role": "region",
        "aria-label": str(label),
        # the height as data, set by static/js/maps.js: an inline style would need 'unsafe-inline'
        # in the Content-Security-Policy; the stylesheet gives each kind of map its default height
        "data-height": _check_height(height),
        **tile_attributes(config),
        "data-assets": json.dumps(assets),
    }
    attrs.update(extra or {})
    rendered = " ".join(f'{name}="{html.escape(str(value), quote=True)}"' for name, value in attrs.items())
    island = f'<script type="application/json" class="wegweiser-map-data">{_js_json(data)}</script>'
    return f"<div {rendered}>\n{inner}\n{island}\n</div>"


def tile_attributes(config: MapConfig) -> dict[str, str]:
    """The ``data-*`` attributes maps.js reads: tile URL, consent, interface texts.

    Also used for the pin-correction maps (``.pin-map``, static/js/pin-map.js) through the
    template global ``map_tile_attributes()``.
    """
    attrs: dict[str, str] = {}
    if config.tile_url:
        attrs["data-tiles"] = config.tile_url
        attrs["data-attribution"] = config.attribution or ""
        attrs["data-consent"] = "ask" if config.consent else "no"
        attrs["data-tile-host"] = tile_host(config.tile_url)
    for key, default in TEXT_KEYS.items():
        attrs[f"data-text-{key}"] = config.texts.get(key, default)
    return attrs


def _render(m: folium.Map, config: MapConfig, allowed_paths: tuple[str, ...]) -> tuple[str, list[str], str, str]:
    """The loader tag, the map's files (scripts in their order), the container's inside, the queued set-up."""
    figure = m.get_root()
    figure.render()
    allowed = {_asset_url(config, path) for path in allowed_paths}
    assets = []
    for name, child in figure.header._children.items():
        if name == "meta_http" or child is m or name == m.get_name():
            continue  # the page has its own <meta charset>; the map's page-wide styles are not wanted
        if not isinstance(child, (JavascriptLink, CssLink)) or child.url not in allowed:
            raise RuntimeError(f"unexpected element in map header: {name}")
        assets.append(html.unescape(child.url))
    head = f'<script src="{_asset_url(config, MAP_LOADER_JS)}" defer></script>'
    inner = figure.html.render().strip()
    script = ("<script>\n(window.wegweiserMapQueue = window.wegweiserMapQueue || []).push(function () {\n"
              + figure.script.render().strip() + "\n});\n</script>")
    return head, assets, inner, script


def results_map(
    districts_geojson: dict | None,
    config: MapConfig,
    *,
    points_url: str,
    height: str = "420px",
    label: str = "Karte der Ergebnisse",
    dom_id: str = "results-map",
    district_name_key: str = "name",
) -> MapParts:
    """Map of search results: district outlines and the result points, clustered.

    The points are not in the page: ``maps.js`` fetches them from ``points_url`` (the GeoJSON
    endpoint with the page's query) with the map's zoom and bounding box.
    ``districts_geojson``: FeatureCollection (or Feature/geometry) whose features carry the
    district name in ``properties[district_name_key]``.
    """
    points_url = safe_link(points_url)
    if not points_url:
        raise ValueError("points_url must be a relative or http(s) URL")
    features, names, district_points = _districts(districts_geojson, district_name_key)
    m = _folium_map(config, DEFAULT_CENTER, DEFAULT_ZOOM)
    _add_districts(m, features)
    cluster = MarkerCluster(control=False, options={"showCoverageOnHover": False, "maxClusterRadius": 50})
    cluster.default_js = [("markerclusterjs", _asset_url(config, MARKERCLUSTER_JS))]
    cluster.default_css = [
        ("markerclustercss", _asset_url(config, MARKERCLUSTER_CSS)),
        ("markerclusterdefaultcss", _asset_url(config, MARKERCLUSTER_DEFAULT_CSS)),
    ]
    cluster.add_to(m)
    if district_points:
        m.fit_bounds(_bounds(district_points), padding=(8, 8))
    head, assets, inner, script = _render(m, config, ASSETS[:-1])
    body = _container(
        config, dom_id, "results-map", label, height, inner,
        {"kind": "results", "districts": names}, assets,
        {"data-points-url": points_url},
    )
    return MapParts(head=head, body=body, script=script)


def detail_map(
    points: list[dict],
    config: MapConfig,
    height: str = "220px",
    label: str = "Karte der Standorte",
    *,
    dom_id: str = "detail-map",
) -> MapParts:
    """Small map of an offer's places: one marker per location.

    ``points``: dicts with ``lat``, ``lon``, ``name`` (or ``title``) and ``address``, optionally
    ``icon`` (a pictogram URL) and ``category`` (its text alternative); the popup shows name and
    address. Points without valid coordinates are left out.
    """
    rows: list[dict] = []
    for item in points:
        lat = _coord(item.get("lat"), 90.0)
        lon = _coord(item.get("lon"), 180.0)
        if lat is None or lon is None:
            continue
        name = item.get("name")
        if name is None:
            name = item.get("title")
        rows.append({
            "lat": lat, "lon": lon, "title": _text(name), "address": _text(item.get("address")),
            "icon": safe_link(item.get("icon")), "category": _text(item.get("category")),
        })
    single = len(rows) == 1
    m = _folium_map(config, (rows[0]["lat"], rows[0]["lon"]) if single else DEFAULT_CENTER, 15 if single else DEFAULT_ZOOM)
    if len(rows) > 1:
        m.fit_bounds(_bounds([(r["lat"], r["lon"]) for r in rows]), padding=(30, 40), max_zoom=FIT_MAX_ZOOM)
    head, assets, inner, script = _render(m, config, (LEAFLET_JS, LEAFLET_CSS, MAPS_JS))
    body = _container(config, dom_id, "detail-map", label, height, inner,
                      {"kind": "places", "points": rows}, assets, {"data-marker-count": str(len(rows))})
    return MapParts(head=head, body=body, script=script)


def init_app(app) -> None:
    """Template global ``map_tile_attributes()`` (for ``|xmlattr`` on hand-made map elements)."""
    app.jinja_env.globals["map_tile_attributes"] = lambda: tile_attributes(map_config())


def map_config() -> MapConfig:
    """The map settings of the running app (tiles, consent, local asset URLs, translated texts)."""
    cfg = current_app.config
    tile_url = cfg.get("MAP_TILE_URL") or None
    host = tile_host(tile_url) or ""
    return MapConfig(
        tile_url=tile_url,
        attribution=cfg.get("MAP_TILE_ATTRIBUTION", ""),
        asset_url=lambda path: url_for("static", filename=path),
        consent=tiles_need_consent(tile_url, bool(cfg.get("MAP_TILES_SELF_HOSTED")), request.host),
        texts={
            "zoom-in": _("Vergrößern"),
            "zoom-out": _("Verkleinern"),
            "consent": _("Die Hintergrundkarte kommt von %(host)s. Beim Laden erfährt dieser Server Ihre IP-Adresse.",
                         host=host),
            "consent-button": _("Karte laden"),
            # {n} is filled in by the browser
            "cluster": _("%(n)s Orte, zum Vergrößern auswählen", n="{n}"),
            "error": _("Die Orte konnten nicht geladen werden."),
        },
    )
