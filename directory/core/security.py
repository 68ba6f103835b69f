"""Security headers on every response, and the cookie settings of production.

* Content-Security-Policy: scripts and style sheets from this site only, plus inline
  ``<script>``/``<style>`` elements that carry this request's nonce – the map fragments
  (core/maps.py) are marked with the ``nonced`` template filter, the search page's one line
  that sets search.js's layout before the first paint carries ``csp_nonce()``; nothing else
  inline runs, no ``style=""`` attribute applies, no ``on…=`` handler fires. Images also from
  the map tile server (MAP_TILE_URL). ``frame-ancestors 'none'``: no other site may frame a
  page – except the widget (opendata/widget.py), which sends its own policy and stays frameable.
* X-Content-Type-Options: nosniff, Referrer-Policy: strict-origin-when-cross-origin,
  X-Frame-Options: DENY (older browsers), Cross-Origin-Opener-Policy: same-origin; in
  production Strict-Transport-Security as well.
* Production (neither debug nor testing): cookies are ``Secure`` (SESSION_COOKIE_SECURE,
  default on; set it to 0 only to try the app over plain HTTP).
* Behind a reverse proxy (TRUSTED_PROXIES = how many): werkzeug's ProxyFix takes the client's
  address, scheme and host from X-Forwarded-For/-Proto/-Host, so that rate limits count per
  visitor and links and cookies know the site is HTTPS.
"""
from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from flask import Flask, g, request
from markupsafe import Markup
from werkzeug.middleware.proxy_fix import ProxyFix

FRAMEABLE_PREFIXES = ("/widget",)
_TAG = re.compile(r"<(script|style)(?=[\s>])(?![^>]*\bnonce=)", re.IGNORECASE)


def csp_nonce() -> str:
    """This request's nonce for inline ``<script>``/``<style>`` elements."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def nonced(fragment) -> Markup:
    """A trusted HTML fragment (the app's own map code) with this request's nonce on its
    ``<script>`` and ``<style>`` elements. Never use it on user text."""
    if fragment is None:
        return Markup("")
    return Markup(_TAG.sub(lambda m: f'<{m.group(1)} nonce="{csp_nonce()}"', str(fragment)))


def _tile_source(url: str) -> str | None:
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host = parts.netloc
    if "{" in host:  # {s}.tile.example.org: any subdomain
        host = "*." + host.split("}.", 1)[-1]
    return f"{parts.scheme}://{host}"


def content_security_policy(tile_url: str | None, nonce: str) -> str:
    images = " ".join(filter(None, ("'self'", "data:", _tile_source(tile_url))))
    return "; ".join((
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        f"style-src 'self' 'nonce-{nonce}'",
        f"img-src {images}",
        "font-src 'self'",
        "connect-src 'self'",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))


def _frameable(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in FRAMEABLE_PREFIXES)


def init_app(app: Flask) -> None:
    production = not (app.debug or app.testing)
    secure = app.config.get("SESSION_COOKIE_SECURE")
    if isinstance(secure, str):
        secure = production if secure == "auto" else secure.strip().lower() not in ("0", "false", "no", "")
    app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = bool(secure)
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.jinja_env.filters["nonced"] = nonced

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if _frameable(request.path):
            return response  # the widget sets its own policy (frame-ancestors *)
        headers.setdefault("Content-Security-Policy",
                           content_security_policy(app.config.get("MAP_TILE_URL"), csp_nonce()))
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if production and app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
