"""Other open formats of published offers: GeoJSON, CSV, iCalendar, Atom.

Each function takes offers (or a search query) that were already limited to what the public
may see, and returns text. No Flask request handling here; the views are in api.py.

* GeoJSON: one Point feature per place, listing the offers held there.
* CSV: one row per offer of a search result, for people: written by :mod:`directory.core.csv`
  (semicolons, UTF-8 with byte-order mark, formula guard).
* iCalendar: weekly slots become a weekly ``RRULE`` (``UNTIL`` from the slot's or the offer's end
  date), one-off dates single events; all times in Europe/Berlin, whose VTIMEZONE the icalendar
  library writes from the time-zone database. Slots that are over are left out. Text is escaped
  by icalendar; control characters, which iCalendar text may not hold, are dropped.
* Atom: the offers changed most recently (new and changed), newest first.
"""
from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from typing import Callable, Iterable
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vText

from directory.core import csv as csv_file
from directory.models import Offer, Schedule
from directory.offers.schedules import describe
from directory.offers.vocabulary import Vocabulary

BERLIN = ZoneInfo("Europe/Berlin")
ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
UrlFor = Callable[[Offer], str]


# --- GeoJSON -----------------------------------------------------------------------------

def geojson(offers: Iterable[Offer], vocab: Vocabulary, offer_url: UrlFor) -> dict:
    places: dict[int, dict] = {}
    for offer in offers:
        for loc in offer.locations:
            if loc.lat is None or loc.lon is None:
                continue
            feature = places.setdefault(loc.id, {
                "type": "Feature",
                "id": loc.id,
                "geometry": {"type": "Point", "coordinates": [loc.lon, loc.lat]},
                "properties": {
                    "name": loc.name,
                    "address": f"{loc.address}, {loc.postcode} {loc.city}".strip(", "),
                    "district": loc.district.name if loc.district else None,
                    "district_code": loc.district_code,
                    "wheelchair_accessible": loc.wheelchair_accessible,
                    "offers": [],
                },
            })
            feature["properties"]["offers"].append({
                "id": offer.id,
                "title": offer.title,
                "organization": offer.organization.name,
                "category": vocab.categories[offer.category_code].label if offer.category_code in vocab.categories else offer.category_code,
                "url": offer_url(offer),
            })
    return {"type": "FeatureCollection", "features": [places[k] for k in sorted(places)]}


# --- CSV ---------------------------------------------------------------------------------

CSV_COLUMNS = (
    "id", "title", "organization", "category", "free", "cost", "languages", "target_groups",
    "challenges", "districts", "addresses", "schedule", "contact_email", "contact_phone", "url",
    "last_confirmed", "updated_at",
)


def schedule_words(slot: Schedule, locale: str = "de") -> str:
    words = describe(slot, locale)
    prefix = "jeden" if words["kind"] == "weekly" else "am"
    return f"{prefix} {words['day']} {words['times']}"


def offers_csv(offers: Iterable[Offer], vocab: Vocabulary, offer_url: UrlFor, locale: str = "de") -> str:
    rows = (
        (
            o.id, o.title, o.organization.name,
            vocab.categories[o.category_code].label if o.category_code in vocab.categories else o.category_code,
            "ja" if o.is_free else "nein", o.cost,
            ", ".join(lang.code for lang in o.languages),
            ", ".join(vocab.target_groups[t.code].label for t in o.target_groups if t.code in vocab.target_groups),
            ", ".join(c.code for c in o.challenges),
            ", ".join(dict.fromkeys(loc.district.name for loc in o.locations if loc.district)),
            " | ".join(f"{loc.name}, {loc.address}, {loc.postcode} {loc.city}" for loc in o.locations),
            " | ".join(schedule_words(s, locale) for s in o.schedules),
            o.contact_email or o.organization.email, o.contact_phone or o.organization.phone,
            offer_url(o),
            o.last_confirmed.isoformat() if o.last_confirmed else "",
            o.updated_at.replace(microsecond=0).isoformat() + "Z",
        )
        for o in offers
    )
    return csv_file.text(CSV_COLUMNS, rows, csv_file.PEOPLE)


# --- iCalendar ---------------------------------------------------------------------------

def _first_on_or_after(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def _local(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=BERLIN)


def slot_is_current(slot: Schedule, offer: Offer, today: dt.date) -> bool:
    if slot.date is not None:
        return slot.date >= today
    end = slot.valid_to or offer.valid_to
    return end is None or end >= today


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def ical_text(value: str, one_line: bool = False) -> str:
    """Text iCalendar can hold: no control characters (RFC 5545 TEXT); line breaks kept
    (icalendar escapes them) unless the value is a one-line name."""
    value = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    return " ".join(value.split()) if one_line else value


def slot_event(offer: Offer, slot: Schedule, offer_url: UrlFor, host: str) -> Event | None:
    event = Event()
    event.add("uid", f"offer-{offer.id}-slot-{slot.id}@{host}")
    event.add("dtstamp", offer.updated_at.replace(tzinfo=dt.UTC, microsecond=0))
    event.add("summary", ical_text(offer.title))
    if slot.date is not None:
        start_day = slot.date
    else:
        begin = slot.valid_from or offer.valid_from or offer.created_at.date()
        start_day = _first_on_or_after(begin, slot.weekday)
        rule: dict = {"freq": "weekly", "byday": ICAL_DAYS[slot.weekday]}
        end = slot.valid_to or offer.valid_to
        if end is not None:
            if end < start_day:
                return None
            last = _local(end, dt.time(23, 59, 59)).astimezone(dt.UTC)
            rule["until"] = last
        event.add("rrule", rule)
    event.add("dtstart", _local(start_day, slot.opens_at))
    event.add("dtend", _local(start_day, slot.closes_at))
    lines = [offer.summary]
    if slot.note:
        lines.append(slot.note)
    lines.append(f"{offer.organization.name} – {offer_url(offer)}")
    event.add("description", ical_text("\n".join(line for line in lines if line)))
    if offer.locations:
        loc = offer.locations[0]
        event.add("location", ical_text(f"{loc.name}, {loc.address}, {loc.postcode} {loc.city}"))
        if loc.lat is not None and loc.lon is not None:
            event.add("geo", (loc.lat, loc.lon))
    event.add("url", offer_url(offer))
    return event


def calendar(offers: Iterable[Offer], offer_url: UrlFor, host: str, name: str,
             today: dt.date | None = None, slot_id: int | None = None) -> bytes:
    """The offers' current slots as iCalendar; ``slot_id`` keeps only that one date."""
    today = today or dt.date.today()
    cal = Calendar()
    cal.add("prodid", "-//Wegweiser Minden//Angebote//DE")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal["x-wr-calname"] = vText(ical_text(name, one_line=True))
    cal.add("x-wr-timezone", "Europe/Berlin")
    first = today
    for offer in offers:
        for slot in offer.schedules:
            if slot_id is not None and slot.id != slot_id:
                continue
            if slot_is_current(slot, offer, today):
                event = slot_event(offer, slot, offer_url, host)
                if event is not None:
                    cal.add_component(event)
                    first = min(first, event.decoded("dtstart").date())
    cal.add_missing_timezones(first_date=first - dt.timedelta(days=1))
    return cal.to_ical()


# --- Atom --------------------------------------------------------------------------------

ATOM = "http://www.w3.org/2005/Atom"


def _stamp(value: dt.datetime) -> str:
    return value.replace(microsecond=0).isoformat() + "Z"


def atom_feed(offers: list[Offer], vocab: Vocabulary, offer_url: UrlFor, self_url: str,
              html_url: str, feed_id: str, title: str, host: str, scheme: str) -> bytes:
    ET.register_namespace("", ATOM)

    def sub(parent, tag, text=None, **attrs):
        el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: v for k, v in attrs.items() if v is not None})
        if text is not None:
            el.text = text
        return el

    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": "de"})
    sub(feed, "id", feed_id)
    sub(feed, "title", title)
    sub(feed, "updated", _stamp(max((o.updated_at for o in offers), default=dt.datetime(2024, 1, 1))))
    sub(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    sub(feed, "link", rel="alternate", href=html_url, type="text/html")
    sub(sub(feed, "author"), "name", "Wegweiser Minden")
    sub(feed, "generator", "Wegweiser")
    for o in offers:
        entry = sub(feed, "entry")
        sub(entry, "id", f"tag:{host},2024:offer-{o.id}")
        sub(entry, "title", o.title)
        sub(entry, "updated", _stamp(o.updated_at))
        sub(entry, "published", _stamp(o.created_at))
        sub(entry, "link", rel="alternate", href=offer_url(o), type="text/html")
        sub(sub(entry, "author"), "name", o.organization.name)
        if o.category_code in vocab.categories:
            sub(entry, "category", term=o.category_code, label=vocab.categories[o.category_code].label)
        for c in o.challenges:
            sub(entry, "category", term=c.code, label=vocab.challenges[c.code].label if c.code in vocab.challenges else c.code,
                scheme=scheme)
        districts = ", ".join(dict.fromkeys(loc.district.name for loc in o.locations if loc.district))
        summary = o.summary + (f" ({districts})" if districts else "")
        sub(entry, "summary", summary, type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
