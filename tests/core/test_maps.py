"""Unit tests for directory/maps.py (no database, no Flask app, no browser)."""

from __future__ import annotations

import json
import re

import folium
import pytest
from folium.plugins import MarkerCluster

from directory.core.maps import (
    DEFAULT_CENTER,
    VENDOR_ASSETS,
    MapConfig,
    MapParts,
    detail_map,
    results_map,
)

TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>-Mitwirkende'
)
URL_RE = re.compile(r"(?:https?:)?//[A-Za-z0-9.\-]+[^\s\"'\\<>)]*")

HOSTILE = [
    "</script><script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "Quote \" and ' and ` and & and <b>bold</b>",
    "</SCRIPT ><!--",
]


def local_asset(path: str) -> str:
    return "/static/vendor/" + path


@pytest.fixture
def cfg_off() -> MapConfig:
    return MapConfig(tile_url=None, attribution="", asset_url=local_asset)


@pytest.fixture
def cfg_on() -> MapConfig:
    return MapConfig(tile_url=TILE_URL, attribution=ATTRIBUTION, asset_url=local_asset)


def square(x0: float, y0: float, x1: float, y1: float) -> list:
    return [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]


@pytest.fixture
def districts() -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "Innenstadt"},
                "geometry": {"type": "Polygon", "coordinates": square(8.90, 52.28, 8.93, 52.30)},
            },
            {
                "type": "Feature",
                "properties": {"name": "Bärenkämpen"},
                "geometry": {
                    "type": "MultiPolygon",
                    "coordinates": [square(8.93, 52.28, 8.96, 52.30)],
                },
            },
        ],
    }


def marker(i: int, **kw) -> dict:
    data = {
        "lat": 52.28 + i * 1e-4,
        "lon": 8.91 + i * 1e-4,
        "title": f"Angebot {i}",
        "provider": f"Träger {i}",
        "url": f"/angebote/{i}",
        "district": "Innenstadt",
    }
    data.update(kw)
    return data


def everything(parts: MapParts) -> str:
    return "\n".join([parts.head, parts.body, parts.script])


def embedded_rows(parts: MapParts) -> list:
    match = re.search(r"var rows = (.*);\n", parts.script)
    assert match, "marker data not found in script"
    return json.loads(match.group(1))


# --------------------------------------------------------------------------- third parties


def test_no_external_url_with_tiles_off(cfg_off, districts):
    parts = results_map([marker(i) for i in range(3)], districts, cfg_off)
    assert URL_RE.findall(everything(parts)) == []


def test_detail_map_no_external_url_with_tiles_off(cfg_off):
    parts = detail_map([{"lat": 52.29, "lon": 8.92, "name": "Rathaus", "address": "Markt 1"}], cfg_off)
    assert URL_RE.findall(everything(parts)) == []


def test_only_tile_and_attribution_urls_with_tiles_on(cfg_on, districts):
    parts = results_map([marker(i) for i in range(3)], districts, cfg_on)
    text = everything(parts)
    assert parts.head.count("http") == 0
    assert parts.body.count("http") == 0
    urls = set(URL_RE.findall(text))
    assert urls == {TILE_URL, "https://www.openstreetmap.org/copyright"}
    assert json.dumps(TILE_URL) in parts.script


@pytest.mark.parametrize("tile_url", [None, ""])
def test_no_tile_layer_when_tiles_off(tile_url, districts):
    cfg = MapConfig(tile_url=tile_url, attribution="ignored", asset_url=local_asset)
    parts = results_map([marker(1)], districts, cfg)
    assert "tileLayer" not in parts.script
    assert "L.geoJSON(" in parts.script  # district outlines still drawn
    assert "markerClusterGroup" in parts.script


@pytest.mark.parametrize(
    "needle",
    [
        "jquery",
        "bootstrap",
        "font-awesome",
        "fontawesome",
        "awesome-markers",
        "awesomemarkers",
        "glyphicons",
        "cdn",
        "unpkg",
        "$(",
        "innerhtml",
        "l_no_touch",
        "html, body",
        "viewport",
    ],
)
def test_no_folium_default_assets_or_page_styles(needle, cfg_on, districts):
    for parts in (
        results_map([marker(1)], districts, cfg_on),
        detail_map([{"lat": 52.29, "lon": 8.92, "name": "A", "address": "B"}], cfg_on),
    ):
        assert needle not in everything(parts).lower()


def test_local_assets_in_head(cfg_off):
    parts = results_map([marker(1)], None, cfg_off)
    for path in VENDOR_ASSETS:
        assert local_asset(path) in parts.head
    assert parts.head.index("leaflet/leaflet.js") < parts.head.index("leaflet.markercluster.js")
    assert '<script src="/static/vendor/leaflet/leaflet.js"></script>' in parts.head
    assert '<link rel="stylesheet" href="/static/vendor/leaflet/leaflet.css"/>' in parts.head
    # only tags that belong in <head>, and the map pieces where they belong
    assert "<div" not in parts.head
    assert parts.body.startswith("<div") and "<script" not in parts.body
    assert parts.script.startswith("<script>") and parts.script.endswith("</script>")


def test_asset_url_may_be_a_dict_and_is_html_escaped():
    urls = {path: f"/s/{path}?v=1&x=2" for path in VENDOR_ASSETS}
    parts = results_map([marker(1)], None, MapConfig(None, "", urls))
    assert 'src="/s/leaflet/leaflet.js?v=1&amp;x=2"' in parts.head
    assert "&x=" not in parts.head


def test_detail_map_has_no_markercluster_assets(cfg_off):
    parts = detail_map([{"lat": 52.29, "lon": 8.92, "name": "A", "address": "B"}], cfg_off)
    assert local_asset("leaflet/leaflet.js") in parts.head
    assert local_asset("leaflet/leaflet.css") in parts.head
    assert "markercluster" not in everything(parts).lower()


def test_folium_class_defaults_are_not_mutated(cfg_off):
    before = (list(folium.Map.default_js), list(MarkerCluster.default_js))
    results_map([marker(1)], None, cfg_off)
    assert (folium.Map.default_js, MarkerCluster.default_js) == before
    # and a plain folium map would still pull jQuery from a CDN: our maps must not rely on it
    assert any(name == "jquery" for name, _ in folium.Map.default_js)


# --------------------------------------------------------------------------- escaping


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_provider_text_is_not_emitted_raw(text, cfg_off, districts):
    features = districts["features"]
    features[0]["properties"]["name"] = text
    parts = results_map(
        [marker(1, title=text, provider=text, district=text)], districts, cfg_off, label=text
    )
    for piece in (parts.head, parts.body, parts.script):
        assert text not in piece
    # exactly one script element, which is not closed early
    assert parts.script.lower().count("</script") == 1
    assert parts.script.count("<script") == 1
    assert "<img" not in parts.script and "<!--" not in parts.script
    # aria-label is an escaped attribute value
    assert 'aria-label="' in parts.body
    assert "<" not in parts.body.split('aria-label="', 1)[1].split('"', 1)[0]
    # the data arrives intact once parsed as JSON
    row = embedded_rows(parts)[0]
    assert row[2:4] == [text, text]
    assert row[5] == text


def test_popups_and_tooltips_use_text_content_only(cfg_off, districts):
    script = results_map([marker(1)], districts, cfg_off).script
    assert "textContent" in script
    assert "innerHTML" not in script
    assert "bindPopup(wegweiserMarkerPopup)" in script


def test_text_that_looks_like_a_jinja_template_is_not_evaluated(cfg_off, districts):
    # branca recompiles rendered fragments as Jinja templates; data must not go through it.
    evil = "{{ 7*7 }} {% if true %}x{% endif %} {# c #} {{ lipsum.__globals__ }}"
    districts["features"][0]["properties"]["name"] = evil
    parts = results_map([marker(1, title=evil, provider=evil)], districts, cfg_off, label=evil)
    assert embedded_rows(parts)[0][2:4] == [evil, evil]
    assert json.dumps(evil) in parts.script  # the district name, unevaluated
    assert html_attr(parts.body, "aria-label") == evil
    assert "49" not in embedded_rows(parts)[0][2]


def html_attr(tag: str, name: str) -> str:
    import html

    value = re.search(name + r'="([^"]*)"', tag).group(1)
    return html.unescape(value)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/angebote/7", "/angebote/7"),
        ("angebote/7?x=1&y=2", "angebote/7?x=1&y=2"),
        ("https://example.org/a", "https://example.org/a"),
        ("javascript:alert(1)", ""),
        (" JavaScript:alert(1)", ""),
        ("java\tscript:alert(1)", ""),
        ("data:text/html,<b>x</b>", ""),
        ("vbscript:x", ""),
        (None, ""),
    ],
)
def test_marker_links_only_relative_or_http(url, expected, cfg_off):
    parts = results_map([marker(1, url=url)], None, cfg_off)
    assert embedded_rows(parts)[0][4] == expected


# --------------------------------------------------------------------------- markers and view


def test_container_id_class_label_and_marker_count(cfg_off):
    parts = results_map([marker(i) for i in range(7)], None, cfg_off)
    assert 'id="results-map"' in parts.body
    assert "results-map" in re.search(r'class="([^"]*)"', parts.body).group(1).split()
    assert 'role="region"' in parts.body
    assert 'aria-label="Karte der Ergebnisse"' in parts.body
    assert 'data-marker-count="7"' in parts.body
    assert "#results-map {" in parts.head and "height: 420px" in parts.head
    # the script confirms the count and registers the map for browser tests
    assert 'setAttribute("data-marker-count"' in parts.script
    assert 'window.wegweiserMaps["results-map"]' in parts.script
    assert 'setAttribute("data-map-ready", "true")' in parts.script


def test_custom_label_and_height(cfg_off):
    parts = results_map([], None, cfg_off, height="300px", label="Karte: Sprachkurse")
    assert 'aria-label="Karte: Sprachkurse"' in parts.body
    assert "height: 300px" in parts.head


@pytest.mark.parametrize("height", ["300", "1px; background: url(x)", "}"])
def test_bad_height_is_rejected(height, cfg_off):
    with pytest.raises(ValueError):
        results_map([], None, cfg_off, height=height)


def test_markers_without_valid_coordinates_are_skipped(cfg_off):
    markers = [
        marker(1),
        marker(2, lat=None),
        marker(3, lon="abc"),
        marker(4, lat=float("nan")),
        marker(5, lat=95.0),
        marker(6, lat="52.3", lon="8.9"),
    ]
    parts = results_map(markers, None, cfg_off)
    assert 'data-marker-count="2"' in parts.body
    rows = embedded_rows(parts)
    assert [r[2] for r in rows] == ["Angebot 1", "Angebot 6"]
    assert rows[1][:2] == [52.3, 8.9]


def test_many_markers_are_one_json_array(cfg_off):
    markers = [marker(i % 500, title=f"Angebot {i}") for i in range(5000)]
    parts = results_map(markers, None, cfg_off)
    assert 'data-marker-count="5000"' in parts.body
    rows = embedded_rows(parts)
    assert len(rows) == 5000
    assert rows[4999][2] == "Angebot 4999"
    # one marker constructor in a loop, not one folium Marker per point
    assert parts.script.count("L.marker(") == 1
    assert parts.script.count("markerClusterGroup(") == 1
    assert "cluster.addLayers(markers)" in parts.script


def test_fit_bounds_to_markers(cfg_off, districts):
    parts = results_map([marker(0), marker(10)], districts, cfg_off)
    bounds = re.search(r"\.fitBounds\(\s*(\[\[.*?\]\])", parts.script).group(1)
    assert json.loads(bounds) == [[52.28, 8.91], [52.281, 8.911]]


def test_empty_marker_list_fits_districts(cfg_off, districts):
    parts = results_map([], districts, cfg_off)
    assert 'data-marker-count="0"' in parts.body
    assert embedded_rows(parts) == []
    bounds = re.search(r"\.fitBounds\(\s*(\[\[.*?\]\])", parts.script).group(1)
    assert json.loads(bounds) == [[52.28, 8.90], [52.30, 8.96]]


def test_empty_everything_uses_minden_default(cfg_off):
    parts = results_map([], None, cfg_off)
    assert 'data-marker-count="0"' in parts.body
    assert "fitBounds" not in parts.script
    assert "L.geoJSON(" not in parts.script
    assert f'"center": [\n{DEFAULT_CENTER[0]},\n{DEFAULT_CENTER[1]},\n]' in parts.script
    assert '"zoom": 12' in parts.script
    # markercluster needs the map's maxZoom when no tile layer sets it
    assert '"maxZoom": 19' in parts.script


def test_districts_are_copied_not_mutated(cfg_off, districts):
    snapshot = json.dumps(districts, sort_keys=True)
    parts = results_map([], districts, cfg_off)
    assert json.dumps(districts, sort_keys=True) == snapshot
    assert 'var names = ["Innenstadt","Bärenkämpen"];' in parts.script
    assert 'window.wegweiserMaps["results-map"]' in parts.script


def test_single_feature_and_bad_geometries(cfg_off):
    feature = {
        "type": "Feature",
        "properties": {"name": "Dom"},
        "geometry": {"type": "Polygon", "coordinates": square(8.9, 52.28, 8.91, 52.29)},
    }
    assert "L.geoJSON(" in results_map([], feature, cfg_off).script
    broken = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {}, "geometry": None},
            {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[["x", 1]]]}},
        ],
    }
    assert "L.geoJSON(" not in results_map([], broken, cfg_off).script


# --------------------------------------------------------------------------- detail map


def test_detail_map_single_point(cfg_off):
    text = HOSTILE[0]
    parts = detail_map([{"lat": 52.2905, "lon": 8.9167, "name": text, "address": HOSTILE[1]}], cfg_off)
    assert 'id="detail-map"' in parts.body
    assert "detail-map" in re.search(r'class="([^"]*)"', parts.body).group(1).split()
    assert 'aria-label="Karte der Standorte"' in parts.body
    assert 'data-marker-count="1"' in parts.body
    assert "height: 220px" in parts.head
    assert text not in everything(parts) and HOSTILE[1] not in everything(parts)
    assert embedded_rows(parts) == [[52.2905, 8.9167, text, HOSTILE[1]]]
    assert '"center": [\n52.2905,\n8.9167,\n]' in parts.script
    assert '"zoom": 15' in parts.script
    assert "fitBounds" not in parts.script
    assert 'window.wegweiserMaps["detail-map"]' in parts.script


def test_detail_map_several_points_and_none(cfg_off, cfg_on):
    pts = [
        {"lat": 52.29, "lon": 8.91, "name": "A", "address": "Markt 1"},
        {"lat": 52.30, "lon": 8.93, "name": "B", "address": None},
        {"lat": None, "lon": 8.93, "name": "ohne Koordinaten", "address": ""},
    ]
    parts = detail_map(pts, cfg_on)
    assert 'data-marker-count="2"' in parts.body
    assert "fitBounds" in parts.script and "tileLayer" in parts.script
    assert [r[2] for r in embedded_rows(parts)] == ["A", "B"]
    titled = detail_map([{"lat": 52.29, "lon": 8.91, "title": "Haus", "address": "Weg 2"}], cfg_off)
    assert embedded_rows(titled) == [[52.29, 8.91, "Haus", "Weg 2"]]
    empty = detail_map([], cfg_off)
    assert 'data-marker-count="0"' in empty.body
    assert embedded_rows(empty) == []


def test_two_maps_on_one_page_get_their_own_ids(cfg_off):
    a = results_map([marker(1)], None, cfg_off, dom_id="map-a")
    b = detail_map([], cfg_off)
    assert 'id="map-a"' in a.body and 'id="detail-map"' in b.body
    assert 'window.wegweiserMaps["map-a"]' in a.script
    with pytest.raises(ValueError):
        results_map([], None, cfg_off, dom_id='x" onclick="alert(1)')
