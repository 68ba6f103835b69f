"""Lighthouse (mobile preset) on the landing page of a running server, German and Arabic.

    .venv/bin/python bench/lighthouse.py [--base http://127.0.0.1:8000] [--runs 3]

Prints per language and run the category scores (performance, accessibility, best practices,
SEO), the core timings, and whether Chrome considers the site installable (Lighthouse 12 has no
PWA category any more, so that is asked from Chrome itself through the DevTools protocol via
Playwright), Lighthouse's benchmark index of the machine (BI: its CPU speed during the run; the
mobile preset slows the CPU down 4× from there, so a busy machine scores lower) and the 1-minute
load average. The last line per language is the median of the runs. Lighthouse is not part of the
project: install it anywhere (``npm i lighthouse@12`` in /tmp/lh) and point ``--lighthouse`` or
``LIGHTHOUSE`` at its binary. The browser is the system Chromium (``CHROME_PATH``).

German is the landing page ``/`` as a German phone asks for it (``Accept-Language: de``), Arabic
is ``/ar/``. Before the runs each URL is requested a few times, so the page cache of every
gunicorn worker is warm (a visitor of a running site meets a warm cache too).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

PAGES = {  # language: (path, Accept-Language)
    "de": ("/", "de-DE,de;q=0.9"),
    "ar": ("/ar/", "ar,de;q=0.5"),
}
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
METRICS = {  # audit id: column title
    "first-contentful-paint": "FCP",
    "largest-contentful-paint": "LCP",
    "total-blocking-time": "TBT",
    "cumulative-layout-shift": "CLS",
    "speed-index": "SI",
}


def warm(url: str, accept_language: str, times: int) -> None:
    for _ in range(times):
        request = urllib.request.Request(url, headers={"Accept-Language": accept_language})
        with urllib.request.urlopen(request, timeout=120) as response:  # a cold worker builds its search index first
            response.read()


def lighthouse(binary: str, chrome: str, url: str, accept_language: str, out: Path) -> dict:
    command = [
        binary, url, "--quiet", "--output=json", f"--output-path={out}",
        "--form-factor=mobile",  # the default preset, spelled out
        "--only-categories=" + ",".join(CATEGORIES),
        "--chrome-flags=--headless=new --no-sandbox",
        "--extra-headers=" + json.dumps({"Accept-Language": accept_language}),
    ]
    for attempt in (1, 2):  # on a busy machine Chrome sometimes fails to start in time
        done = subprocess.run(command, env={**os.environ, "CHROME_PATH": chrome})
        if done.returncode == 0:
            break
    done.check_returncode()
    report = json.loads(out.read_text())
    row = {c: round(100 * report["categories"][c]["score"]) for c in CATEGORIES}
    for audit, title in METRICS.items():
        row[title] = report["audits"][audit]["numericValue"]
    row["BI"] = report["environment"]["benchmarkIndex"]
    return row


def installability(chrome: str, url: str, accept_language: str) -> str:
    """"yes" or Chrome's reasons why the page cannot be installed."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return "not checked (no playwright)"
    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        # a real profile: Chrome never offers to install from an incognito window
        context = p.chromium.launch_persistent_context(
            profile, executable_path=chrome, args=["--no-sandbox"], headless=True,
            extra_http_headers={"Accept-Language": accept_language})
        try:
            page = context.new_page()
            page.goto(url, wait_until="load")
            page.evaluate("navigator.serviceWorker && navigator.serviceWorker.ready.then(() => true)")
            session = context.new_cdp_session(page)
            errors = session.send("Page.getInstallabilityErrors").get("installabilityErrors", [])
        finally:
            context.close()
    return "yes" if not errors else "no: " + ", ".join(e.get("errorId", "?") for e in errors)


def fmt(row: dict) -> str:
    scores = "  ".join(f"{row[c]:>4.0f}" for c in CATEGORIES)
    timings = "  ".join(
        f"{row[t]:>5.3f}" if t == "CLS" else f"{row[t] / 1000:>4.1f}s" if t != "TBT" else f"{row[t]:>5.0f}ms"
        for t in METRICS.values())
    return f"{scores}   {timings}  {row['BI']:>5.0f}  {os.getloadavg()[0]:>4.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default=os.environ.get("BENCH_BASE_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--langs", default="de,ar")
    parser.add_argument("--lighthouse", default=os.environ.get("LIGHTHOUSE", "/tmp/lh/node_modules/.bin/lighthouse"))
    parser.add_argument("--chrome", default=os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
    parser.add_argument("--keep", type=Path, help="folder for the JSON reports (default: a temporary one)")
    args = parser.parse_args()
    base = args.base.rstrip("/")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="lighthouse-"))
    folder.mkdir(parents=True, exist_ok=True)
    header = "  ".join(f"{c[:4]:>4}" for c in CATEGORIES) + "   " + "  ".join(f"{t:>6}" for t in METRICS.values())
    print(f"lang run  {header}     BI  load   installable")
    for lang in args.langs.split(","):
        path, accept_language = PAGES[lang]
        url = base + path
        warm(url, accept_language, times=6)
        installable = installability(args.chrome, url, accept_language)
        rows = []
        for run in range(1, args.runs + 1):
            row = lighthouse(args.lighthouse, args.chrome, url, accept_language, folder / f"{lang}-{run}.json")
            rows.append(row)
            print(f"{lang:<4} {run:>3}  {fmt(row)}", flush=True)
        median = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
        print(f"{lang:<4} med  {fmt(median)}   {installable}", flush=True)
    print(f"reports: {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
