"""A live server on 127.0.0.1 and Debian's chromium driven by Playwright (never downloaded)."""
from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from tests.conftest import make_app

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


class LiveServer:
    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def live_server(databases, backend):
    app = make_app(databases.url(backend, "demo"))
    # Tiles from a local path: proves the tile URL is configurable while nothing leaves 127.0.0.1.
    server = LiveServer(app)
    app.config["MAP_TILE_URL"] = server.url + "/test-tiles/{z}/{x}/{y}.png"
    app.config["MAP_TILE_ATTRIBUTION"] = "Testkacheln"
    with server:
        yield server
    with app.app_context():
        from directory.extensions import db
        db.engine.dispose()


@pytest.fixture
def scratch_server(committed_app):
    """A live server on the scratch database for tests that write.

    The server answers from its own thread and connections, so the test's data must really be
    committed: ``committed_app`` commits and cleans the scratch database afterwards.
    """
    server = LiveServer(committed_app)
    committed_app.config["MAP_TILE_URL"] = server.url + "/test-tiles/{z}/{x}/{y}.png"
    committed_app.config["MAP_TILE_ATTRIBUTION"] = "Testkacheln"
    with server:
        yield server


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class RequestLog:
    def __init__(self):
        self.urls: list[str] = []

    def __call__(self, request):
        self.urls.append(request.url)

    def foreign(self) -> list[str]:
        return [u for u in self.urls if urlsplit(u).scheme in ("http", "https", "ws", "wss")
                and urlsplit(u).hostname != "127.0.0.1"]


@pytest.fixture
def page_factory(browser):
    contexts = []

    def make(**options):
        # a visitor in Minden: German unless a test asks for another language (Chromium's
        # own default, en-US, would pick the English interface through Accept-Language)
        options.setdefault("locale", "de-DE")
        context = browser.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        log = RequestLog()
        page.on("request", log)
        page.request_log = log
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.js_errors = errors
        return page

    yield make
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
