"""The city dashboard for moderators and admins (/auswertung): thin views over dashboard.py.

Every chart has a table next to it and a CSV download with the same numbers and filters.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from directory.accounts.permissions import roles_required
from directory.core import csv as csv_file
from directory.core.errors import error_response
from directory.core.i18n import current_language
from directory.core.params import Params
from directory.dashboard import charts
from directory.dashboard import figures as dashboard
from directory.extensions import db
from directory.models import District
from directory.offers import reports, vocabulary
from directory.referrals.status import STATUS_LABELS

bp = Blueprint("dashboard", __name__, url_prefix="/auswertung")
PERIODS = (30, 90, 180, 365)
CSV_TABLES = ("coverage", "categories", "languages", "stale", "outcomes", "map")


@dataclass
class Choice:
    language: str | None
    target: str | None
    challenge: str
    days: int


def parse_choice(args, vocab: vocabulary.Vocabulary) -> Choice:
    """The page's filters; raises ParamError (answered by the app's error handler)."""
    params = Params(args)
    language = params.choice("language", vocab.languages, _l("Unbekannte Sprache: %(value)s"))
    target = params.choice("target", vocab.target_groups, _l("Unbekannte Zielgruppe: %(value)s"))
    challenge = params.choice("challenge", vocab.challenges, _l("Unbekannte Herausforderung: %(value)s"))
    days = params.choice("days", [str(p) for p in PERIODS], _l("Unbekannter Zeitraum: %(value)s"))
    params.check()
    return Choice(language, target, challenge or next(iter(vocab.challenges)), int(days) if days else 90)


def _filters(choice: Choice) -> dashboard.Filters:
    return dashboard.Filters(language=choice.language, target=choice.target,
                             stale_days=current_app.config.get("STALE_AFTER_DAYS", 183))


def _districts() -> list[dict]:
    return [
        {"code": d.code, "name": d.name, "geometry": json.loads(d.boundary_geojson)}
        for d in db.session.scalars(select(District).order_by(District.name)) if d.boundary_geojson
    ]


def _tables(choice: Choice, vocab: vocabulary.Vocabulary) -> dict:
    """Every table of the page as (header, rows) – the HTML tables and the CSV files."""
    f = _filters(choice)
    cover = dashboard.coverage(f)
    totals = dashboard.coverage_totals(f)
    coverage_rows = []
    for dcode, d in vocab.districts.items():
        row = [d.label]
        for ccode in vocab.challenges:
            cell = cover.get((ccode, dcode), dashboard.Cell())
            row += [cell.published, cell.fresh]
        coverage_rows.append(row)
    coverage_header = [_("Stadtteil")] + [f"{c.label}: {kind}" for c in vocab.challenges.values()
                                         for kind in (_("veröffentlicht"), _("aktuell"))]
    categories = dashboard.per_category(f)
    since = f.today - dt.timedelta(days=choice.days)
    langs = dashboard.languages(f, since)
    # most asked for relative to what exists first: that is where offers are missing
    lang_rows = sorted(langs.values(), key=lambda r: (-r.asked / (r.offered + 1), -r.asked, r.offered, r.code))
    stale = dashboard.stale_offers(f)
    outcomes = dashboard.referral_outcomes(since)
    map_counts = dashboard.district_counts(choice.challenge, f)
    return {
        "coverage": (coverage_header, coverage_rows, cover, totals),
        "categories": ([_("Art des Angebots"), _("veröffentlicht"), _("aktuell bestätigt")],
                       [[t.label, categories.get(c, dashboard.Cell()).published, categories.get(c, dashboard.Cell()).fresh]
                        for c, t in vocab.categories.items()]),
        "languages": ([_("Sprache"), _("Code"), _("Angebote in dieser Sprache"), _("in Beratungssuchen gefragt")],
                      [[vocab.languages[r.code].label if r.code in vocab.languages else r.code, r.code, r.offered, r.asked]
                       for r in lang_rows]),
        "stale": ([_("Angebot"), _("Anbieter"), _("zuletzt bestätigt"), _("Tage")],
                  [[s.title, s.organization, s.last_confirmed.isoformat() if s.last_confirmed else _("nie"),
                    "" if s.days is None else s.days] for s in stale], stale),
        "outcomes": (None if outcomes is None else
                     ([_("Angebot"), _("Anbieter")] + [str(STATUS_LABELS.get(st, st)) for st in outcomes[0]]
                      + [_("gesamt")],
                      [[r.title, r.organization] + [r.counts.get(s, 0) for s in outcomes[0]] + [r.total]
                       for r in outcomes[1]])),
        "map": ([_("Stadtteil"), _("veröffentlicht"), _("aktuell bestätigt")],
                [[t.label, map_counts.get(c, dashboard.Cell()).published, map_counts.get(c, dashboard.Cell()).fresh]
                 for c, t in vocab.districts.items()], map_counts),
    }


@bp.get("/")
@roles_required("moderator", "admin")
def index():
    vocab = vocabulary.load(current_language())
    choice = parse_choice(request.args, vocab)
    tables = _tables(choice, vocab)
    f = _filters(choice)
    cat_chart = charts.bar_chart(
        [charts.Bar(row[0], [row[1], row[2]]) for row in tables["categories"][1]],
        [_("veröffentlicht"), _("aktuell bestätigt")],
        _("Angebote je Art des Angebots"), _("Balkendiagramm; die Zahlen stehen auch in der Tabelle daneben."),
        "chart-categories")
    lang_chart = charts.bar_chart(
        [charts.Bar(row[0], [row[2], row[3]]) for row in tables["languages"][1][:15]],
        [_("Angebote"), _("Nachfrage")],
        _("Sprachen: Angebote und Nachfrage"),
        _("Balkendiagramm der 15 Sprachen mit der größten Nachfrage im Verhältnis zum Angebot; alle Zahlen in der Tabelle daneben."),
        "chart-languages")
    map_counts = tables["map"][2]
    challenge_label = vocab.challenges[choice.challenge].label
    district_map = charts.choropleth(
        _districts(), {code: cell.published for code, cell in map_counts.items()},
        _("Angebote je Stadtteil: %(challenge)s", challenge=challenge_label),
        _("Karte der Stadtteile; schraffiert: kein Angebot. Die Zahlen stehen auch in der Tabelle."),
        "chart-map", _("kein Angebot"), _("Angebote"))

    def csv_url(name: str) -> str:
        params = {k: v for k, v in (("language", choice.language), ("target", choice.target),
                                    ("challenge", choice.challenge), ("days", choice.days)) if v}
        return url_for("dashboard.download", table=name, **params)

    return render_template(
        "dashboard/index.html", vocab=vocab, choice=choice, tables=tables, periods=PERIODS,
        cat_chart=cat_chart, lang_chart=lang_chart, district_map=district_map, csv_url=csv_url,
        stale_days=f.stale_days, hide_days=current_app.config.get("STALE_HIDE_AFTER_DAYS", 365),
        today=f.today, open_reports=reports.open_count(),
    )


@bp.get("/<any(" + ", ".join(CSV_TABLES) + "):table>.csv")
@roles_required("moderator", "admin")
def download(table: str):
    vocab = vocabulary.load(current_language())
    choice = parse_choice(request.args, vocab)
    found = _tables(choice, vocab)[table]
    if found is None:
        return error_response(404, _("Es gibt noch keine Vermittlungen."))
    header, rows = found[0], found[1]
    response = current_app.response_class(csv_file.text(header, rows, csv_file.PEOPLE), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="wegweiser-{table}-{dt.date.today().isoformat()}.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
