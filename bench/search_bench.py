"""Search benchmark over HTTP: gunicorn serving the real app, timed like a browser would see it.

For each backend (SQLite, PostgreSQL) and size (number of published offers) it generates a
database with bench/generate.py (or reuses a cached one while the generator, migrations, models
and seeds are unchanged), starts ``gunicorn -w 2 wsgi:app`` on it and measures:

* ``Q_home``   – no filter: ``GET /`` and ``GET /api/v1/offers``
* ``Q_narrow`` – ``q=beratung`` + language ar + target group women_girls, page and API

each once with the page cache (directory/core/page_cache.py) on and once with it off, so that the
figures show both a repeated popular query and the full work of a first one;
per scenario: p50 / p95 / max latency of sequential requests (keep-alive, one at a time), the
response size, and requests/s with wrk (8 connections by default) with its error count. In the
same run, a **bare-SQL baseline** answers the same question directly through the database driver
(count of the matching visible offers + the first 20 ids in order – no facet counts, no HTML), and
the report gives Wegweiser's p50 as a multiple of it.

    .venv/bin/python bench/search_bench.py                               # 1k,10k on sqlite,postgresql
    .venv/bin/python bench/search_bench.py --sizes 100000 --backends sqlite
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate  # noqa: E402  (bench/generate.py)
from sqlalchemy import create_engine, text  # noqa: E402
from tqdm import tqdm  # noqa: E402

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_CACHE = Path(os.environ.get("WEGWEISER_BENCH_CACHE", "/tmp/wegweiser-bench"))
PG_SCHEMA_PREFIX = "wegweiser_bench_"
TARGET_P95_MS = 50.0
TARGET_RPS = 100.0
NARROW = "q=beratung&language=ar&target=women_girls"
SCENARIOS = {
    "Q_home page": "/",
    "Q_narrow page": "/?" + NARROW,
    "Q_home API": "/api/v1/offers",
    "Q_narrow API": "/api/v1/offers?" + NARROW,
}
# inputs whose change makes a cached database stale
FINGERPRINT_FILES = (
    "bench/generate.py",
    "directory/search/fulltext.py",
    "directory/seeding/loader.py",
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


# --- the server ---------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(url: str, workers: int, page_cache: bool = True):
    port = free_port()
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="bench-secret", DEMO_NOTICE="0",
               PAGE_CACHE="1" if page_cache else "0")
    env.pop("REDIS_URL", None)
    exe = Path(sys.executable).with_name("gunicorn")
    # the server's log (one line per request) goes to a file: a pipe nobody reads fills up
    # under wrk and then blocks every worker
    log = tempfile.NamedTemporaryFile(prefix="wegweiser-bench-gunicorn-", suffix=".log", delete=False)
    proc = subprocess.Popen([str(exe), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "120",
                             "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                status, _body, _ms = get(port, "/")
                if status == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start: " + Path(log.name).read_text()[-2000:])
            time.sleep(0.5)
        yield port
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        os.unlink(log.name)


_connections: dict[int, http.client.HTTPConnection] = {}


def get(port: int, path: str, retry: bool = True) -> tuple[int, bytes, float]:
    """One GET on a kept-alive connection (a new one when the server closed the old one)."""
    conn = _connections.get(port) or http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    _connections[port] = conn
    started = time.perf_counter()
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
    except (OSError, http.client.HTTPException):
        conn.close()
        _connections.pop(port, None)
        if retry:  # gunicorn closes idle keep-alive connections after a few seconds
            return get(port, path, retry=False)
        raise
    return response.status, body, (time.perf_counter() - started) * 1000


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def wrk(port: int, path: str, seconds: int, connections: int) -> dict:
    if not shutil.which("wrk"):
        return {"rps": None, "errors": None, "note": "wrk not installed (apt-get install wrk)"}
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
                          f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=False).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(map(int, sock.groups())) if sock else 0)
    return {"rps": float(rps.group(1)) if rps else None, "errors": errors}


# --- the bare-SQL baseline ----------------------------------------------------------------

def baseline_sql(dialect: str, narrow: bool) -> str:
    visible = ("o.status = 'published' AND (o.valid_to IS NULL OR o.valid_to >= :today) "
               "AND (o.last_confirmed IS NULL OR o.last_confirmed >= :cutoff)")
    where = visible
    if narrow:
        where += (" AND o.id IN (SELECT offer_id FROM offer_language WHERE language_code = 'ar')"
                  " AND o.id IN (SELECT offer_id FROM offer_target_group WHERE target_group_code = 'women_girls')")
        where += (" AND o.id IN (SELECT rowid FROM offer_fts WHERE offer_fts MATCH '\"beratung\"*')"
                  if dialect == "sqlite" else " AND o.search_vector @@ to_tsquery('german', 'beratung:*')")
    return where


def baseline(url: str, narrow: bool, runs: int) -> list[float]:
    """Count of the matching visible offers and the first 20 ids in order, straight from the driver."""
    engine = create_engine(url)
    where = baseline_sql(engine.dialect.name, narrow)
    today = dt.date.today()
    params = {"today": today.isoformat() if engine.dialect.name == "sqlite" else today,
              "cutoff": (today - dt.timedelta(days=365)).isoformat() if engine.dialect.name == "sqlite"
              else today - dt.timedelta(days=365)}
    times = []
    with engine.connect() as conn:
        for _ in range(runs):
            started = time.perf_counter()
            conn.execute(text(f"SELECT count(*) FROM offer o WHERE {where}"), params).scalar()
            conn.execute(text(f"SELECT o.id FROM offer o WHERE {where} "
                              "ORDER BY o.last_confirmed DESC, o.id LIMIT 20"), params).all()
            times.append((time.perf_counter() - started) * 1000)
    engine.dispose()
    return times


# --- one run --------------------------------------------------------------------------------

@dataclass
class Row:
    backend: str
    n: int
    scenario: str
    p50: float
    p95: float
    max: float
    kb: float
    rps: float | None
    errors: int | None
    base_p50: float
    build_s: float = 0.0
    statuses: list = field(default_factory=list)


def measure(db_info: BenchDb, args, page_cache: bool) -> list[Row]:
    rows = []
    with gunicorn(db_info.url, args.workers, page_cache) as port:
        for name, path in SCENARIOS.items():
            if not any(s in name for s in args.scenarios):
                continue
            name += "" if page_cache else " (no page cache)"
            for _ in range(args.warmup):
                get(port, path)
            times, statuses, size = [], set(), 0
            for _ in tqdm(range(args.requests), desc=f"{db_info.backend} {db_info.n:,} {name}", leave=False):
                status, body, ms = get(port, path)
                times.append(ms)
                statuses.add(status)
                size = len(body)
            load = wrk(port, path, args.wrk_seconds, args.connections)
            base = baseline(db_info.url, "narrow" in name, max(20, args.requests // 4))
            rows.append(Row(db_info.backend, db_info.n, name, percentile(times, 50), percentile(times, 95),
                            max(times), size / 1024, load["rps"], load["errors"], percentile(base, 50),
                            statuses=sorted(statuses)))
        _connections.clear()
    return rows


def markdown(rows: list[Row], args) -> str:
    lines = ["# Search benchmark (HTTP, gunicorn)", "", *environment(args), "",
             f"Targets: p95 ≤ {TARGET_P95_MS:.0f} ms, ≥ {TARGET_RPS:.0f} requests/s with {args.workers} workers, "
             "0 errors.", "",
             "| backend | offers | scenario | p50 ms | p95 ms | max ms | KB | req/s (wrk) | errors | "
             "bare SQL p50 ms | p50 ÷ bare SQL | status |",
             "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        ratio = r.p50 / r.base_p50 if r.base_p50 else float("nan")
        lines.append(f"| {r.backend} | {r.n:,} | {r.scenario} | {r.p50:.1f} | {r.p95:.1f} | {r.max:.1f} | "
                     f"{r.kb:.0f} | {r.rps if r.rps is not None else '–'} | {r.errors if r.errors is not None else '–'} | "
                     f"{r.base_p50:.1f} | {ratio:.1f} | {','.join(map(str, r.statuses))} |")
    return "\n".join(lines) + "\n"


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
    lines.append(f"- {args.requests} timed requests per scenario after {args.warmup} warm-up requests, one at a "
                 f"time over HTTP to gunicorn ({args.workers} workers); wrk {args.wrk_seconds} s, "
                 f"{args.connections} connections; seed {args.seed}")
    with contextlib.suppress(OSError):
        lines.append(f"- load average before the run: {os.getloadavg()[0]:.2f}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated offer counts (default: %(default)s)")
    parser.add_argument("--backends", default="sqlite,postgresql", help="sqlite,postgresql (default: %(default)s)")
    parser.add_argument("--requests", type=int, default=100, help="sequential timed requests per scenario")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests per scenario")
    parser.add_argument("--scenarios", default="Q_home,Q_narrow", help="Q_home,Q_narrow,page,API (substrings)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default: %(default)s)")
    parser.add_argument("--page-cache", default="on,off",
                        help="run with the page cache on, off or both (default: %(default)s)")
    parser.add_argument("--wrk-seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL))
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "latest.md")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    parser.add_argument("--regenerate", action="store_true", help="ignore cached databases")
    parser.add_argument("--clean", action="store_true", help="delete cached databases and bench schemas")
    args = parser.parse_args(argv)
    args.scenarios = [s for s in args.scenarios.split(",") if s]
    args.page_cache = [v == "on" for v in args.page_cache.split(",") if v in ("on", "off")]
    if args.clean:
        clean(args)
        return 0
    rows = []
    for backend in args.backends.split(","):
        for n in (int(s) for s in args.sizes.split(",")):
            db_info = prepare_db(backend, n, args)
            for page_cache in args.page_cache:
                rows += measure(db_info, args, page_cache)
            tqdm.write(markdown([r for r in rows if r.backend == backend and r.n == n], args).split("\n\n")[-1])
    report = markdown(rows, args)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report, encoding="utf-8")
    print(report)
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
