"""The HSDS 3.0 export, validated against the official Open Referral schema files
(read from the shared folder beside the repo, see tests/opendata/hsds_schemas.py)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from directory.extensions import db
from directory.models import Challenge, FieldOfAction, Offer
from directory.opendata import hsds
from tests.factories import make_offer, make_org, slot
from tests.opendata.hsds_schemas import SCHEMA_DIR, errors_of, registry, require_schemas


@pytest.fixture(scope="session")
def hsds_registry():
    return registry()


def test_the_validator_really_checks(hsds_registry):
    bad = {"id": "not-a-uuid", "name": "x", "schedules": [{"id": "also-bad", "freq": "DAILY"}]}
    messages = " ".join(errors_of(hsds_registry, "service", [bad]))
    assert "'status' is a required property" in messages  # required fields
    assert "not-a-uuid" in messages                       # formats
    assert "DAILY" in messages                            # nested schemas through $ref


def test_every_row_is_valid_hsds(demo_app, hsds_registry):
    data = hsds.build("http://wegweiser.test")
    assert len(data["service"]) >= 60
    problems = [p for table, rows in data.items() for p in errors_of(hsds_registry, table, rows)]
    assert problems == []


def test_the_whole_export_validates_against_the_compiled_tabular_schema(demo_client):
    require_schemas()
    schema = json.loads((SCHEMA_DIR / "compiled" / "tabular.json").read_text())
    doc = demo_client.get("/api/v1/export/hsds.json").get_json()
    tables = set(schema["properties"])
    assert set(hsds.TABLES) <= tables
    errors = list(Draft202012Validator(schema, format_checker=FormatChecker()).iter_errors(doc))
    assert [e.message for e in errors[:5]] == []
    # each CSV file is named as HSDS names it
    for table, (path, columns) in hsds.TABLES.items():
        item = schema["properties"][table]["items"]
        assert item["path"] == path
        assert set(columns) <= set(item["properties"]), table


def test_csv_package_matches_hsds_fields_and_validates(demo_client, hsds_registry):
    response = demo_client.get("/api/v1/export/hsds.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    names = {n.split("/", 1)[1] for n in archive.namelist()}
    assert names == {path for path, _ in hsds.TABLES.values()} | {"datapackage.json"}
    package = json.loads(archive.read("wegweiser-hsds/datapackage.json"))
    assert package["profile"] == "tabular-data-package"
    ids: dict[str, set[str]] = {}
    rows_by_table: dict[str, list[dict]] = {}
    for resource in package["resources"]:
        table = resource["name"]
        hsds_schema = json.loads((SCHEMA_DIR / f"{table}.json").read_text())
        assert resource["path"] == hsds_schema["path"]
        text = archive.read(f"wegweiser-hsds/{resource['path']}").decode("utf-8")
        reader = csv.DictReader(io.StringIO(text))
        assert reader.fieldnames == [f["name"] for f in resource["schema"]["fields"]]
        for field in resource["schema"]["fields"]:
            spec = hsds_schema["properties"][field["name"]]
            assert field["type"] == spec.get("datapackage_type", spec["type"]), (table, field)
            if field["type"] == "string":
                assert field.get("format") == spec.get("format"), (table, field)
        numbers = {f["name"] for f in resource["schema"]["fields"] if f["type"] == "number"}
        rows = [{k: (float(v) if k in numbers else v) for k, v in row.items() if v != ""} for row in reader]
        rows_by_table[table] = rows
        ids[table] = {r["id"] for r in rows}
        assert len(ids[table]) == len(rows), f"duplicate ids in {table}"
        assert errors_of(hsds_registry, table, rows) == []
    # foreign keys resolve
    for resource in package["resources"]:
        for fk in resource["schema"]["foreignKeys"]:
            target = ids[fk["reference"]["resource"]]
            for row in rows_by_table[resource["name"]]:
                if fk["fields"] in row:
                    assert row[fk["fields"]] in target, (resource["name"], fk["fields"])


def test_taxonomies_hold_the_workshop_challenges_categories_and_target_groups(demo_app):
    data = hsds.build()
    names = {t["name"] for t in data["taxonomy"]}
    assert len(names) == 3
    ikon = next(t["id"] for t in data["taxonomy"] if "IKON" in t["name"])
    terms = [t for t in data["taxonomy_term"] if t["taxonomy_id"] == ikon]
    fields = [t for t in terms if "parent_id" not in t]
    challenges = [t for t in terms if "parent_id" in t]
    assert len(fields) == db.session.query(FieldOfAction).count() == 4
    assert len(challenges) == db.session.query(Challenge).count() == 18
    assert {t["parent_id"] for t in challenges} == {t["id"] for t in fields}
    links = [a for a in data["attribute"] if a["link_type"] == "challenge"]
    assert links and all(a["link_entity"] == "service" for a in links)


def test_schedules_become_weekly_rules_or_single_dates(app):
    offer = make_offer(title="Kurs mit Terminen", schedules=[
        slot("tue", "09:30", "11:30"),
        slot("mon", "18:00", "20:00", date=dt.date.today() + dt.timedelta(days=9)),
    ])
    db.session.commit()
    rows = {r["byday"]: r for r in hsds.build()["schedule"] if r["service_id"] == hsds.hsds_id("service", offer.id)}
    weekly = rows["TU"]
    assert weekly["freq"] == "WEEKLY" and weekly["opens_at"] == "09:30" and "count" not in weekly
    once = next(r for r in rows.values() if r.get("count") == 1)
    assert once["dtstart"] == once["until"] == (dt.date.today() + dt.timedelta(days=9)).isoformat()


def test_only_published_offers_and_no_account_data(app):
    org = make_org(name="Sichtbarer Verein", email="info@verein.example")
    make_offer(organization=org, title="Veröffentlicht", contact_name="Frau Beispiel",
               contact_email="kurs@verein.example")
    make_offer(organization=make_org(name="Nur Entwurf e. V."), title="Entwurf", status="draft")
    make_offer(title="Archiviert", status="archived")
    db.session.commit()
    data = hsds.build()
    assert [s["name"] for s in data["service"]] == ["Veröffentlicht"]
    assert [o["name"] for o in data["organization"]] == ["Sichtbarer Verein"]
    text = json.dumps(data)
    assert "Nur Entwurf" not in text and "Archiviert" not in text
    assert "kurs@verein.example" in text  # the provider's public contact is part of the offer
    assert "password" not in text


def test_ids_are_stable_between_exports(demo_app):
    first, second = hsds.build(), hsds.build()
    assert [s["id"] for s in first["service"]] == [s["id"] for s in second["service"]]
    offer_id = db.session.query(Offer.id).filter(Offer.status == "published").order_by(Offer.id).first()[0]
    assert first["service"][0]["id"] == hsds.hsds_id("service", offer_id)


def test_downloads_are_cacheable_and_repeatable(demo_client):
    first = demo_client.get("/api/v1/export/hsds.zip")
    second = demo_client.get("/api/v1/export/hsds.zip", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 304
    assert "wegweiser-hsds.zip" in first.headers["Content-Disposition"]
    assert first.headers["Access-Control-Allow-Origin"] == "*"


def test_cli_writes_the_package(demo_app, tmp_path):
    result = demo_app.test_cli_runner().invoke(args=["export-hsds", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    written = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"datapackage.json", "services.csv", "hsds.json", "taxonomy_terms.csv"} <= written
