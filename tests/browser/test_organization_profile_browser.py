"""A provider edits the organisation's profile on a phone (390 px): from the dashboard to the
form, saved, the offer page shows the new name and website; the page fits the screen and has
no serious axe violations. Runs on the scratch database (``scratch_server``)."""
from __future__ import annotations

import pytest

from directory.extensions import db
from directory.models import Organization
from tests.browser.axe import assert_no_serious_violations
from tests.browser.conftest import screenshot
from tests.browser.test_provider_journey import log_in
from tests.factories import make_offer, make_org
from tests.workflow_support import make_user

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "de-DE"}


def test_edit_the_organisation_profile_on_a_phone(scratch_server, page_factory, backend):
    server = scratch_server
    org = make_org(name="Nachbarschaftstreff", approved=True, trusted=True)
    offer = make_offer(organization=org, title="Sprachcafé am Dienstag")
    db.session.commit()
    make_user("provider", [org], email="aylin@example.org")
    page = page_factory(**PHONE)
    log_in(page, server, "aylin@example.org")
    assert "/anbieter/" in page.url
    with page.expect_navigation():
        page.click("a:has-text('Profil bearbeiten')")
    assert page.url.endswith(f"/anbieter/organisationen/{org.id}")
    page.fill("#name", "Nachbarschaftstreff Rodenbeck")
    page.fill("#description", "Treffpunkt für alle im Quartier, mit Sprachcafé und Beratung.")
    page.fill("#website", "https://treff.example.org")
    page.fill("#phone", "0571 123456")
    with page.expect_navigation():
        page.click("#organization-form button[type=submit]")
    assert "ist gespeichert" in page.inner_text("main")
    assert page.input_value("#name") == "Nachbarschaftstreff Rodenbeck"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_no_serious_violations(page)
    screenshot(page, f"organization-profile-phone-{backend}")

    db.session.expire_all()
    assert db.session.get(Organization, org.id).website == "https://treff.example.org"
    page.goto(f"{server.url}/de/angebote/{offer.id}")
    main = page.inner_text("main")
    assert "Nachbarschaftstreff Rodenbeck" in main and "0571 123456" in main
    assert page.locator("a[href='https://treff.example.org']").count() == 1
    assert page.js_errors == []
