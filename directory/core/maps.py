"""Folium maps that load nothing from a third party.

Leaflet and leaflet.markercluster are served by the app itself from
``static/vendor/`` (installed from npm, copied by ``scripts/vendor_assets.py``).
The only external request a rendered map may make is for map tiles, and only
when a tile URL is configured; with ``MapConfig.tile_url`` empty the map shows
district outlines and markers on a blank background.

This module does not import Flask: the caller passes a function (or a dict)
that maps a vendor path such as ``"leaflet/leaflet.js"`` to a URL, e.g.
``lambda p: url_for("static", filename="vendor/" + p)``.

How folium's defaults are replaced:

* ``folium.Map.default_js`` / ``default_css`` (Leaflet, jQuery, Bootstrap,
  Font Awesome, awesome-markers, ... from CDNs) and
  ``MarkerCluster.default_js`` / ``default_css`` (markercluster 1.1.0 from
  cdnjs) are replaced *per instance* by lists holding only the local Leaflet
  and markercluster files. The class attributes are never touched (folium's
  ``add_js_link`` would mutate the shared class list, so it is not used).
* ``folium.Map``'s own template (which styles ``html, body`` and ``#map``,
  adds a viewport meta tag and global ``L_NO_TOUCH`` variables) is replaced
  by a small one for an embedded, labelled map container.
* Markers are plain ``L.marker`` with Leaflet's default icon (no
  ``folium.Icon``/awesome-markers); popups and tooltips are built with
  ``document.createElement``/``textContent``, never ``innerHTML``.
* After rendering, the ``<head>`` part is checked: any script or style sheet
  other than the expected local ones raises ``RuntimeError``.

Data never passes through folium's templates. branca's ``MacroElement.render``
compiles every *rendered* header/html/script fragment again as a Jinja
template, so text like ``{{ ... }}`` in an offer title would be executed on
the server (template injection). Instead, folium renders placeholders and the
data is substituted afterwards in a single pass (``_Slots``), as JSON that
escapes ``<``, ``>``, ``&`` and ``'`` (``\\u003c`` ...) so that text such as
``</script>`` cannot end the script element either. Do not hand user text to
other folium classes (``folium.Popup``, ``Tooltip``, ``GeoJsonTooltip``, ...).
"""

from __future__ import annotations

import html
import json
import math
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import folium
from branca.element import CssLink, JavascriptLink, MacroElement
from flask import current_app, url_for
from flask_babel import gettext as _
from folium.map import Layer
from folium.plugins import FastMarkerCluster
from folium.template import Template

__all__ = [
    "MapConfig",
    "MapParts",
    "results_map",
    "detail_map",
    "VENDOR_ASSETS",
    "DEFAULT_CENTER",
    "DEFAULT_ZOOM",
]

# Minden (Westf.), used when there is nothing to fit the map to.
DEFAULT_CENTER: tuple[float, float] = (52.289, 8.916)
DEFAULT_ZOOM = 12
MIN_ZOOM = 3
MAX_ZOOM = 19

# Vendor paths (below static/vendor/) used by the maps.
LEAFLET_JS = "leaflet/leaflet.js"
LEAFLET_CSS = "leaflet/leaflet.css"
MARKERCLUSTER_JS = "leaflet.markercluster/leaflet.markercluster.js"
MARKERCLUSTER_CSS = "leaflet.markercluster/MarkerCluster.css"
MARKERCLUSTER_DEFAULT_CSS = "leaflet.markercluster/MarkerCluster.Default.css"
VENDOR_ASSETS: tuple[str, ...] = (
    LEAFLET_JS,
    LEAFLET_CSS,
    MARKERCLUSTER_JS,
    MARKERCLUSTER_CSS,
    MARKERCLUSTER_DEFAULT_CSS,
)

DISTRICT_STYLE = {
    "color": "#3a6ea5",
    "weight": 2,
    "opacity": 0.8,
    "fill_color": "#3a6ea5",
    "fill_opacity": 0.06,
}

ZOOM_IN_TITLE = "Vergrößern"
ZOOM_OUT_TITLE = "Verkleinern"

# room for the 41 px default marker icon above its anchor point
_MARKER_PADDING: dict[str, Any] = {
    "padding_top_left": (30, 50),
    "padding_bottom_right": (30, 20),
    "max_zoom": 14,  # keep the neighbourhood (and district outlines) in view
}

_DOM_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_CSS_SIZE_RE = re.compile(r"^\d+(\.\d+)?(px|em|rem|vh|%)$")
# http(s) URLs and URLs without a scheme (relative paths); no whitespace/controls.
_SAFE_URL_RE = re.compile(r"^(?:https?://|(?![A-Za-z][A-Za-z0-9+.\-]*:))[^\x00-\x20\x7f]*$", re.I)
_GEOMETRY_TYPES = {
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
}


@dataclass
class MapConfig:
    """How maps are rendered.

    tile_url: Leaflet tile URL template; ``None`` or ``""`` means no tile layer.
    attribution: HTML attribution for the tile layer (trusted config, not user data).
    asset_url: maps a vendor path such as ``"leaflet/leaflet.js"`` to the URL it is
        served from. A ``Mapping`` of vendor path -> URL is accepted as well.
    """

    tile_url: str | None
    attribution: str
    asset_url: Callable[[str], str]
    # titles of the zoom buttons (the caller passes them in the interface language)
    zoom_in_title: str = ZOOM_IN_TITLE
    zoom_out_title: str = ZOOM_OUT_TITLE


@dataclass
class MapParts:
    """A rendered map, split for a page template.

    head: ``<link>``/``<script src>`` tags and a ``<style>``: goes into ``<head>``.
    body: the map container ``<div>``: goes where the map should appear.
    script: the ``<script>`` that builds the map: goes at the end of ``<body>``,
        after ``body``.
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


class _Slots:
    """Placeholders rendered by folium, filled with data after rendering (one pass)."""

    def __init__(self) -> None:
        self._nonce = secrets.token_hex(6)
        self._values: list[str] = []
        self._re = re.compile(r"@@wwslot(\d+)x" + self._nonce + "@@")

    def raw(self, text: str) -> str:
        """A placeholder replaced by text as it is (text must already be escaped)."""
        self._values.append(text)
        return f"@@wwslot{len(self._values) - 1}x{self._nonce}@@"

    def json(self, value: Any) -> str:
        """A placeholder replaced by value as script-safe JSON."""
        return self.raw(_js_json(value))

    def in_js_string(self, text: str) -> str:
        """A placeholder for use inside a JSON/JS string literal that folium quotes."""
        return self.raw(_js_json(str(text))[1:-1])

    def fill(self, text: str) -> str:
        return self._re.sub(lambda m: self._values[int(m.group(1))], text)


def _asset_url(config: MapConfig, path: str) -> str:
    getter = config.asset_url
    url = getter[path] if isinstance(getter, Mapping) else getter(path)
    if not isinstance(url, str) or not url:
        raise ValueError(f"asset_url returned no URL for {path!r}")
    if "{" in url or "}" in url:
        raise ValueError(f"asset URL must not contain braces: {url!r}")
    # branca writes the URL into src="..."/href="..." without escaping it.
    return html.escape(url, quote=True)


def _safe_link(url: Any) -> str:
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


_DEPTH = {
    "Point": 0,
    "MultiPoint": 1,
    "LineString": 1,
    "MultiLineString": 2,
    "Polygon": 2,
    "MultiPolygon": 3,
}


def _clean_geometry(geometry: Any, points: list[tuple[float, float]]) -> dict | None:
    if not isinstance(geometry, dict):
        return None
    kind = geometry.get("type")
    try:
        if kind == "GeometryCollection":
            parts = [_clean_geometry(g, points) for g in geometry.get("geometries") or []]
            parts = [p for p in parts if p]
            return {"type": kind, "geometries": parts} if parts else None
        if kind not in _GEOMETRY_TYPES:
            return None
        return {"type": kind, "coordinates": _clean_coords(geometry["coordinates"], _DEPTH[kind], points)}
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def _districts(
    districts_geojson: dict | None, name_key: str
) -> tuple[list[dict], list[str | None], list[tuple[float, float]]]:
    """Clean copies of the district features (geometry only), their names and all points."""
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


# --------------------------------------------------------------------------- folium elements


class _LocalMap(folium.Map):
    """folium.Map without CDN assets and without page-wide styles."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <style>
                #{{ this.dom_id }} { position: relative; width: 100%; height: {{ this.css_height }}; }
                #{{ this.dom_id }} .wegweiser-popup-title { font-weight: bold; }
                #{{ this.dom_id }} .wegweiser-popup-detail { margin-top: .25em; }
            </style>
        {% endmacro %}

        {% macro html(this, kwargs) %}
            <div id="{{ this.dom_id }}" class="folium-map {{ this.css_class }}" role="region" aria-label="{{ this.label_slot }}" data-marker-count="{{ this.marker_count }}"></div>
        {% endmacro %}

        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.map(
                {{ this.dom_id|tojson }},
                {{ this.leaflet_options|tojavascript }}
            );
            L.control.zoom({{ this.zoom_options|tojavascript }}).addTo({{ this.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        *,
        config: MapConfig,
        slots: _Slots,
        dom_id: str,
        css_class: str,
        label: str,
        height: str,
        marker_count: int,
        location: tuple[float, float],
        zoom: int,
    ):
        super().__init__(location=location, zoom_start=zoom, tiles=None, zoom_control=False)
        # Only local Leaflet, per instance (the class lists stay untouched).
        self.default_js = [("leaflet", _asset_url(config, LEAFLET_JS))]
        self.default_css = [("leaflet_css", _asset_url(config, LEAFLET_CSS))]
        self.dom_id = _check_dom_id(dom_id)
        self.css_class = css_class
        self.label_slot = slots.raw(html.escape(str(label), quote=True))
        self.css_height = _check_height(height)
        self.marker_count = int(marker_count)
        self.leaflet_options = {
            "center": list(self.location),
            "zoom": zoom,
            # markercluster needs the map's maxZoom; without a tile layer nothing else sets it
            "min_zoom": MIN_ZOOM,
            "max_zoom": MAX_ZOOM,
            "zoom_control": False,
        }
        self.zoom_options = {
            "zoom_in_title": slots.in_js_string(config.zoom_in_title),
            "zoom_out_title": slots.in_js_string(config.zoom_out_title),
        }


class _ClusterLayer(FastMarkerCluster):
    """All markers as one JSON array, made into L.marker in the browser and clustered.

    Each row is ``[lat, lon, title, provider, url, district, icon, category]``; with an icon
    URL the marker is a pin showing that pictogram, whose ``alt`` names the category.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = (function () {
                var rows = {{ this.data_slot }};
                var cluster = L.markerClusterGroup({{ this.options|tojavascript }});
                var markers = new Array(rows.length);
                for (var i = 0; i < rows.length; i++) {
                    var row = rows[i];
                    var options = {title: row[2], alt: row[2]};
                    if (row[6]) { options.icon = wegweiserPin(row[6], row[7], row[2]); }
                    var marker = L.marker([row[0], row[1]], options);
                    marker.wegweiser = {title: row[2], provider: row[3], url: row[4], district: row[5], category: row[7]};
                    marker.bindPopup(wegweiserMarkerPopup);
                    markers[i] = marker;
                }
                cluster.addLayers(markers);
                return cluster;
            })();
        {% endmacro %}
        """
    )

    def __init__(self, rows: list[list], config: MapConfig, slots: _Slots):
        super().__init__(data=[], callback="null", show_coverage_on_hover=False)
        self.data_slot = slots.json(rows)
        self.default_js = [("markerclusterjs", _asset_url(config, MARKERCLUSTER_JS))]
        self.default_css = [
            ("markerclustercss", _asset_url(config, MARKERCLUSTER_CSS)),
            ("markerclusterdefaultcss", _asset_url(config, MARKERCLUSTER_DEFAULT_CSS)),
        ]


class _PlainMarkers(Layer):
    """A few plain markers (detail page). Each row is ``[lat, lon, name, address, icon, category]``."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = (function () {
                var rows = {{ this.data_slot }};
                var group = L.featureGroup();
                for (var i = 0; i < rows.length; i++) {
                    var row = rows[i];
                    var options = {title: row[2], alt: row[2]};
                    if (row[4]) { options.icon = wegweiserPin(row[4], row[5], row[2]); }
                    var marker = L.marker([row[0], row[1]], options);
                    marker.wegweiser = {title: row[2], address: row[3]};
                    marker.bindPopup(wegweiserLocationPopup);
                    group.addLayer(marker);
                }
                return group;
            })();
        {% endmacro %}
        """
    )

    def __init__(self, rows: list[list], slots: _Slots):
        super().__init__(control=False)
        self._name = "PlainMarkers"
        self.data_slot = slots.json(rows)


class _DistrictLayer(Layer):
    """District outlines (L.geoJSON) with the district name as a tooltip."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = (function () {
                var names = {{ this.names_slot }};
                return L.geoJSON({{ this.data_slot }}, {
                    style: function () { return {{ this.style|tojavascript }}; },
                    onEachFeature: function (feature, layer) {
                        var name = names[feature.id];
                        if (name === null || name === undefined || name === "") { return; }
                        layer.bindTooltip(function () {
                            return wegweiserEl("span", "wegweiser-district-name", name);
                        }, {sticky: true});
                    }
                });
            })();
        {% endmacro %}
        """
    )

    def __init__(self, features: list[dict], names: list[str | None], slots: _Slots):
        super().__init__(name="districts", control=False)
        self._name = "Districts"
        self.data_slot = slots.json({"type": "FeatureCollection", "features": features})
        self.names_slot = slots.json(names)
        self.style = DISTRICT_STYLE


class _Helpers(MacroElement):
    """DOM helpers and popup builders (added first, so defined before use)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            function wegweiserEl(tag, className, text) {
                var el = document.createElement(tag);
                if (className) { el.className = className; }
                if (text !== undefined && text !== null) { el.textContent = String(text); }
                return el;
            }
            // A pin with a category pictogram (static/img/pictograms/). The icon element is made
            // when Leaflet shows the marker; src/alt are set as attributes, never as HTML.
            var WegweiserPin = L.DivIcon.extend({
                createIcon: function (oldIcon) {
                    var div = L.DivIcon.prototype.createIcon.call(this, oldIcon);
                    var img = document.createElement("img");
                    img.setAttribute("src", this.options.pictogram);
                    img.setAttribute("alt", this.options.label ? this.options.label + ": " + this.options.name : this.options.name);
                    img.setAttribute("width", "26");
                    img.setAttribute("height", "26");
                    div.appendChild(img);
                    return div;
                }
            });
            function wegweiserPin(src, label, name) {
                return new WegweiserPin({
                    html: false, className: "wegweiser-pin", pictogram: src, label: label || "", name: name || "",
                    iconSize: [36, 44], iconAnchor: [18, 44], popupAnchor: [0, -40], tooltipAnchor: [16, -24]
                });
            }
            function wegweiserMarkerPopup(layer) {
                var d = layer.wegweiser, box = wegweiserEl("div", "wegweiser-popup");
                var title;
                if (d.url) {
                    title = wegweiserEl("a", "wegweiser-popup-title", d.title);
                    title.setAttribute("href", d.url);
                } else {
                    title = wegweiserEl("div", "wegweiser-popup-title", d.title);
                }
                box.appendChild(title);
                if (d.provider) {
                    box.appendChild(wegweiserEl("div", "wegweiser-popup-detail wegweiser-popup-provider", d.provider));
                }
                return box;
            }
            function wegweiserLocationPopup(layer) {
                var d = layer.wegweiser, box = wegweiserEl("div", "wegweiser-popup");
                box.appendChild(wegweiserEl("div", "wegweiser-popup-title", d.title));
                if (d.address) {
                    box.appendChild(wegweiserEl("div", "wegweiser-popup-detail wegweiser-popup-address", d.address));
                }
                return box;
            }
        {% endmacro %}
        """
    )

    def __init__(self):
        super().__init__()
        self._name = "WegweiserHelpers"


class _Register(MacroElement):
    """Expose the map for scripts and browser tests; added last."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function () {
                var el = document.getElementById({{ this.dom_id|tojson }});
                var markers = {{ this.markers_name }};
                el.setAttribute("data-marker-count", String(markers.getLayers().length));
                window.wegweiserMaps = window.wegweiserMaps || {};
                window.wegweiserMaps[{{ this.dom_id|tojson }}] = {
                    map: {{ this._parent.get_name() }},
                    markers: markers,
                    districts: {{ this.districts_name or "null" }}
                };
                el.setAttribute("data-map-ready", "true");
            })();
        {% endmacro %}
        """
    )

    def __init__(self, dom_id: str, markers_name: str, districts_name: str | None):
        super().__init__()
        self._name = "WegweiserRegister"
        self.dom_id = dom_id
        self.markers_name = markers_name
        self.districts_name = districts_name


# --------------------------------------------------------------------------- rendering


def _add_tiles(m: folium.Map, config: MapConfig, slots: _Slots) -> None:
    if not config.tile_url:
        return
    folium.TileLayer(
        tiles=slots.in_js_string(config.tile_url),
        attr=slots.in_js_string(config.attribution or " "),
        max_zoom=MAX_ZOOM,
        max_native_zoom=MAX_ZOOM,
        control=False,
    ).add_to(m)


def _render(m: _LocalMap, slots: _Slots, allowed_urls: set[str]) -> MapParts:
    figure = m.get_root()
    figure.render()
    head_parts = []
    for name, child in figure.header._children.items():
        if name == "meta_http":
            continue  # the page has its own <meta charset>
        if isinstance(child, (JavascriptLink, CssLink)) and child.url not in allowed_urls:
            raise RuntimeError(f"unexpected asset in map header: {name} {child.url}")
        head_parts.append(child.render().strip())
    head = "\n".join(head_parts)
    if "<script" in head.replace("<script src=", "") or "@import" in head:
        raise RuntimeError("unexpected inline script or @import in map header")
    body = figure.html.render().strip()
    script = "<script>\n(function () {\n" + figure.script.render().strip() + "\n})();\n</script>"
    return MapParts(head=slots.fill(head), body=slots.fill(body), script=slots.fill(script))


def results_map(
    markers: list[dict],
    districts_geojson: dict | None,
    config: MapConfig,
    height: str = "420px",
    label: str = "Karte der Ergebnisse",
    *,
    dom_id: str = "results-map",
    district_name_key: str = "name",
) -> MapParts:
    """Clustered map of search results, with optional district outlines.

    ``markers``: dicts with ``lat``, ``lon``, ``title``, ``provider``, ``url`` and
    ``district``, optionally ``icon`` (a pictogram URL) and ``category`` (its text
    alternative); markers without valid coordinates are left out (and not counted);
    a ``url`` that is neither relative nor http(s) is dropped (title without link).
    ``districts_geojson``: FeatureCollection (or Feature/geometry) whose features
    carry the district name in ``properties[district_name_key]``.
    """
    rows: list[list] = []
    for item in markers:
        lat = _coord(item.get("lat"), 90.0)
        lon = _coord(item.get("lon"), 180.0)
        if lat is None or lon is None:
            continue
        district = item.get("district")
        rows.append(
            [
                lat,
                lon,
                _text(item.get("title")),
                _text(item.get("provider")),
                _safe_link(item.get("url")),
                None if district is None else str(district),
                _safe_link(item.get("icon")),
                _text(item.get("category")),
            ]
        )
    features, names, district_points = _districts(districts_geojson, district_name_key)

    slots = _Slots()
    m = _LocalMap(
        config=config,
        slots=slots,
        dom_id=dom_id,
        css_class="results-map",
        label=label,
        height=height,
        marker_count=len(rows),
        location=DEFAULT_CENTER,
        zoom=DEFAULT_ZOOM,
    )
    _Helpers().add_to(m)
    _add_tiles(m, config, slots)
    districts = None
    if features:
        districts = _DistrictLayer(features, names, slots)
        districts.add_to(m)
    cluster = _ClusterLayer(rows, config, slots)
    cluster.add_to(m)

    if rows:
        m.fit_bounds(_bounds(rows), **_MARKER_PADDING)
    elif district_points:
        m.fit_bounds(_bounds(district_points), padding=(8, 8))

    _Register(dom_id, cluster.get_name(), districts.get_name() if districts else None).add_to(m)
    allowed = {_asset_url(config, path) for path in VENDOR_ASSETS}
    return _render(m, slots, allowed)


def detail_map(
    points: list[dict],
    config: MapConfig,
    height: str = "220px",
    label: str = "Karte der Standorte",
    *,
    dom_id: str = "detail-map",
) -> MapParts:
    """Small map for an offer's detail page: one plain marker per location.

    ``points``: dicts with ``lat``, ``lon``, ``name`` (or ``title``) and ``address``;
    the popup shows name and address. Points without valid coordinates are left out.
    """
    rows: list[list] = []
    for item in points:
        lat = _coord(item.get("lat"), 90.0)
        lon = _coord(item.get("lon"), 180.0)
        if lat is None or lon is None:
            continue
        name = item.get("name")
        if name is None:
            name = item.get("title")
        row = [lat, lon, _text(name), _text(item.get("address"))]
        icon = _safe_link(item.get("icon"))
        if icon:
            row += [icon, _text(item.get("category"))]
        rows.append(row)

    slots = _Slots()
    m = _LocalMap(
        config=config,
        slots=slots,
        dom_id=dom_id,
        css_class="detail-map",
        label=label,
        height=height,
        marker_count=len(rows),
        location=(rows[0][0], rows[0][1]) if len(rows) == 1 else DEFAULT_CENTER,
        zoom=15 if len(rows) == 1 else DEFAULT_ZOOM,
    )
    _Helpers().add_to(m)
    _add_tiles(m, config, slots)
    layer = _PlainMarkers(rows, slots)
    layer.add_to(m)
    if len(rows) > 1:
        m.fit_bounds(_bounds(rows), **_MARKER_PADDING)
    _Register(dom_id, layer.get_name(), None).add_to(m)
    allowed = {_asset_url(config, LEAFLET_JS), _asset_url(config, LEAFLET_CSS)}
    return _render(m, slots, allowed)


def map_config() -> MapConfig:
    """The map settings of the running app (tiles, attribution, local asset URLs, translated titles)."""
    cfg = current_app.config
    return MapConfig(
        tile_url=cfg.get("MAP_TILE_URL") or None,
        attribution=cfg.get("MAP_TILE_ATTRIBUTION", ""),
        asset_url=lambda path: url_for("static", filename="vendor/" + path),
        zoom_in_title=_("Vergrößern"),
        zoom_out_title=_("Verkleinern"),
    )
