"""The OpenAPI 3.1 description of the read API.

The response schemas are the JSON schemas of the response shapes in
:mod:`directory.opendata.shapes` – the same models the API dumps its answers from. Operations and
parameters are built per request from the vocabularies, so every code list (districts,
languages, challenges …) appears as an ``enum`` and cannot go stale. Tests check that every
route under /api/v1 is described here and fuzz the API against this document (schemathesis),
so description and behaviour cannot drift apart.
"""
from __future__ import annotations

from typing import Any

from directory.core.i18n import available
from directory.core.paging import MAX_PAGE, MAX_PER_PAGE
from directory.core.params import STORABLE_PATTERN
from directory.models import WEEKDAYS
from directory.offers.vocabulary import Vocabulary
from directory.opendata import shapes
from directory.search import engine as search

VERSION = "1.0.0"
MAX_ID = 2_147_483_647  # ids are 32-bit integers on PostgreSQL


def _str(**kw) -> dict:
    return {"type": "string", **kw}


def _obj(props: dict, required: list[str] | None = None) -> dict:
    return {"type": "object", "properties": props, "required": list(props) if required is None else required}


def _array(items: dict) -> dict:
    return {"type": "array", "items": items}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema_name: str, description: str) -> dict:
    return {"description": description, "headers": CACHE_HEADERS,
            "content": {"application/json": {"schema": _ref(schema_name)}}}


def _file(mimetype: str, schema: dict, description: str) -> dict:
    return {"description": description, "headers": CACHE_HEADERS, "content": {mimetype: {"schema": schema}}}


CACHE_HEADERS = {
    "ETag": {"description": "validator for If-None-Match", "schema": {"type": "string"}, "required": True},
    "Last-Modified": {"description": "when the public data last changed", "schema": {"type": "string"}},
    "Cache-Control": {"description": "public, max-age=300", "schema": {"type": "string"}, "required": True},
}
ERRORS = {
    "304": {"description": "Not modified (the If-None-Match validator matches)"},
    "400": {"description": "Bad parameter; `field` names it",
            "content": {"application/json": {"schema": _ref("Error")}}},
}
NOT_FOUND = {"404": {"description": "No such (published) item",
                     "content": {"application/json": {"schema": _ref("Error")}}}}


def _param(name: str, schema: dict, description: str, where: str = "query", **kw) -> dict:
    return {"name": name, "in": where, "description": description, "schema": schema, **kw}


def _multi(name: str, codes: list[str], description: str) -> dict:
    return _param(name, {"type": "array", "maxItems": search.MAX_VALUES_PER_PARAM,
                         "items": {"type": "string", "enum": codes}},
                  description + " Repeat the parameter for several values (OR).",
                  style="form", explode=True)


def _paging() -> list[dict]:
    return [
        _param("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}, "page number"),
        _param("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 20},
               f"results per page (at most {MAX_PER_PAGE})"),
    ]


def search_parameters(vocab: Vocabulary) -> list[dict]:
    text = {"type": "string", "maxLength": search.MAX_VALUE_LENGTH, "pattern": STORABLE_PATTERN}
    return [
        _param("q", text, "free text: words ranked (more words first), spelling forgiven (case, "
               "ß/ss, umlauts, accents, stems, compound parts, typos); words naming a vocabulary value "
               "in any interface language count as that value (see `meta.understood`)"),
        _param("literal", {"type": "string", "enum": ["0", "1"]},
               "`1`: the words only as text, not as vocabulary values"),
        _param("near", text, "an address, a place, a postcode, a Stadtteil or `lat,lon`; with it the "
               "default sort is `distance`; needed for `radius`"),
        _multi("district", list(vocab.districts), "Stadtteil (district code)."),
        _multi("language", list(vocab.languages), "Language spoken at the offer (ISO 639-1)."),
        _multi("target", list(vocab.target_groups), "Target group."),
        _multi("challenge", list(vocab.challenges), "Workshop challenge (IKON taxonomy code)."),
        _multi("category", list(vocab.categories), "Kind of offer."),
        _param("free", {"type": "string", "enum": ["1"]}, "only offers free of charge"),
        _param("when", {"type": "array", "maxItems": search.MAX_VALUES_PER_PARAM,
                        "items": {"type": "string",
                                  "pattern": "^(" + "|".join(search.WHEN_OPTIONS) + r"|\d{4}-\d{2}-\d{2})$"}},
               "Takes place on these days: `today`, `tomorrow`, `weekend` (the coming one), `week` "
               "(today and the six days after) or a date `YYYY-MM-DD` (at most a year from today); weekly "
               "slots and one-off dates. Repeat the parameter for several values (OR).",
               style="form", explode=True),
        _multi("day", list(WEEKDAYS), "Weekday with a current slot."),
        _multi("time", list(search.TIMES_OF_DAY), "Time of day with a current slot."),
        _param("radius", {"type": "string", "enum": [str(r) for r in search.RADIUS_OPTIONS]},
               "distance from `near` in km (needs `near`)"),
        _param("sort", {"type": "string", "enum": ["", *search.SORTS], "default": ""},
               "empty: the default – `distance` with `near`, else `relevance`; `distance` needs `near`; every order ends with the offer id, so paging is stable"),
        *_paging(),
    ]


def lang_parameter() -> dict:
    return _param("lang", {"type": "string", "enum": available()},
                  "language of labels (default: Accept-Language, then German)")


def build(vocab: Vocabulary, server_url: str = "/api/v1") -> dict[str, Any]:
    lang = lang_parameter()
    filters = [p for p in search_parameters(vocab) if p["name"] not in ("page", "per_page")]
    offer_id = _param("offer_id", {"type": "integer", "minimum": 1, "maximum": MAX_ID}, "offer id",
                      where="path", required=True)
    paths: dict[str, Any] = {
        "/offers": {"get": {
            "operationId": "listOffers", "tags": ["offers"],
            "summary": "Search published offers (same filters, counts and errors as the search page)",
            "parameters": [*search_parameters(vocab), lang],
            "responses": {"200": _json("OfferList", "A page of offers with facet counts"), **ERRORS},
        }},
        "/offers/{offer_id}": {"get": {
            "operationId": "getOffer", "tags": ["offers"], "summary": "One published offer",
            "parameters": [offer_id, lang],
            "responses": {"200": _json("Offer", "The offer"), **ERRORS, **NOT_FOUND},
        }},
        "/organizations": {"get": {
            "operationId": "listOrganizations", "tags": ["organizations"],
            "summary": "Providers with at least one published offer, by name",
            "parameters": _paging(),
            "responses": {"200": _json("OrganizationList", "A page of organisations"), **ERRORS},
        }},
        "/organizations/{organization_id}": {"get": {
            "operationId": "getOrganization", "tags": ["organizations"], "summary": "One provider and its published offers",
            "parameters": [_param("organization_id", {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                                  "organisation id", where="path", required=True)],
            "responses": {"200": _json("OrganizationDetail", "The organisation"), **ERRORS, **NOT_FOUND},
        }},
        "/locations": {"get": {
            "operationId": "listLocations", "tags": ["locations"],
            "summary": "Places where published offers are held, by name",
            "parameters": [_param("district", {"type": "string", "enum": list(vocab.districts)}, "only this Stadtteil"),
                           *_paging()],
            "responses": {"200": _json("LocationList", "A page of locations"), **ERRORS},
        }},
        "/locations/{location_id}": {"get": {
            "operationId": "getLocation", "tags": ["locations"], "summary": "One place and its published offers",
            "parameters": [_param("location_id", {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                                  "location id", where="path", required=True)],
            "responses": {"200": _json("LocationDetail", "The location"), **ERRORS, **NOT_FOUND},
        }},
        "/districts": {"get": {
            "operationId": "listDistricts", "tags": ["districts"],
            "summary": "The Stadtteile with centre and number of published offers",
            "responses": {"200": _json("DistrictList", "All districts"), "304": ERRORS["304"]},
        }},
        "/districts/{code}": {"get": {
            "operationId": "getDistrict", "tags": ["districts"], "summary": "One district with its boundary (GeoJSON)",
            "parameters": [_param("code", {"type": "string", "enum": list(vocab.districts)}, "district code",
                                  where="path", required=True)],
            "responses": {"200": _json("DistrictDetail", "The district"), "304": ERRORS["304"], **NOT_FOUND},
        }},
        "/challenges": {"get": {
            "operationId": "listChallenges", "tags": ["vocabularies"],
            "summary": "The IKON taxonomy: fields of action and their workshop challenges, with offer counts",
            "parameters": [lang],
            "responses": {"200": _json("Taxonomy", "The taxonomy"), **ERRORS},
        }},
        "/vocabularies": {"get": {
            "operationId": "listVocabularies", "tags": ["vocabularies"],
            "summary": "Every code list used by the filters, labelled in the requested language",
            "parameters": [lang],
            "responses": {"200": _json("Vocabularies", "The code lists"), **ERRORS},
        }},
        "/offers.geojson": {"get": {
            "operationId": "offersGeoJson", "tags": ["exports"],
            "summary": "Places of all offers matching the search, as GeoJSON points listing their offers",
            "parameters": [*filters, lang],
            "responses": {"200": _file("application/geo+json", _obj({
                "type": _str(const="FeatureCollection"), "features": _array({"type": "object"})}), "GeoJSON"),
                **ERRORS},
        }},
        "/offers.csv": {"get": {
            "operationId": "offersCsv", "tags": ["exports"],
            "summary": "All offers matching the search as CSV for spreadsheets (semicolon-separated, UTF-8 with BOM, one row per offer)",
            "parameters": [*filters, lang],
            "responses": {"200": _file("text/csv", _str(), "CSV"), **ERRORS},
        }},
        "/offers.ics": {"get": {
            "operationId": "offersIcs", "tags": ["exports"],
            "summary": "Dates of all offers matching the search as iCalendar (Europe/Berlin; weekly slots as RRULE)",
            "parameters": [*filters, lang],
            "responses": {"200": _file("text/calendar", _str(), "iCalendar"), **ERRORS},
        }},
        "/offers/{offer_id}.ics": {"get": {
            "operationId": "offerIcs", "tags": ["exports"], "summary": "One offer's dates as iCalendar",
            "parameters": [offer_id],
            "responses": {"200": _file("text/calendar", _str(), "iCalendar"), **ERRORS, **NOT_FOUND},
        }},
        "/feed.atom": {"get": {
            "operationId": "feedAtom", "tags": ["exports"],
            "summary": "Atom feed of new and changed offers (newest 50, optionally filtered like the search)",
            "parameters": [*filters, lang],
            "responses": {"200": _file("application/atom+xml", _str(), "Atom 1.0 feed"), **ERRORS},
        }},
        "/export/hsds.json": {"get": {
            "operationId": "exportHsdsJson", "tags": ["exports"],
            "summary": "All published data as Open Referral HSDS 3.0 (tabular JSON form: one array per HSDS table)",
            "responses": {"200": {"description": "HSDS 3.0 tables", "headers": CACHE_HEADERS, "content": {
                "application/json": {"schema": {"type": "object", "required": ["hsds_version", "service", "organization"],
                                                 "properties": {"hsds_version": _str(const="3.0"),
                                                                "service": _array({"type": "object"}),
                                                                "organization": _array({"type": "object"})}}}}},
                          "304": ERRORS["304"]},
        }},
        "/export/hsds.zip": {"get": {
            "operationId": "exportHsdsZip", "tags": ["exports"],
            "summary": "HSDS 3.0 as a tabular data package: CSV files plus datapackage.json, zipped",
            "responses": {"200": {"description": "zip archive", "headers": CACHE_HEADERS, "content": {
                "application/zip": {"schema": {"type": "string", "contentMediaType": "application/zip"}}}},
                "304": ERRORS["304"]},
        }},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Wegweiser Minden – read API",
            "version": VERSION,
            "description": (
                "Published integration offers in Minden: search with the same filters, facet counts and "
                "error messages as the search page, plus providers, places, districts and the IKON workshop "
                "taxonomy. Read-only, no authentication, CORS for GET. Responses carry ETag, Last-Modified "
                "and Cache-Control; send If-None-Match to get 304. Errors are "
                "`{\"error\": {\"code\", \"message\", \"field\"}}` with a 4xx status."
            ),
            "license": {"name": "AGPL-3.0-or-later (software)", "identifier": "AGPL-3.0-or-later"},
        },
        "servers": [{"url": server_url}],
        "tags": [
            {"name": "offers", "description": "Published offers (HSDS services)"},
            {"name": "organizations", "description": "Providers (HSDS organizations)"},
            {"name": "locations", "description": "Places (HSDS locations)"},
            {"name": "districts", "description": "Stadtteile"},
            {"name": "vocabularies", "description": "Code lists and the IKON taxonomy"},
            {"name": "exports", "description": "Whole data sets and other formats"},
        ],
        "paths": paths,
        "components": {"schemas": shapes.component_schemas()},
    }
