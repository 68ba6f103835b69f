"""The counsellor's journey in a real browser, on the demo data: describe a Farsi-speaking mother
in Bärenkämpen, see the housing course first with the right reasons, make a referral, print the
sheet (Chromium's PDF, at most two A4 pages) and download the PDF.

The demo database is shared read-only by the other tests, so the counsellor account and the
referral made here are deleted again at the end.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import delete, select

from directory.referrals import sheet as referral_sheet
from tests.browser.conftest import ARTIFACTS, screenshot
from tests.conftest import make_app

try:  # axe-core helper
    from tests.browser.axe import assert_no_serious_violations
except ImportError:  # pragma: no cover - until that helper exists
    assert_no_serious_violations = None

pytestmark = pytest.mark.browser

EMAIL = "browser-beratung@example.org"
PASSWORD = "ein-langes-passwort-fuer-tests"


@pytest.fixture
def counsellor(databases, backend):
    """A counsellor of the demo Caritas (Migrationsberatung), removed with its referrals after."""
    from directory.extensions import db
    from directory.models import (
        Organization,
        Referral,
        ReferralEvent,
        ReferralOffer,
        User,
        membership,
    )

    app = make_app(databases.url(backend, "demo"))
    with app.app_context():
        org = db.session.scalar(select(Organization).where(Organization.external_id == "demo:caritas"))
        user = User(email=EMAIL, role="counsellor", display_name="Beratung im Browsertest", organizations=[org])
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        user_id = user.id
    yield user_id
    with app.app_context():
        referrals = select(Referral.id).where(Referral.created_by_id == user_id)
        items = select(ReferralOffer.id).where(ReferralOffer.referral_id.in_(referrals))
        db.session.execute(delete(ReferralEvent).where(ReferralEvent.item_id.in_(items)))
        db.session.execute(delete(ReferralOffer).where(ReferralOffer.referral_id.in_(referrals)))
        db.session.execute(delete(Referral).where(Referral.created_by_id == user_id))
        db.session.execute(membership.delete().where(membership.c.user_id == user_id))
        db.session.execute(delete(User).where(User.id == user_id))
        db.session.commit()
        db.engine.dispose()


def test_counsellor_journey_from_situation_to_printed_sheet(live_server, page_factory, counsellor, backend):
    page = page_factory(viewport={"width": 1280, "height": 900}, locale="de-DE")
    sent = []
    page.on("request", lambda r: sent.append((r.url, r.post_data or "")))
    page.goto(live_server.url + "/anmelden")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit] >> nth=-1")
    assert page.url.endswith("/beratung/"), page.url
    if assert_no_serious_violations is not None:
        assert_no_serious_violations(page, include="#main")

    # a Farsi-speaking mother in Bärenkämpen, free on weekday mornings, needs help with housing rules
    page.select_option("#s-district", "baerenkaempen")
    page.select_option("#s-language-0", "fa")
    page.select_option("#s-level-0", "native")
    page.check("#s-target-women_girls")
    page.check("#s-target-families")
    page.check("#s-challenge-B4")
    page.click(".needs >> nth=1 >> summary")
    page.check("#s-category-housing")
    page.check("#s-time-weekdays-morning")
    with page.expect_navigation():
        page.click(".situation button[type=submit]")
    screenshot(page, f"counsellor-results-{backend}")
    if assert_no_serious_violations is not None:
        assert_no_serious_violations(page, include="#main")

    first = page.locator(".match-list:not(.match-list--near) > .match-card").first
    assert "Fit für die Wohnung" in first.locator(".match-card__title").inner_text()
    reasons = first.locator(".reason--fit").all_inner_texts()
    joined = " | ".join(reasons)
    for expected in ("Persisch", "Dienstag 09:30–11:30", "km entfernt", "kostenlos", "Regeln des Zusammenlebens"):
        assert expected in joined, joined
    assert first.locator(".reason--miss").count() == 0
    # every listed (not near-miss) offer speaks Persian and meets weekday mornings
    for card in page.locator(".match-list:not(.match-list--near) > .match-card").all():
        text = card.inner_text()
        assert "Persisch" in text and "passt nicht" not in text

    # refer to the course, sheet in Persian
    offer_id = first.get_attribute("data-offer-id")
    first.locator("input[name=offer]").check()
    page.select_option("#r-language", "fa")
    with page.expect_navigation():
        page.click(".referral-form__submit button[type=submit]")
    assert "/bogen" in page.url
    code = page.locator(".sheet__code-value").inner_text()
    assert re.fullmatch(r"WW-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    assert page.locator(".sheet-offer").count() == 1
    assert page.locator(".sheet-offer__qr svg").count() == 1
    qr_url = page.locator(".sheet-offer__url").inner_text()
    assert qr_url.startswith(live_server.url) and "/angebote/" in qr_url
    assert page.locator(f"#sheet-map-{offer_id}").count() == 1

    if assert_no_serious_violations is not None:
        assert_no_serious_violations(page, include="#main")
    # the first name is typed into the printout only
    page.fill("#client-first-name", "Leyla")
    screenshot(page, f"counsellor-sheet-{backend}")
    page.emulate_media(media="print")
    screenshot(page, f"counsellor-sheet-print-{backend}")
    pdf = page.pdf(format="A4", print_background=True)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"counsellor-sheet-print-{backend}.pdf").write_bytes(pdf)
    assert 1 <= referral_sheet.page_count(pdf) <= 2
    page.emulate_media(media="screen")

    # the PDF download
    response = page.request.get(live_server.url + f"/beratung/vermittlungen/{code}/bogen.pdf")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    body = response.body()
    (ARTIFACTS / f"counsellor-sheet-download-{backend}.pdf").write_bytes(body)
    assert 1 <= referral_sheet.page_count(body) <= 2

    # the status page of the referral
    page.goto(live_server.url + f"/beratung/vermittlungen/{code}")
    assert "vermittelt" in page.locator("main").inner_text()
    screenshot(page, f"counsellor-referral-{backend}")

    # a sheet with four offers (the most allowed) still prints on at most two A4 pages
    page.goto(live_server.url + "/beratung/")
    page.select_option("#s-district", "baerenkaempen")
    page.select_option("#s-language-0", "ar")
    page.check("#s-challenge-Z1")
    page.check("#s-challenge-Z2")
    with page.expect_navigation():
        page.click(".situation button[type=submit]")
    cards = page.locator(".match-list:not(.match-list--near) > .match-card")
    assert cards.count() >= 4
    for i in range(4):
        cards.nth(i).locator("input[name=offer]").check()
    page.select_option("#r-language", "ar")
    with page.expect_navigation():
        page.click(".referral-form__submit button[type=submit]")
    assert page.locator(".sheet-offer").count() == 4
    page.emulate_media(media="print")
    screenshot(page, f"counsellor-sheet-four-print-{backend}")
    pdf = page.pdf(format="A4", print_background=True)
    (ARTIFACTS / f"counsellor-sheet-four-print-{backend}.pdf").write_bytes(pdf)
    assert 1 <= referral_sheet.page_count(pdf) <= 2
    code = page.locator(".sheet__code-value").inner_text()
    body = page.request.get(live_server.url + f"/beratung/vermittlungen/{code}/bogen.pdf").body()
    (ARTIFACTS / f"counsellor-sheet-four-download-{backend}.pdf").write_bytes(body)
    assert 1 <= referral_sheet.page_count(body) <= 2

    assert not any("Leyla" in url or "Leyla" in data for url, data in sent)
    assert page.js_errors == []
    assert page.request_log.foreign() == []


def test_counsellor_form_on_a_phone(live_server, page_factory, counsellor, backend):
    page = page_factory(viewport={"width": 360, "height": 780}, locale="de-DE")
    page.goto(live_server.url + "/anmelden")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit] >> nth=-1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.select_option("#s-language-0", "ar")
    page.check("#s-challenge-B4")
    with page.expect_navigation():
        page.click(".situation button[type=submit]")
    assert page.locator(".match-card").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, f"counsellor-results-phone-{backend}")


BROKEN_WORDS = """(selector) => {
  const broken = [];
  for (const el of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const re = /\\S+/g;
      let m;
      while ((m = re.exec(node.data))) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].filter(r => r.width > 0 && r.height > 0)
          .map(r => Math.round(getComputedStyle(el).writingMode.startsWith("vertical") ? r.left : r.top)));
        if (lines.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}"""


def login(page, live_server):
    page.goto(live_server.url + "/anmelden")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit] >> nth=-1")


@pytest.mark.parametrize("viewport, javascript", [
    ({"width": 390, "height": 844}, False),
    ({"width": 1280, "height": 900}, True),
])
def test_thin_result_shows_near_misses_and_relaxes_with_one_click(live_server, page_factory, counsellor, backend,
                                                                   viewport, javascript):
    page = page_factory(viewport=viewport, locale="de-DE", java_script_enabled=javascript)
    name = f"{viewport['width']}-{'js' if javascript else 'nojs'}-{backend}"
    login(page, live_server)
    # headings and the time grid keep every word on one line
    assert page.evaluate(BROKEN_WORDS, "h1, h2, legend, .time-grid thead th, .field__label") == []
    # the period headings fit their columns (no heading runs into the next one)
    assert page.evaluate("""() => [...document.querySelectorAll('.time-grid thead th')].filter(th => {
        const cell = th.getBoundingClientRect(), label = th.querySelector('span').getBoundingClientRect();
        return label.left < cell.left - 1 || label.right > cell.right + 1; }).map(th => th.innerText)""") == []
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    screenshot(page, f"counsellor-form-{name}")

    # an Arabic-speaking girl of 14 in Rodenbeck: sport, Friday afternoons, at most 1 km
    page.select_option("#s-district", "rodenbeck")
    page.fill("#s-age", "14")
    page.select_option("#s-language-0", "ar")
    page.check("#s-target-women_girls")
    page.click(".needs >> nth=1 >> summary")
    page.check("#s-category-sport")
    page.check("#s-time-fri-afternoon")
    page.select_option("#s-max-km", "1")
    with page.expect_navigation():
        page.click(".situation button[type=submit]")
    screenshot(page, f"counsellor-near-misses-{name}")
    assert page.locator(".match-list:not(.match-list--near) > .match-card").count() == 0
    assert page.evaluate(BROKEN_WORDS, "h2, h3, h4") == []
    group = page.locator(".relax-group[data-criterion=distance]")
    heading = group.locator(".relax-group__title").inner_text()
    assert re.fullmatch(r"\d+ Angebote? pass(t|en), wenn \d+ km in Ordnung sind", heading), heading
    cards = group.locator(".match-card")
    assert cards.count() >= 1
    assert "Offener Sport für Mädchen" in cards.first.inner_text()
    for card in cards.all():  # the one ✗ of each card is the condition in its heading
        assert card.locator(".reason--hard").count() == 1
        assert card.locator(".reason--hard").get_attribute("data-criterion") == "distance"
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

    with page.expect_navigation():
        group.locator("button[name=relax]").click()
    screenshot(page, f"counsellor-relaxed-{name}")
    first = page.locator(".match-list:not(.match-list--near) > .match-card").first
    assert "Offener Sport für Mädchen" in first.locator(".match-card__title").inner_text()
    assert page.locator("#s-max-km").input_value() != "1"
    assert page.locator("#s-age").input_value() == "14"
    assert page.js_errors == []
    assert page.request_log.foreign() == []


def test_sheets_in_german_and_arabic_print_with_uncovered_maps(live_server, page_factory, counsellor, backend):
    page = page_factory(viewport={"width": 1280, "height": 900}, locale="de-DE")
    login(page, live_server)
    for language in ("", "ar"):
        page.goto(live_server.url + "/beratung/")
        page.select_option("#s-district", "innenstadt")
        page.select_option("#s-language-0", "ar")
        page.select_option("#s-language-1", "de")
        page.select_option("#s-level-1", "B1")
        page.check("#s-challenge-A1")
        page.check("#s-challenge-B4")
        with page.expect_navigation():
            page.click(".situation button[type=submit]")
        cards = page.locator(".match-list:not(.match-list--near) > .match-card")
        assert "Anerkennungsberatung" in cards.first.inner_text()
        for i in range(3):
            cards.nth(i).locator("input[name=offer]").check()
        page.select_option("#r-language", language)
        with page.expect_navigation():
            page.click(".referral-form__submit button[type=submit]")
        label = language or "de"
        text = page.locator(".sheet").inner_text()
        assert "Anmeldung" in text and "Kosten" in text
        page.wait_for_selector(".sheet-offer__side .leaflet-container")
        # on screen each small map shows its marker: no control covers the middle of the map
        for box in page.locator(".sheet-offer__side .leaflet-container").all():
            box.scroll_into_view_if_needed()
            rect = box.bounding_box()
            covering = page.evaluate("""([x, y]) => {
                const el = document.elementFromPoint(x, y);
                return el ? (el.closest('.leaflet-control') ? 'control' : 'map') : 'none'; }""",
                [rect["x"] + rect["width"] / 2, rect["y"] + rect["height"] / 2])
            assert covering == "map"
            assert rect["height"] >= 120
        screenshot(page, f"counsellor-sheet-{label}-{backend}")
        page.emulate_media(media="print")
        pdf = page.pdf(format="A4", print_background=True)
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / f"counsellor-sheet-{label}-print-{backend}.pdf").write_bytes(pdf)
        assert 1 <= referral_sheet.page_count(pdf) <= 2
        page.emulate_media(media="screen")
        code = page.locator(".sheet__code-value").inner_text()
        body = page.request.get(live_server.url + f"/beratung/vermittlungen/{code}/bogen.pdf").body()
        (ARTIFACTS / f"counsellor-sheet-{label}-download-{backend}.pdf").write_bytes(body)
        assert 1 <= referral_sheet.page_count(body) <= 2
    assert page.js_errors == []
    assert page.request_log.foreign() == []
