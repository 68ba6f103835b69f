"""Office lists as they are: German headers, Windows-1252, values typed by hand; the upload
form's mapping remembered per source; rejected rows downloaded, fixed and uploaded again;
a killed import leaves only whole offers."""
from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import textwrap
import time

from sqlalchemy import func, select

from directory.core.geo import app_geocoder
from directory.extensions import db
from directory.models import ChangeRecord, ImportRun, ImportSource, Offer, Organization, Schedule, SearchChange
from directory.offers import importer
from tests.conftest import csrf_token
from tests.offers.test_importer import mapping_form

OFFICE_LIST = textwrap.dedent("""\
    Träger;Angebot;Zielgruppe;Sprachen;Straße;PLZ;Zeiten;Kosten;Beginn
    Frauenzentrum Minden;Frauenfrühstück;Frauen;Deutsch, Arabisch;Marienstraße 10;32427;Mo+Mi 10-12 Uhr;kostenlos;1.9.26
    Frauenzentrum Minden;Nähcafé;Frauen, Senioren;Türkisch;Marienstraße 10;32427;dienstags 15–17 Uhr;1,50 €;01.09.2026
    Sportbund Minden;Fußball für alle;Jugendliche;Deutsch;Simeonsplatz;32423;Mo, Mi, Fr 9–12;ja;
    Sportbund Minden;Lauftreff;Alle;Deutsch;Königswall;;14-tägig, Do 18-19.30 Uhr;;
    Migrationsberatung;Beratung;Geflüchtete;Farsi, Dari;Kampstraße 3;32423;nach Vereinbarung;kostenfrei;
    Migrationsberatung;Elterncafé;Eltern;Ukrainisch;Kampstraße 3;32423;jeden 1. und 3. Montag 9.30–11 Uhr;;
    Migrationsberatung;;Alle;Deutsch;;;Di 9-11;;
    Seniorentreff;Erzählcafé;Ältere;Russisch;Irgendwo 5;99999;Do. 14-16 Uhr;;31.2.26
    """)


def office_bytes(text: str = OFFICE_LIST) -> bytes:
    return text.encode("cp1252")


def test_a_windows_1252_office_list_with_german_headers_imports(app):
    report = importer.import_file(office_bytes(), "liste.csv", app_geocoder(), source_name="Integrationsbüro")
    assert report.counts == {"created": 7, "updated": 0, "unchanged": 0, "rejected": 1}
    assert [r.row for r in report.rows if r.status == "rejected"] == [8]  # no title
    offers = {o.title: o for o in db.session.scalars(select(Offer))}
    breakfast = offers["Frauenfrühstück"]
    assert [t.code for t in breakfast.target_groups] == ["women_girls"]
    assert sorted(lang.code for lang in breakfast.languages) == ["ar", "de"]
    assert [(s.weekday, s.opens_at.strftime("%H:%M")) for s in breakfast.schedules] == [(0, "10:00"), (2, "10:00")]
    assert breakfast.is_free and breakfast.valid_from.isoformat() == "2026-09-01"
    sewing = offers["Nähcafé"]
    assert not sewing.is_free and sewing.cost == "1,50 €"
    assert sorted(t.code for t in sewing.target_groups) == ["older_people", "women_girls"]
    assert [s.weekday for s in offers["Fußball für alle"].schedules] == [0, 2, 4]
    assert offers["Lauftreff"].schedules[0].note == "alle 14 Tage"
    assert offers["Lauftreff"].schedules[0].closes_at.strftime("%H:%M") == "19:30"
    counselling = offers["Beratung"]
    assert counselling.schedules == [] and "nach Vereinbarung" in counselling.description
    assert [lang.code for lang in counselling.languages] == ["fa"]
    assert offers["Elterncafé"].schedules[0].note == "jeden 1. und 3. Montag im Monat"
    assert [t.code for t in offers["Elterncafé"].target_groups] == ["families"]
    # an unknown street and a bad date: imported as a draft, flagged on the offer
    cafe = offers["Erzählcafé"]
    assert cafe.status == "draft" and {w["field"] for w in cafe.import_warnings} == {"address", "category", "valid_from"}
    assert cafe.locations[0].geocode_precision == "none" and cafe.locations[0].lat is None
    # organisations from the list wait for a moderator
    assert not any(db.session.scalars(select(Organization.approved)))
    assert all(o.status == "draft" for o in offers.values())


def test_a_list_without_ids_imports_again_without_duplicates(app):
    importer.import_file(office_bytes(), "liste.csv", app_geocoder(), source_name="Integrationsbüro")
    again = importer.import_file(office_bytes(), "liste.csv", app_geocoder(), source_name="Integrationsbüro")
    assert again.counts == {"created": 0, "updated": 0, "unchanged": 7, "rejected": 1}
    assert db.session.scalar(select(func.count(Offer.id))) == 7


def test_utf8_with_bom_and_commas(app):
    text = "Organisation,Titel,Art,Zeiten\nVerein A,Sprachcafé,Treffpunkt,\"Di 15-17 Uhr\"\n"
    report = importer.import_file("\ufeff".encode() + text.encode(), "liste.csv", app_geocoder())
    assert report.counts["created"] == 1
    offer = db.session.scalar(select(Offer))
    assert offer.title == "Sprachcafé" and offer.category_code == "meeting" and offer.schedules[0].weekday == 1


def test_upload_form_remembers_the_mapping_per_source_and_rejected_rows_round_trip(client, login_as):
    login_as("moderator")
    headers = "Wer;Was;Für wen;Zeiten\n"
    rows = "Verein A;Kochtreff;Frauen;Di 10-12\nVerein A;;Alle;Mi 10-12\nVerein B;Spieltreff;Kinder;Fr 15-17\n"
    token = csrf_token(client, "/moderation/import")
    upload = client.post("/moderation/import", data={
        "csrf_token": token, "source": "Jugendamt", "file": (io.BytesIO((headers + rows).encode("cp1252")), "a.csv")},
        content_type="multipart/form-data")
    check_url = upload.headers["Location"]
    page = client.get(check_url).get_data(as_text=True)
    assert "Keine Spalte für „Träger / Organisation“" in page  # "Wer" / "Was" are not guessed
    data = mapping_form(client, check_url, col_0="organization", col_1="title", action="preview")
    preview = client.post(check_url, data=data).get_data(as_text=True)
    assert 'data-created="2"' in preview and 'data-rejected="1"' in preview
    assert db.session.scalar(select(func.count(Offer.id))) == 0
    done = client.post(check_url, data={**data, "action": "start"})
    run_id = int(done.headers["Location"].rstrip("/").split("/")[-1])
    result = client.get(done.headers["Location"]).get_data(as_text=True)
    assert 'data-created="2"' in result and "abgelehnt.csv" in result
    assert db.session.scalar(select(ImportSource.mapping).where(ImportSource.name == "Jugendamt"))["Wer"] == "organization"
    # the rejected row, as in the file, with its reason first: for German Excel, formula-guarded
    rejected = client.get(f"/moderation/import/{run_id}/abgelehnt.csv")
    body = rejected.get_data()
    assert body.startswith("\ufeff".encode()) and rejected.mimetype == "text/csv"
    lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert lines[0] == ["Grund der Ablehnung", "Wer", "Was", "Für wen", "Zeiten"]
    assert lines[1][1:] == ["Verein A", "", "Alle", "Mi 10-12"] and "title fehlt" in lines[1][0]
    # fixed and uploaded again for the same source: the remembered mapping applies at once
    lines[1][2] = "=Malen"
    fixed = io.StringIO()
    csv.writer(fixed, delimiter=";").writerows(lines)
    again = client.post("/moderation/import", data={
        "csrf_token": token, "source": "Jugendamt", "file": (io.BytesIO(fixed.getvalue().encode("utf-8-sig")), "b.csv")},
        content_type="multipart/form-data")
    check = client.get(again.headers["Location"]).get_data(as_text=True)
    assert 'data-created="1"' in check and 'data-rejected="0"' in check
    client.post(again.headers["Location"], data=mapping_form(client, again.headers["Location"], action="start"))
    assert db.session.scalar(select(func.count(Offer.id))) == 3
    assert db.session.scalar(select(Offer.title).where(Offer.title.like("%Malen"))) == "=Malen"


def test_formula_cells_are_guarded_in_the_rejected_rows(app):
    content = "Träger;Angebot;Zeiten\n=HYPERLINK(\"http://x\");;Di 9-10\n".encode()
    report = importer.import_file(content, "x.csv", app_geocoder())
    run = db.session.get(ImportRun, report.run_id)
    text = importer.rejected_csv(run).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ";=HYPERLINK" not in text


KILLED_IMPORT = """
import sys
from directory import create_app
from directory.core.geo import app_geocoder
from directory.offers import importer
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "x", "TESTING": True})
with app.app_context():
    original = importer.Writer.write
    def slow_write(self, result, checked):
        original(self, result, checked)
        print("row", result.row, flush=True)
    importer.Writer.write = slow_write
    importer.import_file(open(sys.argv[2], "rb").read(), "gross.csv", app_geocoder(), batch=7, batch_seconds=1000)
"""


def test_a_kill_in_the_middle_leaves_only_whole_offers_and_a_rerun_completes(committed_app, tmp_path):
    app = committed_app  # another process or worker connection must see the data
    rows = "".join(f"Verein {n % 3};Angebot {n};Treffpunkt;Di 9-10, Do 14-15;Marienstraße {n};32427\n"
                   for n in range(60))
    path = tmp_path / "gross.csv"
    path.write_text("Träger;Angebot;Art;Zeiten;Straße;PLZ\n" + rows, encoding="utf-8")
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    script = tmp_path / "run.py"
    script.write_text(KILLED_IMPORT)
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    proc = subprocess.Popen([sys.executable, str(script), url, str(path)], stdout=subprocess.PIPE, env=env, text=True)
    seen = 0
    deadline = time.monotonic() + 60
    while seen < 25 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith("row"):
            seen += 1
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    assert seen == 25
    db.session.rollback()
    offers = list(db.session.scalars(select(Offer)))
    assert 0 < len(offers) < 60 and len(offers) % 7 == 0  # whole batches only
    for offer in offers:  # every offer complete: its two slots and its place
        assert len(offer.schedules) == 2 and len(offer.locations) == 1
    assert db.session.scalar(select(func.count(Schedule.id))) == 2 * len(offers)
    report = importer.import_file(path.read_bytes(), "gross.csv", app_geocoder())
    assert report.counts["created"] == 60 - len(offers) and report.counts["unchanged"] == len(offers)
    assert db.session.scalar(select(func.count(Offer.id))) == 60


def ten_rows() -> bytes:
    rows = "".join(f"Verein {n % 3};Angebot {n};Treffpunkt;Di 9-10;Marienstraße {n};32427\n" for n in range(10))
    return ("Träger;Angebot;Art;Zeiten;Straße;PLZ\n" + rows).encode()


def test_a_batch_is_written_with_one_search_change_and_a_history_record_per_object(app):
    before = db.session.scalar(select(func.count(SearchChange.id)))
    report = importer.import_file(ten_rows(), "liste.csv", app_geocoder(), batch=4, batch_seconds=1000)
    assert report.counts["created"] == 10
    assert db.session.scalar(select(func.count(SearchChange.id))) - before == 3  # batches of 4, 4, 2
    offers = list(db.session.scalars(select(Offer).order_by(Offer.id)))
    assert [o.title for o in offers] == [f"Angebot {n}" for n in range(10)]  # ids in the file's order
    assert [r.offer_id for r in report.rows] == [o.id for o in offers]
    for offer in offers:
        (entry,) = db.session.scalars(select(ChangeRecord).where(ChangeRecord.offer_id == offer.id))
        assert entry.action == "imported" and entry.organization_id == offer.organization_id
        assert entry.changes["locations"] == [[], [offer.locations[0].id]]
    created = db.session.scalars(select(ChangeRecord).where(ChangeRecord.action == "location_created"))
    assert sorted(e.location_id for e in created) == sorted(o.locations[0].id for o in offers)
    assert db.session.scalar(select(func.count(ChangeRecord.id)).where(ChangeRecord.action == "created")) == 3


def test_a_row_the_database_refuses_is_rejected_alone_and_its_batch_written_row_by_row(app, monkeypatch):
    original = importer.Writer.write

    def write(self, result, checked):
        original(self, result, checked)
        if checked.data["title"] == "Angebot 5":  # something the database refuses at the flush
            db.session.add(Schedule(weekday=1, opens_at=None, closes_at=None))

    monkeypatch.setattr(importer.Writer, "write", write)
    report = importer.import_file(ten_rows(), "liste.csv", app_geocoder(), batch=4, batch_seconds=1000)
    assert report.counts == {"created": 9, "updated": 0, "unchanged": 0, "rejected": 1}
    (rejected,) = [r for r in report.rows if r.status == "rejected"]
    assert rejected.title == "Angebot 5" and "Datenbankfehler" in rejected.messages[0]
    assert rejected.cells[1] == "Angebot 5"
    titles = set(db.session.scalars(select(Offer.title)))
    assert titles == {f"Angebot {n}" for n in range(10) if n != 5}
    for offer in db.session.scalars(select(Offer)):  # whole offers, each recorded once
        assert len(offer.schedules) == 1 and len(offer.locations) == 1
        assert db.session.scalar(select(func.count(ChangeRecord.id)).where(ChangeRecord.offer_id == offer.id)) == 1
    assert db.session.scalar(select(func.count(Schedule.id))) == 9
    again = importer.import_file(ten_rows(), "liste.csv", app_geocoder(), batch=4, batch_seconds=1000)
    assert again.counts == {"created": 0, "updated": 0, "unchanged": 9, "rejected": 1}
