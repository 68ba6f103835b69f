"""Import benchmark: an office list of N rows uploaded through the moderators' form over HTTP
(gunicorn, SQLite or PostgreSQL), timed from "Jetzt importieren" until the report, while
another process writes to the database every 50 ms and counts failures ("database is locked").

    .venv/bin/python bench/import_bench.py                      # 500 and 5000 rows, SQLite
    .venv/bin/python bench/import_bench.py --rows 500,5000 --backend postgresql

The smaller size is the baseline of the same run: time per row should stay the same (linear).
Each size uses a fresh database built by the real migrations, with the reference data.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import directory.extensions  # noqa: E402,F401 - the app's SQLite connection settings, for the other writer
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
STREETS = ["Marienstraße", "Bäckerstraße", "Königswall", "Simeonsplatz", "Kampstraße", "Obermarktstraße"]
TIMES = ["Mo+Mi 10-12 Uhr", "dienstags 15–17 Uhr", "Mo, Mi, Fr 9–12", "Di. 9.30–11 Uhr", "nach Vereinbarung",
         "14-tägig, Do 18-20 Uhr", "jeden 1. und 3. Montag 9-11"]
TARGETS = ["Frauen", "Jugendliche", "Senioren", "Familien, Kinder", "Alle", "Geflüchtete"]


def office_list(n: int, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    lines = ["Träger;Angebot;Art;Zielgruppe;Sprachen;Straße;PLZ;Zeiten;Kosten;Beginn"]
    for i in range(n):
        lines.append(";".join([
            f"Verein {i % 150}", f"Angebot Nummer {i}", rng.choice(["Treffpunkt", "Beratung", "Kurs", "Sport"]),
            rng.choice(TARGETS), rng.choice(["Deutsch", "Deutsch, Arabisch", "Türkisch, Deutsch"]),
            f"{rng.choice(STREETS)} {rng.randint(1, 80)}", "32423", rng.choice(TIMES),
            rng.choice(["kostenlos", "1,50 €", ""]), rng.choice(["1.9.26", "", "01.10.2026"]),
        ]))
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(url: str, env: dict) -> None:
    py = str(ROOT / ".venv" / "bin" / "flask")
    for args in (["db", "upgrade"], ["seed", "--no-demo"],
                 ["create-user", "bench@example.org", "--role", "moderator", "--password", "bench-password-1"]):
        subprocess.run([py, "--app", "wsgi", *args], cwd=ROOT, env=env, check=True, capture_output=True)


def csrf(session: requests.Session, url: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', session.get(url).text).group(1)


def writer(url: str, stop: threading.Event, counts: dict) -> None:
    """Another writer: one small transaction every 50 ms (like a provider saving a form), with
    the app's connection settings (directory.extensions, imported above so that the writer
    starts with the import: SQLite waits up to 30 s for a lock); counts its failures and its
    slowest write."""
    engine = create_engine(url)
    while not stop.is_set():
        started = time.perf_counter()
        try:
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO mail_outbox (created_at, recipient, subject, body, kind, backend, error) "
                                  "VALUES (CURRENT_TIMESTAMP, 'x@example.org', 'bench', '', 'bench', 'outbox', '')"))
            counts["ok"] += 1
            counts["slowest"] = max(counts["slowest"], time.perf_counter() - started)
        except Exception as exc:  # noqa: BLE001 - counted and shown
            counts["failed"] += 1
            counts["error"] = str(exc)[:120]
        time.sleep(0.05)
    engine.dispose()


def run_size(n: int, backend: str, workdir: Path) -> dict:
    if backend == "sqlite":
        url = f"sqlite:///{workdir / f'import-{n}.sqlite'}"
    else:
        schema = f"wegweiser_bench_import_{n}"
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE; CREATE SCHEMA "{schema}"'))
        engine.dispose()
        url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "MAIL_BACKEND": "outbox",
           "SESSION_COOKIE_SECURE": "0",  # plain HTTP to 127.0.0.1: the login cookie must come back
           "IMPORT_MAX_BYTES": str(20 * 1024 * 1024)}
    env.pop("REDIS_URL", None)
    prepare(url, env)
    port = free_port()
    server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
                               "--timeout", "600", "wsgi:app"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(base + "/anmelden", timeout=10)
                break
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.2)
        s = requests.Session()
        s.post(base + "/anmelden", data={"csrf_token": csrf(s, base + "/anmelden"), "email": "bench@example.org",
                                        "password": "bench-password-1"})
        content = office_list(n)
        t0 = time.perf_counter()
        up = s.post(base + "/moderation/import", data={"csrf_token": csrf(s, base + "/moderation/import"),
                                                       "source": "bench"},
                    files={"file": ("liste.csv", content, "text/csv")}, allow_redirects=False)
        check_url = base + up.headers["Location"]
        page = s.get(check_url).text
        dry = time.perf_counter() - t0
        data = {"csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1),
                "action": "start"}
        for name, body in re.findall(r'<select[^>]*name="(col_\d+)"[^>]*>(.*?)</select>', page, re.DOTALL):
            chosen = re.search(r'<option selected value="([^"]*)"', body)
            data[name] = chosen.group(1) if chosen else ""
        stop, counts = threading.Event(), {"ok": 0, "failed": 0, "error": "", "slowest": 0.0}
        thread = threading.Thread(target=writer, args=(url, stop, counts))
        thread.start()
        t1 = time.perf_counter()
        started = s.post(check_url, data=data, allow_redirects=False)
        result_url = base + started.headers["Location"]
        while 'data-created="' not in (report := s.get(result_url).text):
            if "fehlgeschlagen" in report:
                raise RuntimeError("import failed")
            time.sleep(0.5)
        elapsed = time.perf_counter() - t1
        stop.set()
        thread.join()
        created = int(re.search(r'data-created="(\d+)"', report).group(1))
        return {"rows": n, "backend": backend, "upload_and_dry_run_s": dry, "import_s": elapsed,
                "ms_per_row": 1000 * elapsed / n, "created": created, "other_writes_ok": counts["ok"],
                "other_writes_failed": counts["failed"], "slowest_write_s": counts["slowest"], "error": counts["error"]}
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", default="500,5000")
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = [run_size(int(n), args.backend, Path(tmp)) for n in args.rows.split(",")]
    print("| rows | backend | upload + dry run (s) | import (s) | ms/row | created | other writes ok | failed | slowest write (s) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['rows']} | {r['backend']} | {r['upload_and_dry_run_s']:.1f} | {r['import_s']:.1f} | "
              f"{r['ms_per_row']:.2f} | {r['created']} | {r['other_writes_ok']} | {r['other_writes_failed']} | "
              f"{r['slowest_write_s']:.2f} |")
        if r["error"]:
            print("   first failure:", r["error"])


if __name__ == "__main__":
    main()
