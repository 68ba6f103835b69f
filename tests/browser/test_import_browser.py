"""A moderator imports an office list in chromium: upload, column mapping, dry run, import,
report, rejected rows downloaded and uploaded again (screenshots in test-artifacts/)."""
from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from directory.extensions import db
from directory.models import Offer, User
from tests.browser.conftest import LiveServer, screenshot

LIST = ("Träger;Was;Zielgruppe;Sprachen;Straße;PLZ;Zeiten;Kosten\n"
        "Frauenzentrum;Frauenfrühstück;Frauen;Deutsch, Arabisch;Marienstraße 10;32427;Mo+Mi 10-12 Uhr;kostenlos\n"
        "Frauenzentrum;;Alle;Deutsch;Marienstraße 10;32427;Di 9-11;\n"
        "Sportbund;Lauftreff;Jugendliche;Deutsch;Irgendwo 5;99999;dienstags 18–19 Uhr;1,50 €\n")


def test_moderator_imports_a_list_in_the_browser(committed_app, page_factory, tmp_path):
    app = committed_app
    user = User(email="mod@example.org", role="moderator", display_name="Moderatorin")
    user.set_password("ein-langes-passwort")
    db.session.add(user)
    db.session.commit()
    path = tmp_path / "liste.csv"
    path.write_bytes(LIST.encode("cp1252"))
    with LiveServer(app) as server:
        page = page_factory(accept_downloads=True)
        page.goto(server.url + "/de/anmelden")
        page.fill("#email", "mod@example.org")
        page.fill("#password", "ein-langes-passwort")
        with page.expect_navigation():
            page.click("form.form button[type=submit]")
        page.goto(server.url + "/moderation/import")
        page.set_input_files("#file", str(path))
        page.fill("#source", "Integrationsbüro")
        page.click("text=Hochladen und prüfen")
        # "Was" is not recognised: the mapping step says so and the person chooses the title
        assert "Keine Spalte für „Titel“" in page.content()
        page.select_option("select[name=col_1]", "title")
        page.click("text=Zuordnung anwenden (Probelauf)")
        summary = page.locator(".import-report__summary")
        assert summary.get_attribute("data-created") == "2" and summary.get_attribute("data-rejected") == "1"
        assert page.locator(".import-warning[data-field=address]").count() >= 1
        screenshot(page, "import-1-dry-run")
        assert db.session.scalar(select(func.count(Offer.id))) == 0
        page.click("text=Jetzt importieren")
        page.wait_for_selector(".import-report__summary[data-created]")
        assert page.locator(".import-report__summary").get_attribute("data-created") == "2"
        screenshot(page, "import-2-report")
        with page.expect_download() as download:
            page.click("text=Abgelehnte Zeilen herunterladen")
        rejected = download.value.path().read_bytes().decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(rejected), delimiter=";"))
        assert rows[0][0] == "Grund der Ablehnung" and "title fehlt" in rows[1][0]
        rows[1][2] = "Elterncafé"
        fixed = tmp_path / "korrigiert.csv"
        out = io.StringIO()
        csv.writer(out, delimiter=";").writerows(rows)
        fixed.write_text(out.getvalue(), encoding="utf-8-sig")
        page.goto(server.url + "/moderation/import")
        page.set_input_files("#file", str(fixed))
        page.fill("#source", "Integrationsbüro")
        page.click("text=Hochladen und prüfen")
        # the corrected mapping was remembered for the source
        assert page.locator("select[name=col_2]").input_value() == "title"
        assert page.locator(".import-report__summary").get_attribute("data-created") == "1"
        page.click("text=Jetzt importieren")
        page.wait_for_selector(".import-report__summary[data-created]")
        screenshot(page, "import-3-reupload")
        assert not page.js_errors
        assert not page.request_log.foreign()
    db.session.expire_all()
    assert sorted(db.session.scalars(select(Offer.title))) == ["Elterncafé", "Frauenfrühstück", "Lauftreff"]
    flagged = db.session.scalar(select(Offer).where(Offer.title == "Lauftreff"))
    db.session.commit()  # end the read transaction: the server's threads use their own connections
    with LiveServer(app) as server:
        page = page_factory()
        page.goto(server.url + "/de/anmelden")
        page.fill("#email", "mod@example.org")
        page.fill("#password", "ein-langes-passwort")
        with page.expect_navigation():
            page.click("form.form button[type=submit]")
        page.goto(server.url + f"/anbieter/angebote/{flagged.id}")
        assert "Beim Import nicht übernommen" in page.content()
        screenshot(page, "import-4-flagged-offer")
