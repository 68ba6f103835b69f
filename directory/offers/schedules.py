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
