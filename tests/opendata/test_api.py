"""The read API: same filters and counts as the search page, errors, paging, caching, CORS."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from directory.extensions import db
from directory.models import Offer
from directory.offers.visibility import visible_clause
from directory.opendata import openapi
from tests.factories import make_offer, make_org


def visible_total() -> int:
    return db.session.scalar(select(func.count(Offer.id)).where(visible_clause(dt.date.today())))


def test_offers_lists_every_published_offer_with_paging(demo_client):
    body = demo_client.get("/api/v1/offers?per_page=100").get_json()
    assert body["meta"]["total"] == visible_total() >= 60
    assert len(body["data"]) == min(100, body["meta"]["total"])
    assert body["links"]["prev"] is None


@pytest.mark.parametrize("query", [
    "language=ar&target=women_girls",
    "district=baerenkaempen&district=innenstadt",
    "challenge=Z1&free=1",
    "q=sport",
    "near=52.29,8.91&radius=2",
    "day=tue&time=morning",
])
def test_api_and_search_page_agree_on_total_and_facet_counts(demo_client, query):
    page = demo_client.get("/?" + query).get_data(as_text=True)
    body = demo_client.get("/api/v1/offers?" + query).get_json()
    total = int(re.search(r'data-total="(\d+)"', page).group(1))
    assert body["meta"]["total"] == total
    # every count shown in the sidebar equals the API's count for that value
    for param, facet in body["facets"].items():
        for value in facet["values"]:
            m = re.search(rf'id="f-{param}-{re.escape(value["value"])}".*?data-count="(\d+)"', page, re.S)
            assert m and int(m.group(1)) == value["count"], (param, value["value"])


def test_paging_is_stable_and_complete(demo_client):
    seen = []
    url = "/api/v1/offers?per_page=7&sort=relevance"
    while url:
        body = demo_client.get(url).get_json()
        seen += [o["id"] for o in body["data"]]
        url = body["links"]["next"]
    assert len(seen) == len(set(seen)) == visible_total()
    again = demo_client.get("/api/v1/offers?per_page=7&page=2").get_json()
    assert [o["id"] for o in again["data"]] == seen[7:14]


@pytest.mark.parametrize("query, field", [
    ("district=atlantis", "district"),
    ("page=0", "page"),
    ("page=-1", "page"),
    ("page=%C2%B2", "page"),  # a superscript two is a digit to Python, not a page number
    ("per_page=101", "per_page"),
    ("per_page=abc", "per_page"),
    ("near=91,200", "near"),
    ("radius=5", "radius"),
    ("sort=distance", "sort"),
    ("sort=random", "sort"),
    ("q=" + "x" * 201, "q"),
    ("q=" + " " * 201, "q"),
    ("lang=xx", "lang"),
])
def test_bad_parameters_get_a_400_error_object(demo_client, query, field):
    response = demo_client.get("/api/v1/offers?" + query)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == 400 and error["field"] == field and error["message"]
    assert any(d["field"] == field for d in error["details"])


def test_same_error_message_as_the_search_page(demo_client):
    page = demo_client.get("/?district=atlantis").get_data(as_text=True)
    error = demo_client.get("/api/v1/offers?district=atlantis").get_json()["error"]
    assert "Unbekannter Stadtteil: atlantis" in page and error["message"] == "Unbekannter Stadtteil: atlantis"


def test_unknown_offer_and_unknown_route_are_json_404(demo_client):
    for url in ("/api/v1/offers/999999", "/api/v1/offers/2147483647", "/api/v1/nothing"):
        response = demo_client.get(url)
        assert response.status_code == 404 and response.get_json()["error"]["code"] == 404
    # ids beyond 32 bits never reach the database
    assert demo_client.get("/api/v1/offers/99999999999999999999").status_code == 404


def test_draft_and_expired_offers_are_not_in_the_api(app, client):
    org = make_org(name="Nur Entwürfe e. V.")
    draft = make_offer(organization=org, status="draft", title="Entwurf")
    expired = make_offer(organization=org, valid_to=dt.date.today() - dt.timedelta(days=1), title="Abgelaufen")
    live = make_offer(title="Sichtbar")
    db.session.commit()
    ids = [o["id"] for o in client.get("/api/v1/offers").get_json()["data"]]
    assert ids == [live.id]
    assert client.get(f"/api/v1/offers/{draft.id}").status_code == 404
    assert client.get(f"/api/v1/offers/{expired.id}").status_code == 404
    assert client.get(f"/api/v1/organizations/{org.id}").status_code == 404
    orgs = [o["name"] for o in client.get("/api/v1/organizations").get_json()["data"]]
    assert "Nur Entwürfe e. V." not in orgs


def test_offer_json_has_the_public_fields_only(demo_client):
    first = demo_client.get("/api/v1/offers?per_page=1").get_json()["data"][0]
    offer = demo_client.get(f"/api/v1/offers/{first['id']}").get_json()
    assert offer == first
    assert {"title", "organization", "languages", "challenges", "locations", "schedules", "contact"} <= set(offer)
    assert not {"status", "search_text", "password", "user", "created_by"} & set(offer)
    assert offer["url"].endswith(f"/angebote/{offer['id']}")


def test_labels_follow_the_requested_language(demo_client):
    de = demo_client.get("/api/v1/vocabularies").get_json()
    en = demo_client.get("/api/v1/vocabularies", headers={"Accept-Language": "en"}).get_json()
    assert [c["code"] for c in de["categories"]] == [c["code"] for c in en["categories"]]
    assert len(de["challenges"]) == 18 and len(de["districts"]) == 19


def test_taxonomy_counts_published_offers(demo_client):
    fields = demo_client.get("/api/v1/challenges").get_json()["data"]
    assert len(fields) == 4 and sum(len(f["challenges"]) for f in fields) == 18
    z1 = next(c for f in fields for c in f["challenges"] if c["code"] == "Z1")
    assert z1["offer_count"] == demo_client.get("/api/v1/offers?challenge=Z1").get_json()["meta"]["total"]


def test_districts_locations_organizations(demo_client):
    districts = demo_client.get("/api/v1/districts").get_json()["data"]
    assert len(districts) == 19
    one = demo_client.get(f"/api/v1/districts/{districts[0]['code']}").get_json()
    assert one["boundary"]["type"] in ("Polygon", "MultiPolygon")
    assert demo_client.get("/api/v1/districts/atlantis").status_code == 404
    locs = demo_client.get("/api/v1/locations?district=baerenkaempen").get_json()
    assert locs["meta"]["total"] >= 1 and all(loc["district"]["code"] == "baerenkaempen" for loc in locs["data"])
    loc = demo_client.get(f"/api/v1/locations/{locs['data'][0]['id']}").get_json()
    assert loc["offers"]
    assert demo_client.get("/api/v1/locations?district=atlantis").status_code == 400
    orgs = demo_client.get("/api/v1/organizations?per_page=100").get_json()
    assert orgs["meta"]["total"] >= 20
    org = demo_client.get(orgs["data"][0]["api_url"]).get_json()
    assert org["offers"] and org["name"] == orgs["data"][0]["name"]


def test_etag_last_modified_and_304(demo_client):
    first = demo_client.get("/api/v1/offers?language=ar")
    assert first.status_code == 200
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    assert "max-age" in first.headers["Cache-Control"] and "public" in first.headers["Cache-Control"]
    again = demo_client.get("/api/v1/offers?language=ar", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    other = demo_client.get("/api/v1/offers?language=uk", headers={"If-None-Match": first.headers["ETag"]})
    assert other.status_code == 200


def test_etag_changes_when_an_offer_changes(app, client):
    offer = make_offer(title="Vorher")
    db.session.commit()
    before = client.get(f"/api/v1/offers/{offer.id}").headers["ETag"]
    offer.title = "Nachher"
    db.session.commit()
    after = client.get(f"/api/v1/offers/{offer.id}", headers={"If-None-Match": before})
    assert after.status_code == 200 and after.headers["ETag"] != before


def test_cors_for_reads_only(demo_client):
    get = demo_client.get("/api/v1/vocabularies", headers={"Origin": "https://verein.example"})
    assert get.headers["Access-Control-Allow-Origin"] == "*"
    preflight = demo_client.options("/api/v1/offers", headers={
        "Origin": "https://verein.example", "Access-Control-Request-Method": "GET"})
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" not in preflight.headers["Access-Control-Allow-Methods"]
    post = demo_client.post("/api/v1/offers", headers={"Origin": "https://verein.example"})
    assert post.status_code == 405 and "Access-Control-Allow-Origin" not in post.headers


def test_api_has_no_state_changing_routes(demo_app):
    for rule in demo_app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule


def test_api_sets_no_cookies_even_with_a_language_or_a_session(demo_client):
    for url in ("/api/v1/offers?lang=en", "/en/api/v1/offers", "/api/v1/nothing?lang=en"):
        response = demo_client.get(url)
        assert "Set-Cookie" not in response.headers, url


def test_openapi_document_describes_exactly_the_api_routes(demo_app, demo_client):
    doc = demo_client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    documented = {"/api/v1" + p for p in doc["paths"]}
    routes = {re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", r.rule) for r in demo_app.url_map.iter_rules()
              if r.rule.startswith("/api/v1/") and r.rule not in ("/api/v1/", "/api/v1/openapi.json")}
    assert routes == documented
    # every facet of the search page is a documented parameter of /offers
    from directory.search.engine import FACETS
    names = {p["name"] for p in doc["paths"]["/offers"]["get"]["parameters"]}
    assert {f.param for f in FACETS} | {"q", "near", "sort", "page", "per_page"} <= names


def test_api_reference_page_is_rendered_from_the_document(demo_client):
    html = demo_client.get("/daten/api").get_data(as_text=True)
    doc = demo_client.get("/api/v1/openapi.json").get_json()
    for path in doc["paths"]:
        assert f"GET {path}</code>" in html
    assert "cdn" not in html.lower() and "swagger" not in html.lower()


def test_openapi_builds_without_request(demo_app):
    from directory.offers import vocabulary
    doc = openapi.build(vocabulary.load("de"))
    assert doc["paths"]["/offers"]["get"]["operationId"] == "listOffers"
