"""Wegweiser: an offer directory and matching service for a city's integration work."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from directory import cli
from directory import config as settings
from directory.accounts import account as my_account
from directory.accounts import auth, permissions
from directory.accounts import views as accounts
from directory.config import ROOT
from directory.core import (
    errors,
    i18n,
    maps,
    observability,
    page_cache,
    params,
    pwa,
    ratelimit,
    security,
)
from directory.counselling import views as counselling
from directory.dashboard import views as dashboard
from directory.extensions import babel, csrf, db, limiter, login_manager, migrate
from directory.moderation import views as moderation
from directory.offers import texts as offer_texts
from directory.opendata import api, hsds_api, widget
from directory.opendata import views as opendata
from directory.providers import translations as provider_translations
from directory.providers import views as providers
from directory.referrals import views as referrals
from directory.search import views as search

BLUEPRINTS = (
    search.bp, auth.bp, accounts.bp, my_account.bp, providers.bp, provider_translations.bp, moderation.bp,
    counselling.bp, referrals.bp, api.bp, hsds_api.bp, opendata.bp, widget.bp, dashboard.bp, pwa.bp,
)

# public answers that many visitors ask for alike (see directory/core/page_cache.py)
CACHED_ENDPOINTS = ("public.search_page", "public.map_points_geojson", "api.offers")


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(settings.from_environment(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    settings.check(app.config, app.debug)
    ratelimit.configure(app.config, limiter, explicit="RATELIMIT_STORAGE_URI" in (test_config or {}))

    db.init_app(app)
    security.init_app(app)
    observability.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # A session ends through the user's session token (User.get_id). Flask-Login's own "basic"
    # protection would rewrite an anonymous visitor's cookie on the next request – a page or
    # the service worker's fetch racing a sign-in would then overwrite the signed-in cookie.
    login_manager.session_protection = None
    permissions.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    offer_texts.init_app(app)
    maps.init_app(app)

    app.url_map.converters["int"] = params.IdConverter  # before any route is added
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    page_cache.init_app(app, CACHED_ENDPOINTS)
    errors.register(app)
    cli.register(app)
    return app
