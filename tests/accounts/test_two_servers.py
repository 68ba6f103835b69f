"""Two app servers (separate gunicorn processes, as behind a load balancer) on one database:
a login on one is valid on the other, a logout on one ends the session on both – also for a
copy of the cookie taken before – and the login limit counts the tries made on both.

PostgreSQL: the limit is kept in the local Redis (127.0.0.1:6379, REDIS_URL); SQLite: in the
database (no Redis). /healthz answers on both."""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from sqlalchemy.engine import make_url

from tests.factories import make_org
from tests.workflow_support import make_user


@pytest.fixture
def app(committed_app):
    """Other threads and processes must see the data: real commits, not a rolled-back transaction."""
    return committed_app

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
PASSWORD = "ein-langes-passwort"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(port: int, env: dict, log: Path) -> subprocess.Popen:
    handle = log.open("w")
    process = subprocess.Popen(
        [str(GUNICORN), "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1", "GUNICORN_THREADS": "2"},
        stdout=subprocess.DEVNULL, stderr=handle)
    process.log, process.log_handle = log, handle
    return process


def wait_healthy(base: str, process: subprocess.Popen, seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server {base} ended: {process.log.read_text()[-2000:]}")
        try:
            response = requests.get(base + "/healthz", timeout=10)
            if response.status_code == 200:
                return response.json()
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{base} not healthy after {seconds} s")


@pytest.fixture
def two_servers(app, backend, tmp_path):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN", "REDIS", "RATELIMIT"))}
    env.update({
        "DATABASE_URL": make_url(url).render_as_string(hide_password=False),
        "SECRET_KEY": "two-servers-" + uuid.uuid4().hex,
        "SESSION_COOKIE_SECURE": "0",  # plain HTTP on 127.0.0.1
        "RATELIMIT_LOGIN": "4 per minute",
        "RATELIMIT_KEY_PREFIX": "two-servers-" + uuid.uuid4().hex[:8],
        "MAIL_BACKEND": "outbox",
        "MAP_TILE_URL": "",
    })
    if backend == "postgresql":
        env["REDIS_URL"] = "redis://127.0.0.1:6379/14"
    ports = [free_port(), free_port()]
    processes = [start(port, env, tmp_path / f"server-{i}.log") for i, port in enumerate(ports)]
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        health = [wait_healthy(base, p) for base, p in zip(bases, processes)]
        yield bases, health, processes
    finally:
        for p in processes:
            p.terminate()
        for p in processes:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)
            p.log_handle.close()


def csrf(session: requests.Session, url: str) -> str:
    html = session.get(url, timeout=10).text
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def post_login(session, base, email, password):
    return session.post(base + "/anmelden", data={"csrf_token": csrf(session, base + "/anmelden"),
                                                  "email": email, "password": password},
                        allow_redirects=False, timeout=10)


def test_sessions_and_limits_are_shared_by_two_app_servers(two_servers, backend):
    (a, b), health, processes = two_servers
    assert all(h["status"] == "ok" and h["checks"]["migrations"]["ok"] for h in health)
    if backend == "postgresql":
        assert all(h["checks"]["redis"]["ok"] for h in health)
    org = make_org(name="Zwei Server e.V.")
    make_user("provider", [org], email="anna@example.org")

    # a login on A is valid on B (cookies are per host, not per port: one browser, two servers)
    browser = requests.Session()
    assert post_login(browser, a, "anna@example.org", PASSWORD).status_code == 302
    captured = browser.cookies.get("session")
    assert browser.get(b + "/anbieter/", allow_redirects=False, timeout=10).status_code == 200
    assert browser.get(a + "/anbieter/", allow_redirects=False, timeout=10).status_code == 200

    # a logout on B ends the session on A – also for the copy of the cookie taken before
    token = csrf(browser, b + "/anbieter/")
    assert browser.post(b + "/abmelden", data={"csrf_token": token}, allow_redirects=False,
                        timeout=10).status_code == 302
    replay = requests.Session()
    replay.cookies.set("session", captured)
    for base in (a, b):
        response = replay.get(base + "/anbieter/", allow_redirects=False, timeout=10)
        assert response.status_code == 302 and "/anmelden" in response.headers["Location"], base

    # the login limit (4 per minute, the login above was the first) counts tries on both servers
    attacker = requests.Session()
    codes = [post_login(attacker, base, "anna@example.org", "falsch-falsch").status_code
             for base in (a, b, a, b)]
    assert codes == [401, 401, 401, 429]

    # each server logged one JSON line per request, with the request id it sent back
    response = requests.get(a + "/healthz", headers={"X-Request-ID": "probe-1"}, timeout=10)
    assert response.headers["X-Request-ID"] == "probe-1"
    time.sleep(0.3)
    lines = [json.loads(line) for line in processes[0].log.read_text().splitlines() if line.startswith("{")]
    probe = [line for line in lines if line.get("request_id") == "probe-1"]
    assert probe and probe[0]["path"] == "/healthz" and probe[0]["status"] == 200
