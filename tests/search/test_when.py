"""The "when" filter: offers that take place today, tomorrow, at the weekend, this week or on a
date – weekly slots (valid that day) and one-off dates – on the page, in the API and as words."""
from __future__ import annotations

import datetime as dt

import pytest

from directory.extensions import db
from directory.models import WEEKDAYS
from directory.search import engine as search
from tests.factories import make_offer, slot

MONDAY = dt.date(2026, 11, 30)


@pytest.mark.parametrize("today, value, span", [
    (MONDAY, "today", (MONDAY, MONDAY)),
    (MONDAY, "tomorrow", (dt.date(2026, 12, 1), dt.date(2026, 12, 1))),
    (MONDAY, "week", (MONDAY, dt.date(2026, 12, 6))),
    (MONDAY, "weekend", (dt.date(2026, 12, 5), dt.date(2026, 12, 6))),
    (dt.date(2026, 12, 5), "weekend", (dt.date(2026, 12, 5), dt.date(2026, 12, 6))),  # Saturday
    (dt.date(2026, 12, 6), "weekend", (dt.date(2026, 12, 6), dt.date(2026, 12, 6))),  # Sunday: today
    (MONDAY, "2026-12-24", (dt.date(2026, 12, 24), dt.date(2026, 12, 24))),
])
def test_when_values_mean_these_days(today, value, span):
    assert search.when_span(value, today) == span


def _weekday(day: dt.date) -> str:
    return WEEKDAYS[day.weekday()]


@pytest.fixture
def dated(app):
    today = dt.date.today()
    in_three = today + dt.timedelta(days=3)
    offers = {
        "weekly_today": make_offer(title="Sprachcafé heute", schedules=[slot(_weekday(today), "10:00", "12:00")]),
        "ended": make_offer(title="Kurs vorbei", schedules=[
            slot(_weekday(today), "10:00", "12:00", valid_to=today - dt.timedelta(days=1))]),
        "later": make_offer(title="Kurs ab nächstem Monat", schedules=[
            slot(_weekday(in_three), "10:00", "12:00", valid_from=today + dt.timedelta(days=30))]),
        "event": make_offer(title="Lichterfest am Markt", schedules=[
            slot(_weekday(in_three), "14:00", "19:00", date=in_three)]),
        "none": make_offer(title="Beratung nach Vereinbarung"),
    }
    db.session.commit()
    return today, in_three, offers


def _titles(client, query: str) -> set[str]:
    response = client.get("/api/v1/offers?per_page=100&" + query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return {o["title"] for o in response.json["data"]}


def test_today_week_and_a_date_find_weekly_slots_and_events(client, dated):
    today, in_three, _ = dated
    assert _titles(client, "when=today") == {"Sprachcafé heute"}
    assert _titles(client, "when=week") == {"Sprachcafé heute", "Lichterfest am Markt"}
    assert _titles(client, f"when={in_three.isoformat()}") == {"Lichterfest am Markt"}
    # several values: either
    assert _titles(client, f"when=today&when={in_three.isoformat()}") == {"Sprachcafé heute", "Lichterfest am Markt"}


def test_the_page_has_the_filter_with_counts_and_a_date_field(client, dated):
    _today, in_three, _ = dated
    html = client.get("/").get_data(as_text=True)
    assert 'data-facet="when"' in html and 'id="f-when-date"' in html
    assert 'id="f-when-today"' in html
    page = client.get(f"/?when={in_three.isoformat()}").get_data(as_text=True)
    assert "Lichterfest am Markt" in page and "Sprachcafé heute" not in page
    assert 'id="f-when-' + in_three.isoformat() + '"' in page  # the chosen date, ticked, can be removed


@pytest.mark.parametrize("value", ["2026-13-01", "morgen früh", "1.12.2026", "2099-01-01", "2026-1-1"])
def test_a_bad_date_is_a_400_with_a_message(client, value):
    page = client.get("/", query_string={"when": value})
    assert page.status_code == 400 and "Ungültiges Datum" in page.get_data(as_text=True)
    api = client.get("/api/v1/offers", query_string={"when": value})
    assert api.status_code == 400 and "when" in api.get_data(as_text=True)


def test_the_word_heute_is_understood_as_today(client, dated):
    page = client.get("/?q=heute").get_data(as_text=True)
    assert "Verstanden als" in page and "Heute" in page
    assert "Sprachcafé heute" in page
    assert _titles(client, "q=heute") >= {"Sprachcafé heute"}
    assert "Lichterfest am Markt" in _titles(client, "q=diese+woche")
