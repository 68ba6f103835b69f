"""The Content-Security-Policy blocks nothing the app itself needs: on the search page, an
offer page and the widget configurator the browser reports no violation, the maps draw and
the script-driven parts run."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.models import Location, Offer, offer_location

pytestmark = pytest.mark.browser


def watch_csp(page) -> list[str]:
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text)
            if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text else None)
    return violations


def test_pages_run_under_the_policy(live_server, demo_app, page_factory):
    with demo_app.app_context():
        offer_id = db.session.scalar(
            select(Offer.id).join(offer_location, offer_location.c.offer_id == Offer.id)
            .join(Location, Location.id == offer_location.c.location_id)
            .where(Offer.status == "published", Location.lat.is_not(None)).order_by(Offer.id).limit(1))
    page = page_factory(viewport={"width": 1280, "height": 900}, locale="de-DE")
    violations = watch_csp(page)

    response = page.goto(live_server.url + "/")
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    page.wait_for_selector(".leaflet-marker-icon, .marker-cluster", timeout=10_000)

    page.goto(live_server.url + f"/angebote/{offer_id}")
    page.wait_for_selector(".leaflet-container", timeout=10_000)

    page.goto(live_server.url + "/daten/widget")
    frame = page.frame_locator("iframe.widget-preview")
    frame.locator("body").wait_for(timeout=10_000)
    box = page.locator("iframe.widget-preview").bounding_box()
    assert box and box["height"] >= 400  # the preview's size now comes from the style sheet

    assert violations == []
    assert page.js_errors == []
