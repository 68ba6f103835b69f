"""The agenda (/termine): today, this week, a date, the coming weeks; a calendar file per date."""
from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar

from directory.extensions import db
from directory.models import Location, Offer, Organization, Schedule
from directory.search.agenda import InvalidWhen, parse_when

TODAY = dt.date(2026, 12, 1)


def test_when_words_become_spans():
    assert (parse_when("today", TODAY).start, parse_when("today", TODAY).end) == (TODAY, TODAY)
    week = parse_when("week", TODAY)
    assert week.end == TODAY + dt.timedelta(days=6) and week.weekly_too
    coming = parse_when("", TODAY)
    assert coming.when == "coming" and not coming.weekly_too and (coming.end - coming.start).days == 27
    assert parse_when("2026-12-24", TODAY).start == dt.date(2026, 12, 24)
    for bad in ("morgen", "2026-13-01", "2029-01-01", "2026-1-1"):
        with pytest.raises(InvalidWhen):
            parse_when(bad, TODAY)


@pytest.fixture
def festival(app):
    """An event in ten days and a weekly meeting on today's weekday."""
    today = dt.date.today()
    with app.app_context():
        org = Organization(name="Stadtteilverein")
        place = Location(name="Marktplatz", address="Markt 1", postcode="32423", city="Minden", lat=52.29, lon=8.92)
        event = Offer(title="Lichterfest", summary="Fest für alle", organization=org, category_code="meeting",
                      status="published", locations=[place],
                      schedules=[Schedule(weekday=(today + dt.timedelta(days=10)).weekday(), date=today
                                          + dt.timedelta(days=10), opens_at=dt.time(17), closes_at=dt.time(21))])
        weekly = Offer(title="Sprachcafé", summary="Deutsch sprechen", organization=org, category_code="meeting",
                       status="published", locations=[place],
                       schedules=[Schedule(weekday=today.weekday(), opens_at=dt.time(9, 30), closes_at=dt.time(11))])
        db.session.add_all([event, weekly])
        db.session.commit()
        return {"event": event.id, "event_slot": event.schedules[0].id, "weekly": weekly.id}


def test_agenda_lists_events_of_the_coming_weeks_and_weekly_slots_for_today(client, festival):
    coming = client.get("/termine").get_data(as_text=True)
    assert "Lichterfest" in coming and "Sprachcafé" not in coming
    today = client.get("/termine?when=today").get_data(as_text=True)
    assert "Sprachcafé" in today and "Lichterfest" not in today and "09:30" in today
    day = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    on_day = client.get(f"/termine?when={day}").get_data(as_text=True)
    assert "Lichterfest" in on_day
    assert client.get("/termine?when=kein-datum").status_code == 400


def test_each_date_can_be_added_to_the_calendar(client, festival):
    response = client.get(f"/api/v1/offers/{festival['event']}.ics?slot={festival['event_slot']}")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    events = Calendar.from_ical(response.data).walk("VEVENT")
    assert len(events) == 1 and str(events[0]["summary"]) == "Lichterfest"
    assert events[0].decoded("dtstart").date() == dt.date.today() + dt.timedelta(days=10)
    assert client.get(f"/api/v1/offers/{festival['weekly']}.ics?slot={festival['event_slot']}").status_code == 404
    page = client.get(f"/angebote/{festival['event']}").get_data(as_text=True)
    assert f"/api/v1/offers/{festival['event']}.ics?slot={festival['event_slot']}" in page
