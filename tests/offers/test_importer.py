"""Importing offers from CSV/XLSX: per-row report, idempotency, bad rows never abort the rest
nor leave half-written data; CLI and moderators' upload."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from directory.core.geo import app_geocoder
from directory.extensions import db
from directory.models import ChangeRecord, ImportRun, Location, Offer, Organization
from directory.offers import importer
from tests.conftest import csrf_token
from tests.factories import make_offer, make_org

HEADER = ["external_id", "organization", "title", "category", "summary", "challenges", "target_groups",
          "languages", "free", "cost", "contact_email", "valid_from", "location_name", "address", "postcode",
          "lat", "lon", "schedule"]


def row(n: int, **overrides) -> dict:
    base = {
        "external_id": f"liste-{n:03d}", "organization": "Stadt Minden – Integrationsbüro" if n % 2 else "Sportbund Minden",
        "title": f"Angebot {n}", "category": "Treffpunkt und Café" if n % 2 else "sport", "summary": f"Kurztext {n}",
        "challenges": "Z1, Z3", "target_groups": "all", "languages": "de; ar", "free": "ja", "cost": "",
        "contact_email": "", "valid_from": "", "location_name": f"Ort {n}", "address": "Marienstraße 10",
        "postcode": "32427", "lat": "", "lon": "", "schedule": "Di 09:30-11:30; Do 14:00-16:00",
    }
    base.update(overrides)
    return base


def csv_bytes(rows: list[dict], delimiter=";") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER, delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def ten_rows_three_bad() -> list[dict]:
    rows = [row(n) for n in range(1, 11)]
    rows[2] = row(3, title="")                                        # required value missing
    rows[5] = row(6, address="Nirgendweg 99", postcode="")           # address not found
    rows[8] = row(9, category="Zauberei", schedule="montags irgendwann")  # two problems
    rows[9] = row(10, lat="52.3047", lon="8.8883", address="")       # point given: not geocoded
    return rows


def run(content: bytes, name="liste.csv"):
    report = importer.import_file(content, name, app_geocoder())
    db.session.commit()
    return report


def test_only_rows_without_title_are_rejected_other_problems_make_flagged_drafts(app):
    report = run(csv_bytes(ten_rows_three_bad()))
    assert report.counts == {"created": 9, "updated": 0, "unchanged": 0, "rejected": 1}
    rejected = {r.row: r.messages for r in report.rows if r.status == "rejected"}
    assert rejected == {4: ["title fehlt"]}  # spreadsheet rows (header = row 1)
    by_row = {r.row: r for r in report.rows}
    assert by_row[7].geocode == "none" and by_row[7].warnings[0]["field"] == "address"
    assert {w["field"] for w in by_row[10].warnings} == {"address", "category", "schedule"}
    assert any("irgendwann" in w["message"] for w in by_row[10].warnings)
    draft = db.session.get(Offer, by_row[10].offer_id)
    assert draft.status == "draft" and {w["field"] for w in draft.import_warnings} == {"address", "category", "schedule"}
    assert db.session.scalar(select(func.count(Offer.id))) == 9
    offer = db.session.scalar(select(Offer).where(Offer.external_id == "liste-001"))
    # new organisations wait for approval, so their offers are drafts until then
    assert offer.status == "draft" and not offer.organization.approved
    assert offer.category_code == "meeting" and offer.locations[0].district_code == "innenstadt"
    assert offer.locations[0].geocode_precision == "street" and by_row[2].geocode == "street"
    assert [(s.weekday, s.opens_at.isoformat()) for s in offer.schedules] == [(1, "09:30:00"), (3, "14:00:00")]
    assert sorted(lang.code for lang in offer.languages) == ["ar", "de"]
    point = db.session.scalar(select(Offer).where(Offer.external_id == "liste-010")).locations[0]
    assert point.district_code == "baerenkaempen" and point.geocode_precision == "exact"
    assert sorted(db.session.scalars(select(Organization.name))) == ["Sportbund Minden", "Stadt Minden – Integrationsbüro"]
    assert db.session.scalar(select(ImportRun.rejected)) == 1


def test_approving_new_organisations_publishes_clean_rows(app):
    report = importer.import_file(csv_bytes(ten_rows_three_bad()), "liste.csv", app_geocoder(),
                                  approve_organizations=True)
    statuses = {r.row: db.session.get(Offer, r.offer_id).status for r in report.rows if r.offer_id}
    assert statuses[11] == "published"  # coordinates given: exact, no warnings
    assert statuses[2] == "draft"  # street found, house number not: flagged for a moderator
    assert statuses[10] == "draft"
    assert all(o.approved for o in db.session.scalars(select(Organization)))


def test_importing_the_same_file_again_changes_nothing_and_a_changed_row_updates(app):
    rows = ten_rows_three_bad()
    run(csv_bytes(rows))
    history = db.session.scalar(select(func.count(ChangeRecord.id)))
    again = run(csv_bytes(rows))
    assert again.counts == {"created": 0, "updated": 0, "unchanged": 9, "rejected": 1}
    assert db.session.scalar(select(func.count(Offer.id))) == 9
    assert db.session.scalar(select(func.count(Location.id))) == 9  # matched by name and address
    assert db.session.scalar(select(func.count(ChangeRecord.id))) == history
    rows[0] = row(1, title="Angebot 1 – neu", free="nein", cost="2 €")
    changed = run(csv_bytes(rows))
    assert changed.counts["updated"] == 1
    offer = db.session.scalar(select(Offer).where(Offer.external_id == "liste-001"))
    assert offer.title == "Angebot 1 – neu" and offer.cost == "2 €" and offer.version == 2
    entry = db.session.scalar(select(ChangeRecord).where(ChangeRecord.offer_id == offer.id)
                              .order_by(ChangeRecord.id.desc()).limit(1))
    assert entry.action == "imported" and entry.changes["title"] == ["Angebot 1", "Angebot 1 – neu"]


def test_a_row_failing_while_writing_leaves_nothing_behind(app):
    other = make_org(name="Fremder Verein")
    make_offer(organization=other, external_id="liste-001")
    db.session.commit()
    report = run(csv_bytes([row(1, organization="Ganz neuer Verein"), row(2)]))
    assert [r.status for r in report.rows] == ["rejected", "created"]
    assert "anderen Organisation" in report.rows[0].messages[0]
    # the organisation created for the failed row was rolled back with it
    assert db.session.scalar(select(Organization.id).where(Organization.name == "Ganz neuer Verein")) is None
    assert db.session.scalar(select(func.count(Offer.id))) == 2


def test_duplicate_external_ids_in_one_file_are_rejected(app):
    report = run(csv_bytes([row(1), row(1, title="Doppelt")]))
    assert [r.status for r in report.rows] == ["created", "rejected"]
    assert "mehrfach" in report.rows[1].messages[0]


@pytest.mark.parametrize("content, name, message", [
    (b"Angebot;Sonstiges\nA;B\n", "x.csv", "Keine Spalte für „Träger / Organisation“"),
    (b"", "x.csv", "leer"),
    (b"PK\x03\x04kaputt", "x.xlsx", "XLSX-Datei kann nicht gelesen werden"),
    (b"irgendwas", "x.pdf", "CSV- oder XLSX-Datei"),
])
def test_unreadable_files_are_refused_as_a_whole(app, content, name, message):
    with pytest.raises(importer.ImportFileError, match=message):
        importer.import_file(content, name, app_geocoder())


def test_xlsx_with_typed_cells_imports(app):
    import datetime as dt

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["external_id", "organization", "title", "category", "valid_from", "lat", "lon", "location_name", "postcode"])
    ws.append(["x-1", "Kulturverein", "Tanzabend", "meeting", dt.datetime(2026, 12, 1), 52.2869, 8.916, "Saal", 32423])
    buf = io.BytesIO()
    wb.save(buf)
    report = run(buf.getvalue(), "liste.xlsx")
    assert report.counts["created"] == 1, report.rows[0].messages
    offer = db.session.scalar(select(Offer))
    assert offer.valid_from.isoformat() == "2026-12-01" and offer.locations[0].postcode == "32423"


def test_shipped_template_imports_cleanly(app):
    template = Path(importer.TEMPLATE)
    report = run(template.read_bytes(), template.name)
    assert report.counts == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 0}, report.rows
    header = template.read_text(encoding="utf-8").splitlines()[0].split(";")
    assert set(header) == set(importer.COLUMNS) - {"house_number", "city"}


@pytest.mark.parametrize("text, slots", [
    ("Mo 9:00-10:00", [(0, None, "09:00", "10:00")]),
    ("Dienstag 18.00 – 20.00 Uhr", [(1, None, "18:00", "20:00")]),
    ("05.12.2026 10:00-12:00; So 15:00 bis 17:00", [(None, "2026-12-05", "10:00", "12:00"), (6, None, "15:00", "17:00")]),
])
def test_schedule_cells(text, slots):
    assert [(s["weekday"], s["date"], s["opens_at"], s["closes_at"]) for s in importer.parse_schedule(text)] == slots


@pytest.mark.parametrize("text", ["Mo 10:00-09:00", "Xy 9:00-10:00", "31.02.2026 9:00-10:00", "Mo 25:00-26:00"])
def test_bad_schedule_cells(text):
    with pytest.raises(ValueError):
        importer.parse_schedule(text)


def test_cli_import_reports_per_row(app, tmp_path):
    path = tmp_path / "liste.csv"
    path.write_bytes(csv_bytes(ten_rows_three_bad()))
    result = app.test_cli_runner().invoke(args=["import-offers", str(path)])
    assert result.exit_code == 0, result.output
    assert "9 created, 0 updated, 0 unchanged, 1 rejected, 8 with warnings (drafts)." in result.output
    assert "row    4  rejected   liste-003" in result.output and "title fehlt" in result.output
    dry = app.test_cli_runner().invoke(args=["import-offers", "--dry-run", str(path)])
    assert "0 new, 9 existing, 1 rejected" in dry.output and "dry run" in dry.output


def test_moderators_upload_form(client, login_as):
    login_as("moderator")
    token = csrf_token(client, "/moderation/import")
    response = client.post("/moderation/import", data={
        "csrf_token": token, "file": (io.BytesIO(csv_bytes(ten_rows_three_bad())), "liste.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    check_url = response.headers["Location"]
    html = client.get(check_url).get_data(as_text=True)
    assert 'data-created="9"' in html and 'data-rejected="1"' in html and "title fehlt" in html
    assert db.session.scalar(select(func.count(Offer.id))) == 0  # the dry run writes nothing
    start = client.post(check_url, data=mapping_form(client, check_url, action="start"))
    assert start.status_code == 302
    html = client.get(start.headers["Location"]).get_data(as_text=True)
    assert 'data-created="9"' in html and 'data-rejected="1"' in html and "title fehlt" in html
    bad = client.post("/moderation/import", data={"csrf_token": token, "file": (io.BytesIO(b"x"), "liste.pdf")},
                      content_type="multipart/form-data")
    assert bad.status_code == 400 and "CSV- oder XLSX-Datei" in bad.get_data(as_text=True)
    assert client.get("/moderation/import/vorlage.csv").status_code == 200


def mapping_form(client, url: str, **changes) -> dict:
    """The mapping form's current values (as a browser would send them), with changes."""
    import re

    html = client.get(url).get_data(as_text=True)
    data = {"csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)}
    for name, body in re.findall(r'<select[^>]*name="(col_\d+)"[^>]*>(.*?)</select>', html, re.DOTALL):
        chosen = re.search(r'<option selected value="([^"]*)"', body) or re.search(r'<option value="([^"]*)" selected', body)
        data[name] = chosen.group(1) if chosen else ""
    data.update(changes)
    return data


def test_providers_cannot_import(client, login_as):
    login_as("provider")
    assert client.get("/moderation/import").status_code == 403
