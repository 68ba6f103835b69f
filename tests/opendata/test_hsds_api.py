"""The HSDS 3.0 API under /hsds/, against the UNMODIFIED official OpenAPI document and item
schemas of HSDS 3.0, read from the shared folder beside the repo (tests/opendata/hsds_schemas.py).

The official document's ``$ref``s point at the HSDS 3.0 files in the Open Referral repository
(``https://raw.githubusercontent.com/openreferral/specification/3.0/schema/…``); the tests answer
those references from the same files in the shared folder instead of the network.

The document documents only the 200 answers and leaves bounds unsaid (``page`` is any integer,
``format`` any string), so schemathesis is run with its own checks minus "status code is
documented", and the test says which other answers are right: 404 for an unknown id, 400 with
an error object naming one of the parameters whose values the document does not bound.
"""
from __future__ import annotations

import json
from urllib.parse import quote

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.core.jsonschema import resolver
from schemathesis.specs.openapi.checks import (
    positive_data_acceptance,
    status_code_conformance,
)

from directory.extensions import db
from directory.opendata import hsds
from tests.factories import make_location, make_offer, make_org
from tests.opendata.hsds_schemas import SCHEMA_DIR, errors_of, registry, require_schemas

SPEC = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
UNBOUNDED = {"page", "per_page", "format", "modified_after", "proximity", "search", "full", "minimal",
             "full_service", "top_only", "taxonomy_id", "taxonomy_term_id", "organization_id", "parent_id",
             "postcode"}
EXAMPLES = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 10}


def _official_file(uri: str):
    assert uri.startswith(SPEC), f"unexpected remote reference {uri}"
    return json.loads((SCHEMA_DIR / uri.removeprefix(SPEC)).read_text())


@pytest.fixture
def official_schema(demo_app, monkeypatch):
    require_schemas()
    monkeypatch.setattr(resolver, "load_remote_uri", _official_file)
    schema = schemathesis.openapi.from_path(SCHEMA_DIR / "openapi.json")
    schema.app = demo_app
    schema.config.update(base_url="http://localhost/hsds")
    return schema


@pytest.fixture(scope="session")
def hsds_registry():
    return registry()


def _compiled(reg, name: str, items: list[dict]) -> list[str]:
    """Errors of items against HSDS's compiled (self-contained) schemas."""
    return errors_of(reg, f"compiled/{name}", items)


def _conformance_check(operation, mode):
    @settings(max_examples=EXAMPLES[mode], derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case):
        response = case.call_and_validate(excluded_checks=[status_code_conformance, positive_data_acceptance])
        if response.status_code == 200:
            return
        assert response.headers["content-type"][0].startswith("application/json"), response.text[:200]
        error = response.json()["error"]
        if response.status_code == 404:
            assert "{id}" in operation.path and error["code"] == 404
        else:
            # a parameter whose name holds control characters is refused without naming it
            assert response.status_code == 400 and (error["field"] in UNBOUNDED or error["field"] is None), (
                response.status_code, response.text[:300])

    return check


@pytest.mark.parametrize("mode", list(EXAMPLES), ids=lambda m: m.value)
def test_the_api_conforms_to_the_official_openapi_document(official_schema, mode):
    operations = [result.ok() for result in official_schema.get_all_operations()]
    assert {op.path for op in operations} == {
        "/", "/services", "/services/{id}", "/organizations", "/organizations/{id}", "/service_at_locations",
        "/service_at_locations/{id}", "/taxonomies", "/taxonomies/{id}", "/taxonomy_terms", "/taxonomy_terms/{id}"}
    for operation in operations:
        if mode is GenerationMode.NEGATIVE and not operation.definition.raw.get("parameters"):
            continue  # nothing to get wrong
        _conformance_check(operation, mode)()


def test_detail_answers_conform_to_the_official_document(official_schema, demo_client):
    data = hsds.build()
    cases = {
        "/services/{id}": data["service"][0]["id"],
        "/organizations/{id}": data["organization"][0]["id"],
        "/service_at_locations/{id}": data["service_at_location"][0]["id"],
        "/taxonomies/{id}": data["taxonomy"][0]["id"],
        "/taxonomy_terms/{id}": data["taxonomy_term"][5]["id"],
    }
    for path, item_id in cases.items():
        case = official_schema[path]["GET"].Case(path_parameters={"id": item_id})
        assert case.call_and_validate().status_code == 200, path
    for path, query in (("/services", {"full": "true", "per_page": 5}), ("/services", {"minimal": "true"}),
                        ("/organizations", {"full": "true"}), ("/service_at_locations", {"full": "true"}),
                        ("/taxonomy_terms", {"top_only": "true"})):
        case = official_schema[path]["GET"].Case(query=query)
        assert case.call_and_validate().status_code == 200, (path, query)


def test_items_validate_against_the_official_item_schemas(demo_client, hsds_registry):
    def contents(url: str) -> list[dict]:
        body = demo_client.get(url).get_json()
        assert body["total_items"] > 0, url
        return body["contents"]

    services = contents("/hsds/services?per_page=1000")
    assert _compiled(hsds_registry, "service_list", services) == []
    full = contents("/hsds/services?full=true&per_page=1000")
    assert _compiled(hsds_registry, "service", full) == []
    assert all(s["service_at_locations"] and s["schedules"] is not None for s in full)
    one = demo_client.get(f"/hsds/services/{services[0]['id']}").get_json()
    assert _compiled(hsds_registry, "service", [one]) == []

    orgs = contents("/hsds/organizations?per_page=1000")
    assert _compiled(hsds_registry, "organization_list", orgs) == []
    nested = [demo_client.get(f"/hsds/organizations/{o['id']}?full_service=true").get_json() for o in orgs[:5]]
    assert _compiled(hsds_registry, "organization", nested) == []
    assert _compiled(hsds_registry, "service", [s for o in nested for s in o["services"]]) == []

    sals = contents("/hsds/service_at_locations?per_page=1000")
    assert _compiled(hsds_registry, "service_at_location_list", sals) == []
    sal = demo_client.get(f"/hsds/service_at_locations/{sals[0]['id']}").get_json()
    assert _compiled(hsds_registry, "service_at_location", [sal]) == []
    assert _compiled(hsds_registry, "service", [sal]) == []  # what the official document declares

    assert errors_of(hsds_registry, "taxonomy", contents("/hsds/taxonomies")) == []
    terms = contents("/hsds/taxonomy_terms?per_page=1000")
    assert errors_of(hsds_registry, "taxonomy_term", terms) == []
    assert all(t["taxonomy_detail"]["id"] == t["taxonomy_id"] for t in terms)


def test_one_mapping_for_the_export_and_the_api(demo_client):
    export = demo_client.get("/api/v1/export/hsds.json").get_json()
    listed = demo_client.get("/hsds/services?per_page=1000").get_json()["contents"]
    assert [{k: v for k, v in s.items() if k != "organization"} for s in listed] == export["service"]
    org = demo_client.get(f"/hsds/organizations/{export['organization'][0]['id']}").get_json()
    assert {k: v for k, v in org.items() if k not in ("phones", "locations", "services")} == export["organization"][0]
    terms = demo_client.get("/hsds/taxonomy_terms?per_page=1000").get_json()["contents"]
    assert [{k: v for k, v in t.items() if k != "taxonomy_detail"} for t in terms] == export["taxonomy_term"]


def test_paging_envelope_walks_every_service_once(demo_client):
    total = len(hsds.build()["service"])
    seen, page = [], 1
    while True:
        body = demo_client.get(f"/hsds/services?per_page=7&page={page}").get_json()
        assert body["total_items"] == total and body["total_pages"] == -(-total // 7)
        assert body["page_number"] == page and body["size"] == len(body["contents"])
        assert body["first_page"] is (page == 1)
        seen += [s["id"] for s in body["contents"]]
        if body["last_page"]:
            break
        page += 1
    assert len(seen) == len(set(seen)) == total
    beyond = demo_client.get(f"/hsds/services?per_page=7&page={page + 1}").get_json()
    assert beyond["empty"] is True and beyond["contents"] == [] and beyond["last_page"] is True


def test_filters_agree_with_the_search_and_the_taxonomy(demo_client):
    data = hsds.build()
    z1 = next(t["id"] for t in data["taxonomy_term"] if t["code"] == "Z1")
    by_term = demo_client.get(f"/hsds/services?taxonomy_term_id={z1}").get_json()["total_items"]
    assert by_term == demo_client.get("/api/v1/offers?challenge=Z1").get_json()["meta"]["total"] > 0
    text = demo_client.get("/hsds/services?search=sport").get_json()["total_items"]
    assert text == demo_client.get("/api/v1/offers?q=sport").get_json()["meta"]["total"] > 0
    ikon = next(t["id"] for t in data["taxonomy"] if "IKON" in t["name"])
    with_ikon = demo_client.get(f"/hsds/services?taxonomy_id={ikon}&per_page=1").get_json()["total_items"]
    assert with_ikon == len({a["link_id"] for a in data["attribute"] if a["link_type"] == "challenge"})
    org = data["service"][0]["organization_id"]
    of_org = demo_client.get(f"/hsds/services?organization_id={org}").get_json()["contents"]
    assert of_org and all(s["organization_id"] == org for s in of_org)
    assert demo_client.get("/hsds/services?modified_after=2999-01-01").get_json()["empty"] is True
    assert demo_client.get("/hsds/services?modified_after=2000-01-01T00:00:00Z").get_json()["total_items"] == len(data["service"])
    minimal = demo_client.get("/hsds/services?minimal=true&per_page=1").get_json()["contents"][0]
    assert set(minimal) == {"id", "name", "status", "last_modified"}


def test_terms_by_taxonomy_parent_and_top_level(demo_client):
    data = hsds.build()
    ikon = next(t["id"] for t in data["taxonomy"] if "IKON" in t["name"])
    top = demo_client.get(f"/hsds/taxonomy_terms?taxonomy_id={ikon}&top_only=true").get_json()["contents"]
    assert len(top) == 4 and all("parent_id" not in t for t in top)  # the fields of action
    children = demo_client.get(f"/hsds/taxonomy_terms?parent_id={top[0]['id']}").get_json()["contents"]
    assert children and all(t["parent_id"] == top[0]["id"] for t in children)
    assert demo_client.get("/hsds/taxonomies?search=zielgruppe").get_json()["total_items"] == 1


def test_places_by_postcode_and_proximity(app, client):
    org = make_org(name="Verein am Ort")
    near = make_location(organization=org, name="Nah", postcode="32427", lat=52.2890, lon=8.9160)
    far = make_location(organization=org, name="Fern", postcode="32429", lat=52.2500, lon=8.8000)
    make_offer(organization=org, title="Zwei Orte", locations=[near, far])
    db.session.commit()
    by_code = client.get("/hsds/service_at_locations?postcode=32429").get_json()["contents"]
    assert [s["location"]["name"] for s in by_code] == ["Fern"]
    wide = client.get("/hsds/service_at_locations?postcode=32427&proximity=50000").get_json()["total_items"]
    close = client.get("/hsds/service_at_locations?postcode=32427&proximity=3000").get_json()["contents"]
    assert wide == 2 and [s["location"]["name"] for s in close] == ["Nah"]
    response = client.get("/hsds/service_at_locations?proximity=500")
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "proximity"


def test_ndjson_streams_every_result(demo_client):
    response = demo_client.get("/hsds/services?format=ndjson&per_page=3")
    assert response.mimetype == "application/x-ndjson"
    lines = response.get_data(as_text=True).splitlines()
    assert len(lines) == len(hsds.build()["service"]) and json.loads(lines[0])["status"] == "active"


@pytest.mark.parametrize("query, field", [("page=0", "page"), ("per_page=abc", "per_page"), ("format=xml", "format"),
                                          ("full=vielleicht", "full"), ("modified_after=gestern", "modified_after"),
                                          ("search=" + quote("a\x00b"), "search"), ("search=" + "x" * 300, "search")])
def test_bad_parameters_get_a_400_error_object(demo_client, query, field):
    response = demo_client.get("/hsds/services?" + query)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["field"] == field and error["message"]


def test_unknown_ids_are_json_404_and_the_api_is_open_and_cookieless(demo_client):
    for url in ("/hsds/services/nope", "/hsds/organizations/" + hsds.hsds_id("organization", 10**9), "/hsds/nothing"):
        response = demo_client.get(url)
        assert response.status_code == 404 and response.get_json()["error"]["code"] == 404, url
    response = demo_client.get("/hsds/?lang=en")
    assert response.get_json()["version"] == "3.0"
    assert response.headers["Access-Control-Allow-Origin"] == "*" and "Set-Cookie" not in response.headers
    again = demo_client.get("/hsds/taxonomies", headers={"If-None-Match": demo_client.get("/hsds/taxonomies").headers["ETag"]})
    assert again.status_code == 304


def test_the_open_data_page_links_the_hsds_api(demo_client):
    html = demo_client.get("/daten/").get_data(as_text=True)
    assert 'href="/hsds/"' in html
