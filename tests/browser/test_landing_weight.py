"""The landing page on a phone with little mobile data: everything it loads, gzip-compressed
(as a production server or proxy sends it), stays under 150 KB; the map's files come only when
the map is shown."""
from __future__ import annotations

import gzip

import pytest

pytestmark = pytest.mark.browser

BUDGET = 150 * 1024


@pytest.mark.parametrize("lang", ["ar", "de"])
def test_landing_page_first_load_is_at_most_150_kb_compressed(live_server, page_factory, lang):
    page = page_factory(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                        service_workers="block")  # the first visit, before a worker exists
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto(f"{live_server.url}/{lang}/", wait_until="networkidle")
    sizes = {}
    for response in responses:
        if response.status == 200 and response.request.method == "GET":
            sizes[response.url] = len(gzip.compress(response.body(), 6))
    total = sum(sizes.values())
    assert total <= BUDGET, f"{total} bytes compressed"


def test_tigrinya_language_name_is_drawn_with_a_served_font(live_server, page_factory):
    page = page_factory(viewport={"width": 1280, "height": 900})  # filters open
    page.goto(live_server.url + "/ar/")
    native = page.locator(".facet__native[lang='ti']")
    assert native.inner_text() == "ትግርኛ"
    page.evaluate("document.fonts.ready")
    loaded = page.evaluate("""() => [...document.fonts].filter(f => f.status === 'loaded')
        .map(f => f.family.replace(/"/g, ''))""")
    assert "Wegweiser Names" in loaded
    # the full Ethiopic font is not fetched for the name alone
    assert not any("noto-sans-ethiopic-400" in u for u in page.request_log.urls)


def test_on_a_phone_the_map_files_load_only_when_the_map_is_shown(live_server, page_factory):
    page = page_factory(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                        service_workers="block")
    page.goto(f"{live_server.url}/", wait_until="networkidle")
    assert page.locator(".offer-card").count() > 0
    assert page.evaluate("document.querySelector('.filters__toggle').open") is False  # the sheet starts closed
    assert not any("leaflet" in u or "/js/maps.js" in u or "punkte.geojson" in u for u in page.request_log.urls)
    assert page.evaluate("typeof window.L") == "undefined"
    page.locator(".view-switch__option[data-view='map']").click()
    page.wait_for_selector("#results-map[data-map-ready='true']")
    assert any("leaflet/leaflet.js" in u for u in page.request_log.urls)
    assert int(page.get_attribute("#results-map", "data-marker-count")) > 0
    assert page.js_errors == []
