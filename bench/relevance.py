"""Relevance benchmark: do the offers a person means come up in the first five?

Runs queries of every kind a visitor types – exact words, typos, ß/ss and umlaut spellings,
plurals and compounds, synonyms, and queries in English, Arabic, Ukrainian, Turkish, Russian
and Persian – against the demo data (seeds/demo_offers.yaml) through the search's own parser
and ranking (the same code the search page and /api/v1/offers use), and reports hit@5 per
group: the share of queries whose expected offers are all among the first five results.

    .venv/bin/python bench/relevance.py                    # builds a demo SQLite database
    .venv/bin/python bench/relevance.py --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/relevance.py --show-misses

tests/search/test_relevance.py runs it on both databases and asserts the aim (≥ 95 % in every
group). Offers are named by their demo key; the day is fixed (TODAY) so that the demo data's
"last confirmed" dates hide the same offers on every run.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from werkzeug.datastructures import MultiDict  # noqa: E402

TODAY = dt.date(2026, 12, 1)
AIM = 0.95
TOP = 5

# (group, query, demo keys that must all be among the first five)
QUERIES: list[tuple[str, str, list[str]]] = [
    # exact words of the offers
    ("exact", "Mietführerschein", ["mietfuehrerschein-vhs"]),
    ("exact", "Nähwerkstatt", ["naehwerkstatt-frauen"]),
    ("exact", "Hausaufgabenhilfe", ["hausaufgabenhilfe-baerenkaempen", "hausaufgabenhilfe-alte-schmiede"]),
    ("exact", "Jugendfeuerwehr", ["jugendfeuerwehr-schnuppern"]),
    ("exact", "Anerkennungsberatung", ["anerkennungsberatung"]),
    ("exact", "Lesepaten", ["lesepaten-stadtbibliothek"]),
    ("exact", "Job-Café", ["job-cafe-rechte-weserseite"]),
    ("exact", "Moschee", ["tag-der-offenen-moschee"]),
    ("exact", "Bewerbung schreiben", ["job-cafe-rechte-weserseite"]),
    ("exact", "Migrationsberatung", ["migrationsberatung-one-stop"]),
    # typos
    ("typo", "Deutschkurz", ["deutschkurs-frauen-rws", "berufssprachkurs-azubis"]),
    ("typo", "fussbal", ["offener-sport-maedchen-baerenkaempen"]),
    ("typo", "Anerkenung", ["anerkennungsberatung"]),
    ("typo", "Mietführerschien", ["mietfuehrerschein-vhs"]),
    ("typo", "Hausaufgabenhilf", ["hausaufgabenhilfe-baerenkaempen"]),
    ("typo", "Feuerwer", ["jugendfeuerwehr-schnuppern", "feuerwehr-tag-der-offenen-tuer"]),
    ("typo", "Gemeinschaftsgarden", ["gemeinschaftsgarten-baerenkaempen"]),
    ("typo", "Bewerbnug", ["job-cafe-rechte-weserseite"]),
    ("typo", "Sprachcafe Deutsh", ["sprachcafe"]),
    ("typo", "Kinderbetreung", ["kinderbetreuung-parallel-sprachkurs"]),
    # ß/ss and umlaut spellings
    ("spelling", "Fussball", ["offener-sport-maedchen-baerenkaempen"]),
    ("spelling", "Naehwerkstatt", ["naehwerkstatt-frauen"]),
    ("spelling", "Muell", ["infoabend-wohnen-im-haus"]),
    ("spelling", "Mietfuehrerschein", ["mietfuehrerschein-vhs"]),
    ("spelling", "Baerenkaempen Garten", ["gemeinschaftsgarten-baerenkaempen"]),
    ("spelling", "Gespraechskreis", ["interreligioeser-gespraechskreis"]),
    ("spelling", "Nahwerkstatt", ["naehwerkstatt-frauen"]),
    ("spelling", "MÜLL", ["infoabend-wohnen-im-haus"]),
    ("spelling", "Übungsleiter", ["uebungsleiterin-werden"]),
    ("spelling", "Uebungsleiter", ["uebungsleiterin-werden"]),
    # plurals and compounds
    ("plural_compound", "Wohnungen", ["fit-fuer-die-wohnung-baerenkaempen", "wohnberatung-wohin"]),
    ("plural_compound", "Nähkurs", ["naehwerkstatt-frauen"]),
    ("plural_compound", "Sprachkurs", ["deutschkurs-frauen-rws", "berufssprachkurs-azubis", "sprachcafe"]),
    ("plural_compound", "Sprachkurse", ["deutschkurs-frauen-rws", "berufssprachkurs-azubis"]),
    ("plural_compound", "Wohnungssuche", ["wohnberatung-wohin"]),
    ("plural_compound", "Frauencafés", ["stadtteilmuetter-frauencafe"]),
    ("plural_compound", "Mädchenfußball", ["offener-sport-maedchen-baerenkaempen"]),
    ("plural_compound", "Gärten", ["gemeinschaftsgarten-baerenkaempen", "parkpaten-vogelsang"]),
    ("plural_compound", "Hausaufgaben", ["hausaufgabenhilfe-baerenkaempen", "hausaufgabenhilfe-alte-schmiede"]),
    ("plural_compound", "Feuerwehren", ["feuerwehr-tag-der-offenen-tuer", "jugendfeuerwehr-schnuppern"]),
    # synonyms and vocabulary words
    ("synonym", "Fußball Mädchen", ["offener-sport-maedchen-baerenkaempen"]),
    ("synonym", "Wohnen", ["infoabend-wohnen-im-haus", "wohnen-fuer-hilfe-matching"]),
    ("synonym", "Kita", ["sprachspielgruppe-kitastart", "eltern-kind-gruppe-bruecke"]),
    ("synonym", "Deutsch lernen", ["deutschkurs-frauen-rws", "sprachcafe"]),
    ("synonym", "Ehrenamt", ["ehrenamt-als-einstieg"]),
    ("synonym", "Arbeit Geflüchtete", ["arbeitsgelegenheit-aeltere-gefluechtete"]),
    ("synonym", "Nachhilfe Kinder", ["hausaufgabenhilfe-baerenkaempen"]),
    ("synonym", "Frauen Sport", ["fitness-fuer-frauen-jahnhalle", "offener-sport-maedchen-baerenkaempen"]),
    ("synonym", "Senioren", ["generationencafe-kutenhausen"]),
    ("synonym", "Beratung Ukrainisch", ["ukrainischer-begegnungstreff"]),
    # English
    ("en", "housing", ["fit-fuer-die-wohnung-baerenkaempen", "wohnberatung-wohin"]),
    ("en", "football", ["offener-sport-maedchen-baerenkaempen"]),
    ("en", "German course women", ["deutschkurs-frauen-rws"]),
    ("en", "homework help", ["hausaufgabenhilfe-baerenkaempen"]),
    ("en", "flat", ["fit-fuer-die-wohnung-baerenkaempen"]),
    ("en", "volunteering", ["ehrenamt-als-einstieg"]),
    # Arabic
    ("ar", "سكن", ["fit-fuer-die-wohnung-baerenkaempen", "wohnberatung-wohin"]),
    ("ar", "عمل", ["job-cafe-rechte-weserseite", "arbeitsgelegenheit-aeltere-gefluechtete"]),
    ("ar", "مقهى اللغة", ["sprachcafe"]),
    ("ar", "دورة لغة", ["deutschkurs-frauen-rws", "berufssprachkurs-azubis"]),
    ("ar", "رياضة نساء", ["fitness-fuer-frauen-jahnhalle"]),
    # Ukrainian
    ("uk", "житло", ["fit-fuer-die-wohnung-baerenkaempen", "wohnberatung-wohin"]),
    ("uk", "українська", ["ukrainischer-begegnungstreff"]),
    ("uk", "робота", ["job-cafe-rechte-weserseite"]),
    ("uk", "мовний курс", ["deutschkurs-frauen-rws", "berufssprachkurs-azubis"]),
    ("uk", "консультація", ["migrationsberatung-one-stop"]),
    # Turkish
    ("tr", "konut", ["fit-fuer-die-wohnung-baerenkaempen", "wohnberatung-wohin"]),
    ("tr", "iş", ["job-cafe-rechte-weserseite"]),
    ("tr", "kadınlar spor", ["fitness-fuer-frauen-jahnhalle"]),
    ("tr", "Türkçe danışmanlık", ["migrationsberatung-one-stop"]),
    ("tr", "dil kursu", ["deutschkurs-frauen-rws", "berufssprachkurs-azubis"]),
    # Russian
    ("ru", "работа", ["job-cafe-rechte-weserseite"]),
    ("ru", "квартира", ["fit-fuer-die-wohnung-baerenkaempen"]),
    ("ru", "спорт женщины", ["fitness-fuer-frauen-jahnhalle"]),
    ("ru", "языковой курс", ["deutschkurs-frauen-rws", "berufssprachkurs-azubis"]),
    ("ru", "дети домашнее задание", ["hausaufgabenhilfe-baerenkaempen"]),
    # Persian
    ("fa", "مسکن", ["fit-fuer-die-wohnung-baerenkaempen", "wohnberatung-wohin"]),
    ("fa", "کار", ["job-cafe-rechte-weserseite"]),
    ("fa", "ورزش زنان", ["fitness-fuer-frauen-jahnhalle"]),
    ("fa", "کلاس زبان", ["deutschkurs-frauen-rws", "berufssprachkurs-azubis"]),
    ("fa", "مشاوره", ["migrationsberatung-one-stop"]),
]
GROUPS = list(dict.fromkeys(g for g, _q, _e in QUERIES))


@dataclass
class Outcome:
    group: str
    query: str
    expected: list[str]
    top: list[str]

    @property
    def hit(self) -> bool:
        return all(key in self.top for key in self.expected)


def run_queries(queries=QUERIES, today: dt.date = TODAY) -> list[Outcome]:
    """Run every query in the current app context (a demo database)."""
    from directory.offers import vocabulary
    from directory.search import engine as search

    vocab = vocabulary.load("de")
    outcomes = []
    for group, q, expected in queries:
        query = search.parse(MultiDict({"q": q}), vocab, None, per_page=TOP, today=today)
        result = search.run(query, vocab, lambda _p, _v: "")
        top = [(o.external_id or "").removeprefix("demo:") for o in result.offers[:TOP]]
        outcomes.append(Outcome(group, q, expected, top))
    return outcomes


def hit_rates(outcomes: list[Outcome]) -> dict[str, tuple[int, int]]:
    """group → (hits, queries)."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for o in outcomes:
        counts[o.group][0] += o.hit
        counts[o.group][1] += 1
    return {g: (counts[g][0], counts[g][1]) for g in GROUPS if g in counts}


def report(outcomes: list[Outcome], show_misses: bool = False) -> str:
    lines = ["| group | queries | hit@5 |", "| --- | ---: | ---: |"]
    for group, (hits, n) in hit_rates(outcomes).items():
        lines.append(f"| {group} | {n} | {100 * hits / n:.0f} % |")
    total_hits = sum(o.hit for o in outcomes)
    lines.append(f"| all | {len(outcomes)} | {100 * total_hits / len(outcomes):.0f} % |")
    if show_misses:
        for o in outcomes:
            if not o.hit:
                lines.append(f"\nmiss [{o.group}] {o.query!r}: expected {o.expected}, got {o.top}")
    return "\n".join(lines)


def _demo_app(url: str | None):
    from flask_migrate import upgrade

    from directory import create_app
    from directory.extensions import db
    from directory.seeding import loader as seeding

    if url is None:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='relevance-')}/demo.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "GEOCODER": "gazetteer",
                      "MAP_TILE_URL": ""})
    with app.app_context():
        upgrade()
        seeding.load_reference_data()
        seeding.load_demo()
        db.session.commit()
    return app


PG_SCHEMA = "wegweiser_relevance"


def _pg_schema(pg_url: str, create: bool) -> str:
    """(Re)create or drop the benchmark's own schema; the URL that uses it."""
    from sqlalchemy import create_engine, text

    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{PG_SCHEMA}" CASCADE'))
        if create:
            conn.execute(text(f'CREATE SCHEMA "{PG_SCHEMA}"'))
    engine.dispose()
    return f"{pg_url}{'&' if '?' in pg_url else '?'}options=-csearch_path%3D{PG_SCHEMA}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-url", help="PostgreSQL database; the benchmark uses (and then drops) its own "
                        f"schema {PG_SCHEMA}. Default: a new SQLite file")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args(argv)
    app = _demo_app(_pg_schema(args.pg_url, create=True) if args.pg_url else None)
    try:
        with app.app_context():
            outcomes = run_queries()
            from directory.extensions import db
            db.session.remove()
            db.engine.dispose()
    finally:
        if args.pg_url:
            _pg_schema(args.pg_url, create=False)
    print(report(outcomes, args.show_misses))
    return 0 if all(h / n >= AIM for h, n in hit_rates(outcomes).values()) else 1


if __name__ == "__main__":
    sys.exit(main())
