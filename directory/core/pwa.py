"""Installable web app: the manifest (in the visitor's interface language) and the service worker,
served from the site root so that its scope covers every page (all language prefixes)."""
from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    current_app,
    jsonify,
    render_template,
    url_for,
)
from flask_babel import gettext as _

from directory.core.http import cookieless
from directory.core.i18n import base_script, current_language, direction

bp = Blueprint("pwa", __name__)


@bp.app_context_processor
def site_root() -> dict:
    """The site's root path without a language prefix (the service worker's scope)."""
    return {"site_root": base_script() + "/"}


@bp.get("/manifest.webmanifest")
def manifest():
    icon = lambda name: url_for("static", filename=f"img/icons/{name}")  # noqa: E731
    body = {
        "name": _("Wegweiser Minden"),
        "short_name": _("Wegweiser"),
        "description": _("Angebote zur Integration in Minden finden – nach Stadtteil, Sprache und Zeit."),
        "lang": current_language(),
        "dir": direction(current_language()),
        "start_url": url_for("public.search_page"),
        "scope": base_script() + "/",
        "display": "standalone",
        "background_color": "#f6f7f9",
        "theme_color": "#0b5cad",
        "icons": [
            {"src": icon("icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": icon("icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": icon("maskable-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
            {"src": icon("icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.vary.add("Accept-Language")
    return cookieless(response)


@bp.get("/sw.js")
def service_worker():
    """static/js/sw.js under the root path (a worker only controls pages below its own URL)."""
    # a few KB, read whole: no file handle stays open with the response
    script = (Path(current_app.static_folder) / "js" / "sw.js").read_bytes()
    response = current_app.response_class(script, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = base_script() + "/"
    return cookieless(response)


@bp.get("/offline")
def offline():
    """What the service worker shows when a page was never saved and there is no connection."""
    return render_template("core/offline.html")
