"""Several app servers on one PostgreSQL: each keeps its own search index, and each follows
what the others write (through the search_change log) within seconds."""
from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from directory.extensions import db
from directory.models import OfferStatus
from tests.conftest import BACKENDS, make_app
from tests.factories import make_location, make_offer

ROOT = Path(__file__).resolve().parents[2]
FOLLOW_WITHIN_SECONDS = 5
pytestmark = pytest.mark.skipif("postgresql" not in BACKENDS, reason="TEST_BACKENDS without postgresql")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _titles(port: int, q: str) -> list[str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/api/v1/offers?q=" + quote(q))
    body = json.loads(conn.getresponse().read())
    conn.close()
    return [item["title"] for item in body["data"]]


def _eventually(check, seconds: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if check():
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"not true within {seconds} s")


@pytest.fixture
def server(databases):
    """A gunicorn app server in its own process on a migrated PostgreSQL schema."""
    url = databases.url("postgresql", "scaleout")
    port = _free_port()
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="scale-out-test", DEMO_NOTICE="0")
    env.pop("REDIS_URL", None)
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "-w", "1", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            _titles(port, "x")
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.3)
    yield url, port
    proc.terminate()
    proc.wait(20)


def test_an_offer_published_archived_through_one_app_is_followed_by_another(server):
    url, port = server
    app = make_app(url)  # the other app server: this process
    with app.app_context():
        assert _titles(port, "Kanufahrt") == []  # the server's index is built, without the offer
        offer = make_offer(title="Kanufahrt auf der Weser", summary="Kanufahrt für Jugendliche",
                           locations=[make_location(district_code="innenstadt", lat=52.29, lon=8.92)])
        db.session.commit()
        took = _eventually(lambda: _titles(port, "Kanufahrt") == ["Kanufahrt auf der Weser"], FOLLOW_WITHIN_SECONDS)
        offer.title = "Kajakfahrt auf der Weser"
        db.session.commit()
        _eventually(lambda: _titles(port, "Kajakfahrt") == ["Kajakfahrt auf der Weser"], FOLLOW_WITHIN_SECONDS)
        offer.status = OfferStatus.archived.value
        db.session.commit()
        _eventually(lambda: _titles(port, "Kajakfahrt") == [], FOLLOW_WITHIN_SECONDS)
        db.session.delete(offer)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    assert took < FOLLOW_WITHIN_SECONDS
