"""The JSON API's data: validated parameters, offers and vocabularies as response shapes, HTTP caching.

The API reuses the search page's parser (:func:`directory.search.engine.read`) and facet counting, so
filters, error messages and counts are the same on the page and in the API. Everything here
reads only what the public may see: published, unexpired offers, their providers and places.
No account data, no personal data beyond the providers' own public contact fields.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from typing import Callable

from flask import Response, request
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import selectinload

from directory.core import paging
from directory.core.params import Params
from directory.extensions import db
from directory.models import (
    WEEKDAYS,
    District,
    Location,
    Offer,
    Organization,
    Schedule,
    offer_challenge,
    offer_location,
)
from directory.offers.visibility import (
    visible_clause,
    visible_location_ids,
    visible_offer_ids,
    visible_org_ids,
)
from directory.offers.vocabulary import Vocabulary
from directory.opendata import shapes
from directory.search import engine as search

DEFAULT_PER_PAGE = 20
CACHE_SECONDS = 300


# --- parameters --------------------------------------------------------------------------

FREE_TEXT = ("q", "near")


def api_params(args) -> Params:
    """A reader for an API query: every raw value bounded, and only free text may be empty."""
    params = Params(args, max_length=search.MAX_VALUE_LENGTH)
    params.bounded(free_text=FREE_TEXT)
    return params


def read_search(params: Params, vocab: Vocabulary, geocoder, today: dt.date | None = None) -> search.SearchQuery:
    """The search page's parameters plus ``per_page``, collected into ``params``."""
    raw_errors = dict(params.errors)
    params.errors.clear()
    per_page = paging.read_per_page(params, DEFAULT_PER_PAGE)
    query = search.read(params, vocab, geocoder, per_page=per_page, today=today)
    # the parser's fields first; a raw value's own message wins over the parser's
    params.errors = {**params.errors, **raw_errors}
    return query


def parse_search(args, vocab: Vocabulary, geocoder, today: dt.date | None = None) -> search.SearchQuery:
    """The search page's parser plus ``per_page``; raises ParamError with all errors at once."""
    params = api_params(args)
    query = read_search(params, vocab, geocoder, today)
    params.check()
    return query


def page_params(args) -> tuple[int, int]:
    """page/per_page for the simple lists (organisations, locations)."""
    params = api_params(args)
    page = paging.read_page(params)
    per_page = paging.read_per_page(params, DEFAULT_PER_PAGE)
    params.check()
    return page, per_page


# --- serialisation: models → response shapes (directory.opendata.shapes) --------------------

def term(code: str, terms: dict) -> dict:
    t = terms.get(code)
    return {"code": code, "label": t.label if t else code}


# The builders below give plain dicts that pydantic validates in one go (much faster than
# building every nested model in Python); the result is the shape's model.

def _schedule(s: Schedule) -> dict:
    return {
        "id": s.id, "kind": "once" if s.date is not None else "weekly", "weekday": WEEKDAYS[s.weekday],
        "date": s.date, "opens_at": s.opens_at, "closes_at": s.closes_at,
        "valid_from": s.valid_from, "valid_to": s.valid_to, "note": s.note,
    }


def _location(loc: Location) -> dict:
    return {
        "id": loc.id, "name": loc.name, "address": loc.address, "postcode": loc.postcode, "city": loc.city,
        "lat": loc.lat, "lon": loc.lon,
        "district": {"code": loc.district.code, "name": loc.district.name} if loc.district else None,
        "wheelchair_accessible": loc.wheelchair_accessible,
    }


def location_shape(loc: Location) -> shapes.Location:
    return shapes.Location.model_validate(_location(loc))


def organization_shape(org: Organization, api_url: str) -> shapes.Organization:
    return shapes.Organization.model_validate({
        "id": org.id, "name": org.name, "description": org.description, "website": org.website,
        "email": org.email, "phone": org.phone, "is_demo": org.is_demo, "updated_at": org.updated_at,
        "api_url": api_url,
    })


def offer_shape(offer: Offer, vocab: Vocabulary, urls: Callable[[Offer], dict[str, str]]) -> shapes.Offer:
    org = offer.organization
    return shapes.Offer.model_validate({
        "id": offer.id,
        **urls(offer),
        "title": offer.title,
        "summary": offer.summary,
        "description": offer.description,
        "plain_summary": offer.plain_summary,
        "organization": {"id": org.id, "name": org.name, "website": org.website, "is_demo": org.is_demo},
        "category": term(offer.category_code, vocab.categories),
        "is_free": offer.is_free,
        "cost": offer.cost,
        "registration_required": offer.registration_required,
        "accessibility": offer.accessibility,
        "languages": [
            {"code": lang.code, "label": term(lang.code, vocab.languages)["label"], "native": lang.native}
            for lang in offer.languages
        ],
        "target_groups": [term(t.code, vocab.target_groups) for t in offer.target_groups],
        "challenges": [{**term(c.code, vocab.challenges), "field": c.field_code} for c in offer.challenges],
        "locations": [_location(loc) for loc in offer.locations],
        "schedules": [_schedule(s) for s in offer.schedules],
        "contact": {
            "name": offer.contact_name,
            "email": offer.contact_email or org.email,
            "phone": offer.contact_phone or org.phone,
        },
        "valid_from": offer.valid_from,
        "valid_to": offer.valid_to,
        "last_confirmed": offer.last_confirmed,
        "created_at": offer.created_at,
        "updated_at": offer.updated_at,
    })


OFFER_LOADS = (
    selectinload(Offer.organization),
    selectinload(Offer.languages),
    selectinload(Offer.target_groups),
    selectinload(Offer.challenges),
    selectinload(Offer.locations).selectinload(Location.district),
    selectinload(Offer.schedules),
)


MAX_EXPORT = 5000


def matching_offers(query: search.SearchQuery, limit: int = MAX_EXPORT) -> list[Offer]:
    """The whole result set of a search (not one page), fully loaded, in the search's order."""
    stmt = search.ordered(select(Offer).where(*search.where_clauses(query)), query)
    return list(db.session.scalars(stmt.options(*OFFER_LOADS).limit(limit)))


def visible_offer(offer_id: int, today: dt.date | None = None) -> Offer | None:
    return db.session.scalar(
        select(Offer)
        .where(Offer.id == offer_id, visible_clause(today or dt.date.today()))
        .options(*OFFER_LOADS)
    )


def facets_shape(facets: list[search.FacetResult]) -> dict[str, dict]:
    """The facets as plain dicts (``shapes.Facet`` validates them inside ``shapes.OfferList``)."""
    return {
        f.param: {
            "title": f.title,
            "selected_count": f.selected_count,
            "values": [
                {"value": v.value, "label": v.label, "count": v.count, "selected": v.selected,
                 "group": v.group, "toggle_url": v.toggle_url}
                for v in f.values
            ],
        }
        for f in facets
    }


def organizations_page(page: int, per_page: int) -> tuple[int, list[Organization]]:
    found = paging.paginate(
        select(Organization).where(Organization.id.in_(visible_org_ids()))
        .order_by(Organization.name, Organization.id), page, per_page)
    return found.total, list(found.items)


def visible_organization(org_id: int) -> Organization | None:
    return db.session.scalar(
        select(Organization).where(Organization.id == org_id, Organization.id.in_(visible_org_ids()))
    )


def offers_of_organization(org_id: int) -> list[tuple[int, str]]:
    return list(db.session.execute(
        select(Offer.id, Offer.title)
        .where(Offer.organization_id == org_id, visible_clause(dt.date.today()))
        .order_by(Offer.title, Offer.id)
    ).all())


def locations_page(page: int, per_page: int, district: str | None = None) -> tuple[int, list[Location]]:
    clauses = [Location.id.in_(visible_location_ids())]
    if district:
        clauses.append(Location.district_code == district)
    found = paging.paginate(
        select(Location).where(*clauses).order_by(Location.name, Location.id)
        .options(selectinload(Location.district)), page, per_page)
    return found.total, list(found.items)


def offers_at_location(location_id: int) -> list[tuple[int, str]]:
    return list(db.session.execute(
        select(Offer.id, Offer.title)
        .join(offer_location, offer_location.c.offer_id == Offer.id)
        .where(offer_location.c.location_id == location_id, visible_clause(dt.date.today()))
        .order_by(Offer.title, Offer.id)
    ).all())


def visible_location(location_id: int) -> Location | None:
    return db.session.scalar(
        select(Location).where(Location.id == location_id, Location.id.in_(visible_location_ids()))
        .options(selectinload(Location.district))
    )


def district_offer_counts() -> dict[str, int]:
    rows = db.session.execute(
        select(Location.district_code, func.count(distinct(offer_location.c.offer_id)))
        .join(offer_location, offer_location.c.location_id == Location.id)
        .where(offer_location.c.offer_id.in_(visible_offer_ids()))
        .group_by(Location.district_code)
    )
    return {code: n for code, n in rows if code}


def districts() -> list[District]:
    return list(db.session.scalars(select(District).order_by(District.name)))


def taxonomy_shape(vocab: Vocabulary, counts: dict[str, int]) -> shapes.Taxonomy:
    return shapes.Taxonomy(data=[
        shapes.FieldOfAction(code=fcode, label=field.label, challenges=[
            shapes.TaxonomyChallenge(code=c.code, label=c.label, offer_count=counts.get(c.code, 0))
            for c in vocab.challenges.values() if c.group == fcode
        ])
        for fcode, field in vocab.fields.items()
    ])


def challenge_counts() -> dict[str, int]:

    rows = db.session.execute(
        select(offer_challenge.c.challenge_code, func.count(distinct(offer_challenge.c.offer_id)))
        .where(offer_challenge.c.offer_id.in_(visible_offer_ids()))
        .group_by(offer_challenge.c.challenge_code)
    )
    return {code: n for code, n in rows}


def vocabularies_shape(vocab: Vocabulary) -> shapes.Vocabularies:
    def labelled(terms) -> list[shapes.CodeLabel]:
        return [shapes.CodeLabel(code=t.code, label=t.label) for t in terms.values()]

    return shapes.Vocabularies(
        districts=labelled(vocab.districts),
        languages=[
            shapes.VocabularyLanguage(code=t.code, label=t.label, native=t.extra.get("native"),
                                      rtl=bool(t.extra.get("rtl")))
            for t in vocab.languages.values()
        ],
        target_groups=labelled(vocab.target_groups),
        categories=labelled(vocab.categories),
        fields_of_action=labelled(vocab.fields),
        challenges=[shapes.VocabularyChallenge(code=t.code, label=t.label, field=t.group)
                    for t in vocab.challenges.values()],
        when=[shapes.CodeLabel(code=w, label=str(label)) for w, label in search.WHEN_OPTIONS.items()],
        weekdays=[shapes.CodeLabel(code=d, label=str(search.WEEKDAY_LABELS[d])) for d in WEEKDAYS],
        times_of_day=[shapes.CodeLabel(code=p, label=str(label)) for p, label in search.TIMES_OF_DAY.items()],
        radius_km=list(search.RADIUS_OPTIONS),
        sorts=list(search.SORTS),
    )


# --- HTTP caching ------------------------------------------------------------------------

def data_last_modified() -> dt.datetime:
    """When public data last changed: the newest offer or organisation change (UTC, seconds)."""
    offers = db.session.scalar(select(func.max(Offer.updated_at)))
    orgs = db.session.scalar(select(func.max(Organization.updated_at)))
    stamps = [s for s in (offers, orgs) if s is not None]
    newest = max(stamps) if stamps else dt.datetime(2024, 1, 1)
    # Visibility depends on today's date (expired offers drop out at midnight).
    midnight = dt.datetime.combine(dt.date.today(), dt.time())
    return max(newest, midnight).replace(microsecond=0, tzinfo=dt.UTC)


def cached(response: Response, last_modified: dt.datetime | None = None,
           max_age: int = CACHE_SECONDS) -> Response:
    """Strong ETag over the body, Last-Modified, Cache-Control; 304 for a matching validator."""
    if response.status_code != 200:
        return response
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    if last_modified is not None:
        response.last_modified = last_modified
    body = response.get_data()
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    return response.make_conditional(request)
