"""Plain factories for tests: make_org / make_location / make_offer with overrides."""
from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy import select

from directory.extensions import db
from directory.models import (
    WEEKDAYS,
    Challenge,
    Language,
    Location,
    Offer,
    Organization,
    Schedule,
    TargetGroup,
)

_n = itertools.count(1)


def make_org(**kw) -> Organization:
    org = Organization(name=kw.pop("name", f"Verein {next(_n)}"), **kw)
    db.session.add(org)
    return org


def make_location(**kw) -> Location:
    defaults = dict(name=f"Ort {next(_n)}", address="Kuhlenstraße 1", postcode="32427",
                    lat=52.30, lon=8.90, district_code="baerenkaempen")
    defaults.update(kw)
    loc = Location(**defaults)
    db.session.add(loc)
    return loc


def _codes(model, codes):
    if not codes:
        return []
    return list(db.session.scalars(select(model).where(model.code.in_(codes))))


def slot(weekday: str, start: str, end: str, **kw) -> Schedule:
    return Schedule(weekday=WEEKDAYS.index(weekday), opens_at=dt.time.fromisoformat(start),
                    closes_at=dt.time.fromisoformat(end), **kw)


def make_offer(**kw) -> Offer:
    org = kw.pop("organization", None) or make_org()
    locations = kw.pop("locations", None)
    if locations is None:
        locations = [make_location(organization=org)]
    languages = kw.pop("languages", ["de"])
    targets = kw.pop("target_groups", ["all"])
    challenges = kw.pop("challenges", ["Z1"])
    schedules = kw.pop("schedules", [])
    defaults = dict(title=f"Angebot {next(_n)}", summary="Kurzbeschreibung", category_code="meeting",
                    status="published", is_free=True, last_confirmed=dt.date.today())
    defaults.update(kw)
    with db.session.no_autoflush:
        offer = Offer(organization=org, locations=locations, schedules=schedules,
                      languages=_codes(Language, languages), target_groups=_codes(TargetGroup, targets),
                      challenges=_codes(Challenge, challenges), **defaults)
    db.session.add(offer)
    db.session.flush()
    return offer
