"""The agenda: what takes place on a day, in a week or in the coming weeks.

``when`` is "today", "week" (today and the six days after), a date (YYYY-MM-DD) or empty (the
coming four weeks). For a day or a week every slot that takes place is listed (weekly ones too);
for the coming weeks only one-off dates and events, since weekly slots would repeat on every page.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from directory.extensions import db
from directory.models import Location, Offer, Schedule
from directory.offers.schedules import next_occurrence
from directory.search.engine import visible_clause

WEEKS_AHEAD = 4
MAX_DAYS_AHEAD = 366


class InvalidWhen(ValueError):
    pass


@dataclass(frozen=True)
class Span:
    when: str  # "today", "week", "date" or "coming"
    start: dt.date
    end: dt.date  # inclusive

    @property
    def weekly_too(self) -> bool:
        return self.when != "coming"


@dataclass(frozen=True)
class Occurrence:
    day: dt.date
    slot: Schedule
    offer: Offer


def parse_when(raw: str | None, today: dt.date) -> Span:
    raw = (raw or "").strip()
    if raw in ("", "coming"):
        return Span("coming", today, today + dt.timedelta(weeks=WEEKS_AHEAD) - dt.timedelta(days=1))
    if raw == "today":
        return Span("today", today, today)
    if raw == "week":
        return Span("week", today, today + dt.timedelta(days=6))
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidWhen(raw) from None
    if len(raw) != 10 or abs((day - today).days) > MAX_DAYS_AHEAD:
        raise InvalidWhen(raw)
    return Span("date", day, day)


def occurrences(span: Span) -> list[Occurrence]:
    clauses = [Schedule.date.between(span.start, span.end)]
    if span.weekly_too:
        clauses.append(Schedule.date.is_(None))
    slots = db.session.scalars(
        select(Schedule).join(Schedule.offer)
        .where(or_(*clauses), visible_clause(dt.date.today()))
        .options(selectinload(Schedule.offer).selectinload(Offer.organization),
                 selectinload(Schedule.offer).selectinload(Offer.languages),
                 selectinload(Schedule.offer).selectinload(Offer.locations).selectinload(Location.district))
    )
    found: list[Occurrence] = []
    for slot in slots:
        day = next_occurrence(slot, span.start)
        while day is not None and day <= span.end:
            if slot.offer.valid_to is None or day <= slot.offer.valid_to:
                found.append(Occurrence(day, slot, slot.offer))
            if slot.date is not None:
                break
            day = next_occurrence(slot, day + dt.timedelta(days=1))
    found.sort(key=lambda o: (o.day, o.slot.opens_at, o.offer.title))
    return found


def by_day(found: list[Occurrence]) -> list[tuple[dt.date, list[Occurrence]]]:
    days: dict[dt.date, list[Occurrence]] = {}
    for occurrence in found:
        days.setdefault(occurrence.day, []).append(occurrence)
    return list(days.items())
