"""Generate N synthetic published offers into a database, fast, for the search benchmark.

The schema is built by the real Alembic migrations and the real reference data
(``directory.seeding.load_reference_data``: vocabularies, challenges, districts). Content is
written with bulk Core inserts (``db.session.execute(insert(table), rows)`` in batches), not
one ORM object at a time. Because the ORM ``before_flush`` hook that normally fills
``Offer.search_text`` does not run for Core inserts, this module fills it itself
(summary, description, plain summary and provider name, joined by newlines, exactly like
``Offer.build_search_text``) and the index terms of title and text (``title_terms`` /
``text_terms``, directory/core/text.py); the SQLite FTS5 triggers and PostgreSQL's
generated tsvector column index them from there.

Usage::

    .venv/bin/python bench/generate.py --n 10000 --url sqlite:////tmp/bench-10k.sqlite
    .venv/bin/python bench/generate.py --n 10000 \
        --url postgresql+psycopg://postgres@127.0.0.1:5432/test --pg-schema wegweiser_bench_10000

Everything is drawn from ``random.Random(seed)``, so the same N and seed give the same data.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from pathlib import Path
from typing import Iterable, Iterator

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, select, text  # noqa: E402
from tqdm import tqdm  # noqa: E402
from directory.core.text import document_terms  # noqa: E402

DEFAULT_SEED = 20241128
BATCH = 5000
BENCH_PREFIX = "bench:"

# --- vocabulary for realistic German texts ------------------------------------------------

# activity word → (category code, a few words that go with it)
ACTIVITIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "Sport": ("sport", ("Bewegung", "Turnhalle", "Mannschaft", "Training")),
    "Fußball": ("sport", ("Mannschaft", "Training", "Verein", "Turnier")),
    "Schwimmkurs": ("sport", ("Schwimmbad", "Bewegung", "Kurs")),
    "Yoga": ("sport", ("Bewegung", "Entspannung", "Gesundheit")),
    "Sprachcafé": ("meeting", ("Deutsch", "Gespräch", "Kaffee", "Begegnung")),
    "Begegnungscafé": ("meeting", ("Begegnung", "Kaffee", "Nachbarschaft")),
    "Frauentreff": ("meeting", ("Frauen", "Begegnung", "Austausch")),
    "Deutschkurs": ("language_course", ("Deutsch", "Sprache", "Alltag", "Kurs")),
    "Integrationskurs": ("language_course", ("Deutsch", "Orientierung", "Sprache")),
    "Alphabetisierung": ("language_course", ("Lesen", "Schreiben", "Deutsch")),
    "Beratung": ("counselling", ("Behörden", "Anträge", "Aufenthalt", "Unterstützung")),
    "Migrationsberatung": ("counselling", ("Aufenthalt", "Anträge", "Behörden")),
    "Schuldnerberatung": ("counselling", ("Finanzen", "Anträge", "Unterstützung")),
    "Mentoring": ("mentoring", ("Patenschaft", "Begleitung", "Unterstützung")),
    "Patenschaft": ("mentoring", ("Begleitung", "Alltag", "Ehrenamt")),
    "Hausaufgabenhilfe": ("tutoring", ("Hausaufgaben", "Schule", "Lernen")),
    "Nachhilfe": ("tutoring", ("Schule", "Mathematik", "Lernen", "Hausaufgaben")),
    "Lernwerkstatt": ("tutoring", ("Lernen", "Schule", "Lesen")),
    "Kinderbetreuung": ("childcare", ("Kinder", "Spielgruppe", "Eltern")),
    "Spielgruppe": ("childcare", ("Kinder", "Eltern", "Spielen")),
    "Bewerbungstraining": ("job", ("Bewerbung", "Arbeit", "Ausbildung", "Lebenslauf")),
    "Ausbildungsbegleitung": ("job", ("Ausbildung", "Beruf", "Betrieb")),
    "Jobcafé": ("job", ("Arbeit", "Beruf", "Bewerbung")),
    "Wohnungssuche": ("housing", ("Wohnung", "Vermieter", "Mietvertrag")),
    "Wohnberatung": ("housing", ("Wohnung", "Nebenkosten", "Mietvertrag")),
    "Gemeinschaftsgarten": ("volunteering", ("Garten", "Nachbarschaft", "Ehrenamt")),
    "Nähwerkstatt": ("course", ("Nähen", "Werkstatt", "Frauen")),
    "Kochkurs": ("course", ("Kochen", "Küche", "Begegnung")),
    "Computerkurs": ("course", ("Computer", "Internet", "Smartphone")),
    "Fahrradwerkstatt": ("volunteering", ("Fahrrad", "Werkstatt", "Reparatur")),
    "Ehrenamt": ("volunteering", ("Engagement", "Verein", "Mitmachen")),
}
AUDIENCES = (
    "für Frauen", "für Mädchen", "für Kinder", "für Jugendliche", "für Familien",
    "für Geflüchtete", "für Eltern", "für Seniorinnen und Senioren", "für alle",
    "für Neuzugewanderte", "für Auszubildende", "für Männer", "",
)
ADJECTIVES = (
    "offene", "kostenlose", "regelmäßige", "mehrsprachige", "kleine", "wöchentliche",
    "persönliche", "praktische", "gemeinsame", "niedrigschwellige",
)
PLACES = (
    "im Stadtteilzentrum", "im Jugendhaus", "im Gemeindehaus", "in der Bibliothek",
    "im Familienzentrum", "in der Turnhalle", "im Begegnungszentrum", "in der Schule",
    "im Nachbarschaftstreff", "im Rathaus",
)
SENTENCES = (
    "Wir treffen uns {when} {place}.",
    "Das Angebot richtet sich {audience} und ist {adj}.",
    "Eine Anmeldung ist {reg}.",
    "Wir helfen bei {topic} und {topic2}.",
    "Ehrenamtliche begleiten die Teilnehmenden beim Thema {topic}.",
    "Es gibt Unterstützung rund um {topic}.",
    "Bitte bringen Sie Fragen zu {topic} mit.",
    "Die Gruppe ist {adj} und freut sich über neue Gesichter.",
    "Kommen Sie einfach vorbei, auch ohne Vorkenntnisse.",
    "Dolmetschende können bei Bedarf dazukommen.",
)
WHEN = ("jeden Montag", "dienstags", "mittwochs", "donnerstags", "freitags", "samstags",
        "einmal im Monat", "zweimal pro Woche", "am Wochenende")
REGISTRATION = ("nicht nötig", "erwünscht", "erforderlich", "telefonisch möglich")
TOPICS = (
    "Wohnung", "Ausbildung", "Arbeit", "Schule", "Hausaufgaben", "Behörden", "Sprache",
    "Gesundheit", "Kinderbetreuung", "Aufenthalt", "Bewerbung", "Freizeit", "Sport",
    "Garten", "Nachbarschaft", "Finanzen", "Mietvertrag", "Studium", "Führerschein",
)
ORG_KINDS = (
    "Sportverein", "Familienzentrum", "Jugendhaus", "Kirchengemeinde", "Kulturverein",
    "Nachbarschaftsinitiative", "Frauenverein", "Beratungsstelle", "Bildungswerk",
    "Integrationsrat", "Stadtteilbüro", "Förderverein", "Migrantenorganisation",
    "Freiwilligenagentur", "Diakonie", "Caritas", "AWO", "DRK",
)
ORG_QUALIFIERS = (
    "Minden", "Innenstadt", "Nord", "Süd", "an der Weser", "Bärenkämpen", "Rodenbeck",
    "Dankersen", "Todtenhausen", "Meißen", "Königstor", "Rechtes Weserufer", "e. V.",
)
STREETS = (
    "Kuhlenstraße", "Bäckerstraße", "Marienstraße", "Ringstraße", "Portastraße",
    "Hahler Straße", "Stiftsallee", "Königstraße", "Simeonstraße", "Lübbecker Straße",
    "Friedrich-Wilhelm-Straße", "Kutenhauser Straße", "Dankerser Straße", "Am Weserufer",
    "Bierpohlweg", "Sandtrift", "Zähringerallee", "Viktoriastraße",
)
POSTCODES = ("32423", "32425", "32427", "32429")
LOCATION_KINDS = ("Gemeindehaus", "Turnhalle", "Begegnungszentrum", "Bürgerhaus", "Schule",
                  "Jugendzentrum", "Bibliothek", "Familienzentrum", "Treffpunkt", "Vereinsheim")

# Offer languages, skewed: German nearly everywhere, then Arabic, English, Ukrainian, ...
LANGUAGE_WEIGHTS = {
    "de": 60, "ar": 14, "en": 12, "uk": 10, "tr": 8, "ru": 7, "fa": 6, "ku": 4, "pl": 3,
    "ro": 3, "bg": 2, "sq": 2, "ti": 2, "ps": 1.5, "fr": 1.5, "es": 1, "it": 0.7, "el": 0.5,
    "sr": 0.5, "hr": 0.5, "so": 0.5, "ur": 0.4, "hi": 0.3, "vi": 0.3, "zh": 0.3,
}
SLOT_STARTS = (dt.time(9, 0), dt.time(10, 0), dt.time(11, 0), dt.time(14, 0), dt.time(15, 0),
               dt.time(16, 30), dt.time(17, 0), dt.time(18, 0), dt.time(19, 0))

# Words that certainly occur in the generated texts (for the benchmark's free-text queries).
QUERY_WORDS = (
    "Sport", "Sprachcafé", "Beratung", "Wohnung", "Frauen", "Mädchen", "Hausaufgaben",
    "Nachhilfe", "Garten", "Mentoring", "Ausbildung", "Deutsch", "Kinder", "Bewerbung",
    "Begegnung", "Schule", "Familien", "Arbeit", "Fahrrad", "Kochen", "Computer",
    "Jugendliche", "Nachbarschaft", "Ehrenamt",
)


# --- helpers ------------------------------------------------------------------------------

def _weighted_sample(rng: random.Random, weights: dict[str, float], k: int) -> list[str]:
    """k distinct keys, drawn without replacement proportionally to their weights."""
    pool = dict(weights)
    out = []
    for _ in range(min(k, len(pool))):
        pick = rng.choices(list(pool), weights=list(pool.values()))[0]
        out.append(pick)
        del pool[pick]
    return out


def _batched(rows: Iterable[dict], size: int = BATCH) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _rings(geometry: dict) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    return list(geometry["coordinates"])


def random_point_in(rng: random.Random, geometry: dict | None, center: tuple[float, float],
                    tries: int = 200) -> tuple[float, float]:
    """A uniform random (lat, lon) inside the geometry (rejection sampling in its bounding box);
    near the centre if there is no geometry or sampling keeps failing."""
    from directory.core.geo import point_in_geometry

    if geometry:
        coords = [p for poly in _rings(geometry) for p in poly[0]]
        lons = [p[0] for p in coords]
        lats = [p[1] for p in coords]
        for _ in range(tries):
            lat = rng.uniform(min(lats), max(lats))
            lon = rng.uniform(min(lons), max(lons))
            if point_in_geometry(lat, lon, geometry):
                return round(lat, 6), round(lon, 6)
    return (round(center[0] + rng.gauss(0, 0.004), 6), round(center[1] + rng.gauss(0, 0.006), 6))


def _sentence(rng: random.Random, activity: str) -> str:
    _cat, words = ACTIVITIES[activity]
    tmpl = rng.choice(SENTENCES)
    topic = rng.choice(words + TOPICS)
    topic2 = rng.choice([t for t in TOPICS if t != topic])
    return tmpl.format(
        when=rng.choice(WHEN), place=rng.choice(PLACES), audience=rng.choice(AUDIENCES[:-1]),
        adj=rng.choice(ADJECTIVES).rstrip("e"), reg=rng.choice(REGISTRATION),
        topic=topic, topic2=topic2,
    )


def make_offer_texts(rng: random.Random, activity: str) -> dict[str, str]:
    _cat, words = ACTIVITIES[activity]
    audience = rng.choice(AUDIENCES)
    adj = rng.choice(ADJECTIVES)
    title = " ".join(x for x in (activity, audience) if x)
    summary = (f"{activity} {rng.choice(PLACES)}, {adj.rstrip('e')}. "
               f"Themen: {', '.join(rng.sample(words, min(2, len(words))))}.")
    description = " ".join(_sentence(rng, activity) for _ in range(rng.randint(2, 5)))
    plain = f"Hier gibt es {activity}. Es geht um {rng.choice(words)}." if rng.random() < 0.6 else ""
    return {"title": title[:200], "summary": summary[:500], "description": description,
            "plain_summary": plain}


# --- the generator ------------------------------------------------------------------------

def build_schema(url: str):
    """A Flask app on ``url`` with the migrated schema and the reference data loaded."""
    from flask_migrate import upgrade

    from directory import create_app
    from directory.extensions import db
    from directory.seeding import loader as seeding

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        upgrade()
        seeding.load_reference_data()
        db.session.commit()
    return app


def generate(url: str, n: int, seed: int = DEFAULT_SEED, progress: bool = True) -> dict:
    """Migrate the database at ``url``, load reference data and insert ``n`` published offers.

    The database must be empty (a new SQLite file or an empty PostgreSQL schema). Returns
    counts and timings.
    """
    from directory.extensions import db
    from directory.models import (
        Challenge,
        District,
        Language,
        Location,
        Offer,
        Organization,
        Schedule,
        TargetGroup,
        offer_challenge,
        offer_language,
        offer_location,
        offer_target_group,
    )

    t0 = time.perf_counter()
    app = build_schema(url)
    t_schema = time.perf_counter() - t0
    rng = random.Random(seed)
    today = dt.date.today()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    counts: dict[str, int] = {}

    with app.app_context():
        if db.session.scalar(select(Offer.id).limit(1)) is not None:
            raise SystemExit(f"{url}: the database already contains offers; use an empty one.")
        districts = [
            (d.code, json.loads(d.boundary_geojson) if d.boundary_geojson else None,
             (d.center_lat, d.center_lon))
            for d in db.session.scalars(select(District).order_by(District.code))
        ]
        if not districts:
            raise SystemExit("no districts loaded (seeds/districts.geojson missing?)")
        challenges = list(db.session.scalars(select(Challenge.code).order_by(Challenge.code)))
        targets = list(db.session.scalars(select(TargetGroup.code).order_by(TargetGroup.position)))
        languages = {
            code: LANGUAGE_WEIGHTS.get(code, 0.2)
            for code in db.session.scalars(select(Language.code).order_by(Language.position))
        }
        district_weights = [rng.uniform(0.5, 2.0) for _ in districts]  # some districts busier

        n_orgs = max(1, n // 20)
        n_locs = max(1, n // 3)
        bar = tqdm(total=n_orgs + n_locs + n, desc=f"generate {n:,}", unit="row",
                   disable=not progress, leave=False)

        def insert_batches(table, rows: Iterable[dict], advance: bool = True) -> int:
            total = 0
            for batch in _batched(rows):
                db.session.execute(insert(table), batch)
                total += len(batch)
                if advance:
                    bar.update(len(batch))
            return total

        # organisations
        org_names: list[str] = []

        def orgs() -> Iterator[dict]:
            for i in range(1, n_orgs + 1):
                name = f"{rng.choice(ORG_KINDS)} {rng.choice(ORG_QUALIFIERS)} {i}"
                org_names.append(name)
                created = now - dt.timedelta(days=rng.randint(30, 2000))
                yield {
                    "id": i, "external_id": f"{BENCH_PREFIX}org:{i}", "name": name,
                    "description": f"{name} engagiert sich in Minden.", "website": None,
                    "email": f"kontakt{i}@example.org", "phone": None, "logo_url": None,
                    "is_demo": False, "created_at": created, "updated_at": created,
                }

        counts["organizations"] = insert_batches(Organization.__table__, orgs())

        # locations, spread over the districts
        org_locations: dict[int, list[int]] = {}

        def locs() -> Iterator[dict]:
            for i in range(1, n_locs + 1):
                code, geometry, center = rng.choices(districts, weights=district_weights)[0]
                lat, lon = random_point_in(rng, geometry, center)
                org_id = rng.randint(1, n_orgs)
                org_locations.setdefault(org_id, []).append(i)
                yield {
                    "id": i, "external_id": f"{BENCH_PREFIX}loc:{i}", "organization_id": org_id,
                    "name": f"{rng.choice(LOCATION_KINDS)} {code.replace('-', ' ').title()} {i}",
                    "address": f"{rng.choice(STREETS)} {rng.randint(1, 120)}",
                    "postcode": rng.choice(POSTCODES), "city": "Minden", "lat": lat, "lon": lon,
                    "district_code": code, "wheelchair_accessible": rng.choice((True, False, None)),
                }

        counts["locations"] = insert_batches(Location.__table__, locs())

        # offers and their associations, inserted batch by batch in step
        assoc = {"language": [], "target": [], "challenge": [], "location": [], "schedule": []}
        counts.update({"offers": 0, "offer_language": 0, "offer_target_group": 0,
                       "offer_challenge": 0, "offer_location": 0, "schedules": 0})
        activities = list(ACTIVITIES)
        schedule_id = 0

        def flush_assoc() -> None:
            for key, table, count_key in (
                ("language", offer_language, "offer_language"),
                ("target", offer_target_group, "offer_target_group"),
                ("challenge", offer_challenge, "offer_challenge"),
                ("location", offer_location, "offer_location"),
                ("schedule", Schedule.__table__, "schedules"),
            ):
                if assoc[key]:
                    counts[count_key] += insert_batches(table, assoc[key], advance=False)
                    assoc[key] = []

        def offers() -> Iterator[dict]:
            nonlocal schedule_id
            for i in range(1, n + 1):
                org_id = rng.randint(1, n_orgs)
                activity = rng.choice(activities)
                texts = make_offer_texts(rng, activity)
                search_text = "\n".join(
                    p for p in (texts["summary"], texts["description"], texts["plain_summary"],
                                org_names[org_id - 1]) if p
                )
                free = rng.random() < 0.7
                created = now - dt.timedelta(days=rng.randint(0, 1500), minutes=rng.randint(0, 1440))
                updated = created + dt.timedelta(days=rng.randint(0, 300))
                confirmed = (today - dt.timedelta(days=rng.randint(0, 420))) if rng.random() < 0.85 else None
                yield {
                    "id": i, "external_id": f"{BENCH_PREFIX}offer:{i}", "organization_id": org_id,
                    **texts, "category_code": ACTIVITIES[activity][0], "status": "published",
                    "is_free": free, "cost": None if free else f"{rng.choice((2, 3, 5, 10, 25))} € pro Termin",
                    "registration_required": rng.random() < 0.4, "accessibility": None,
                    "contact_name": None, "contact_email": f"angebot{i}@example.org",
                    "contact_phone": None, "valid_from": None,
                    "valid_to": (today + dt.timedelta(days=rng.randint(30, 700))) if rng.random() < 0.1 else None,
                    "last_confirmed": confirmed, "created_at": created,
                    "updated_at": min(updated, now), "search_text": search_text,
                    "title_terms": document_terms(texts["title"]), "text_terms": document_terms(search_text),
                }
                for code in _weighted_sample(rng, languages, rng.choices((1, 2, 3, 4), (45, 30, 15, 10))[0]):
                    assoc["language"].append({"offer_id": i, "language_code": code})
                for code in rng.sample(targets, rng.randint(1, 3)):
                    assoc["target"].append({"offer_id": i, "target_group_code": code})
                for code in rng.sample(challenges, rng.randint(1, 3)):
                    assoc["challenge"].append({"offer_id": i, "challenge_code": code})
                own = org_locations.get(org_id) or []
                k = rng.choices((1, 2, 3), (60, 28, 12))[0]
                picks = set(rng.sample(own, min(k, len(own))))
                while len(picks) < k:
                    picks.add(rng.randint(1, n_locs))
                for loc_id in sorted(picks):
                    assoc["location"].append({"offer_id": i, "location_id": loc_id})
                for day in rng.sample(range(7), rng.choices((0, 1, 2, 3), (20, 45, 25, 10))[0]):
                    start = rng.choice(SLOT_STARTS)
                    end = (dt.datetime.combine(today, start) + dt.timedelta(minutes=rng.choice((60, 90, 120, 180)))).time()
                    schedule_id += 1
                    assoc["schedule"].append({
                        "id": schedule_id, "offer_id": i, "weekday": day, "opens_at": start,
                        "closes_at": end, "date": None, "valid_from": None, "valid_to": None,
                        "note": None,
                    })

        for batch in _batched(offers()):
            db.session.execute(insert(Offer.__table__), batch)
            counts["offers"] += len(batch)
            bar.update(len(batch))
            flush_assoc()
        flush_assoc()
        bar.close()

        if db.engine.dialect.name == "postgresql":
            # explicit ids were inserted: move the sequences past them
            for table in ("organization", "location", "offer", "schedule"):
                db.session.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {table}))"
                ))
        db.session.commit()
        t_insert = time.perf_counter() - t0 - t_schema

        t1 = time.perf_counter()
        if db.engine.dialect.name == "postgresql":
            # what autovacuum would have done by the time anyone searches
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        t_analyze = time.perf_counter() - t1
        db.session.remove()
        db.engine.dispose()

    return {"counts": counts, "seconds": {"schema": t_schema, "insert": t_insert,
                                          "analyze": t_analyze, "total": time.perf_counter() - t0}}


# --- PostgreSQL schema helpers ------------------------------------------------------------

def pg_schema_url(base_url: str, schema: str) -> str:
    sep = "&" if "?" in base_url else "?"
    return f"{base_url}{sep}options=-csearch_path%3D{schema}"


def pg_create_schema(base_url: str, schema: str) -> str:
    """(Re)create an empty schema; returns the URL that uses it."""
    engine = create_engine(base_url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return pg_schema_url(base_url, schema)


def pg_drop_schema(base_url: str, schema: str) -> None:
    engine = create_engine(base_url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def pg_schema_exists(base_url: str, schema: str) -> bool:
    engine = create_engine(base_url)
    try:
        with engine.connect() as conn:
            return conn.execute(
                text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :s"), {"s": schema}
            ).first() is not None
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, required=True, help="number of offers (e.g. 1000, 10000, 100000)")
    parser.add_argument("--url", required=True,
                        help="SQLAlchemy URL: sqlite:////path/file.sqlite (must not exist) or a PostgreSQL URL")
    parser.add_argument("--pg-schema", help="PostgreSQL only: (re)create this schema and generate into it")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    url = args.url
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        if path.exists():
            parser.error(f"{path} exists; remove it first")
        path.parent.mkdir(parents=True, exist_ok=True)
    elif args.pg_schema:
        url = pg_create_schema(url, args.pg_schema)
    result = generate(url, args.n, args.seed)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
