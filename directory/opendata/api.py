"""The read-only JSON API under /api/v1 (thin views; data in data.py, shapes in shapes.py, description in openapi.py).

Only GET routes: nothing here changes state, so the blueprint is exempt from CSRF (it has no
forms) and answers every GET with ``Access-Control-Allow-Origin: *``. No cookies are set.
"""
from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, g, jsonify, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from directory.core import page_cache, paging
from directory.core.geo import app_geocoder
from directory.core.http import cookieless
from directory.core.i18n import available, current_language
from directory.core.params import ParamError, Params
from directory.extensions import csrf
from directory.models import Offer
from directory.offers import vocabulary
from directory.opendata import data as api_data
from directory.opendata import formats, hsds, openapi, shapes
from directory.search import engine as search

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
READ_METHODS = ("GET", "HEAD", "OPTIONS")
OPEN_PATHS = ("/api/", "/hsds/")  # the read APIs: this one and the HSDS API (hsds_api.py)


@bp.before_request
def _no_cookies_and_known_language():
    g.cookieless = True
    lang = request.args.getlist("lang")
    if lang and (len(lang) > 1 or lang[0] not in available()):
        raise ParamError("lang", _("Unbekannte Sprache: %(value)s", value=lang[-1][:40]))


@bp.after_app_request
def _cors_and_no_cookies(response):
    """Every answer under /api/ and /hsds/ – also 404s for unknown routes, which no blueprint handles."""
    if not request.path.startswith(OPEN_PATHS):
        return response
    if request.method in READ_METHODS:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = "ETag, Last-Modified, Content-Disposition"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Accept, Accept-Language, If-None-Match, If-Modified-Since"
            response.headers["Access-Control-Max-Age"] = "86400"
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return cookieless(response)


def _abs(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=True, **values)


def _offer_urls(offer) -> dict[str, str]:
    return {
        "url": _abs("public.offer_detail", offer_id=offer.id),
        "api_url": _abs("api.offer", offer_id=offer.id),
        "ics_url": _abs("api.offer_ics", offer_id=offer.id),
    }


def _offer_shapes(result: search.SearchResult, vocab, locale: str) -> list[shapes.Offer]:
    """The page's offers as API objects; those made before (same offer, language, host and
    state of the data) are reused and only the others' offers are loaded."""
    host = request.host_url
    return page_cache.per_offer_parts(
        result.ids, lambda i: ("api-offer", i, locale, host), result.load_offers,
        lambda offer: api_data.offer_shape(offer, vocab, _offer_urls))


def _page_links(endpoint: str, page: int, pages: int, params: list[tuple[str, str]]) -> dict:
    def at(n: int) -> str:
        query = urlencode(paging.page_args(params, n))
        return _abs(endpoint) + ("?" + query if query else "")

    return paging.links(at, page, pages)


def _json(shape: shapes.Shape, max_age: int = api_data.CACHE_SECONDS):
    return api_data.cached(jsonify(shapes.dump(shape)), api_data.data_last_modified(), max_age)


@bp.get("/")
def index():
    return _json(shapes.Index(
        openapi=_abs("api.openapi_document"),
        documentation=_abs("opendata.api_docs"),
        offers=_abs("api.offers"),
        organizations=_abs("api.organizations"),
        locations=_abs("api.locations"),
        districts=_abs("api.districts"),
        challenges=_abs("api.challenges"),
        vocabularies=_abs("api.vocabularies"),
    ))


@bp.get("/openapi.json")
def openapi_document():
    doc = openapi.build(vocabulary.load("de"), server_url=url_for("api.index").rstrip("/"))
    return api_data.cached(current_app.response_class(json.dumps(doc, ensure_ascii=False, indent=1),
                                                       mimetype="application/json"), None, 3600)


@bp.get("/offers")
def offers():
    vocab = vocabulary.load(current_language())
    query = api_data.parse_search(request.args, vocab, app_geocoder())
    params = [(k, v) for k, v in request.args.items(multi=True)
              if k in set(search.SCALAR_PARAMS) | set(search.FACETS_BY_PARAM) | {"per_page", "lang"}]

    def toggle_url(param: str, value: str) -> str:
        items = search.toggled_args(request.args, param, value)
        return _abs("api.offers") + ("?" + urlencode(items) if items else "")

    result = search.run(query, vocab, toggle_url, load=(selectinload(Offer.challenges),))
    pages = result.pages
    html_params = [(k, v) for k, v in params if k not in ("per_page", "page")]
    links = shapes.OfferLinks(
        **_page_links("api.offers", query.page, pages, params),
        html=_abs("public.search_page") + ("?" + urlencode(html_params) if html_params else ""),
    )
    return _json(shapes.OfferList(
        data=_offer_shapes(result, vocab, current_language()),
        meta=shapes.OfferPageMeta(
            total=result.total, page=query.page, per_page=query.per_page, pages=pages,
            sort=query.sort, filters=search.describe(query, vocab),
            understood=[shapes.Understood(param=p, code=c, label=label)
                        for p, c, label in search.understood_labels(query, vocab)],
            suggestion=search.corrected_query(query), near=search.near_point(query)),
        facets=api_data.facets_shape(result.facets),
        links=links,
    ))


@bp.get("/offers/<int(min=1, max=2147483647):offer_id>")
def offer(offer_id: int):
    found = api_data.visible_offer(offer_id)
    if found is None:
        abort(404)
    return _json(api_data.offer_shape(found, vocabulary.load(current_language()), _offer_urls))


def _org_url(org_id: int) -> str:
    return _abs("api.organization", organization_id=org_id)


def _offer_refs(rows) -> list[shapes.OfferRef]:
    return [shapes.OfferRef(id=oid, title=title, api_url=_abs("api.offer", offer_id=oid)) for oid, title in rows]


@bp.get("/organizations")
def organizations():
    page, per_page = api_data.page_params(request.args)
    total, orgs = api_data.organizations_page(page, per_page)
    return _paged(shapes.OrganizationList, "api.organizations",
                  [api_data.organization_shape(o, _org_url(o.id)) for o in orgs],
                  total, page, per_page, ("page", "per_page"))


def _paged(shape, endpoint: str, data: list, total: int, page: int, per_page: int, kept: tuple[str, ...]):
    """A list answer with its paging meta data and links (arguments in `kept` carried along)."""
    pages = paging.Window(page, per_page, total).pages
    params = [(k, v) for k, v in request.args.items(multi=True) if k in kept]
    return _json(shape(
        data=data,
        meta=shapes.PageMeta(total=total, page=page, per_page=per_page, pages=pages),
        links=shapes.Links(**_page_links(endpoint, page, pages, params)),
    ))


@bp.get("/organizations/<int(min=1, max=2147483647):organization_id>")
def organization(organization_id: int):
    org = api_data.visible_organization(organization_id)
    if org is None:
        abort(404)
    return _json(shapes.OrganizationDetail(
        **dict(api_data.organization_shape(org, _org_url(org.id))),
        offers=_offer_refs(api_data.offers_of_organization(org.id)),
    ))


@bp.get("/locations")
def locations():
    vocab = vocabulary.load("de")
    params = api_data.api_params(request.args)
    page = paging.read_page(params)
    per_page = paging.read_per_page(params, api_data.DEFAULT_PER_PAGE)
    district = params.choice("district", vocab.districts, search.FACETS_BY_PARAM["district"].error)
    params.check()
    total, locs = api_data.locations_page(page, per_page, district)
    return _paged(shapes.LocationList, "api.locations", [api_data.location_shape(loc) for loc in locs],
                  total, page, per_page, ("page", "per_page", "district"))


@bp.get("/locations/<int(min=1, max=2147483647):location_id>")
def location(location_id: int):
    loc = api_data.visible_location(location_id)
    if loc is None:
        abort(404)
    return _json(shapes.LocationDetail(**dict(api_data.location_shape(loc)),
                                       offers=_offer_refs(api_data.offers_at_location(loc.id))))


def _district_fields(d, counts: dict[str, int]) -> dict:
    return {
        "code": d.code, "name": d.name, "center": shapes.Point(lat=d.center_lat, lon=d.center_lon),
        "offer_count": counts.get(d.code, 0), "boundary_approximate": d.boundary_approximate,
        "api_url": _abs("api.district", code=d.code),
    }


@bp.get("/districts")
def districts():
    counts = api_data.district_offer_counts()
    return _json(shapes.DistrictList(data=[shapes.District(**_district_fields(d, counts))
                                           for d in api_data.districts()]))


@bp.get("/districts/<code>")
def district(code: str):
    found = next((d for d in api_data.districts() if d.code == code), None)
    if found is None:
        abort(404)
    return _json(shapes.DistrictDetail(
        **_district_fields(found, api_data.district_offer_counts()),
        boundary=json.loads(found.boundary_geojson) if found.boundary_geojson else None,
        boundary_source=found.boundary_source,
    ))


@bp.get("/challenges")
def challenges():
    vocab = vocabulary.load(current_language())
    return _json(api_data.taxonomy_shape(vocab, api_data.challenge_counts()))


@bp.get("/vocabularies")
def vocabularies():
    return _json(api_data.vocabularies_shape(vocabulary.load(current_language())))


def _base_url() -> str:
    return url_for("public.search_page", _external=True).rstrip("/")


def _download(body: bytes | str, mimetype: str, filename: str | None = None, max_age: int = api_data.CACHE_SECONDS):
    response = current_app.response_class(body, mimetype=mimetype)
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return api_data.cached(response, api_data.data_last_modified(), max_age)


@bp.get("/export/hsds.json")
def export_hsds_json():
    stamp = api_data.data_last_modified().replace(tzinfo=None)
    doc = hsds.export_document(hsds.build(_base_url()), stamp)
    return _download(json.dumps(doc, ensure_ascii=False, indent=1), "application/json")


@bp.get("/export/hsds.zip")
def export_hsds_zip():
    stamp = api_data.data_last_modified().replace(tzinfo=None)
    files = hsds.data_package(hsds.build(_base_url()), stamp, _base_url())
    return _download(hsds.zip_bytes(files, stamp), "application/zip", "wegweiser-hsds.zip")


def _host() -> str:
    return request.host.split(":")[0] or "wegweiser"


def _html_url(offer) -> str:
    return _abs("public.offer_detail", offer_id=offer.id)


def _search_or_400(sort: str | None = None):
    """A validated search for the export formats (all results, no paging); ParamError → 400."""
    vocab = vocabulary.load(current_language())
    args = request.args
    if sort and args.get("sort") in (None, "", *search.SORTS):  # a bad sort still gets its 400
        args = args.copy()
        args["sort"] = sort
    query = api_data.parse_search(args, vocab, app_geocoder())
    return query, vocab


def _filter_params() -> list[tuple[str, str]]:
    known = set(search.SCALAR_PARAMS) | set(search.FACETS_BY_PARAM)
    return [(k, v) for k, v in request.args.items(multi=True) if k in known and k != "page"]


@bp.get("/offers.geojson")
def offers_geojson():
    query, vocab = _search_or_400()
    data = formats.geojson(api_data.matching_offers(query), vocab, _html_url)
    return _download(json.dumps(data, ensure_ascii=False), "application/geo+json")


@bp.get("/offers.csv")
def offers_csv():
    query, vocab = _search_or_400()
    text = formats.offers_csv(api_data.matching_offers(query), vocab, _html_url, current_language())
    return _download(text, "text/csv", "wegweiser-angebote.csv")


@bp.get("/offers.ics")
def offers_ics():
    query, vocab = _search_or_400()
    described = search.describe(query, vocab)
    name = "Wegweiser Minden" + (": " + " · ".join(described) if described else "")
    body = formats.calendar(api_data.matching_offers(query), _html_url, _host(), name[:200])
    return _download(body, "text/calendar", "wegweiser-angebote.ics")


@bp.get("/offers/<int(min=1, max=2147483647):offer_id>.ics")
def offer_ics(offer_id: int):
    """The offer's dates as iCalendar; ``slot=<id>`` gives one of them (for a phone's calendar)."""
    found = api_data.visible_offer(offer_id)
    if found is None:
        abort(404)
    params = Params(request.args)
    slot_id = params.integer("slot", 0, 0, 2**31 - 1) or None
    params.check()
    if slot_id is not None and slot_id not in {s.id for s in found.schedules}:
        abort(404)
    body = formats.calendar([found], _html_url, _host(), found.title[:200], slot_id=slot_id)
    name = f"angebot-{offer_id}" + (f"-termin-{slot_id}" if slot_id else "")
    return _download(body, "text/calendar", f"{name}.ics")


FEED_SIZE = 50


@bp.get("/feed.atom")
def feed():
    query, vocab = _search_or_400(sort="updated")
    offers = api_data.matching_offers(query, FEED_SIZE)
    described = search.describe(query, vocab)
    params = _filter_params()
    self_url = _abs("api.feed") + ("?" + urlencode(params) if params else "")
    html_url = _abs("public.search_page") + ("?" + urlencode(params) if params else "")
    title = "Wegweiser Minden – neue und geänderte Angebote" + (": " + " · ".join(described) if described else "")
    body = formats.atom_feed(offers, vocab, _html_url, self_url, html_url, self_url, title, _host(),
                             _abs("api.challenges"))
    return _download(body, "application/atom+xml")
