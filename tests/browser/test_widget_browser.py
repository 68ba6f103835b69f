"""The widget embedded in a plain HTML page served from another port: it shows the filtered
offers, the page makes no request to anyone but itself and Wegweiser, and no cookie is set."""
from __future__ import annotations

import functools
import http.server
import threading
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def host_site(tmp_path):
    """A plain static web server on another port of 127.0.0.1 – the association's website."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.root = tmp_path
    server.url = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()
    thread.join(5)
    server.server_close()


def test_widget_on_another_site_shows_the_filtered_offers_without_third_parties(live_server, host_site, page_factory, backend):
    api = live_server.url + "/api/v1/offers?district=baerenkaempen&language=ar&per_page=50"
    (host_site.root / "index.html").write_text(f"""<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>Familienverein Bärenkämpen</title>
<style>body {{ font-family: Georgia, serif; max-width: 40rem; margin: 2rem auto; }}</style></head>
<body>
  <h1>Familienverein Bärenkämpen</h1>
  <p>Unsere Angebote und die unserer Nachbarn:</p>
  <iframe id="fixed" src="{live_server.url}/widget?district=baerenkaempen&amp;language=ar&amp;limit=50"
          title="Angebote" style="width:100%;height:420px;border:0"></iframe>
  <h2>Mit automatischer Höhe</h2>
  <div id="auto" data-wegweiser-widget data-district="baerenkaempen" data-language="ar" data-limit="3"
       data-accent="#8e3b46" data-title="Angebote auf Arabisch"></div>
  <script src="{live_server.url}/static/js/wegweiser-widget.js" defer></script>
</body></html>""", encoding="utf-8")
    page = page_factory(viewport={"width": 900, "height": 1200})
    expected = page.request.get(api).json()
    page.goto(host_site.url + "/index.html")

    fixed = page.frame_locator("#fixed")
    fixed.locator(".ww-item").first.wait_for()
    ids = [int(x) for x in fixed.locator(".ww-item").evaluate_all("els => els.map(e => e.dataset.offerId)")]
    assert ids == [o["id"] for o in expected["data"]] and len(ids) >= 2

    auto = page.frame_locator("#auto iframe")
    auto.locator(".ww-item").first.wait_for()
    assert auto.locator(".ww-item").count() == 3
    assert auto.locator(".ww-title").inner_text() == "Angebote auf Arabisch"
    # the loader sized the iframe to its content (not its 480 px default)
    page.wait_for_function("document.querySelector('#auto iframe').style.height !== '480px'")
    height = page.evaluate("document.querySelector('#auto iframe').getBoundingClientRect().height")
    content = page.frame(name="wegweiser-widget-0").evaluate("document.documentElement.getBoundingClientRect().height")
    assert abs(height - content) <= 2
    screenshot(page, f"widget-embedded-{backend}")

    # links open the offer on Wegweiser, in a new tab
    link = fixed.locator(".ww-link").first
    assert link.get_attribute("target") == "_blank"
    assert link.get_attribute("href").startswith(live_server.url + "/angebote/")

    allowed = {urlsplit(host_site.url).netloc, urlsplit(live_server.url).netloc}
    hosts = {urlsplit(u).netloc for u in page.request_log.urls if urlsplit(u).scheme in ("http", "https")}
    assert hosts <= allowed, hosts
    assert page.context.cookies() == []
    assert page.js_errors == []


def test_configurator_preview_and_snippet(live_server, page_factory):
    page = page_factory(viewport={"width": 1200, "height": 1400}, locale="de-DE")
    page.goto(live_server.url + "/daten/widget")
    page.select_option("#w-district", "baerenkaempen")
    page.select_option("#w-challenge", "Z1")
    page.fill("#w-limit", "4")
    with page.expect_navigation():
        page.click("form.widget-form button[type=submit]")
    assert "district=baerenkaempen" in page.url
    preview = page.frame_locator(".widget-preview")
    preview.locator(".ww-head").wait_for()
    assert preview.locator(".ww-item").count() <= 4
    snippet = page.locator("textarea.snippet").first.input_value()
    assert snippet.startswith("<iframe src=\"" + live_server.url + "/widget?district=baerenkaempen&challenge=Z1")
    screenshot(page, "widget-configurator")
    assert page.request_log.foreign() == []
