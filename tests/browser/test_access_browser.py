"""Accessibility and languages in a real browser: axe-core (WCAG 2.1 AA) on the search and offer
pages in German and Arabic, on a desktop and at 360 px; keyboard operation; right-to-left layout
on a phone; simple language; pictograms on the map."""
from __future__ import annotations

import re

import pytest

from tests.browser.axe import assert_no_serious_violations
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}


def wait_for_map(page, dom_id: str = "results-map") -> None:
    # on a phone the results map loads when the list/map switch shows it; then back to the list
    switch = page.locator(".view-switch__option[data-view='map']")
    shown = dom_id == "results-map" and switch.is_visible()
    if shown:
        switch.click()
    page.wait_for_selector(f"#{dom_id}[data-map-ready='true']", state="attached")
    if shown:
        page.locator(".view-switch__option[data-view='list']").click()


def offer_id(live_server, page, key: str) -> int:
    """The id of a demo offer, found through the search (no database access from the test)."""
    page.goto(live_server.url + "/de/?q=" + key)
    return int(page.locator(".offer-card").first.get_attribute("data-offer-id"))


@pytest.mark.parametrize("lang", ["de", "ar"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_axe_finds_nothing_serious_on_search_and_offer_pages(live_server, page_factory, lang, viewport):
    page = page_factory(viewport=viewport)
    page.goto(f"{live_server.url}/{lang}/?language=ar")
    wait_for_map(page)
    assert_no_serious_violations(page)
    page.locator(".offer-card__title a").first.click()
    page.wait_for_selector("h1")
    wait_for_map(page, "detail-map")
    assert_no_serious_violations(page)
    assert page.js_errors == []
    assert page.request_log.foreign() == []


def test_axe_in_simple_language_and_with_an_error(live_server, page_factory):
    page = page_factory(viewport=DESKTOP)
    page.goto(f"{live_server.url}/ar/?simple=1")
    wait_for_map(page)
    assert page.locator(".category-tiles a").count() == 11
    assert_no_serious_violations(page)
    page.goto(f"{live_server.url}/ar/?district=nirgendwo")
    assert page.locator(".error-box").is_visible()
    assert_no_serious_violations(page)


def test_arabic_on_a_phone_reads_right_to_left(live_server, page_factory):
    page = page_factory(viewport=PHONE, locale="ar")
    page.goto(live_server.url + "/")
    # Accept-Language ar: the page comes in Arabic, right to left
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
    wait_for_map(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # the list starts on the right: the pictogram sits at the card's right edge
    card = page.locator(".offer-card").first.bounding_box()
    icon = page.locator(".offer-card__pictogram").first.bounding_box()
    assert icon["x"] + icon["width"] > card["x"] + card["width"] * 0.75
    screenshot(page, "ar-phone-search")

    # find an offer by its Arabic words and read it
    page.fill("#q", "مقهى اللغة")
    page.locator("#q").press("Enter")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "ar"  # still Accept-Language
    first = page.locator(".offer-card").first
    assert "مقهى اللغة" in first.locator(".offer-card__title").inner_text()
    assert "ترجمة من الجهة المقدمة" in first.inner_text()
    first.locator(".offer-card__title a").click()
    page.wait_for_selector("h1")
    assert "مقهى اللغة" in page.locator("h1").inner_text()
    assert page.locator(".translation-note").first.inner_text().startswith("ترجمة من الجهة المقدمة")
    assert page.locator(".offer-detail__main .translation-note--german").inner_text() == "النص بالألمانية فقط"
    # German text left untranslated is marked as German, left to right
    assert page.locator(".offer-detail__main [lang='de']").count() >= 1
    # weekdays and times in Arabic
    assert re.search(r"(الاثنين|الثلاثاء|الأربعاء|الخميس|الجمعة|السبت|الأحد)", page.locator(".schedule").inner_text())
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "ar-phone-offer")

    # switch to simple language: the plain-language summary comes first
    page.locator(".simple-switch").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("class") == "simple-language"
    assert page.locator(".plain-language--first h2").inner_text() == "باختصار وببساطة"
    assert "تريد أن تتدرب" in page.locator(".plain-language--first").inner_text()
    screenshot(page, "ar-phone-offer-simple")
    # and it stays on for the search page (cookie)
    page.goto(live_server.url + "/ar/")
    assert page.locator(".search-intro--simple").is_visible()
    screenshot(page, "ar-phone-search-simple")
    assert page.js_errors == []
    assert page.request_log.foreign() == []


def test_language_switcher_works_with_the_keyboard(live_server, page_factory):
    page = page_factory(viewport=DESKTOP)
    page.goto(live_server.url + "/de/?district=baerenkaempen")
    page.locator(".lang-switch summary").focus()
    page.keyboard.press("Enter")
    link = page.locator(".lang-switch__list a[hreflang='uk']")
    assert link.is_visible() and link.inner_text() == "Українська"
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/uk/?district=baerenkaempen")
    assert page.locator("html").get_attribute("lang") == "uk"
    assert page.locator("#filters").get_by_text("Мова спілкування").count() == 1


def focused(page) -> dict:
    return page.evaluate(
        "() => { const e = document.activeElement; return {tag: e.tagName, id: e.id || '',"
        " cls: e.className || '', href: e.getAttribute('href') || '', type: e.type || '',"
        " outline: getComputedStyle(e).outlineStyle, text: (e.innerText || '').slice(0, 60)}; }")


def tab_until(page, predicate, limit: int = 250) -> dict:
    for _ in range(limit):
        page.keyboard.press("Tab")
        info = focused(page)
        if predicate(info):
            return info
    raise AssertionError(f"not reached with {limit} tabs; last focus: {focused(page)}")


def test_skip_link_is_first_and_moves_focus_to_the_content(live_server, page_factory):
    page = page_factory(viewport=DESKTOP)
    page.goto(live_server.url + "/de/")
    page.keyboard.press("Tab")
    info = focused(page)
    assert info["cls"] == "skip-link" and info["outline"] != "none"
    assert page.locator(".skip-link").bounding_box()["x"] >= 0  # visible when focused
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    assert focused(page)["id"] == "main"
    # in Arabic the skip link appears at the right and causes no horizontal scrolling
    page.goto(live_server.url + "/ar/")
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    page.keyboard.press("Tab")
    box = page.locator(".skip-link").bounding_box()
    assert box["x"] + box["width"] > DESKTOP["width"] / 2


def test_search_page_works_with_the_keyboard_alone(live_server, page_factory):
    page = page_factory(viewport=DESKTOP)
    page.goto(live_server.url + "/de/")
    wait_for_map(page)
    # Tab to the first language filter and tick it with Space: the results update in place
    # and focus stays on the box, so the next Tab goes on from there
    info = tab_until(page, lambda f: f["id"].startswith("f-language-"))
    assert info["outline"] != "none", "focus must be visible"
    page.keyboard.press("Space")
    page.wait_for_url(re.compile(r"[?&]language="))
    page.wait_for_function("() => !document.querySelector('#results[aria-busy]')")
    wait_for_map(page)
    assert page.locator(f"#{info['id']}").is_checked()
    assert page.evaluate("document.activeElement.id") == info["id"]
    # from the filters straight to the results, then to the first offer
    info = tab_until(page, lambda f: "skip-to-results" in f["cls"])
    page.keyboard.press("Enter")
    info = tab_until(page, lambda f: f["tag"] == "A" and "/angebote/" in f["href"], limit=40)
    assert info["outline"] != "none"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/angebote/" in page.url
    assert page.locator("h1").is_visible()


def test_the_list_is_enough_without_the_map_and_reflows_at_200_percent_zoom(live_server, page_factory):
    # 200 % zoom of a 1280 px window = 640 CSS px
    page = page_factory(viewport={"width": 640, "height": 450})
    page.goto(live_server.url + "/ar/?category=sport")
    wait_for_map(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 640
    titles = page.locator(".offer-card__title a")
    assert titles.count() >= 1
    # every result on the map is also a link in the list
    marker_titles = set(page.evaluate(
        "window.wegweiserMaps['results-map'].markers.getLayers().map(m => m.wegweiser.title)"))
    # text content: cards below the screen are not laid out (content-visibility), so they have no innerText
    assert marker_titles <= {t.strip() for t in titles.all_text_contents()}
    screenshot(page, "ar-zoom200-sport")


def test_map_pins_show_the_category_pictogram_with_a_text_alternative(live_server, page_factory):
    page = page_factory(viewport=DESKTOP)
    page.goto(live_server.url + "/ar/?category=sport")
    wait_for_map(page)
    icons = page.evaluate(
        "window.wegweiserMaps['results-map'].markers.getLayers().map(m => m.options.icon.options.pictogram)")
    assert icons and all(i.endswith("/img/pictograms/category-sport.svg") for i in icons)
    # zoom in until the first result is a single pin (not part of a cluster)
    page.evaluate("(() => { const m = window.wegweiserMaps['results-map'];"
                  " m.markers.zoomToShowLayer(m.markers.getLayers()[0]); })()")
    page.wait_for_selector(".wegweiser-pin img")
    alt = page.locator(".wegweiser-pin img").first.get_attribute("alt")
    assert alt.startswith("مجموعة رياضية: ")
    page.evaluate("window.wegweiserMaps['results-map'].map.fitBounds(window.wegweiserMaps['results-map'].markers.getBounds())")
    screenshot(page, "ar-map-pictograms")
    assert page.js_errors == []
