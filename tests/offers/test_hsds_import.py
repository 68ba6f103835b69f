"""HSDS 3.0 import and federation: Wegweiser's own export round-trips into an empty database,
the official HSDS examples import, another instance's API is followed (removed there →
archived here)."""
from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from directory.extensions import db
from directory.models import ImportSource, Offer, Organization
from directory.offers import hsds_import
from directory.opendata import hsds
from directory.search import engine as search

EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "hsds" / "examples"
if not EXAMPLES.is_dir():  # a worktree: the shared folder of the workplace
    EXAMPLES = Path("/work/shared/hsds/examples")


def snapshot() -> dict[str, tuple]:
    """What HSDS carries of each visible offer, by title."""
    out = {}
    for o in db.session.scalars(select(Offer).where(search.visible_clause(dt.date.today()))):
        out[o.title] = (
            o.organization.name, o.summary, o.description, o.category_code, tuple(c.code for c in o.challenges),
            tuple(sorted(t.code for t in o.target_groups)), tuple(sorted(lang.code for lang in o.languages)),
            o.is_free, o.cost or None, o.registration_required, o.contact_email, o.contact_phone, o.contact_name,
            o.last_confirmed,
            tuple(sorted((s.weekday, s.date, s.opens_at, s.closes_at, s.note or None) for s in o.schedules)),
            tuple(sorted((loc.name, round(loc.lat, 5), round(loc.lon, 5), loc.postcode) for loc in o.locations)),
        )
    return out


def test_export_then_import_into_an_empty_database_gives_the_same_offers(committed_app, demo_app, tmp_path):
    app = committed_app  # two apps in one test: each with its own, ordinary session
    with demo_app.app_context():
        expected = snapshot()
        data = hsds.build("http://wegweiser.example")
        (tmp_path / "hsds.json").write_text(json.dumps(hsds.export_document(data, dt.datetime(2026, 12, 1))))
        files = hsds.data_package(data, dt.datetime(2026, 12, 1))
        (tmp_path / "hsds.zip").write_bytes(hsds.zip_bytes(files, dt.datetime(2026, 12, 1)))
    assert len(expected) > 20
    with app.app_context():
        assert db.session.scalar(select(func.count(Offer.id))) == 0
        report = hsds_import.run(str(tmp_path / "hsds.json"), name="Wegweiser Demo", approve_organizations=True)
        assert report.created == len(expected) and not report.rejected and not report.warnings
        got = snapshot()
        assert {t: [(a, b) for a, b in zip(got[t], expected[t]) if a != b] for t in got if got[t] != expected[t]} == {}
        assert got == expected
        again = hsds_import.run(str(tmp_path / "hsds.json"), name="Wegweiser Demo", approve_organizations=True)
        assert (again.created, again.updated, again.unchanged, again.archived) == (0, 0, len(expected), 0)
        # the CSV data package (zip) is the same data: nothing changes
        package = hsds_import.run(str(tmp_path / "hsds.zip"), name="Wegweiser Demo", approve_organizations=True)
        assert package.unchanged == len(expected) and package.created == package.updated == 0
        offer = db.session.scalar(select(Offer).limit(1))
        assert offer.source.name == "Wegweiser Demo" and offer.source_ref.startswith("http://wegweiser.example/angebote/")


@pytest.mark.parametrize("name", ["csv", "tabular.json", "service_full.json", "service_list.json"])
def test_the_official_hsds_examples_import(app, name):
    report = hsds_import.run(str(EXAMPLES / name), name=f"HSDS-Beispiel {name}")
    assert report.created == 1 and not report.rejected
    offer = db.session.scalar(select(Offer))
    assert offer.title == "Community Counselling" and offer.external_id.startswith("hsds:")
    assert offer.organization.name == "Example Organization Inc." and not offer.organization.approved
    assert offer.status == "draft" and {w["field"] for w in offer.import_warnings} >= {"category"}
    assert not offer.is_free and "pay" in offer.cost
    if name == "service_list.json":  # list items carry no related records
        return
    assert [lang.code for lang in offer.languages] == ["ur"]
    assert offer.locations and offer.locations[0].name == "MyCity Civic Center"
    assert sorted(s.weekday for s in offer.schedules) == [3, 4]  # byday TH,FR
    assert not offer.is_free and "pay" in offer.cost


class FakeDirectory:
    """Another directory's HSDS API (/services, /services/{id}) over real HTTP."""

    def __init__(self, services: list[dict]):
        self.services = services
        self.server = make_server("127.0.0.1", 0, self.wsgi)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @Request.application
    def wsgi(self, request: Request) -> Response:
        if request.path.rstrip("/") == "/hsds/services":
            page = int(request.args.get("page", 1))
            items = [{"id": s["id"], "name": s["name"]} for s in self.services[(page - 1) * 2: page * 2]]
            pages = max(1, (len(self.services) + 1) // 2)
            body = {"total_items": len(self.services), "total_pages": pages, "page_number": page, "size": 2,
                    "first_page": page == 1, "last_page": page >= pages, "empty": not items, "contents": items}
            return Response(json.dumps(body), mimetype="application/json")
        for s in self.services:
            if request.path == f"/hsds/services/{s['id']}":
                return Response(json.dumps(s), mimetype="application/json")
        return Response("not found", status=404)

    def __enter__(self):
        self.thread.start()
        return f"http://127.0.0.1:{self.server.server_port}/hsds"

    def __exit__(self, *exc):
        self.server.shutdown()


def neighbour_services() -> list[dict]:
    base = json.loads((EXAMPLES / "service_full.json").read_text())
    out = []
    for n, (title, term) in enumerate([("Sprachcafé Porta", "Treffpunkt und Café"), ("Hausaufgabenhilfe", "tutoring"),
                                       ("Beratung für Frauen", "counselling")]):
        s = json.loads(json.dumps(base))
        s["id"] = f"0000000{n}-aaaa-bbbb-cccc-000000000000"
        s["name"] = title
        s["fees_description"] = "kostenlos"
        s["assured_date"] = dt.date.today().isoformat()
        s["languages"] = [{"id": "x", "name": "Deutsch", "code": "de"}]
        s["attributes"] = [{"id": "a", "link_type": "category", "link_entity": "service", "value": term,
                            "taxonomy_term": {"id": "t", "code": term, "name": term, "taxonomy": "Angebotsarten"}}]
        s["organization"] = {**s["organization"], "id": "org-porta", "name": "Stadt Porta Westfalica"}
        out.append(s)
    return out


def test_another_directory_is_followed_over_its_api(app):
    services = neighbour_services()
    with FakeDirectory(services) as url:
        first = hsds_import.run(url, name="Porta Westfalica", approve_organizations=True)
        assert first.created == 3
        assert sorted(db.session.scalars(select(Offer.category_code))) == ["counselling", "meeting", "tutoring"]
        assert all(o.status == "published" and o.source.name == "Porta Westfalica" for o in db.session.scalars(select(Offer)))
        services[0]["name"] = "Sprachcafé Porta (neu)"
        del services[2]
        second = hsds_import.run(url, name="Porta Westfalica", approve_organizations=True)
    assert (second.created, second.updated, second.unchanged, second.archived) == (0, 1, 1, 1)
    titles = dict(db.session.execute(select(Offer.title, Offer.status)).all())
    assert titles == {"Sprachcafé Porta (neu)": "published", "Hausaufgabenhilfe": "published",
                      "Beratung für Frauen": "archived"}
    assert db.session.scalar(select(func.count(Organization.id))) == 1
    assert db.session.scalar(select(ImportSource.kind)) == "hsds"


def test_the_offer_page_shows_the_origin(app, client):
    with FakeDirectory(neighbour_services()[:1]) as url:
        hsds_import.run(url, name="Porta Westfalica", approve_organizations=True)
    offer = db.session.scalar(select(Offer))
    response = client.get(f"/angebote/{offer.id}")
    assert response.status_code == 200, offer.status
    html = response.get_data(as_text=True)
    assert 'data-origin="Porta Westfalica"' in html and "Übernommen aus: Porta Westfalica" in html


def test_unreadable_sources_are_refused(app, tmp_path):
    (tmp_path / "x.json").write_text("{\"foo\": 1}")
    for location in (str(tmp_path / "x.json"), str(tmp_path / "missing"), "http://127.0.0.1:9/hsds"):
        with pytest.raises(hsds_import.HsdsError):
            hsds_import.run(location)
    assert db.session.scalar(select(func.count(Offer.id))) == 0


def test_cli(app):
    result = app.test_cli_runner().invoke(args=["import-hsds", str(EXAMPLES / "csv"), "--name", "Beispiel"])
    assert result.exit_code == 0, result.output
    assert "1 created, 0 updated, 0 unchanged, 0 archived, 0 rejected." in result.output
