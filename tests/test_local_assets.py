"""No page loads a script, style sheet, image or frame from another host: every GET route of the
app, signed in with every right, with map tiles from a third-party server configured."""
from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

from werkzeug.routing import AnyConverter, IntegerConverter

from directory.extensions import db
from tests.factories import make_location, make_offer

TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


class Assets(HTMLParser):
    """URLs a browser fetches by itself when it renders the page (not links, not data-* values)."""

    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str]] = []
        self._in_style = False
        self.styles: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "audio", "video", "source", "embed") and a.get("src"):
            self.urls.append((tag, a["src"]))
        if tag == "link" and a.get("href") and (a.get("rel") or "").lower() not in ("canonical", "alternate"):
            self.urls.append((f"link rel={a.get('rel')}", a["href"]))
        if tag == "object" and a.get("data"):
            self.urls.append((tag, a["data"]))
        if a.get("style"):
            self.styles.append(a["style"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def get_urls(app, offer_id: int):
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        values = {arg: offer_id if isinstance(conv, IntegerConverter)
                  else min(conv.items) if isinstance(conv, AnyConverter) else "x"
                  for arg, conv in rule._converters.items()}
        yield rule.rule, adapter.build(rule.endpoint, values)


def test_no_page_references_a_non_local_script_or_style(app, client, login_as):
    app.config["MAP_TILE_URL"] = TILES
    offer = make_offer(title="Sprachcafé", locations=[make_location(lat=52.29, lon=8.91)])
    db.session.commit()
    login_as("admin")
    checked = []
    for rule, path in get_urls(app, offer.id):
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        parser = Assets()
        parser.feed(response.get_data(as_text=True))
        for tag, url in parser.urls:
            parts = urlsplit(url)
            # relative, or absolute on the app's own host (the test client's is "localhost")
            assert parts.scheme in ("", "data", "http", "https") and parts.netloc in ("", "localhost"), \
                f"{rule}: <{tag}> loads {url}"
        for style in parser.styles:
            assert "http" not in style and "@import" not in style and "//" not in style, f"{rule}: {style[:80]}"
        checked.append(rule)
    # the walk reaches the pages with maps
    for rule in ("/", "/angebote/<int:offer_id>", "/anbieter/angebote/<int:offer_id>"):
        assert rule in checked, rule
    html = client.get(f"/angebote/{offer.id}").get_data(as_text=True)
    assert 'data-tiles="https://tile.openstreetmap.org/' in html and 'data-consent="ask"' in html
