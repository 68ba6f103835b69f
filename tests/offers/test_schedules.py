"""Schedule slots in words (weekly and one-off, German and Arabic)."""
import datetime as dt

from directory.models import Schedule
from directory.offers import schedules as schedule_text


def test_weekly_slot_in_german_and_arabic():
    slot = Schedule(weekday=1, opens_at=dt.time(9, 30), closes_at=dt.time(11, 30))
    de = schedule_text.describe(slot, "de")
    assert (de["kind"], de["day"], de["times"]) == ("weekly", "Dienstag", "09:30–11:30")
    assert schedule_text.describe(slot, "ar")["day"] == "الثلاثاء"


def test_one_off_slot():
    slot = Schedule(weekday=5, opens_at=dt.time(14), closes_at=dt.time(17), date=dt.date(2026, 12, 12))
    text = schedule_text.describe(slot, "de")
    assert text["kind"] == "once" and text["day"] == "Samstag, 12. Dezember 2026"
