"""Unit tests for directory/core/maps.py (no database, no Flask app, no browser)."""

from __future__ import annotations

import html
import json
import re

import folium
import pytest
from folium.plugins import MarkerCluster

from directory.config import ROOT
from directory.core.maps import (
    ASSETS,
    DEFAULT_CENTER,
    MapConfig,
    MapParts,
    detail_map,
    results_map,
    safe_link,
    tile_host,
    tiles_need_consent,
)

TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>-Mitwirkende'
)
URL_RE = re.compile(r"(?:https?:)?//[A-Za-z0-9.\-]+[^\s\"'\\<>)]*")
POINTS_URL = "/karte/punkte.geojson?language=ar"

HOSTILE = [
    "</script><script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "Quote \" and ' and ` and & and <b>bold</b>",
    "</SCRIPT ><!--",
]
JINJA = "{{ 7*7 }} {% if true %}x{% endif %} {# c #} {{ lipsum.__globals__ }}"


def local_asset(path: str) -> str:
    return "/static/" + path


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
                "geometry": {"type": "MultiPolygon", "coordinates": [square(8.93, 52.28, 8.96, 52.30)]},
            },
        ],
    }


def results(districts, cfg, **kw) -> MapParts:
    return results_map(districts, cfg, points_url=kw.pop("points_url", POINTS_URL), **kw)


def place(**kw) -> dict:
    data = {"lat": 52.29, "lon": 8.92, "name": "Rathaus", "address": "Markt 1"}
    data.update(kw)
    return data


def everything(parts: MapParts) -> str:
    return f"{parts.head}\n{parts.body}\n{parts.script}"


def island(parts: MapParts) -> dict:
    match = re.search(r'<script type="application/json" class="wegweiser-map-data">(.*?)</script>', parts.body)
    assert match, "data island not found"
    return json.loads(match.group(1))


def attr(parts: MapParts, name: str) -> str | None:
    match = re.search(" " + name + r'="([^"]*)"', parts.body.split(">", 1)[0])
    return html.unescape(match.group(1)) if match else None


def fit_bounds(script: str) -> list:
    return json.loads(re.search(r"\.fitBounds\(\s*(\[\[.*?\]\])", script, re.DOTALL).group(1))


# --------------------------------------------------------------------------- third parties


def test_no_external_url_with_tiles_off(cfg_off, districts):
    assert URL_RE.findall(everything(results(districts, cfg_off))) == []
    assert URL_RE.findall(everything(detail_map([place()], cfg_off))) == []


def test_tiles_are_data_for_the_browser_not_a_folium_layer(cfg_on, districts):
    for parts in (results(districts, cfg_on), detail_map([place()], cfg_on)):
        assert "http" not in parts.head and "http" not in parts.script
        assert "tileLayer" not in parts.script  # maps.js adds it, after consent
        assert attr(parts, "data-tiles") == TILE_URL
        assert attr(parts, "data-attribution") == ATTRIBUTION
        assert attr(parts, "data-consent") == "ask"
        assert attr(parts, "data-tile-host") == "tile.openstreetmap.org"
        assert set(URL_RE.findall(html.unescape(parts.body))) == {TILE_URL, "https://www.openstreetmap.org/copyright"}


@pytest.mark.parametrize("tile_url", [None, ""])
def test_no_tile_attributes_when_tiles_off(tile_url, districts):
    parts = results(districts, MapConfig(tile_url=tile_url, attribution="ignored", asset_url=local_asset))
    assert attr(parts, "data-tiles") is None and attr(parts, "data-consent") is None
    assert "L.geoJson(" in parts.script  # district outlines still drawn
    assert "L.markerClusterGroup(" in parts.script


def test_self_hosted_tiles_need_no_consent(districts):
    cfg = MapConfig(tile_url="/tiles/{z}/{x}/{y}.png", attribution="", asset_url=local_asset, consent=False)
    assert attr(results(districts, cfg), "data-consent") == "no"


@pytest.mark.parametrize(
    ("url", "self_hosted", "host", "expected"),
    [
        (TILE_URL, False, "wegweiser.minden.de", True),
        (TILE_URL, True, "wegweiser.minden.de", False),  # MAP_TILES_SELF_HOSTED=1
        ("/tiles/{z}/{x}/{y}.png", False, "wegweiser.minden.de", False),  # same site, relative
        ("https://wegweiser.minden.de/tiles/{z}/{x}/{y}.png", False, "wegweiser.minden.de", False),
        ("https://tiles.minden.de/{z}/{x}/{y}.png", False, "wegweiser.minden.de", True),  # another host
        ("//tile.openstreetmap.org/{z}/{x}/{y}.png", False, "wegweiser.minden.de", True),
        ("", False, "wegweiser.minden.de", False),
        (None, False, None, False),
    ],
)
def test_tiles_need_consent(url, self_hosted, host, expected):
    assert tiles_need_consent(url, self_hosted, host) is expected


def test_tile_host_names_the_server_that_is_asked():
    assert tile_host(TILE_URL) == "tile.openstreetmap.org"
    assert tile_host("https://{s}.tile.openstreetmap.fr/hot/{z}/{x}/{y}.png") == "tile.openstreetmap.fr"
    assert tile_host("https://tiles.example.org:8443/{z}/{x}/{y}.png") == "tiles.example.org"
    assert tile_host(None) == ""


@pytest.mark.parametrize(
    "needle",
    [
        "jquery", "bootstrap", "font-awesome", "fontawesome", "awesome-markers", "awesomemarkers",
        "glyphicons", "cdn", "unpkg", "$(", "innerhtml", "l_no_touch", "html, body", "viewport",
        "<style",
    ],
)
def test_no_folium_default_assets_or_page_styles(needle, cfg_on, districts):
    for parts in (results(districts, cfg_on), detail_map([place()], cfg_on)):
        assert needle not in everything(parts).lower()


def assets(parts: MapParts) -> list[str]:
    return json.loads(html.unescape(attr(parts, "data-assets")))


def test_the_head_has_only_the_deferred_loader_and_the_container_lists_the_files_in_load_order(cfg_off):
    parts = results(None, cfg_off)
    assert parts.head == '<script src="/static/js/map-loader.js" defer></script>'
    files = assets(parts)
    assert sorted(files) == sorted(local_asset(path) for path in ASSETS[:-1])
    # maps.js right after Leaflet (its init hook must see every map); markercluster after that
    scripts = [f for f in files if f.endswith(".js")]
    assert scripts == ["/static/vendor/leaflet/leaflet.js", "/static/js/maps.js",
                       "/static/vendor/leaflet.markercluster/leaflet.markercluster.js"]
    assert "/static/vendor/leaflet/leaflet.css" in files
    assert parts.body.startswith("<div") and parts.body.count("<script") == 1  # the data island
    # folium's set-up waits in the queue until the loader has fetched Leaflet
    assert parts.script.startswith("<script>\n(window.wegweiserMapQueue = window.wegweiserMapQueue || []).push(function () {")
    assert parts.script.endswith("});\n</script>")


def test_asset_url_may_be_a_dict_and_is_html_escaped(districts):
    urls = {path: f"/s/{path}?v=1&x=2" for path in ASSETS}
    parts = results(districts, MapConfig(None, "", urls))
    assert 'src="/s/js/map-loader.js?v=1&amp;x=2"' in parts.head
    assert "&x=" not in parts.head and "&x=" not in parts.body.split(">", 1)[0]
    assert "/s/vendor/leaflet/leaflet.js?v=1&x=2" in assets(parts)


def test_detail_map_has_no_markercluster(cfg_off):
    parts = detail_map([place()], cfg_off)
    assert assets(parts) == [local_asset("vendor/leaflet/leaflet.js"), local_asset("js/maps.js"),
                             local_asset("vendor/leaflet/leaflet.css")]
    assert "markercluster" not in everything(parts).lower()


def test_folium_class_defaults_are_not_mutated(cfg_off, districts):
    before = (list(folium.Map.default_js), list(MarkerCluster.default_js))
    results(districts, cfg_off)
    detail_map([place()], cfg_off)
    assert (folium.Map.default_js, MarkerCluster.default_js) == before
    # and a plain folium map would still pull jQuery from a CDN: our maps must not rely on it
    assert any(name == "jquery" for name, _ in folium.Map.default_js)


def test_the_maps_are_built_by_folium_layers(cfg_off, districts):
    script = results(districts, cfg_off).script
    assert re.search(r"var map_\w+ = L\.map\(", script)
    assert re.search(r"var geo_json_\w+ = L\.geoJson\(", script)
    assert re.search(r"var marker_cluster_\w+ = L\.markerClusterGroup\(", script)
    assert '"showCoverageOnHover": false' in script


# --------------------------------------------------------------------------- escaping


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_not_emitted_raw(text, cfg_off, districts):
    districts["features"][0]["properties"]["name"] = text
    points = [place(name=text, address=text, category=text)]
    for parts in (results(districts, cfg_off, label=text), detail_map(points, cfg_off, label=text)):
        for piece in (parts.head, parts.body, parts.script):
            assert text not in piece
        # folium's script has no text at all; the island is the body's only script, closed once
        assert parts.script.lower().count("</script") == 1
        assert parts.body.lower().count("</script") == 1
        assert "<img" not in parts.body and "<!--" not in parts.body
        assert attr(parts, "aria-label") == text
    assert island(results(districts, cfg_off))["districts"][0] == text
    row = island(detail_map(points, cfg_off))["points"][0]
    assert (row["title"], row["address"], row["category"]) == (text, text, text)


def test_text_that_looks_like_a_jinja_template_is_not_evaluated(cfg_off, districts):
    # branca recompiles rendered fragments as Jinja templates; text must not go through it.
    districts["features"][0]["properties"]["name"] = JINJA
    parts = results(districts, cfg_off, label=JINJA)
    assert island(parts)["districts"][0] == JINJA
    assert attr(parts, "aria-label") == JINJA
    detail = detail_map([place(name=JINJA, address=JINJA)], cfg_off, label=JINJA)
    assert island(detail)["points"][0]["title"] == JINJA
    assert "49" not in everything(detail)
    # folium's district layer holds geometry only
    assert "Innenstadt" not in parts.script and "properties\": {}" in parts.script


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
def test_links_only_relative_or_http(url, expected, cfg_off):
    assert safe_link(url) == expected
    assert island(detail_map([place(icon=url)], cfg_off))["points"][0]["icon"] == expected


def test_points_url_must_be_a_harmless_link(cfg_off):
    parts = results(None, cfg_off, points_url="/karte/punkte.geojson?q=a&district=x")
    assert attr(parts, "data-points-url") == "/karte/punkte.geojson?q=a&district=x"
    assert "q=a&amp;district=x" in parts.body
    with pytest.raises(ValueError):
        results(None, cfg_off, points_url="javascript:alert(1)")


def test_browser_code_builds_popups_with_text_content_only():
    code = (ROOT / "static" / "js" / "maps.js").read_text()
    assert "textContent" in code
    assert "innerHTML" not in code and "insertAdjacentHTML" not in code and "html: false" in code


# --------------------------------------------------------------------------- container and view


def test_container_id_class_label_texts_and_points_url(cfg_off):
    parts = results(None, cfg_off)
    assert attr(parts, "id") == "results-map"
    assert attr(parts, "class").split() == ["wegweiser-map", "results-map"]
    assert attr(parts, "role") == "region"
    assert attr(parts, "aria-label") == "Karte der Ergebnisse"
    assert attr(parts, "data-height") == "420px" and attr(parts, "style") is None
    assert attr(parts, "data-points-url") == POINTS_URL
    assert attr(parts, "data-text-consent-button") == "Karte laden"
    assert attr(parts, "data-text-zoom-in") == "Vergrößern"
    assert island(parts)["kind"] == "results"
    # folium's own container sits inside ours
    assert re.search(r'<div class="folium-map" id="map_\w+"', parts.body)


def test_translated_texts_are_passed_on():
    cfg = MapConfig(None, "", local_asset, texts={"consent-button": "Load map", "zoom-in": "Zoom in"})
    parts = results(None, cfg)
    assert attr(parts, "data-text-consent-button") == "Load map"
    assert attr(parts, "data-text-zoom-in") == "Zoom in"
    assert attr(parts, "data-text-zoom-out") == "Verkleinern"


def test_custom_label_and_height(cfg_off):
    parts = results(None, cfg_off, height="300px", label="Karte: Sprachkurse")
    assert attr(parts, "aria-label") == "Karte: Sprachkurse"
    assert attr(parts, "data-height") == "300px" and attr(parts, "style") is None


@pytest.mark.parametrize("height", ["300", "1px; background: url(x)", "}"])
def test_bad_height_is_rejected(height, cfg_off):
    with pytest.raises(ValueError):
        results(None, cfg_off, height=height)


def test_bad_dom_id_is_rejected(cfg_off):
    with pytest.raises(ValueError):
        results(None, cfg_off, dom_id='x" onclick="alert(1)')


def test_results_map_fits_the_districts(cfg_off, districts):
    assert fit_bounds(results(districts, cfg_off).script) == [[52.28, 8.90], [52.30, 8.96]]


def test_empty_everything_uses_minden_default(cfg_off):
    parts = results(None, cfg_off)
    assert "fitBounds" not in parts.script
    assert "L.geoJson(" not in parts.script
    assert island(parts)["districts"] == []
    assert f"center: [{DEFAULT_CENTER[0]}, {DEFAULT_CENTER[1]}]" in parts.script
    assert '"zoom": 12' in parts.script
    # markercluster needs the map's maxZoom when no tile layer sets it
    assert '"maxZoom": 19' in parts.script


def test_districts_are_copied_not_mutated(cfg_off, districts):
    snapshot = json.dumps(districts, sort_keys=True)
    parts = results(districts, cfg_off)
    assert json.dumps(districts, sort_keys=True) == snapshot
    assert island(parts)["districts"] == ["Innenstadt", "Bärenkämpen"]
    assert '"id": 0' in parts.script and '"id": 1' in parts.script  # names are found by feature id


def test_single_feature_and_bad_geometries(cfg_off):
    feature = {
        "type": "Feature",
        "properties": {"name": "Dom"},
        "geometry": {"type": "Polygon", "coordinates": square(8.9, 52.28, 8.91, 52.29)},
    }
    parts = results(feature, cfg_off)
    assert "L.geoJson(" in parts.script and island(parts)["districts"] == ["Dom"]
    broken = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {}, "geometry": None},
            {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[["x", 1]]]}},
        ],
    }
    assert "L.geoJson(" not in results(broken, cfg_off).script


# --------------------------------------------------------------------------- detail map


def test_detail_map_single_point(cfg_off):
    parts = detail_map([place(lat=52.2905, lon=8.9167, icon="/static/img/x.svg", category="Sport")], cfg_off)
    assert attr(parts, "id") == "detail-map"
    assert attr(parts, "class").split() == ["wegweiser-map", "detail-map"]
    assert attr(parts, "aria-label") == "Karte der Standorte"
    assert attr(parts, "data-marker-count") == "1"
    assert attr(parts, "data-height") == "220px" and attr(parts, "style") is None
    assert island(parts) == {"kind": "places", "points": [
        {"lat": 52.2905, "lon": 8.9167, "title": "Rathaus", "address": "Markt 1", "icon": "/static/img/x.svg",
         "category": "Sport"}]}
    assert "center: [52.2905, 8.9167]" in parts.script
    assert '"zoom": 15' in parts.script
    assert "fitBounds" not in parts.script


def test_detail_map_several_points_and_none(cfg_off):
    pts = [
        place(name="A", lat=52.29, lon=8.91),
        place(name="B", lat=52.30, lon=8.93, address=None),
        place(name="ohne Koordinaten", lat=None),
        place(name="kaputt", lon="abc"),
        place(name="NaN", lat=float("nan")),
        place(name="zu weit", lat=95.0),
    ]
    parts = detail_map(pts, cfg_off)
    assert attr(parts, "data-marker-count") == "2"
    assert [p["title"] for p in island(parts)["points"]] == ["A", "B"]
    assert island(parts)["points"][1]["address"] == ""
    assert fit_bounds(parts.script) == [[52.29, 8.91], [52.30, 8.93]]
    titled = detail_map([{"lat": "52.29", "lon": "8.91", "title": "Haus", "address": "Weg 2"}], cfg_off)
    assert island(titled)["points"][0]["title"] == "Haus" and island(titled)["points"][0]["lat"] == 52.29
    empty = detail_map([], cfg_off)
    assert attr(empty, "data-marker-count") == "0" and island(empty)["points"] == []


def test_two_maps_on_one_page_get_their_own_ids(cfg_off):
    a = results(None, cfg_off, dom_id="map-a")
    b = detail_map([], cfg_off, dom_id="sheet-map-7", height="150px")
    assert attr(a, "id") == "map-a" and attr(b, "id") == "sheet-map-7"
    assert re.search(r'id="(map_\w+)"', a.body).group(1) != re.search(r'id="(map_\w+)"', b.body).group(1)
