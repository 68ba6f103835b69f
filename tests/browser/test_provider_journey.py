"""A new provider's journey in a real browser: sign up, wait for approval, create an
offer with two locations and a schedule (one address geocoded, one point set by hand), preview,
submit, a moderator approves it, the public finds it in the right district and on the map; a
second provider cannot touch it. Runs on the scratch database (it writes: ``scratch_server``
with ``committed_app``), cleaned afterwards."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.models import Offer
from tests.browser.axe import assert_no_serious_violations
from tests.browser.conftest import screenshot
from tests.workflow_support import link_in, mails, make_user

pytestmark = pytest.mark.browser
PASSWORD = "ein-langes-passwort"


def log_in(page, server, email, password=PASSWORD):
    page.goto(server.url + "/de/anmelden")
    page.fill("#email", email)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("form.form button[type=submit]")


def sign_up(page, server, name, email, organization):
    page.goto(server.url + "/de/anmelden")
    page.click("text=Als Anbieter registrieren")
    page.fill("#organization_name", organization)
    page.fill("#organization_description", "Nachbarschaftshilfe im Quartier")
    page.fill("#display_name", name)
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.fill("#password2", PASSWORD)
    with page.expect_navigation():
        page.click("button:has-text('Registrieren')")
    assert "E-Mail geschickt" in page.inner_text("main")
    # the link in the confirmation mail (read from the outbox) activates the account
    db.session.expire_all()
    link = link_in(mails(to=email, kind="signup_confirm")[0].body, "/registrieren/bestaetigen/")
    page.goto(server.url + link)
    with page.expect_navigation():
        page.click("button:has-text('Konto aktivieren')")


def click_action(page, value: str, row: str | None = None):
    scope = f"li[data-row='{row}'] " if row else "#offer-form "
    with page.expect_navigation():
        page.click(f"{scope}button[name=action][value='{value}']")


def test_new_provider_journey(scratch_server, page_factory, backend):
    server = scratch_server
    make_user("moderator", email="stadt@example.org")
    provider = page_factory(viewport={"width": 1280, "height": 900}, locale="de-DE")
    moderator = page_factory(viewport={"width": 1280, "height": 900}, locale="de-DE")
    public = page_factory(viewport={"width": 1280, "height": 900}, locale="de-DE")

    # 1. sign up: the organisation waits for approval
    sign_up(provider, server, "Aylin Demir", "aylin@example.org", "Nachbarschaftstreff Bärenkämpen")
    assert "/anbieter/" in provider.url
    assert "wartet auf Freigabe" in provider.inner_text("main")
    screenshot(provider, f"provider-01-signed-up-{backend}")

    # 2. the city approves the organisation
    log_in(moderator, server, "stadt@example.org")
    assert "Nachbarschaftstreff Bärenkämpen" in moderator.inner_text("main")
    with moderator.expect_navigation():
        moderator.click("button:has-text('Organisation freigeben')")
    provider.reload()
    assert "wartet auf Freigabe" not in provider.inner_text("main")

    # 3. the provider writes the offer
    with provider.expect_navigation():
        provider.click("a:has-text('Neues Angebot')")
    provider.fill("#title", "Nähcafé für Frauen")
    provider.fill("#summary", "Gemeinsam nähen und dabei Deutsch sprechen.")
    provider.fill("#description", "Nähmaschinen sind da. Kinder dürfen mitkommen.")
    provider.select_option("#category_code", "meeting")
    for box in ("#challenges-Z1", "#challenges-W4", "#target_groups-women_girls", "#languages-de", "#languages-ar"):
        provider.check(box)
    provider.select_option("#schedules-0-weekday", "1")
    provider.fill("#schedules-0-opens_at", "09:30")
    provider.fill("#schedules-0-closes_at", "11:30")
    click_action(provider, "add_slot")  # no JavaScript needed: the form comes back with a new row
    assert provider.input_value("#title") == "Nähcafé für Frauen" and provider.is_checked("#languages-ar")
    provider.fill("#schedules-1-date", "2026-12-19")
    provider.fill("#schedules-1-opens_at", "15:00")
    provider.fill("#schedules-1-closes_at", "17:00")

    # first location: address → geocoded, district shown, a draggable pin appears
    provider.fill("#new_locations-0-name", "Gemeindehaus St. Marien")
    provider.fill("#new_locations-0-address", "Marienstraße 10")
    provider.fill("#new_locations-0-postcode", "32427")
    click_action(provider, "geocode", row="new_locations-0")
    assert "Stadtteil: Innenstadt" in provider.inner_text("li[data-row='new_locations-0']")
    provider.wait_for_selector("li[data-row='new_locations-0'] .pin-map[data-map-ready='true']")
    assert provider.evaluate("!!document.querySelector(\"li[data-row='new_locations-0'] .pin-map\").wegweiserPinMap.marker()")

    # second location: unknown address → clear message, the point is set by hand
    click_action(provider, "add_location")
    provider.fill("#new_locations-1-name", "Treff im Hof")
    provider.fill("#new_locations-1-address", "Hinterhof am Spielplatz")
    click_action(provider, "geocode", row="new_locations-1")
    assert "Diese Adresse haben wir nicht gefunden" in provider.inner_text("li[data-row='new_locations-1']")
    assert provider.input_value("#schedules-1-date") == "2026-12-19"  # nothing of the form was lost
    # a click on the map sets the point; then the exact point is typed into the inputs
    provider.wait_for_selector("li[data-row='new_locations-1'] .pin-map[data-map-ready='true']")
    provider.locator("li[data-row='new_locations-1'] .pin-map").click(position={"x": 200, "y": 120})
    assert provider.input_value("#new_locations-1-lat") != ""
    provider.fill("#new_locations-1-lat", "52.3047")
    provider.fill("#new_locations-1-lon", "8.8883")
    screenshot(provider, f"provider-02-editor-{backend}")
    assert_no_serious_violations(provider)

    # preview, then submit
    click_action(provider, "preview")
    preview = provider.inner_text(".preview")
    assert "Jeden Dienstag, 09:30–11:30 Uhr" in preview
    assert "Stadtteil: Innenstadt" in preview and "Stadtteil: Bärenkämpen" in preview
    provider.wait_for_selector("#preview-map[data-map-ready='true']")
    assert provider.get_attribute("#preview-map", "data-marker-count") == "2"
    screenshot(provider, f"provider-03-preview-{backend}")
    assert_no_serious_violations(provider)
    click_action(provider, "submit")
    assert "zur Prüfung eingereicht" in provider.inner_text("main") and "In Prüfung" in provider.inner_text("main")
    screenshot(provider, f"provider-04-submitted-{backend}")

    # 4. the moderator sees it in the queue and approves it
    moderator.goto(server.url + "/de/moderation/")
    with moderator.expect_navigation():
        moderator.click("a:has-text('Nähcafé für Frauen')")
    assert "Gemeindehaus St. Marien" in moderator.inner_text(".preview")
    screenshot(moderator, f"provider-05-review-{backend}")
    with moderator.expect_navigation():
        moderator.click("button:has-text('Freigeben und veröffentlichen')")
    assert "ist freigegeben" in moderator.inner_text("main")

    # 5. the public finds it in Bärenkämpen, in the list and on the map
    public.goto(server.url + "/de/?district=baerenkaempen")
    assert public.locator(".offer-card__title").all_inner_texts() == ["Nähcafé für Frauen"]
    assert "Bärenkämpen" in public.inner_text(".offer-card")
    public.wait_for_selector("#results-map[data-map-ready='true']")
    assert public.get_attribute("#results-map", "data-marker-count") == "2"
    public.goto(server.url + "/de/?district=innenstadt")
    assert public.locator(".offer-card__title").all_inner_texts() == ["Nähcafé für Frauen"]
    with public.expect_navigation():
        public.click(".offer-card__title a")
    assert "Jeden Dienstag" in public.inner_text("main") and public.locator("#detail-map").count() == 1
    screenshot(public, f"provider-06-public-{backend}")

    # 6. a second provider cannot touch it, neither by URL nor by a form post
    db.session.expire_all()
    offer = db.session.scalar(select(Offer).where(Offer.title == "Nähcafé für Frauen"))
    intruder = page_factory(viewport={"width": 1280, "height": 900}, locale="de-DE")
    sign_up(intruder, server, "Max Muster", "max@example.org", "Anderer Verein")
    response = intruder.goto(server.url + f"/de/anbieter/angebote/{offer.id}")
    assert response.status == 404
    intruder.goto(server.url + "/de/anbieter/")
    token = intruder.get_attribute("input[name=csrf_token]", "value")
    status = intruder.evaluate(
        """async ([url, token]) => { const body = new URLSearchParams({csrf_token: token, version: "99",
             action: "submit", title: "Gekapert", category_code: "meeting"});
           const r = await fetch(url, {method: "POST", body}); return r.status; }""",
        [server.url + f"/de/anbieter/angebote/{offer.id}", token])
    assert status == 404
    archive = intruder.evaluate(
        "async ([url, token]) => (await fetch(url, {method: 'POST', body: new URLSearchParams({csrf_token: token})})).status",
        [server.url + f"/de/anbieter/angebote/{offer.id}/archivieren", token])
    assert archive == 404
    db.session.expire_all()
    offer = db.session.get(Offer, offer.id)
    assert offer.title == "Nähcafé für Frauen" and offer.is_published

    for page in (provider, moderator, public, intruder):
        assert page.js_errors == []
        assert page.request_log.foreign() == []


def test_editor_rows_and_geocoding_work_without_javascript(scratch_server, page_factory, backend):
    from tests.factories import make_org

    org = make_org(name="Ohne-JS-Verein")
    db.session.commit()
    make_user("provider", [org], email="nojs@example.org")
    page = page_factory(java_script_enabled=False, viewport={"width": 390, "height": 844}, locale="de-DE")
    log_in(page, scratch_server, "nojs@example.org")
    page.goto(scratch_server.url + f"/de/anbieter/angebote/neu?organisation={org.id}")
    page.fill("#title", "Schachtreff")
    click_action(page, "add_slot")
    click_action(page, "add_slot")
    assert page.locator("li[data-row^='schedules-']").count() == 3
    page.fill("#schedules-2-note", "dritte Zeile")
    click_action(page, "remove_slot-1", row="schedules-1")
    assert page.locator("li[data-row^='schedules-']").count() == 2
    assert page.input_value("#schedules-2-note") == "dritte Zeile" and page.input_value("#title") == "Schachtreff"
    page.fill("#new_locations-0-address", "Kuhlenstraße 12")
    click_action(page, "geocode", row="new_locations-0")
    assert "Stadtteil: Königstor" in page.inner_text("main")
    assert re.match(r"52\.28", page.input_value("#new_locations-0-lat"))
    assert page.locator(".pin-map").first.is_hidden()  # the map needs JavaScript; the inputs do not
    screenshot(page, f"provider-editor-nojs-phone-{backend}")
