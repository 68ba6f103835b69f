"""Schedules in plain words, formatted for the interface language with Babel."""
from __future__ import annotations

import datetime as dt

from babel.dates import format_date, format_time, get_day_names

from directory.models import Schedule


def weekday_name(weekday: int, locale: str) -> str:
    return get_day_names("wide", locale=locale)[weekday]


def time_range(slot: Schedule, locale: str) -> str:
    return f"{format_time(slot.opens_at, 'short', locale=locale)}–{format_time(slot.closes_at, 'short', locale=locale)}"


def describe(slot: Schedule, locale: str) -> dict:
    """Parts of a slot for templates: kind, day (words), times, validity."""
    if slot.date is not None:
        day = format_date(slot.date, "full", locale=locale)
        kind = "once"
    else:
        day = weekday_name(slot.weekday, locale)
        kind = "weekly"
    return {
        "kind": kind,
        "day": day,
        "times": time_range(slot, locale),
        "valid_from": format_date(slot.valid_from, "medium", locale=locale) if slot.valid_from else None,
        "valid_to": format_date(slot.valid_to, "medium", locale=locale) if slot.valid_to else None,
        "past": slot.date is not None and slot.date < dt.date.today(),
    }


def next_occurrence(slot: Schedule, today: dt.date) -> dt.date | None:
    """The next day (today or later) on which the slot takes place, or None when it is over."""
    if slot.date is not None:
        return slot.date if slot.date >= today else None
    start = max(today, slot.valid_from) if slot.valid_from else today
    day = start + dt.timedelta(days=(slot.weekday - start.weekday()) % 7)
    if slot.valid_to and day > slot.valid_to:
        return None
    return day


def next_date(slots, locale: str, today: dt.date | None = None) -> dict | None:
    """What a result card says about "when": the soonest coming slot.

    ``kind`` is "weekly" (``day`` is the weekday name: "jeden Dienstag 9:30") or "once" (``day`` is
    the short date); ``date`` is the next day it takes place, ``more`` how many other slots exist.
    """
    today = today or dt.date.today()
    coming = [(d, s) for s in slots if (d := next_occurrence(s, today)) is not None]
    if not coming:
        return None
    day, slot = min(coming, key=lambda pair: (pair[0], pair[1].opens_at))
    return {
        "kind": "once" if slot.date is not None else "weekly",
        "day": format_date(day, "EEE, d. MMM", locale=locale) if slot.date is not None
        else weekday_name(slot.weekday, locale),
        "time": format_time(slot.opens_at, "short", locale=locale),
        "date": day,
        "today": day == today,
        "tomorrow": day == today + dt.timedelta(days=1),
        "more": len(coming) - 1,
    }
