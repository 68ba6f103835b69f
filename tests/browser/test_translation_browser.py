"""A provider translates an offer into Arabic in the browser; a visitor reads it right to left.
Runs on the scratch database (it writes), cleaned afterwards by ``committed_app``."""
from __future__ import annotations

import pytest

from directory.extensions import db
from tests.browser.axe import assert_no_serious_violations
from tests.browser.conftest import screenshot
from tests.factories import make_offer, make_org
from tests.workflow_support import make_user

pytestmark = pytest.mark.browser


def test_provider_translates_an_offer_and_a_visitor_reads_it(scratch_server, page_factory, committed_app):
    committed_app.config["MAP_TILE_URL"] = ""
    org = make_org(name="Sprachtreff e.V.", trusted=True)  # trusted: its translations are public at once
    offer = make_offer(organization=org, title="Sprachcafé am Markt", summary="Deutsch üben bei Tee.",
                       plain_summary="Sie üben Deutsch. Es gibt Tee.")
    db.session.commit()
    user = make_user("provider", organizations=[org])
    offer_id = offer.id

    page = page_factory(viewport={"width": 1280, "height": 900})
    page.goto(scratch_server.url + "/de/anmelden")
    page.fill("#email", user.email)
    page.fill("#password", "ein-langes-passwort")
    with page.expect_navigation():
        page.click("form.form button[type=submit]")
    page.goto(f"{scratch_server.url}/de/anbieter/angebote/{offer_id}")
    with page.expect_navigation():
        page.click("text=Übersetzungen")
    assert_no_serious_violations(page)
    with page.expect_navigation():
        page.click("tr[data-lang='ar'] a")
    title = page.locator("#title")
    assert title.get_attribute("dir") == "rtl" and title.get_attribute("lang") == "ar"
    assert_no_serious_violations(page)
    title.fill("مقهى اللغة في السوق")
    page.fill("#plain_summary", "تتدرب على الألمانية. يوجد شاي.")
    screenshot(page, "provider-translation-form")
    with page.expect_navigation():
        page.click("button[value=save]:not(.visually-hidden)")
    assert page.locator("tr[data-lang='ar'] td").first.inner_text() == "2 von 3"

    # the same form in Arabic, on a phone
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(f"{scratch_server.url}/ar/anbieter/angebote/{offer_id}/uebersetzungen/ar")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_no_serious_violations(page)

    visitor = page_factory(viewport={"width": 360, "height": 780}, locale="ar")
    visitor.goto(f"{scratch_server.url}/ar/?simple=1")
    card = visitor.locator(f".offer-card[data-offer-id='{offer_id}']")
    # text_content: cards below the screen are not laid out (content-visibility), so they have no inner text
    assert "مقهى اللغة في السوق" in card.text_content() and "تتدرب على الألمانية" in card.text_content()
    with visitor.expect_navigation():
        card.locator("a").first.click()
    assert visitor.locator("h1").inner_text() == "مقهى اللغة في السوق"
    assert_no_serious_violations(visitor)
    screenshot(visitor, "ar-phone-translated-offer-simple")
    assert page.js_errors == [] and visitor.js_errors == []
