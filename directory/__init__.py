"""Wegweiser: an offer directory and matching service for a city's integration work."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from . import config as settings
from .extensions import babel, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


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

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    limiter.init_app(app)

    from . import i18n

    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)

    from . import auth, errors, permissions, public  # noqa: F401  (permissions: user loader)
    from .cli import register as register_cli

    app.register_blueprint(public.bp)
    app.register_blueprint(auth.bp)
    from . import api, opendata, widget  # issue 7: read API, open data, widget
    app.register_blueprint(api.bp)
    app.register_blueprint(opendata.bp)
    app.register_blueprint(widget.bp)
    from . import dashboard_views  # issue 7: city dashboard (moderators)
    app.register_blueprint(dashboard_views.bp)
    from . import account, moderation, provider, workflow_cli  # issue 4: providers, moderation
    app.register_blueprint(provider.bp)
    app.register_blueprint(moderation.bp)
    app.register_blueprint(account.bp)
    workflow_cli.register(app)
    from . import counsellor, referral_views, retention  # issue 5: matching, referrals
    app.register_blueprint(counsellor.bp)
    app.register_blueprint(referral_views.bp)
    retention.register(app)
    from . import provider_translations  # issue 6: providers translate their offers
    app.register_blueprint(provider_translations.bp)
    errors.register(app)
    register_cli(app)
    return app
