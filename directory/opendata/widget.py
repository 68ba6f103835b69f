"""Embeddable widget: "our offers" on an association's or a district office's own website.

* ``/widget?organization=…&district=…&challenge=…&language=…`` – a compact page meant for an
  ``<iframe>``: the matching published offers, linking to their pages on Wegweiser. It uses the
  search page's parser for every filter it shares with it (same codes, same messages), plus
  ``organization`` (an id), ``limit`` (1–50), ``accent`` (a hex colour) and ``title``.
  No cookies, no tracking, no third-party request, no script needed; its Content-Security-Policy
  allows any site to frame it but lets the page itself load nothing from elsewhere.
* ``/daten/widget`` – the configurator: a plain GET form, a live preview and the snippet to copy
  (an iframe, or a small script that sizes the iframe to its content).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Blueprint, make_response, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from directory.core.geo import app_geocoder
from directory.core.http import cookieless
from directory.core.i18n import INTERFACE_LANGUAGES, available, current_language
from directory.core.params import ParamError, is_id
from directory.extensions import db
from directory.models import Offer, Organization
from directory.offers import schedules as schedule_text
from directory.offers import vocabulary
from directory.offers.visibility import visible_org_ids
from directory.opendata import data as api_data
from directory.opendata import formats
from directory.search import engine as search

bp = Blueprint("widget", __name__)

MAX_LIMIT = 50
DEFAULT_LIMIT = 10
DEFAULT_ACCENT = "#005a9c"
HEX = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
WIDGET_FILTERS = ("district", "challenge", "language", "target", "category", "free")
OWN_PARAMS = ("organization", "limit", "accent", "title")
CSP = ("default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "script-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors *")


@dataclass
class WidgetQuery:
    search: search.SearchQuery
    organization: Organization | None
    limit: int
    accent: str
    title: str


def parse_accent(raw: str | None) -> str:
    """A hex colour as #rrggbb; raises ValueError for anything else (it goes into CSS)."""
    if raw is None or raw == "":
        return DEFAULT_ACCENT
    m = HEX.match(raw.strip())
    if not m:
        raise ValueError(raw)
    digits = m.group(1)
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return "#" + digits.lower()


def readable_text_on(accent: str) -> str:
    """Black or white text, whichever contrasts more with the accent (WCAG luminance)."""
    r, g, b = (int(accent[i:i + 2], 16) / 255 for i in (1, 3, 5))

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
    return "#000000" if (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) else "#ffffff"


def parse(args, vocab: vocabulary.Vocabulary) -> WidgetQuery:
    """Validate the widget's parameters; raises ParamError with all errors."""
    # Empty fields are "not chosen" here (the configurator is a form), unlike in the JSON API.
    params = api_data.api_params(MultiDict([(k, v) for k, v in args.items(multi=True) if v.strip()]))
    query = api_data.read_search(params, vocab, app_geocoder())
    limit = params.integer("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    try:
        accent = parse_accent(params.one("accent"))
    except ValueError:
        params.error("accent", _l("Die Akzentfarbe muss eine Hex-Farbe sein, z. B. #005a9c."))
        accent = DEFAULT_ACCENT
    organization = None
    raw_org = params.one("organization")
    if raw_org:
        organization = db.session.get(Organization, int(raw_org)) if is_id(raw_org) else None
        if organization is not None and not organization.approved:
            organization = None  # unapproved organisations are not public: "unknown", like a wrong id
        if organization is None:
            params.error("organization", _l("Unbekannte Organisation: %(value)s", value=raw_org[:40]))
    title = params.one("title")
    if len(title) > 120:
        params.error("title", _l("Die Überschrift ist zu lang (höchstens %(n)d Zeichen).", n=120))
    params.check()
    return WidgetQuery(query, organization, limit, accent, title)


def slot_words(slot, locale: str) -> str:
    """The offer page's wording of a slot ("Jeden Dienstag, 09:30–11:30 Uhr")."""
    words = schedule_text.describe(slot, locale)
    if words["kind"] == "weekly":
        return gettext("Jeden %(day)s, %(times)s Uhr", day=words["day"], times=words["times"])
    return gettext("Am %(day)s, %(times)s Uhr", day=words["day"], times=words["times"])


def offers_for(wq: WidgetQuery) -> tuple[int, list[Offer]]:
    clauses = search.where_clauses(wq.search)
    if wq.organization is not None:
        clauses.append(Offer.organization_id == wq.organization.id)
    total = db.session.scalar(select(func.count(Offer.id)).where(*clauses)) or 0
    stmt = search.ordered(select(Offer).where(*clauses), wq.search)
    offers = list(db.session.scalars(stmt.options(*api_data.OFFER_LOADS).limit(wq.limit)))
    return total, offers


def widget_params(args) -> list[tuple[str, str]]:
    keep = set(WIDGET_FILTERS) | set(OWN_PARAMS) | {"q", "lang"}
    return [(k, v) for k, v in args.items(multi=True) if k in keep and v.strip()]


@bp.app_template_global("widget_query")
def widget_query() -> str:
    """The current search's filters as widget parameters (for "show on your own website")."""
    return urlencode([(k, v) for k, v in request.args.items(multi=True) if k in WIDGET_FILTERS + ("q",) and v.strip()])


@bp.after_app_request
def _widget_headers(response):
    if request.path == "/widget" or request.path.startswith("/widget/"):
        response.headers["Content-Security-Policy"] = CSP
        response.headers.pop("X-Frame-Options", None)
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return cookieless(response)
    return response


@bp.get("/widget")
def widget():
    vocab = vocabulary.load(current_language())
    try:
        wq = parse(request.args, vocab)
    except ParamError as exc:
        return render_template("opendata/widget/error.html", errors=exc.errors), 400
    total, offers = offers_for(wq)
    search_params = [(k, v) for k, v in request.args.items(multi=True)
                     if k in WIDGET_FILTERS + ("q",) and v.strip()]
    more_url = url_for("public.search_page", _external=True) + ("?" + urlencode(search_params) if search_params else "")
    today = wq.search.today
    locale = current_language()
    when = {
        o.id: " · ".join(slot_words(s, locale) for s in o.schedules if formats.slot_is_current(s, o, today))
        for o in offers
    }
    response = render_template(
        "opendata/widget/widget.html", wq=wq, total=total, offers=offers, vocab=vocab, when=when,
        described=search.describe(wq.search, vocab), more_url=more_url,
        accent_text=readable_text_on(wq.accent),
    )
    return api_data.cached(make_response(response), api_data.data_last_modified())


@bp.get("/daten/widget")
def configurator():
    vocab = vocabulary.load(current_language())
    errors = {}
    wq = None
    try:
        wq = parse(request.args, vocab)
    except ParamError as exc:
        errors = exc.errors
    params = widget_params(request.args)
    # The configurator's own page language comes from the URL; the widget's is chosen apart.
    widget_lang = request.args.get("widget_lang", "")
    if widget_lang in available():
        params.append(("lang", widget_lang))
    elif widget_lang:
        errors["widget_lang"] = str(_l("Unbekannte Sprache: %(value)s", value=widget_lang[:40]))
    query = urlencode(params)
    src = url_for("widget.widget", _external=True) + ("?" + query if query else "")
    organizations = list(db.session.execute(
        select(Organization.id, Organization.name)
        .where(Organization.id.in_(visible_org_ids()))
        .order_by(Organization.name)
    ))
    response = render_template(
        "opendata/widget/configurator.html", vocab=vocab, errors=errors, wq=wq, src=src, params=dict(params),
        organizations=organizations, args=request.args, max_limit=MAX_LIMIT, default_accent=DEFAULT_ACCENT,
        script_url=url_for("static", filename="js/wegweiser-widget.js", _external=True),
        script_params=params, languages={c: INTERFACE_LANGUAGES[c][0] for c in available()},
    )
    return (response, 400) if errors else response
