"""The landing page on a phone with little mobile data: everything it loads, gzip-compressed
(as a production server or proxy sends it), stays under 150 KB."""
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
