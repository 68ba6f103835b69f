"""Every response shape of the read API (/api/v1), declared once as pydantic models.

The JSON answers are these models dumped (``model_dump(mode="json")``), the OpenAPI document's
``components/schemas`` are their JSON schemas (:func:`component_schemas`), and the open-data
page's schema tables are rendered from that document – so the three cannot drift apart.

Values keep the API's wire format: timestamps as UTC with ``Z`` and no fractions of a second,
clock times as ``HH:MM``, dates as ISO dates.
"""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema
from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from directory.core.paging import MAX_PER_PAGE
from directory.models import WEEKDAYS
from directory.search.engine import SORTS

REF_TEMPLATE = "#/components/schemas/{model}"


def utc_stamp(value: dt.datetime) -> str:
    """A stored (naive UTC) timestamp as the API writes it: ``2026-03-01T09:30:00Z``."""
    return value.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


UtcDateTime = Annotated[
    dt.datetime,
    PlainSerializer(utc_stamp, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
ClockTime = Annotated[
    dt.time,
    PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^\d\d:\d\d$"}),
]
Weekday = Literal[tuple(WEEKDAYS)]  # type: ignore[valid-type]
Count = Annotated[int, Field(ge=0)]


def _open_for_additions(schema: dict[str, Any]) -> None:
    """The document does not promise that no field will ever be added."""
    schema.pop("additionalProperties", None)


class Shape(BaseModel):
    """Base of every response shape: building one with an unknown field is an error, and
    every declared field is sent (``None`` as ``null``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_open_for_additions)


# --- small parts -------------------------------------------------------------------------

class CodeLabel(Shape):
    code: str
    label: str


class ErrorDetail(Shape):
    field: str
    message: str


class ErrorBody(Shape):
    code: Annotated[int, Field(ge=400, le=599)]
    message: str
    field: str | None = Field(description="the parameter that is wrong, if one is")
    details: list[ErrorDetail] = Field(default_factory=list, description="every wrong parameter")


class Error(Shape):
    error: ErrorBody


class DistrictRef(Shape):
    code: str
    name: str


class Schedule(Shape):
    id: int
    kind: Literal["weekly", "once"] = Field(description="weekly slot or one-off date")
    weekday: Weekday
    date: dt.date | None
    opens_at: ClockTime
    closes_at: ClockTime
    valid_from: dt.date | None
    valid_to: dt.date | None
    note: str | None


class Location(Shape):
    id: int
    name: str
    address: str
    postcode: str
    city: str
    lat: float | None
    lon: float | None
    district: DistrictRef | None
    wheelchair_accessible: bool | None


class OfferRef(Shape):
    id: int
    title: str
    api_url: str


class LocationDetail(Location):
    offers: list[OfferRef]


class Organization(Shape):
    id: int
    name: str
    description: str
    website: str | None
    email: str | None
    phone: str | None
    is_demo: bool
    updated_at: UtcDateTime
    api_url: str


class OrganizationDetail(Organization):
    offers: list[OfferRef]


# --- offers ------------------------------------------------------------------------------

class OfferOrganization(Shape):
    id: int
    name: str
    website: str | None
    is_demo: bool


class OfferLanguage(Shape):
    code: str
    label: str
    native: str | None


class OfferChallenge(Shape):
    code: str
    label: str
    field: str


class Contact(Shape):
    name: str | None
    email: str | None
    phone: str | None


class Offer(Shape):
    id: int
    url: str = Field(description="the offer's web page")
    api_url: str
    ics_url: str = Field(description="the offer's dates as iCalendar")
    title: str
    summary: str
    description: str
    plain_summary: str = Field(description="summary in plain language (Einfache Sprache)")
    organization: OfferOrganization
    category: CodeLabel
    is_free: bool
    cost: str | None
    registration_required: bool
    accessibility: str | None
    languages: list[OfferLanguage]
    target_groups: list[CodeLabel]
    challenges: list[OfferChallenge]
    locations: list[Location]
    schedules: list[Schedule]
    contact: Contact
    valid_from: dt.date | None
    valid_to: dt.date | None
    last_confirmed: dt.date | None
    created_at: UtcDateTime
    updated_at: UtcDateTime


class FacetValue(Shape):
    value: str
    label: str
    count: Count
    selected: bool
    group: str | None
    toggle_url: str = Field(description="this result with the value switched on or off")


class Facet(Shape):
    title: str
    selected_count: int
    values: list[FacetValue]


# --- paging ------------------------------------------------------------------------------

class Links(Shape):
    self: str
    first: str
    last: str
    prev: str | None
    next: str | None


class OfferLinks(Links):
    html: str = Field(description="the same search as a web page")


class PageMeta(Shape):
    total: Count
    page: Annotated[int, Field(ge=1)]
    per_page: Annotated[int, Field(ge=1, le=MAX_PER_PAGE)]
    pages: Annotated[int, Field(ge=1)]


class Understood(Shape):
    """A vocabulary value a word of the query was understood to name."""

    param: str
    code: str
    label: str


class NearPoint(Shape):
    lat: float
    lon: float
    label: str
    approximate: bool


class OfferPageMeta(PageMeta):
    sort: Literal[tuple(SORTS)]  # type: ignore[valid-type]
    filters: list[str] = Field(description="the active filters in words")
    understood: list[Understood] = Field(description="vocabulary values the words were understood to name")
    suggestion: str | None = Field(description="the query with corrected spelling (\"Meinten Sie …?\")")
    near: NearPoint | None = Field(description="the place distances are measured from")


class OfferList(Shape):
    data: list[Offer]
    meta: OfferPageMeta
    facets: dict[str, Facet]
    links: OfferLinks


class OrganizationList(Shape):
    data: list[Organization]
    meta: PageMeta
    links: Links


class LocationList(Shape):
    data: list[Location]
    meta: PageMeta
    links: Links


# --- districts and vocabularies ----------------------------------------------------------

class Point(Shape):
    lat: float
    lon: float


class District(Shape):
    code: str
    name: str
    center: Point
    offer_count: Count
    boundary_approximate: bool
    api_url: str


class DistrictDetail(District):
    boundary: dict[str, Any] | None = Field(description="GeoJSON geometry")
    boundary_source: str


class DistrictList(Shape):
    data: list[District]


class TaxonomyChallenge(Shape):
    code: str
    label: str
    offer_count: Count


class FieldOfAction(Shape):
    code: str
    label: str
    challenges: list[TaxonomyChallenge]


class Taxonomy(Shape):
    data: list[FieldOfAction]


class VocabularyLanguage(Shape):
    code: str
    label: str
    native: str | None
    rtl: bool


class VocabularyChallenge(Shape):
    code: str
    label: str
    field: str


class Vocabularies(Shape):
    districts: list[CodeLabel]
    languages: list[VocabularyLanguage]
    target_groups: list[CodeLabel]
    categories: list[CodeLabel]
    fields_of_action: list[CodeLabel]
    challenges: list[VocabularyChallenge]
    when: list[CodeLabel]
    weekdays: list[CodeLabel]
    times_of_day: list[CodeLabel]
    radius_km: list[int]
    sorts: list[str]


class Index(Shape):
    openapi: str
    documentation: str
    offers: str
    organizations: str
    locations: str
    districts: str
    challenges: str
    vocabularies: str


# The shapes the OpenAPI document names (the smaller parts come along as their references).
DOCUMENTED = (
    Error, Index, Offer, OfferList, Organization, OrganizationDetail, OrganizationList,
    Location, LocationDetail, LocationList, District, DistrictDetail, DistrictList, Taxonomy,
    Vocabularies,
)


def dump(shape: Shape) -> dict[str, Any]:
    """The JSON body of a shape."""
    return shape.model_dump(mode="json")


class _Schema(GenerateJsonSchema):
    """Pydantic's JSON schema without a generated title on every field."""

    def field_title_should_be_set(self, schema) -> bool:
        return False


def component_schemas() -> dict[str, Any]:
    """``components/schemas`` of the OpenAPI document: one entry per shape."""
    _keys, doc = models_json_schema(
        [(model, "serialization") for model in DOCUMENTED],
        ref_template=REF_TEMPLATE, schema_generator=_Schema,
    )
    return doc["$defs"]
