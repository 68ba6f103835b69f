"""A newcomer's phone (390×844): share and save an offer, read it offline, install the app."""
from __future__ import annotations

import pytest

from tests.browser.axe import assert_no_serious_violations
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def first_offer_path(page) -> str:
    return page.locator(".offer-card__title a").first.get_attribute("href")


def wait_until_kept(page, path: str, seconds: float = 10) -> None:
    """Wait until the service worker's page cache holds `path`."""
    for _ in range(int(seconds * 10)):
        if page.evaluate("p => caches.open('wegweiser-pages').then(c => c.match(p)).then(r => !!r)", path):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{path} was not kept for offline reading")


@pytest.mark.parametrize("lang", ["ar", "uk", "de"])
def test_save_an_offer_and_read_it_offline(live_server, page_factory, lang):
    page = page_factory(**PHONE)
    page.goto(f"{live_server.url}/{lang}/")
    path = first_offer_path(page)
    page.goto(live_server.url + path)
    page.evaluate("navigator.serviceWorker.ready")
    title = page.locator("h1").inner_text()
    # directions for the place
    assert page.locator(".directions__geo").first.get_attribute("href").startswith("geo:")
    save = page.locator(".js-save")
    assert save.is_visible() and save.get_attribute("aria-pressed") == "false"
    save.click()
    assert save.get_attribute("aria-pressed") == "true"
    assert page.locator(".js-saved-note").is_visible()
    offer_id = path.rsplit("/", 1)[1]
    assert page.evaluate("JSON.parse(localStorage.getItem('wegweiser.saved'))") == [offer_id]
    # the worker keeps the page (save asks it to) – wait until it is in the cache
    wait_until_kept(page, path)
    screenshot(page, f"offer-saved-phone-{lang}")

    # "Meine Angebote" fills itself from the device and can be shared as one link
    page.goto(f"{live_server.url}/{lang}/meine-angebote")
    page.wait_for_url(f"**/meine-angebote?ids={offer_id}")
    assert page.locator(".offer-card").count() == 1
    assert page.locator("#saved-link").input_value().endswith(f"/meine-angebote?ids={offer_id}")
    assert page.locator(".js-print").is_visible()
    assert_no_serious_violations(page)

    # airplane mode: the saved offer opens, with the note that this is a saved copy
    page.context.set_offline(True)
    page.goto(live_server.url + path)
    assert page.locator("h1").inner_text() == title
    note = page.locator("#offline-note")
    assert note.is_visible()
    assert any(ch.isdigit() for ch in note.inner_text())
    screenshot(page, f"offer-offline-phone-{lang}")
    # a page never opened: the offline page instead of the browser's error
    page.goto(live_server.url + f"/{lang}/ueber")
    assert page.locator("[data-offline-page]").count() == 1
    page.context.set_offline(False)
    assert page.js_errors == []
    assert page.request_log.foreign() == []


def test_share_falls_back_to_links_and_a_qr_code_and_works_without_javascript(live_server, page_factory):
    page = page_factory(**PHONE)
    page.goto(live_server.url + "/de/")
    path = first_offer_path(page)
    page.goto(live_server.url + path)
    # headless chromium has no navigator.share: the share button stays hidden, plain links remain
    has_share = page.evaluate("'share' in navigator")
    assert page.locator(".js-share").is_visible() == has_share
    assert page.locator(".share__links a[href^='https://wa.me/']").count() == 1
    page.click(".share__qr summary")
    qr = page.locator(".share__qr img")
    qr.wait_for()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    assert_no_serious_violations(page)
    screenshot(page, "offer-share-phone-de")

    nojs = page_factory(java_script_enabled=False, **PHONE)
    nojs.goto(live_server.url + path)
    assert not nojs.locator(".js-save").is_visible()
    nojs.click(".js-nojs-save a")
    assert nojs.locator(".offer-card").count() == 1
    assert page.request_log.foreign() == [] and nojs.request_log.foreign() == []


def test_the_app_is_installable(live_server, page_factory):
    page = page_factory(**PHONE)
    page.goto(live_server.url + "/uk/")
    manifest = page.evaluate("""async () => {
        const r = await fetch(document.querySelector('link[rel=manifest]').href); return r.json(); }""")
    assert manifest["display"] == "standalone" and manifest["lang"] == "uk"
    assert manifest["start_url"] == "/uk/"
    assert {"192x192", "512x512"} <= {i["sizes"] for i in manifest["icons"]}
    scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == live_server.url + "/"
    for icon in manifest["icons"]:
        assert page.request.get(live_server.url + icon["src"]).ok


@pytest.mark.parametrize("lang", ["ar", "uk", "de"])
def test_new_pages_pass_axe_on_a_phone(live_server, page_factory, lang):
    page = page_factory(**PHONE)
    page.goto(f"{live_server.url}/{lang}/")
    path = first_offer_path(page)
    for url in (f"/{lang}/termine", f"/{lang}/termine?when=week", path + "/hinweis",
                f"/{lang}/offline", f"/{lang}/meine-angebote"):
        page.goto(live_server.url + url)
        assert_no_serious_violations(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, url
    page.goto(f"{live_server.url}/{lang}/termine?when=week")
    screenshot(page, f"agenda-week-phone-{lang}")
    page.goto(live_server.url + path + "/hinweis")
    screenshot(page, f"report-phone-{lang}")
    assert page.js_errors == []
