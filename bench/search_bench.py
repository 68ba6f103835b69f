"""Search benchmark: faceted search requests through the app (Flask test client).

For each backend (SQLite, PostgreSQL) and size (number of published offers) this generates a
database with bench/generate.py (or reuses one from the cache directory when the generator,
migrations, models and seeds are unchanged), then times GET requests to the search page ``/``,
which parses the query, counts every facet, loads the result page, builds the map markers and
renders the HTML (list + facets + map), exactly as a browser request would.

Scenarios (parameters randomised but reproducible from --seed):

* ``no filter``         GET /
* ``q only``            GET /?q=<word>
* ``3 facets``          GET /?district=<d>&language=<l>&target=<t>
* ``q + 3 facets``      GET /?q=<word>&district=<d>&language=<l>&target=<t>   (the headline)

Reports median, p95 and max latency in ms per scenario and the median number of results.
``--breakdown`` also records the time of every SQL statement, attributed to the function in
directory/ that issued it, for the slowest scenarios (see bench/README.md).

    .venv/bin/python bench/search_bench.py                      # sizes 1000,10000; sqlite,postgresql
    .venv/bin/python bench/search_bench.py --sizes 100000 --backends sqlite --requests 50
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import random
import sqlite3
import statistics
import sys
import time
import traceback
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate  # noqa: E402  (bench/generate.py)
from sqlalchemy import create_engine, event, func, select, text  # noqa: E402
from tqdm import tqdm  # noqa: E402

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_CACHE = Path(os.environ.get("WEGWEISER_BENCH_CACHE", "/tmp/wegweiser-bench"))
PG_SCHEMA_PREFIX = "wegweiser_bench_"
TARGET_MS = 100.0
SCENARIOS = ("no filter", "q only", "3 facets", "q + 3 facets")
# inputs whose change makes a cached database stale
FINGERPRINT_FILES = (
    "bench/generate.py",
    "directory/models.py",  # (or the directory/models/ package, added below)
    "directory/fulltext.py",
    "directory/seeding.py",
    "seeds/vocabularies.yaml",
    "seeds/challenges.yaml",
    "seeds/districts.geojson",
)


# --- databases: generate or reuse ---------------------------------------------------------

def fingerprint(backend: str, n: int, seed: int, pg_url: str) -> str:
    h = hashlib.sha256(f"{backend}|{n}|{seed}|{pg_url if backend == 'postgresql' else ''}".encode())
    files = (
        [ROOT / f for f in FINGERPRINT_FILES]
        + sorted((ROOT / "directory" / "models").glob("*.py"))
        + sorted((ROOT / "migrations" / "versions").glob("*.py"))
    )
    for path in files:
        h.update(path.name.encode())
        h.update(path.read_bytes() if path.exists() else b"<missing>")
    return h.hexdigest()[:16]


@dataclass
class BenchDb:
    backend: str
    n: int
    url: str
    reused: bool
    generation: dict = field(default_factory=dict)  # counts and seconds (from the marker if reused)


def _count_offers(url: str) -> int | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM offer")).scalar()
    except Exception:  # noqa: BLE001 - missing table, broken file: regenerate
        return None
    finally:
        engine.dispose()


def prepare_db(backend: str, n: int, args) -> BenchDb:
    cache: Path = args.cache_dir
    cache.mkdir(parents=True, exist_ok=True)
    marker = cache / f"{backend}-{n}.json"
    fp = fingerprint(backend, n, args.seed, args.pg_url)
    if backend == "sqlite":
        path = cache / f"sqlite-{n}.sqlite"
        url = f"sqlite:///{path}"
        schema = None
    else:
        schema = f"{PG_SCHEMA_PREFIX}{n}"
        url = generate.pg_schema_url(args.pg_url, schema)

    if not args.regenerate and marker.exists():
        meta = json.loads(marker.read_text())
        exists = path.exists() if backend == "sqlite" else generate.pg_schema_exists(args.pg_url, schema)
        if meta.get("fingerprint") == fp and exists and _count_offers(url) == n:
            return BenchDb(backend, n, url, True, meta.get("generation", {}))

    marker.unlink(missing_ok=True)
    if backend == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    else:
        generate.pg_create_schema(args.pg_url, schema)
    tqdm.write(f"[{backend} {n:,}] generating …")
    result = generate.generate(url, n, args.seed)
    marker.write_text(json.dumps({"fingerprint": fp, "url": url, "generation": result,
                                  "created": dt.datetime.now().isoformat(timespec="seconds")}, indent=2))
    tqdm.write(f"[{backend} {n:,}] generated in {result['seconds']['total']:.1f} s")
    return BenchDb(backend, n, url, False, result)


def clean(args) -> None:
    cache: Path = args.cache_dir
    for marker in sorted(cache.glob("*.json")) if cache.exists() else []:
        marker.unlink()
    for f in sorted(cache.glob("sqlite-*.sqlite*")) if cache.exists() else []:
        f.unlink()
    try:
        engine = create_engine(args.pg_url)
        with engine.begin() as conn:
            schemas = conn.execute(text(
                "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE :p"
            ), {"p": PG_SCHEMA_PREFIX + "%"}).scalars().all()
            for schema in schemas:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()
        print(f"dropped PostgreSQL schemas: {', '.join(schemas) or '(none)'}")
    except Exception as exc:  # noqa: BLE001
        print(f"PostgreSQL not cleaned: {exc}")
    print(f"cleaned {cache}")


# --- requests -----------------------------------------------------------------------------

def request_urls(scenario: str, count: int, seed: int, districts: list[str], languages: list[str],
                 targets: list[str]) -> list[str]:
    """``count`` reproducible request URLs for a scenario."""
    rng = random.Random(f"{seed}:{scenario}")
    lang_weights = [generate.LANGUAGE_WEIGHTS.get(c, 0.2) for c in languages]
    urls = []
    for _ in range(count):
        params: list[tuple[str, str]] = []
        if scenario in ("q only", "q + 3 facets"):
            params.append(("q", rng.choice(generate.QUERY_WORDS)))
        if scenario in ("3 facets", "q + 3 facets"):
            params += [
                ("district", rng.choice(districts)),
                ("language", rng.choices(languages, weights=lang_weights)[0]),  # users pick common ones more
                ("target", rng.choice(targets)),
            ]
        urls.append("/" + ("?" + urlencode(params) if params else ""))
    return urls


class SqlTimer:
    """Times every SQL statement, attributed to the innermost function in directory/ that ran it."""

    def __init__(self, engine):
        self.engine = engine
        self.enabled = False
        self.totals: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.examples: dict[str, str] = {}
        self._start: list[float] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    @staticmethod
    def _caller() -> str:
        frame = sys._getframe(2)
        pkg = str(ROOT / "directory")
        while frame is not None:
            filename = frame.f_code.co_filename
            if filename.startswith(pkg):
                return f"{Path(filename).stem}.{frame.f_code.co_name}:{frame.f_lineno}"
            frame = frame.f_back
        return "(other)"

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        if self.enabled:
            self._start.append(time.perf_counter())

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        if self.enabled and self._start:
            elapsed = time.perf_counter() - self._start.pop()
            key = self._caller()
            self.totals[key] += elapsed
            self.calls[key] += 1
            self.examples.setdefault(key, statement)

    def reset(self) -> None:
        self.totals.clear()
        self.calls.clear()
        self.examples.clear()


@dataclass
class ScenarioResult:
    backend: str
    n: int
    scenario: str
    requests: int
    median_ms: float
    p95_ms: float
    max_ms: float
    median_results: float
    errors: int
    cpu_median_ms: float = float("nan")  # CPU time of this process per request (see README)
    cpu_p95_ms: float = float("nan")
    load: float = float("nan")  # 1-minute load average after the scenario (other processes!)
    breakdown: list[tuple[str, float, float]] = field(default_factory=list)  # (where, ms/request, calls/request)
    sql_ms: float = 0.0
    examples: dict[str, str] = field(default_factory=dict)


def write_profile(profiler, path: Path) -> None:
    import io
    import pstats

    buf = io.StringIO()
    stats = pstats.Stats(profiler, stream=buf)
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(25)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buf.getvalue(), encoding="utf-8")
    tqdm.write(f"profile written to {path}")


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, -(-len(ordered) * p // 100) - 1))
    return ordered[int(k)]


def run_scenarios(db_info: BenchDb, args) -> list[ScenarioResult]:
    from directory import create_app
    from directory.extensions import db
    from directory.models import District, Language, Offer, TargetGroup
    from directory.search import engine as search

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": db_info.url, "SECRET_KEY": "bench", "TESTING": True,
        "MAP_TILE_URL": "", "GEOCODER": "gazetteer", "SERVER_NAME": None,
    })
    with app.app_context():
        districts = list(db.session.scalars(select(District.code).order_by(District.code)))
        languages = list(db.session.scalars(select(Language.code).order_by(Language.position)))
        targets = list(db.session.scalars(select(TargetGroup.code).order_by(TargetGroup.position)))
        n_db = db.session.scalar(select(func.count(Offer.id)))
        timer = SqlTimer(db.engine) if args.breakdown else None
        db.session.remove()
    assert n_db == db_info.n, (n_db, db_info.n)

    totals: list[int] = []
    real_run = search.run

    def counting_run(*a, **kw):
        result = real_run(*a, **kw)
        totals.append(result.total)
        return result

    client = app.test_client()
    results = []
    search.run = counting_run
    try:
        for scenario in args.scenarios:
            wait_for_quiet(args.max_load)
            urls = request_urls(scenario, args.warmup + args.requests, args.seed, districts, languages, targets)
            for url in urls[: args.warmup]:
                client.get(url)
            totals.clear()
            if timer:
                timer.reset()
                timer.enabled = True
            profiler = None
            if args.profile:
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
            times, cpu_times, errors = [], [], 0
            bar = tqdm(urls[args.warmup:], desc=f"{db_info.backend} {db_info.n:>7,} {scenario:<13}",
                       unit="req", leave=False)
            for url in bar:
                problem = None
                c0 = time.process_time()
                t0 = time.perf_counter()
                try:
                    status = client.get(url).status_code
                    if status != 200:
                        problem = f"HTTP {status}"
                except Exception:  # noqa: BLE001 - a benchmark reports, it does not stop
                    problem = traceback.format_exc()
                times.append((time.perf_counter() - t0) * 1000)
                cpu_times.append((time.process_time() - c0) * 1000)
                if problem:
                    errors += 1
                    if errors == 1:
                        tqdm.write(f"{url}: {problem}")
            bar.close()
            if profiler:
                profiler.disable()
                write_profile(profiler, args.output.parent / "profile-{}-{}-{}.txt".format(
                    db_info.backend, db_info.n, scenario.replace(" ", "").replace("+", "_")))
            if timer:
                timer.enabled = False
            r = ScenarioResult(
                db_info.backend, db_info.n, scenario, len(times),
                statistics.median(times), percentile(times, 95), max(times),
                statistics.median(totals) if totals else float("nan"), errors,
                load=os.getloadavg()[0], cpu_median_ms=statistics.median(cpu_times),
                cpu_p95_ms=percentile(cpu_times, 95),
            )
            if timer:
                k = len(times)
                r.breakdown = sorted(
                    ((where, total * 1000 / k, timer.calls[where] / k) for where, total in timer.totals.items()),
                    key=lambda x: -x[1],
                )
                r.sql_ms = sum(t for _, t, _ in r.breakdown)
                r.examples = dict(timer.examples)
            results.append(r)
            tqdm.write(
                f"[{db_info.backend} {db_info.n:,}] {scenario:<13} median {r.median_ms:7.1f} ms  "
                f"p95 {r.p95_ms:7.1f} ms  max {r.max_ms:7.1f} ms  (CPU {r.cpu_median_ms:.1f}/{r.cpu_p95_ms:.1f})  "
                f"results {r.median_results:g}  load {r.load:.1f}"
                + (f"  errors {errors}" if errors else "")
            )
    finally:
        search.run = real_run
        with app.app_context():
            db.engine.dispose()
    return results


# --- report -------------------------------------------------------------------------------

def environment(args) -> list[str]:
    cpu = platform.processor() or "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    code = "(not a git checkout)"
    with contextlib.suppress(Exception):
        import subprocess

        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "directory", "migrations", "templates"],
                               cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        code = head + (" + uncommitted changes in directory/, migrations/ or templates/" if dirty else "")
    lines = [
        f"- date: {dt.datetime.now().isoformat(timespec='seconds')}, code: {code}",
        f"- machine: {os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
    ]
    if "postgresql" in args.backends:
        with contextlib.suppress(Exception):
            engine = create_engine(args.pg_url)
            with engine.connect() as conn:
                lines.append(f"- {conn.execute(text('SELECT version()')).scalar().split(' on ')[0]}")
            engine.dispose()
    lines.append(f"- {args.requests} timed requests per scenario after {args.warmup} warm-up requests, "
                 f"seed {args.seed}; in-process Flask test client, one request at a time")
    return lines


def markdown(dbs: list[BenchDb], results: list[ScenarioResult], args) -> str:
    out = ["# Wegweiser search benchmark", "", *environment(args), ""]
    out += ["## Generated databases", "",
            "| backend | offers | organisations | locations | generation (s) | cache |",
            "|---|---:|---:|---:|---:|---|"]
    for d in dbs:
        c = d.generation.get("counts", {})
        s = d.generation.get("seconds", {})
        out.append(f"| {d.backend} | {d.n:,} | {c.get('organizations', 0):,} | {c.get('locations', 0):,} | "
                   f"{s.get('total', float('nan')):.1f} | {'reused' if d.reused else 'generated now'} |")
    out += ["", "## Latency per request (ms)", "",
            f"Target: p95 < {TARGET_MS:.0f} ms at 10,000 offers on SQLite. \"load\" is the 1-minute "
            f"load average after the scenario; above ~1 other processes competed for the "
            f"{os.cpu_count()} CPUs and the wall-clock figures are inflated. \"CPU\" is this process's CPU "
            f"time per request: on SQLite (in-process) it is close to the wall time on an idle "
            f"machine; on PostgreSQL it leaves out the server's work.", "",
            "| backend | offers | scenario | median | p95 | max | CPU median | CPU p95 | median results | errors | load |",
            "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        flag = " ⚠" if r.p95_ms > TARGET_MS else ""
        out.append(f"| {r.backend} | {r.n:,} | {r.scenario} | {r.median_ms:.1f} | {r.p95_ms:.1f}{flag} | "
                   f"{r.max_ms:.1f} | {r.cpu_median_ms:.1f} | {r.cpu_p95_ms:.1f} | {r.median_results:g} | {r.errors} | {r.load:.2f} |")
    if any(r.breakdown for r in results):
        out += ["", "## Where the time goes (SQL per request, by calling function)", ""]
        for r in results:
            if not r.breakdown:
                continue
            out += [f"### {r.backend}, {r.n:,} offers, {r.scenario}: median {r.median_ms:.1f} ms, "
                    f"of which SQL ≈ {r.sql_ms:.1f} ms (mean)", "",
                    "| where (directory/…) | ms / request | statements / request |", "|---|---:|---:|"]
            for where, ms, calls in r.breakdown[: args.breakdown_rows]:
                out.append(f"| `{where}` | {ms:.2f} | {calls:.1f} |")
            out.append("")
    return "\n".join(out) + "\n"


def print_table(results: list[ScenarioResult]) -> None:
    header = (f"{'backend':<11}{'offers':>9}  {'scenario':<14}{'median':>9}{'p95':>9}{'max':>9}"
              f"{'cpu med':>9}{'cpu p95':>9}{'results':>9}{'errors':>7}{'load':>6}")
    print("\n" + header)
    print("-" * len(header))
    for r in results:
        print(f"{r.backend:<11}{r.n:>9,}  {r.scenario:<14}{r.median_ms:>9.1f}{r.p95_ms:>9.1f}"
              f"{r.max_ms:>9.1f}{r.cpu_median_ms:>9.1f}{r.cpu_p95_ms:>9.1f}{r.median_results:>9g}"
              f"{r.errors:>7}{r.load:>6.1f}")


def wait_for_quiet(max_load: float | None, max_wait: float = 600) -> None:
    """On a shared machine: wait (up to max_wait s) until the 1-minute load average is below max_load."""
    if not max_load:
        return
    deadline = time.monotonic() + max_wait
    while os.getloadavg()[0] >= max_load and time.monotonic() < deadline:
        tqdm.write(f"load average {os.getloadavg()[0]:.2f} ≥ {max_load}: waiting …")
        time.sleep(15)


def wait_for_seeds(timeout: float) -> None:
    needed = [ROOT / "seeds" / "districts.geojson", ROOT / "seeds" / "gazetteer.csv"]
    deadline = time.monotonic() + timeout
    while missing := [p for p in needed if not p.exists()]:
        if time.monotonic() > deadline:
            raise SystemExit(f"missing seed files: {', '.join(str(p) for p in missing)}")
        print(f"waiting for {', '.join(p.name for p in missing)} …", flush=True)
        time.sleep(30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time faceted search requests through the app.")
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated offer counts (default: %(default)s)")
    parser.add_argument("--backends", default="sqlite,postgresql", help="sqlite,postgresql (default: %(default)s)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per scenario (default: %(default)s)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests per scenario (default: %(default)s)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS),
                        help="comma-separated subset of: " + ", ".join(SCENARIOS))
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL),
                        help="PostgreSQL server/database; the benchmark uses its own schemas "
                             f"{PG_SCHEMA_PREFIX}<N> in it (default: %(default)s)")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "latest.md")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE,
                        help="generated SQLite files and cache markers (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    parser.add_argument("--regenerate", action="store_true", help="ignore cached databases")
    parser.add_argument("--breakdown", action="store_true",
                        help="also time each SQL statement by calling function (adds a little overhead)")
    parser.add_argument("--breakdown-rows", type=int, default=15)
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the timed requests; writes profile-<backend>-<n>-<scenario>.txt "
                             "next to --output (timings are then inflated)")
    parser.add_argument("--max-load", type=float, default=None, metavar="LOAD",
                        help="before each scenario wait (up to 10 min) until the 1-minute load average "
                             "is below LOAD (for shared machines)")
    parser.add_argument("--clean", action="store_true",
                        help=f"delete the cache dir's databases and drop the {PG_SCHEMA_PREFIX}* schemas, then exit")
    parser.add_argument("--wait-for-seeds", type=float, default=0, metavar="SECONDS",
                        help="wait up to this long for seeds/districts.geojson and seeds/gazetteer.csv")
    args = parser.parse_args(argv)
    if args.clean:
        clean(args)
        return 0
    args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    for b in args.backends:
        if b not in ("sqlite", "postgresql"):
            parser.error(f"unknown backend {b!r}")
    for s in args.scenarios:
        if s not in SCENARIOS:
            parser.error(f"unknown scenario {s!r}")
    wait_for_seeds(args.wait_for_seeds)

    dbs, results = [], []
    for backend in args.backends:
        for n in args.sizes:
            info = prepare_db(backend, n, args)
            dbs.append(info)
            results += run_scenarios(info, args)
            args.output.parent.mkdir(parents=True, exist_ok=True)
            args.output.write_text(markdown(dbs, results, args), encoding="utf-8")  # partial results early
    print_table(results)
    print(f"\nwritten to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
