"""The "when" line of a result card: the soonest coming slot of an offer."""
from __future__ import annotations

import datetime as dt

from directory.models import Schedule
from directory.offers.schedules import next_date, next_occurrence

TUESDAY = dt.date(2026, 12, 1)


def slot(weekday=1, opens=(9, 30), date=None, valid_from=None, valid_to=None):
    return Schedule(weekday=weekday, opens_at=dt.time(*opens), closes_at=dt.time(11, 0), date=date,
                    valid_from=valid_from, valid_to=valid_to)


def test_weekly_slot_is_said_as_every_weekday_with_its_time():
    when = next_date([slot(weekday=1)], "de", today=TUESDAY)
    assert when["kind"] == "weekly" and when["day"] == "Dienstag" and when["time"] == "09:30"
    assert when["today"] and when["date"] == TUESDAY and when["more"] == 0


def test_the_soonest_of_several_slots_wins_and_the_others_are_counted():
    slots = [slot(weekday=4), slot(weekday=2, opens=(18, 0)), slot(date=dt.date(2026, 12, 24))]
    when = next_date(slots, "de", today=TUESDAY)
    assert when["day"] == "Mittwoch" and when["tomorrow"] and when["more"] == 2


def test_one_off_dates_in_the_past_and_expired_slots_are_skipped():
    slots = [slot(date=dt.date(2026, 11, 20)), slot(weekday=3, valid_to=dt.date(2026, 11, 30)),
             slot(date=dt.date(2026, 12, 12), opens=(18, 0))]
    when = next_date(slots, "de", today=TUESDAY)
    assert when["kind"] == "once" and when["date"] == dt.date(2026, 12, 12) and when["time"] == "18:00"
    assert "12" in when["day"] and "Dez" in when["day"]
    assert next_date(slots[:2], "de", today=TUESDAY) is None


def test_a_weekly_slot_starts_at_its_valid_from_day():
    assert next_occurrence(slot(weekday=0, valid_from=dt.date(2027, 1, 1)), TUESDAY) == dt.date(2027, 1, 4)


def test_weekday_names_follow_the_interface_language():
    assert next_date([slot(weekday=1)], "ar", today=TUESDAY)["day"] == "الثلاثاء"
