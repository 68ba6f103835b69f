"""The API against its own OpenAPI document: schemathesis fuzzes every operation in-process.

Bounded and deterministic: a few positive and negative examples per operation with a fixed
seed (``derandomize``), no example database, on SQLite and PostgreSQL. Positive examples must
get a documented answer that matches the document; negative ones (values outside an enum, too
long, out of range) must be rejected with a documented 4xx.

OpenAPI cannot express the search's dependencies between parameters (``radius`` and
``sort=distance`` need ``near``; ``near`` must be a place the geocoder knows), so a
schema-valid request may still get a 400 – but only for those parameters.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

DEPENDENT = {"near", "radius", "sort", "when"}  # "when": a real date within a year, beyond a pattern
EXAMPLES = {GenerationMode.POSITIVE: 30, GenerationMode.NEGATIVE: 20}


@pytest.fixture
def api_schema(demo_app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", demo_app)


def _operations(schema):
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", list(EXAMPLES), ids=lambda m: m.value)
def test_every_operation_conforms_to_the_openapi_document(api_schema, mode):
    operations = _operations(api_schema)
    assert len(operations) >= 10
    for operation in operations:
        if mode is GenerationMode.NEGATIVE and not operation.definition.raw.get("parameters"):
            continue  # nothing to get wrong
        @settings(max_examples=EXAMPLES[mode], derandomize=True, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case):
            response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
            if mode is GenerationMode.POSITIVE:
                assert response.status_code in (200, 404) or (
                    response.status_code == 400
                    and response.json()["error"]["field"] in DEPENDENT
                ), (response.status_code, response.text[:300])

        check()


def test_detail_answers_conform_to_the_document(api_schema, demo_client):
    offers = demo_client.get("/api/v1/offers?per_page=1").get_json()["data"]
    org_id, loc_id = offers[0]["organization"]["id"], offers[0]["locations"][0]["id"]
    cases = [
        ("/offers/{offer_id}", {"offer_id": offers[0]["id"]}),
        ("/organizations/{organization_id}", {"organization_id": org_id}),
        ("/locations/{location_id}", {"location_id": loc_id}),
        ("/districts/{code}", {"code": "baerenkaempen"}),
    ]
    for path, params in cases:
        case = api_schema[path]["GET"].Case(path_parameters=params)
        assert case.call_and_validate().status_code == 200, path
    near = api_schema["/offers"]["GET"].Case(query={"near": "52.29,8.91", "radius": "5", "sort": "distance",
                                                     "language": ["ar", "uk"], "per_page": 5})
    assert near.call_and_validate().status_code == 200
