"""Real-browser tests: filters change list and map; no request leaves 127.0.0.1."""
from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def total(page) -> int:
    return int(page.locator("[data-total]").get_attribute("data-total"))


def marker_count(page) -> int:
    page.wait_for_selector("#results-map[data-map-ready='true']")
    return int(page.locator("#results-map").get_attribute("data-marker-count"))


def listed_titles(page) -> list[str]:
    return page.locator(".offer-card__title").all_inner_texts()


def test_filters_change_list_and_map_without_third_party_requests(live_server, page_factory, backend):
    page = page_factory(viewport={"width": 1400, "height": 1000})
    page.goto(live_server.url + "/")
    all_offers, all_markers = total(page), marker_count(page)
    assert all_offers >= 60 and all_markers >= all_offers

    # tick three facets; each tick reloads the page through the form (JS enhancement)
    for selector in ("#f-language-ar", "#f-target-women_girls", "#f-district-baerenkaempen"):
        with page.expect_navigation():
            page.check(selector)
    assert "language=ar" in page.url and "district=baerenkaempen" in page.url
    n = total(page)
    assert 2 <= n < all_offers
    assert len(listed_titles(page)) == n
    markers = marker_count(page)
    assert n <= markers < all_markers
    # the map's own layer holds exactly that many markers
    assert page.evaluate("window.wegweiserMaps['results-map'].markers.getLayers().length") == markers
    screenshot(page, f"search-filtered-{backend}")

    # an offer's detail page, with its small map
    page.click(".offer-card__title a >> nth=0")
    page.wait_for_selector("h1")
    assert page.locator("#detail-map").count() == 1
    screenshot(page, f"offer-detail-{backend}")

    assert page.js_errors == []
    assert any("/test-tiles/" in u for u in page.request_log.urls), "configured tile URL not used"
    assert page.request_log.foreign() == []


def test_search_works_with_javascript_off(live_server, page_factory):
    page = page_factory(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page.goto(live_server.url + "/")
    before = total(page)
    page.check("#f-language-ar")
    page.check("#f-target-women_girls")
    page.click(".filters__apply")
    page.wait_for_load_state()
    assert "language=ar" in page.url and "target=women_girls" in page.url
    assert 0 < total(page) < before
    assert len(listed_titles(page)) == min(total(page), 20)
    screenshot(page, "search-nojs-phone")
    assert page.request_log.foreign() == []


def test_phone_layout_lists_results_before_the_map(live_server, page_factory):
    page = page_factory(viewport={"width": 360, "height": 780})
    page.goto(live_server.url + "/?language=ar")
    list_top = page.locator(".results").bounding_box()["y"]
    map_top = page.locator(".map-panel").bounding_box()["y"]
    assert list_top < map_top
    # no horizontal scrolling at 360 px
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "search-phone")


def test_my_location_asks_the_browser_only_when_pressed(live_server, page_factory):
    # the position of the Bahnhof: the page then lists the nearest offers first
    page = page_factory(viewport={"width": 1280, "height": 900}, geolocation={"latitude": 52.29, "longitude": 8.9355},
                        permissions=["geolocation"], locale="de-DE")
    page.goto(live_server.url + "/?q=Beratung")
    assert "near=" not in page.url  # nothing was asked before the click
    button = page.locator(".locate-me")
    assert button.is_visible()
    with page.expect_navigation():
        button.click()
    assert "near=52.29000%2C8.93550" in page.url
    assert page.locator(".results").get_attribute("data-near-lat") == "52.29"
    assert page.locator("#sort").input_value() == "distance"
    assert page.locator(".tag--distance").count() >= 1
    assert not page.js_errors and not page.request_log.foreign()
    screenshot(page, "search-my-location")


def test_my_location_is_not_offered_without_javascript(live_server, page_factory):
    page = page_factory(java_script_enabled=False)
    page.goto(live_server.url + "/?near=32427")
    assert not page.locator(".locate-me").is_visible()
    assert page.locator(".tag--distance").count() >= 1
