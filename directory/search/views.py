"""Public pages: the search page (list, facets, map) and the offer detail page. No login."""
from __future__ import annotations

import datetime as dt
import html
import json
from urllib.parse import urlencode

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    get_template_attribute,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from directory.core import directions, links, maps, page_cache, paging, pictograms
from directory.core.errors import error_response
from directory.core.geo import app_geocoder, distance_km
from directory.core.http import cookieless
from directory.core.i18n import current_language, is_simple
from directory.core.params import ParamError, Params
from directory.extensions import db, limiter
from directory.models import District, Location, Offer
from directory.offers import reports, vocabulary
from directory.offers import schedules as schedule_text
from directory.offers import texts as offer_texts
from directory.offers.visibility import visible_clause
from directory.search import agenda, map_points
from directory.search import engine as search
from directory.search.forms import InfoReportForm

SAVED_MAX = 100  # most offers on one "Meine Angebote" link

bp = Blueprint("public", __name__)


def districts_geojson() -> dict:
    features = []
    for d in db.session.scalars(select(District).order_by(District.name)):
        if d.boundary_geojson:
            features.append({
                "type": "Feature",
                "properties": {"code": d.code, "name": d.name, "approximate": d.boundary_approximate},
                "geometry": json.loads(d.boundary_geojson),
            })
    return {"type": "FeatureCollection", "features": features}


def _search_url(args: list[tuple[str, str]]) -> str:
    query = urlencode(args)
    if "search_base_url" not in g:  # one url_for per request: a page links ~100 facet values
        g.search_base_url = url_for("public.search_page")
    return g.search_base_url + ("?" + query if query else "")


@bp.get("/")
def search_page():
    locale = current_language()
    vocab = vocabulary.load(locale)
    args = request.args
    try:
        query = search.parse(args, vocab, app_geocoder(), per_page=current_app.config["SEARCH_PER_PAGE"])
    except ParamError as exc:
        return render_template(
            "search/search.html", errors=exc.errors, result=None, vocab=vocab, args=args,
            clear_url=url_for("public.search_page"),
        ), 400

    def toggle_url(param: str, value: str) -> str:
        return _search_url(search.toggled_args(args, param, value))

    result = search.run(query, vocab, toggle_url)  # the map fetches its points itself
    map_parts = _results_map(locale, _points_url(search.iter_params(args)))
    stale_before = dt.date.today() - dt.timedelta(days=current_app.config["STALE_AFTER_DAYS"])
    params = search.iter_params(args)
    text_help = _text_help(query, vocab, args, result.total)
    page_url = lambda n: _search_url(paging.page_args(params, n))  # noqa: E731
    return render_template(
        "search/search.html",
        errors=None, result=result, query=query, vocab=vocab, args=args,
        described=search.describe(query, vocab), map_parts=map_parts,
        cards=_result_cards(result, vocab, locale, stale_before),
        page_url=page_url, clear_url=url_for("public.search_page"),
        active=[(label, toggle_url(param, value)) for param, value, label in _active_filters(query, vocab)],
        near_point=search.near_point(query), **text_help,
    )


def _result_cards(result: search.SearchResult, vocab, locale: str, stale_before: dt.date) -> list[str]:
    """The HTML of the page's result cards. Without a place a card depends only on the offer,
    the language and the day, so cards already rendered are reused and only the others'
    offers are loaded; with a place each card says how far it is."""
    card = get_template_attribute("_macros.html", "offer_card")
    near = result.query.near
    if near is not None:
        cards = []
        for offer in result.offers:
            points = [(loc.lat, loc.lon) for loc in offer.locations if loc.lat is not None]
            distance = min(distance_km((near.lat, near.lon), p) for p in points) if points else None
            cards.append(card(offer, vocab, distance, stale_before))
        return cards
    simple = is_simple()
    return page_cache.per_offer_parts(
        result.ids, lambda i: ("card", i, locale, simple, stale_before), result.load_offers,
        lambda offer: card(offer, vocab, None, stale_before))


POINTS_URL_MARK = "/__points_url__"


def _results_map(locale: str, points_url: str) -> maps.MapParts:
    """The results map: the same for every search but for the URL of its points, so it is
    rendered once per language, host and state of the data and the URL put in."""
    def render():
        return maps.results_map(districts_geojson(), maps.map_config(), label=_("Karte der Ergebnisse"),
                                points_url=POINTS_URL_MARK)
    parts = page_cache.fragment(("results_map", locale, request.host), render)
    mark, url = html.escape(POINTS_URL_MARK, quote=True), html.escape(points_url, quote=True)
    assert parts.body.count(mark) == 1
    return maps.MapParts(head=parts.head, body=parts.body.replace(mark, url), script=parts.script)


def _points_url(params) -> str:
    """The map's GeoJSON endpoint with the page's filters (paging and sort do not matter there)."""
    query = urlencode([(k, v) for k, v in params if k not in ("page", "sort")])
    return url_for("public.map_points_geojson") + ("?" + query if query else "")


@bp.get("/karte/punkte.geojson")
def map_points_geojson():
    """The points of a search (same parameters as the search page) for the results map.

    ``zoom`` (0-19) and ``bbox`` (west,south,east,north) say which part of the map is shown;
    more than MAP_MAX_MARKERS points there come as grid clusters.
    """
    locale = current_language()
    vocab = vocabulary.load(locale)
    params = Params(request.args, max_length=search.MAX_VALUE_LENGTH)
    query = search.read(params, vocab, app_geocoder(), per_page=current_app.config["SEARCH_PER_PAGE"])
    zoom, bbox = map_points.read_zoom(params), map_points.read_bbox(params)
    params.check()
    result = map_points.map_points(query, zoom, bbox, current_app.config["MAP_MAX_MARKERS"])
    offer_url = url_for("public.offer_detail", offer_id=987654321)
    for point in result.points:
        point["url"] = offer_url.replace("987654321", str(point["offer_id"]))
    offer_texts.decorate_markers(result.points, vocab, locale)  # translated titles, pictograms
    body = map_points.feature_collection(result, complete=bbox is None and not result.clustered)
    response = current_app.response_class(json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                                          mimetype="application/geo+json")
    response.headers["Cache-Control"] = "public, max-age=60"
    response.vary.add("Accept-Language")
    return cookieless(response)  # shared caches may keep it


def _without(args, *names: str) -> list[tuple[str, str]]:
    return [(k, v) for k, v in search.iter_params(args) if k not in names and k != "page"]


def _text_help(query: search.SearchQuery, vocab, args, total: int) -> dict:
    """What the page says about the search text: the correction it suggests, how it understood
    the words (with a link to search them literally), and for an empty result the filters
    that removed results, each with a link without it."""
    suggestion = search.corrected_query(query)
    understood = search.understood_labels(query, vocab)
    relaxed = []
    if total == 0:
        titles = {f.param: str(f.title) for f in search.FACETS}
        for param, n in search.relaxations(query):
            if param == "q":
                label = _("Suchtext „%(text)s“", text=query.q)
            else:
                facet = search.FACETS_BY_PARAM[param]
                values = ", ".join(facet.label(vocab, v) for v in query.values(param))
                label = f"{titles[param]}: {values}"
            relaxed.append((label, n, _search_url(_without(args, param))))
    return {
        "suggestion": suggestion,
        "suggestion_url": _search_url(_without(args, "q") + [("q", suggestion)]) if suggestion else None,
        "understood": [label for _p, _c, label in understood],
        "literal_url": _search_url(_without(args, "literal") + [("literal", "1")]) if understood else None,
        "understood_url": _search_url(_without(args, "literal")) if query.literal else None,
        "relaxed": relaxed,
    }


def _active_filters(query: search.SearchQuery, vocab: vocabulary.Vocabulary):
    for facet in search.FACETS:
        for value in query.values(facet.param):
            yield facet.param, value, f"{facet.title}: {facet.label(vocab, value)}"


@bp.get("/angebote/<int:offer_id>")
def offer_detail(offer_id: int):
    today = dt.date.today()
    offer = db.session.scalar(
        select(Offer)
        .where(Offer.id == offer_id, visible_clause(today))
        .options(
            selectinload(Offer.locations).selectinload(Location.district),
            selectinload(Offer.challenges),
            selectinload(Offer.languages),
            selectinload(Offer.target_groups),
            selectinload(Offer.schedules),
        )
    )
    if offer is None:

        abort(404)
    locale = current_language()
    vocab = vocabulary.load(locale)
    icon = pictograms.url("category", offer.category_code)
    category = vocab.categories[offer.category_code].label if offer.category_code in vocab.categories else ""
    points = [
        {"lat": loc.lat, "lon": loc.lon, "title": loc.name, "address": f"{loc.address}, {loc.postcode} {loc.city}",
         "icon": icon, "category": category}
        for loc in offer.locations if loc.lat is not None
    ]
    share_url = links.offer_url(offer.id, locale)
    return render_template(
        "search/offer.html",
        offer=offer,
        share_url=share_url,
        vocab=vocab,
        slots=[(s, schedule_text.describe(s, locale)) for s in offer.schedules],
        directions={loc.id: directions.links_for(loc.name, f"{loc.address}, {loc.postcode} {loc.city}",
                                                 loc.lat, loc.lon, current_app.config)
                    for loc in offer.locations},
        map_parts=maps.detail_map(points, maps.map_config(), label=_("Karte der Standorte")) if points else None,
        stale_before=today - dt.timedelta(days=current_app.config["STALE_AFTER_DAYS"]),
    )


@bp.get("/angebote/<int:offer_id>/qr.svg")
def offer_qr(offer_id: int):
    """A QR code of the offer page's public address (drawn here, no third party)."""
    if db.session.scalar(select(Offer.id).where(Offer.id == offer_id, search.visible_clause(dt.date.today()))) is None:
        abort(404)
    svg = links.qr_svg(links.offer_url(offer_id, current_language()))
    response = current_app.response_class(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return cookieless(response)


def _saved_ids(raw: str) -> list[int]:
    ids: list[int] = []
    for part in raw.replace(" ", ",").split(","):
        if not part:
            continue
        if not part.isdigit() or len(part) > 12:
            raise ValueError(part)
        if int(part) not in ids:
            ids.append(int(part))
    return ids[:SAVED_MAX]


@bp.get("/meine-angebote")
def saved_offers():
    """Offers a visitor saved on their device ("Merken"), given as ?ids=1,2,3: printable and
    shareable as one link; without ids the page's script fills them in from the device."""
    try:
        ids = _saved_ids(request.args.get("ids", ""))
    except ValueError:
        return error_response(400, _("Die Liste der gemerkten Angebote ist ungültig."), "ids")
    offers = []
    if ids:
        found = {o.id: o for o in db.session.scalars(
            select(Offer).where(Offer.id.in_(ids), search.visible_clause(dt.date.today())).options(
                selectinload(Offer.organization), selectinload(Offer.languages), selectinload(Offer.schedules),
                selectinload(Offer.locations).selectinload(Location.district)))}
        offers = [found[i] for i in ids if i in found]
    locale = current_language()
    ids_text = ",".join(str(o.id) for o in offers)
    return render_template(
        "search/saved.html", offers=offers, vocab=vocabulary.load(locale), asked=len(ids),
        share_url=links.public_base_url() + (f"/{locale}" if locale != "de" else "")
        + "/meine-angebote" + (f"?ids={ids_text}" if ids_text else ""),
        stale_before=dt.date.today() - dt.timedelta(days=current_app.config["STALE_AFTER_DAYS"]),
    )


@bp.get("/termine")
def agenda_page():
    """Dates of the coming weeks; ?when=today|week|YYYY-MM-DD for one day or this week."""
    today = dt.date.today()
    try:
        span = agenda.parse_when(request.args.get("when"), today)
    except agenda.InvalidWhen:
        return error_response(400, _("Ungültiges Datum. Bitte so angeben: 2026-12-24."), "when")
    locale = current_language()
    days = agenda.by_day(agenda.occurrences(span))
    return render_template(
        "search/agenda.html", span=span, days=days, today=today, vocab=vocabulary.load(locale),
        times=lambda slot: schedule_text.time_range(slot, locale),
    )


@bp.route("/angebote/<int:offer_id>/hinweis", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_REPORT"], methods=["POST"])
def report_offer(offer_id: int):
    """"Stimmt etwas nicht?": a visitor tells what is outdated or wrong; no account needed."""
    offer = db.session.scalar(select(Offer).where(Offer.id == offer_id, search.visible_clause(dt.date.today()))
                              .options(selectinload(Offer.organization)))
    if offer is None:
        abort(404)
    form = InfoReportForm()
    if form.validate_on_submit():
        reports.create(offer, form.kind.data, form.message.data or "", form.contact.data or "")
        db.session.commit()
        flash(_("Danke! Ihr Hinweis ist angekommen. Die Redaktion und der Anbieter prüfen das Angebot."), "success")
        return redirect(url_for("public.offer_detail", offer_id=offer.id))
    errors = {name: " ".join(map(str, messages)) for name, messages in form.errors.items()}
    return render_template("search/report.html", offer=offer, form=form, errors=errors), 400 if errors else 200


@bp.get("/ueber")
def about():
    return render_template("search/about.html", vocab=vocabulary.load(current_language()))
