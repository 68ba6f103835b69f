"""The Open Referral HSDS 3.0 API under /hsds/ (read-only), as the official OpenAPI document
(``schema/openapi.json`` of HSDS 3.0) describes it, so that any Open Referral client can read
Wegweiser.

The data are the HSDS export's rows (:func:`directory.opendata.hsds.build`), nested by
:class:`directory.opendata.hsds.Package` – one mapping for the export and the API. Lists are
paged with ``page``/``per_page`` in HSDS's page envelope (``total_items``, ``total_pages``,
``page_number``, ``size``, ``first_page``, ``last_page``, ``empty``, ``contents``);
``format=ndjson`` streams every result instead, one JSON object per line. Filters: ``search``
(services with the search page's text matching, other lists by name and description),
``taxonomy_term_id``, ``taxonomy_id``, ``organization_id``, ``modified_after``, ``postcode``
and ``proximity`` (metres from the postcode's centre), ``parent_id`` and ``top_only`` for terms;
``full``, ``full_service`` and ``minimal`` choose how much is nested. Like /api/v1: no cookies,
CORS for GET, ETag/Last-Modified, and 400 with ``{"error": …}`` for a bad parameter (read
through :class:`directory.core.params.Params`, answered by the app's one error handler).
"""
from __future__ import annotations

import datetime as dt
import json
import math
import re

from flask import Blueprint, abort, current_app, g, jsonify, request, url_for
from flask_babel import gettext as _

from directory.core import paging
from directory.core.geo import app_geocoder
from directory.core.params import ParamError, Params
from directory.extensions import csrf
from directory.offers import vocabulary
from directory.opendata import data as api_data
from directory.opendata import hsds
from directory.search import engine as search

bp = Blueprint("hsds", __name__, url_prefix="/hsds")
csrf.exempt(bp)

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 1000
PROFILE_URL = "https://docs.openreferral.org/en/latest/hsds/overview.html"
OPENAPI_URL = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"
FORMATS = ("json", "ndjson")


@bp.before_request
def _cookieless():
    g.cookieless = True


# --- parameters --------------------------------------------------------------------------

def _text(name: str) -> str | None:
    """A text parameter (sent once, bounded length); empty counts as not given."""
    params = Params(request.args, max_length=search.MAX_VALUE_LENGTH)
    value = params.one(name)
    params.check()
    return value or None


def _flag(name: str) -> bool:
    value = (_text(name) or "false").lower()
    if value not in ("true", "false", "1", "0"):
        raise ParamError(name, _("„%(name)s“ muss true oder false sein.", name=name))
    return value in ("true", "1")


def _paging() -> tuple[int, int, str]:
    params = Params(request.args, max_length=search.MAX_VALUE_LENGTH)
    page = paging.read_page(params)
    per_page = params.integer("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    fmt = params.one("format").lower() or "json"
    if fmt not in FORMATS and not params.failed("format"):
        params.error("format", _("Unbekanntes Format: %(value)s (json oder ndjson)", value=fmt[:40]))
    params.check()
    return page, per_page, fmt


def _modified_after() -> dt.datetime | None:
    value = _text("modified_after")
    if value is None:
        return None
    try:
        stamp = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ParamError("modified_after", _("„%(name)s“ muss ein Datum oder Zeitpunkt nach ISO 8601 sein.",
                                             name="modified_after")) from None
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(dt.UTC).replace(tzinfo=None)
    return stamp


def _service_filters(with_places: bool = False) -> hsds.ServiceFilters:
    f = hsds.ServiceFilters(
        taxonomy_term_id=_text("taxonomy_term_id"), taxonomy_id=_text("taxonomy_id"),
        organization_id=_text("organization_id"), modified_after=_modified_after(),
    )
    text = _text("search")
    if text:
        try:
            f.service_ids = hsds.services_matching_text(text, vocabulary.load("de"), app_geocoder())
        except ParamError as exc:
            raise ParamError("search", exc.message) from None
    if with_places:
        f.postcode = _text("postcode")
        proximity = _text("proximity")
        if proximity is not None:
            try:
                metres = float(proximity)
            except ValueError:
                metres = -1.0
            if not (0 <= metres <= 1_000_000):
                raise ParamError("proximity", _("„%(name)s“ muss eine Entfernung in Metern sein (0 bis 1000000).",
                                                name="proximity"))
            if f.postcode is None:
                raise ParamError("proximity", _("„proximity“ braucht eine Postleitzahl („postcode“)."))
            f.radius_km = metres / 1000
            point = app_geocoder().geocode(f.postcode) if re.fullmatch(r"\d{5}", f.postcode) else None
            f.centre = (point.lat, point.lon) if point else None
    return f


# --- answers -----------------------------------------------------------------------------

def _json(body):
    return api_data.cached(jsonify(body), api_data.data_last_modified())


def _list(items: list, render, page: int, per_page: int, fmt: str):
    """One page in HSDS's page envelope, or every item as NDJSON."""
    if fmt == "ndjson":
        text = "".join(json.dumps(render(item), ensure_ascii=False) + "\n" for item in items)
        return api_data.cached(current_app.response_class(text, mimetype="application/x-ndjson"),
                               api_data.data_last_modified())
    total = len(items)
    pages = math.ceil(total / per_page)
    contents = [render(item) for item in items[(page - 1) * per_page: page * per_page]]
    return _json({
        "total_items": total, "total_pages": pages, "page_number": page, "size": len(contents),
        "first_page": page == 1, "last_page": page >= pages, "empty": not contents,
        "contents": contents,
    })


def _one(table: str, item_id: str) -> dict:
    found = _package().by_id[table].get(item_id)
    if found is None:
        abort(404)
    return found


def _package() -> hsds.Package:
    """This request's HSDS rows, built once (the export's mapping), nested on demand."""
    if "hsds_package" not in g:
        g.hsds_package = hsds.Package(hsds.build(url_for("public.search_page", _external=True).rstrip("/")))
    return g.hsds_package


@bp.get("/")
def index():
    return _json({"version": hsds.HSDS_VERSION, "profile": PROFILE_URL, "openapi_url": OPENAPI_URL})


@bp.get("/services")
def services():
    page, per_page, fmt = _paging()
    f = _service_filters()
    full, minimal = _flag("full"), _flag("minimal")
    pkg = _package()

    def render(service: dict) -> dict:
        if minimal:  # the fields service_list.json requires, and when it changed
            return {k: service[k] for k in ("id", "name", "status", "last_modified")}
        return pkg.service_full(service) if full else pkg.service_list_item(service)

    return _list(hsds.filter_services(pkg, f), render, page, per_page, fmt)


@bp.get("/services/<service_id>")
def service(service_id: str):
    return _json(_package().service_full(_one("service", service_id)))


@bp.get("/organizations")
def organizations():
    page, per_page, fmt = _paging()
    text, full, full_service = _text("search"), _flag("full"), _flag("full_service")
    pkg = _package()

    def render(org: dict) -> dict:
        return pkg.organization_full(org, full_service) if (full or full_service) else org

    return _list(hsds.text_filter(pkg.data["organization"], text), render, page, per_page, fmt)


@bp.get("/organizations/<organization_id>")
def organization(organization_id: str):
    full_service = _flag("full_service")
    return _json(_package().organization_full(_one("organization", organization_id), full_service))


@bp.get("/service_at_locations")
def service_at_locations():
    page, per_page, fmt = _paging()
    f = _service_filters(with_places=True)
    full = _flag("full")
    pkg = _package()
    render = pkg.service_at_location_full if full else pkg.service_at_location_list_item
    return _list(hsds.filter_services_at_locations(pkg, f), render, page, per_page, fmt)


@bp.get("/service_at_locations/<sal_id>")
def service_at_location(sal_id: str):
    return _json(_package().service_at_location_full(_one("service_at_location", sal_id)))


@bp.get("/taxonomies")
def taxonomies():
    page, per_page, fmt = _paging()
    rows = hsds.text_filter(_package().data["taxonomy"], _text("search"))
    return _list(rows, lambda row: row, page, per_page, fmt)


@bp.get("/taxonomies/<taxonomy_id>")
def taxonomy(taxonomy_id: str):
    return _json(_one("taxonomy", taxonomy_id))


@bp.get("/taxonomy_terms")
def taxonomy_terms():
    page, per_page, fmt = _paging()
    text, taxonomy_id, parent_id = _text("search"), _text("taxonomy_id"), _text("parent_id")
    top_only = _flag("top_only")
    pkg = _package()
    rows = [t for t in hsds.text_filter(pkg.data["taxonomy_term"], text, ("name", "description", "code"))
            if (not taxonomy_id or t["taxonomy_id"] == taxonomy_id)
            and (not parent_id or t.get("parent_id") == parent_id)
            and (not top_only or "parent_id" not in t)]
    return _list(rows, lambda t: pkg.taxonomy_term(t["id"]), page, per_page, fmt)


@bp.get("/taxonomy_terms/<term_id>")
def taxonomy_term(term_id: str):
    _one("taxonomy_term", term_id)
    return _json(_package().taxonomy_term(term_id))
