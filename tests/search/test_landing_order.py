"""Without words or place the list starts with what newcomers can go to: offers only for
professionals (employers, associations and volunteers) come after the others."""
from __future__ import annotations

import datetime as dt

from directory.extensions import db
from tests.factories import make_offer


def _titles(client) -> list[str]:
    return [o["title"] for o in client.get("/api/v1/offers?per_page=100").json["data"]]


def test_offers_for_professionals_only_come_after_the_others(client, app):
    today = dt.date.today()
    make_offer(title="Netzwerktreffen Arbeitgeber", target_groups=["employers"], last_confirmed=today)
    make_offer(title="Fortbildung für Ehrenamtliche", target_groups=["associations", "employers"],
               last_confirmed=today)
    make_offer(title="Sprachcafé", target_groups=["all"], last_confirmed=today - dt.timedelta(days=30))
    make_offer(title="Elterncafé mit Vereinen", target_groups=["families", "associations"],
               last_confirmed=today - dt.timedelta(days=60))
    make_offer(title="Ohne Zielgruppe", target_groups=[], last_confirmed=today - dt.timedelta(days=90))
    db.session.commit()
    assert _titles(client) == ["Sprachcafé", "Elterncafé mit Vereinen", "Ohne Zielgruppe",
                               "Fortbildung für Ehrenamtliche", "Netzwerktreffen Arbeitgeber"]
    page = client.get("/").get_data(as_text=True)
    assert page.index("Sprachcafé") < page.index("Netzwerktreffen Arbeitgeber")


def test_the_demo_landing_page_does_not_start_with_a_meeting_for_professionals(demo_client):
    first = demo_client.get("/api/v1/offers?per_page=5").json["data"]
    assert all({t["code"] for t in o["target_groups"]} - {"employers", "associations"} for o in first), first
