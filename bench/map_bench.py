"""Map benchmark: the search page's size and the map's GeoJSON answers, over HTTP through gunicorn.

The search page carries no markers; the map fetches ``/karte/punkte.geojson`` with its zoom and
bounding box, and the server clusters by a grid when a box holds more than MAP_MAX_MARKERS
points. This measures, on a database made by ``bench/generate.py``:

* the landing page (``/``) and a narrow search: bytes and p50/p95 latency;
* the map's first request (whole result set, zoom 12), a zoomed-in box (zoom 14) and a street
  box (zoom 17): bytes, number of features, p50/p95 latency.

Usage::

    .venv/bin/python bench/generate.py --n 10000 --url sqlite:////tmp/bench-10k.sqlite
    .venv/bin/python bench/map_bench.py --url sqlite:////tmp/bench-10k.sqlite --requests 30

One gunicorn worker on a free port of 127.0.0.1, started and stopped by this script.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CASES = [
    ("page: landing", "/"),
    ("page: q=beratung, ar, women_girls", "/?q=beratung&language=ar&target=women_girls"),
    ("points: landing, zoom 12", "/karte/punkte.geojson?zoom=12"),
    ("points: zoom 14 box", "/karte/punkte.geojson?zoom=14&bbox=8.88,52.27,8.95,52.31"),
    ("points: zoom 17 box", "/karte/punkte.geojson?zoom=17&bbox=8.910,52.285,8.922,52.292"),
    ("points: narrow search", "/karte/punkte.geojson?zoom=12&q=beratung&language=ar&target=women_girls"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(-(-len(ordered) * p // 100)) - 1))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="database URL (a database made by bench/generate.py)")
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args(argv)

    port = free_port()
    env = dict(os.environ, DATABASE_URL=args.url, SECRET_KEY="bench", MAP_TILE_URL="", DEMO_NOTICE="0")
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/ueber", timeout=2).read()
                break
            except OSError:
                time.sleep(0.3)
        print("| request | bytes | features | p50 ms | p95 ms |\n|---|---:|---:|---:|---:|")
        for name, path in CASES:
            times = []
            body = b""
            for i in range(args.requests + 2):
                start = time.perf_counter()
                with urllib.request.urlopen(base + path, timeout=60) as response:
                    body = response.read()
                if i >= 2:  # warm-up
                    times.append((time.perf_counter() - start) * 1000)
            features = ""
            if path.startswith("/karte/"):
                features = str(len(json.loads(body)["features"]))
            print(f"| {name} | {len(body):,} | {features} | {percentile(times, 50):.0f} | {percentile(times, 95):.0f} |")
    finally:
        server.terminate()
        server.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
