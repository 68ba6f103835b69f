"""The read-only JSON API under /api/v1 (thin views; data in api_data, description in openapi).

Only GET routes: nothing here changes state, so the blueprint is exempt from CSRF (it has no
forms) and answers every GET with ``Access-Control-Allow-Origin: *``. No cookies are set.
"""
from __future__ import annotations

import json
import math
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, g, jsonify, request, url_for
from flask_babel import gettext as _

from directory.core.geo import app_geocoder
from directory.core.http import cookieless
from directory.core.i18n import available, current_language
from directory.extensions import csrf
from directory.offers import vocabulary
from directory.opendata import data as api_data
from directory.opendata import formats, hsds, openapi
from directory.search import engine as search

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
READ_METHODS = ("GET", "HEAD", "OPTIONS")


@bp.before_request
def _no_cookies_and_known_language():
    g.cookieless = True
    lang = request.args.getlist("lang")
    if lang and (len(lang) > 1 or lang[0] not in available()):
        return bad_request({"lang": _("Unbekannte Sprache: %(value)s", value=lang[-1][:40])})
    return None


@bp.after_app_request
def _cors_and_no_cookies(response):
    """Every answer under /api/ – also 404s for unknown routes, which no blueprint handles."""
    if not request.path.startswith("/api/"):
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


def bad_request(errors: dict[str, str]):
    field, message = next(iter(errors.items()))
    body = {"error": {
        "code": 400, "message": message, "field": field,
        "details": [{"field": k, "message": v} for k, v in errors.items()],
    }}
    return jsonify(body), 400


def _abs(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=True, **values)


def _offer_urls(offer) -> dict[str, str]:
    return {
        "url": _abs("public.offer_detail", offer_id=offer.id),
        "api_url": _abs("api.offer", offer_id=offer.id),
        "ics_url": _abs("api.offer_ics", offer_id=offer.id),
    }


def _page_links(endpoint: str, page: int, pages: int, params: list[tuple[str, str]]) -> dict:
    def at(n: int) -> str:
        query = urlencode([(k, v) for k, v in params if k != "page"] + ([("page", str(n))] if n > 1 else []))
        return _abs(endpoint) + ("?" + query if query else "")

    return {
        "self": at(page), "first": at(1), "last": at(pages),
        "prev": at(page - 1) if 1 < page <= pages + 1 else None,
        "next": at(page + 1) if page < pages else None,
    }


def _json(data, max_age: int = api_data.CACHE_SECONDS):
    return api_data.cached(jsonify(data), api_data.data_last_modified(), max_age)


@bp.get("/")
def index():
    return _json({
        "openapi": _abs("api.openapi_document"),
        "documentation": _abs("opendata.api_docs"),
        "offers": _abs("api.offers"),
        "organizations": _abs("api.organizations"),
        "locations": _abs("api.locations"),
        "districts": _abs("api.districts"),
        "challenges": _abs("api.challenges"),
        "vocabularies": _abs("api.vocabularies"),
    })


@bp.get("/openapi.json")
def openapi_document():
    doc = openapi.build(vocabulary.load("de"), server_url=url_for("api.index").rstrip("/"))
    return api_data.cached(current_app.response_class(json.dumps(doc, ensure_ascii=False, indent=1),
                                                       mimetype="application/json"), None, 3600)


@bp.get("/offers")
def offers():
    vocab = vocabulary.load(current_language())
    try:
        query = api_data.parse_search(request.args, vocab, app_geocoder())
    except api_data.InvalidParameters as exc:
        return bad_request(exc.errors)
    params = [(k, v) for k, v in request.args.items(multi=True)
              if k in set(search.SCALAR_PARAMS) | set(search.FACETS_BY_PARAM) | {"per_page", "lang"}]

    def toggle_url(param: str, value: str) -> str:
        items = search.toggled_args(request.args, param, value)
        return _abs("api.offers") + ("?" + urlencode(items) if items else "")

    result = search.run(query, vocab, toggle_url, max_markers=0)
    api_data.load_challenges(result.offers)
    pages = max(1, math.ceil(result.total / query.per_page))
    html_params = [(k, v) for k, v in params if k not in ("per_page", "page")]
    links = _page_links("api.offers", query.page, pages, params)
    links["html"] = _abs("public.search_page") + ("?" + urlencode(html_params) if html_params else "")
    return _json({
        "data": [api_data.offer_json(o, vocab, _offer_urls) for o in result.offers],
        "meta": {"total": result.total, "page": query.page, "per_page": query.per_page, "pages": pages,
                 "sort": query.sort, "filters": search.describe(query, vocab),
                 "understood": [{"param": p, "code": c, "label": label}
                                for p, c, label in search.understood_labels(query, vocab)],
                 "suggestion": search.corrected_query(query), "near": search.near_point(query)},
        "facets": api_data.facets_json(result.facets),
        "links": links,
    })


@bp.get("/offers/<int(min=1, max=2147483647):offer_id>")
def offer(offer_id: int):
    found = api_data.visible_offer(offer_id)
    if found is None:
        abort(404)
    return _json(api_data.offer_json(found, vocabulary.load(current_language()), _offer_urls))


def _org_url(org_id: int) -> str:
    return _abs("api.organization", organization_id=org_id)


def _offer_refs(rows) -> list[dict]:
    return [{"id": oid, "title": title, "api_url": _abs("api.offer", offer_id=oid)} for oid, title in rows]


@bp.get("/organizations")
def organizations():
    try:
        page, per_page = api_data.page_params(request.args)
    except api_data.InvalidParameters as exc:
        return bad_request(exc.errors)
    total, orgs = api_data.organizations_page(page, per_page)
    return _paged("api.organizations", [api_data.organization_json(o, _org_url) for o in orgs],
                  total, page, per_page, ("page", "per_page"))


def _paged(endpoint: str, data: list, total: int, page: int, per_page: int, kept: tuple[str, ...]):
    """A list answer with its paging meta data and links (arguments in `kept` carried along)."""
    pages = max(1, math.ceil(total / per_page))
    params = [(k, v) for k, v in request.args.items(multi=True) if k in kept]
    return _json({
        "data": data,
        "meta": {"total": total, "page": page, "per_page": per_page, "pages": pages},
        "links": _page_links(endpoint, page, pages, params),
    })


@bp.get("/organizations/<int(min=1, max=2147483647):organization_id>")
def organization(organization_id: int):
    org = api_data.visible_organization(organization_id)
    if org is None:
        abort(404)
    return _json({**api_data.organization_json(org, _org_url),
                  "offers": _offer_refs(api_data.offers_of_organization(org.id))})


@bp.get("/locations")
def locations():
    vocab = vocabulary.load("de")
    try:
        page, per_page = api_data.page_params(request.args)
        district = request.args.get("district") or None
        if district is not None and district not in vocab.districts:
            raise api_data.InvalidParameters({"district": str(search.FACETS_BY_PARAM["district"].error % {"value": district[:40]})})
    except api_data.InvalidParameters as exc:
        return bad_request(exc.errors)
    total, locs = api_data.locations_page(page, per_page, district)
    return _paged("api.locations", [api_data.location_json(loc) for loc in locs],
                  total, page, per_page, ("page", "per_page", "district"))


@bp.get("/locations/<int(min=1, max=2147483647):location_id>")
def location(location_id: int):
    loc = api_data.visible_location(location_id)
    if loc is None:
        abort(404)
    return _json({**api_data.location_json(loc), "offers": _offer_refs(api_data.offers_at_location(loc.id))})


def _district_json(d, counts: dict[str, int]) -> dict:
    return {
        "code": d.code, "name": d.name, "center": {"lat": d.center_lat, "lon": d.center_lon},
        "offer_count": counts.get(d.code, 0), "boundary_approximate": d.boundary_approximate,
        "api_url": _abs("api.district", code=d.code),
    }


@bp.get("/districts")
def districts():
    counts = api_data.district_offer_counts()
    return _json({"data": [_district_json(d, counts) for d in api_data.districts()]})


@bp.get("/districts/<code>")
def district(code: str):
    found = next((d for d in api_data.districts() if d.code == code), None)
    if found is None:
        abort(404)
    return _json({
        **_district_json(found, api_data.district_offer_counts()),
        "boundary": json.loads(found.boundary_geojson) if found.boundary_geojson else None,
        "boundary_source": found.boundary_source,
    })


@bp.get("/challenges")
def challenges():
    vocab = vocabulary.load(current_language())
    return _json({"data": api_data.taxonomy_json(vocab, api_data.challenge_counts())})


@bp.get("/vocabularies")
def vocabularies():
    return _json(api_data.vocabularies_json(vocabulary.load(current_language())))


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
    """A validated search for the export formats (all results, no paging)."""
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
    try:
        query, vocab = _search_or_400()
    except api_data.InvalidParameters as exc:
        return bad_request(exc.errors)
    data = formats.geojson(api_data.matching_offers(query), vocab, _html_url)
    return _download(json.dumps(data, ensure_ascii=False), "application/geo+json")


@bp.get("/offers.csv")
def offers_csv():
    try:
        query, vocab = _search_or_400()
    except api_data.InvalidParameters as exc:
        return bad_request(exc.errors)
    text = formats.offers_csv(api_data.matching_offers(query), vocab, _html_url, current_language())
    return _download("\ufeff" + text, "text/csv", "wegweiser-angebote.csv")


@bp.get("/offers.ics")
def offers_ics():
    try:
        query, vocab = _search_or_400()
    except api_data.InvalidParameters as exc:
        return bad_request(exc.errors)
    described = search.describe(query, vocab)
    name = "Wegweiser Minden" + (": " + " · ".join(described) if described else "")
    body = formats.calendar(api_data.matching_offers(query), _html_url, _host(), name[:200])
    return _download(body, "text/calendar", "wegweiser-angebote.ics")


@bp.get("/offers/<int(min=1, max=2147483647):offer_id>.ics")
def offer_ics(offer_id: int):
    found = api_data.visible_offer(offer_id)
    if found is None:
        abort(404)
    body = formats.calendar([found], _html_url, _host(), found.title[:200])
    return _download(body, "text/calendar", f"angebot-{offer_id}.ics")


FEED_SIZE = 50


@bp.get("/feed.atom")
def feed():
    try:
        query, vocab = _search_or_400(sort="updated")
    except api_data.InvalidParameters as exc:
        return bad_request(exc.errors)
    offers = api_data.matching_offers(query, FEED_SIZE)
    described = search.describe(query, vocab)
    params = _filter_params()
    self_url = _abs("api.feed") + ("?" + urlencode(params) if params else "")
    html_url = _abs("public.search_page") + ("?" + urlencode(params) if params else "")
    title = "Wegweiser Minden – neue und geänderte Angebote" + (": " + " · ".join(described) if described else "")
    body = formats.atom_feed(offers, vocab, _html_url, self_url, html_url, self_url, title, _host(),
                             _abs("api.challenges"))
    return _download(body, "application/atom+xml")
