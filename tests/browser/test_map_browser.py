"""The maps in a real browser: no tile request before the visitor agrees ("Karte laden"), the
choice remembered, points fetched from the GeoJSON endpoint and clustered by the server."""
from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def foreign_tiles(live_server):
    """Tiles from another host name (localhost, still this test server): the visitor is asked first."""
    app = live_server.server.app
    app.config["MAP_TILE_URL"] = f"http://localhost:{live_server.port}/test-tiles/{{z}}/{{x}}/{{y}}.png"
    return live_server


def tile_requests(page) -> list[str]:
    return [u for u in page.request_log.urls if "/test-tiles/" in u]


def wait_for_map(page, dom_id: str = "results-map") -> None:
    switch = page.locator(".view-switch__option[data-view='map']")
    if dom_id == "results-map" and switch.is_visible():
        switch.click()  # on a phone: the list/map switch shows the map
    page.wait_for_selector(f"#{dom_id}[data-map-ready='true']")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_no_tile_request_before_consent_then_tiles_after_the_click(foreign_tiles, page_factory, viewport):
    page = page_factory(viewport=viewport)
    page.goto(foreign_tiles.url + "/")
    wait_for_map(page)
    # districts and markers without any tile: the markers came from the GeoJSON endpoint
    assert any("/karte/punkte.geojson?zoom=" in u for u in page.request_log.urls)
    count = int(page.get_attribute("#results-map", "data-marker-count"))
    assert count >= 60
    assert page.evaluate("window.wegweiserMaps['results-map'].markers.getLayers().length") == count
    assert page.evaluate("window.wegweiserMaps['results-map'].districts.getLayers().length") >= 10
    consent = page.locator("#results-map .map-consent")
    assert consent.is_visible()
    assert "localhost" in consent.inner_text()
    page.wait_for_timeout(300)
    assert tile_requests(page) == []
    assert page.request_log.foreign() == []
    assert page.evaluate("localStorage.getItem('wegweiser-map-tiles')") is None  # nothing stored yet
    screenshot(page, f"map-before-consent-{'phone' if viewport is PHONE else 'desktop'}")

    page.get_by_role("button", name="Karte laden").click()
    page.wait_for_selector("#results-map[data-tiles-loaded='true']")
    page.wait_for_function("() => performance.getEntriesByType('resource').some(e => e.name.includes('/test-tiles/'))")
    assert tile_requests(page) and all(u.startswith(f"http://localhost:{foreign_tiles.port}/test-tiles/")
                                       for u in tile_requests(page))
    assert consent.count() == 0
    assert page.evaluate("localStorage.getItem('wegweiser-map-tiles')") == "yes"
    screenshot(page, f"map-after-consent-{'phone' if viewport is PHONE else 'desktop'}")
    assert page.js_errors == []


def test_the_choice_is_remembered_and_applies_to_every_map(foreign_tiles, page_factory):
    page = page_factory(viewport=DESKTOP)
    page.goto(foreign_tiles.url + "/?category=sport")
    wait_for_map(page)
    # an offer page: its small map asks as well
    page.locator(".offer-card__title a").first.click()
    wait_for_map(page, "detail-map")
    assert page.locator("#detail-map .map-consent").is_visible()
    assert tile_requests(page) == []
    page.locator("#detail-map .map-consent__button").click()
    page.wait_for_selector("#detail-map[data-tiles-loaded='true']")
    # back to the search: no question any more, the tiles come at once
    before = len(tile_requests(page))
    page.goto(foreign_tiles.url + "/")
    wait_for_map(page)
    page.wait_for_selector("#results-map[data-tiles-loaded='true']")
    assert page.locator(".map-consent").count() == 0
    page.wait_for_function(
        "() => performance.getEntriesByType('resource').filter(e => e.name.includes('/test-tiles/')).length > 0")
    assert len(tile_requests(page)) > before
    assert page.js_errors == []


def test_self_hosted_tiles_load_without_asking(foreign_tiles, page_factory):
    foreign_tiles.server.app.config["MAP_TILES_SELF_HOSTED"] = True
    try:
        page = page_factory(viewport=DESKTOP)
        page.goto(foreign_tiles.url + "/")
        wait_for_map(page)
        page.wait_for_selector("#results-map[data-tiles-loaded='true']")
        assert page.locator(".map-consent").count() == 0
        assert page.evaluate("localStorage.getItem('wegweiser-map-tiles')") is None
    finally:
        foreign_tiles.server.app.config["MAP_TILES_SELF_HOSTED"] = False


def test_server_clusters_are_drawn_and_split_when_zooming_in(live_server, page_factory):
    live_server.server.app.config["MAP_MAX_MARKERS"] = 10
    page = page_factory(viewport=DESKTOP)
    page.goto(live_server.url + "/")
    wait_for_map(page)
    # the first answer fits the map to the points, which asks again for the new view: count
    # once every answer is in
    page.wait_for_load_state("networkidle")
    page.wait_for_selector("#results-map:not([aria-busy='true'])")
    assert page.get_attribute("#results-map", "data-clustered") == "true"
    bubbles = page.locator("#results-map .marker-cluster")
    assert bubbles.count() >= 2
    total = int(page.get_attribute("#results-map", "data-marker-count"))
    assert total >= 60
    counts = [int(t) for t in bubbles.all_inner_texts() if t.strip()]
    singles = page.evaluate("window.wegweiserMaps['results-map'].markers.getLayers().length")
    assert sum(counts) + singles == total
    screenshot(page, "map-server-clusters")
    # a click on the biggest bubble zooms in and fetches that part of the map with a bbox
    biggest = max(range(bubbles.count()), key=lambda i: int(bubbles.nth(i).inner_text() or 0))
    zoom = page.evaluate("window.wegweiserMaps['results-map'].map.getZoom()")
    with page.expect_response(lambda r: "/karte/punkte.geojson" in r.url and "bbox=" in r.url):
        bubbles.nth(biggest).click()
    wait_for_map(page)
    assert page.evaluate("window.wegweiserMaps['results-map'].map.getZoom()") > zoom
    assert page.js_errors == []
    assert page.request_log.foreign() == []


def test_consent_box_in_arabic_on_a_phone(foreign_tiles, page_factory):
    page = page_factory(viewport=PHONE)
    page.goto(foreign_tiles.url + "/ar/")
    wait_for_map(page)
    box = page.locator("#results-map .map-consent")
    assert box.evaluate("el => getComputedStyle(el).direction") == "rtl"
    inner, outer = box.bounding_box(), page.locator("#results-map").bounding_box()
    assert outer["x"] <= inner["x"] and inner["x"] + inner["width"] <= outer["x"] + outer["width"]
    box.scroll_into_view_if_needed()
    screenshot(page, "map-consent-ar-phone")
    assert tile_requests(page) == [] and page.request_log.foreign() == []
