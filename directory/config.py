"""Settings from the environment.

Every key documented in the README's configuration table. In production (not debug, not
testing) the app refuses to start without a SECRET_KEY.
"""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the checkout: templates/, static/, seeds/, migrations/

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>-Mitwirkende'
)


def database_url(raw: str | None, instance_path: str) -> str:
    """Normalise DATABASE_URL; default is a SQLite file in the instance folder."""
    if not raw:
        return "sqlite:///" + str(Path(instance_path) / "wegweiser.sqlite")
    if raw.startswith("postgres://"):
        raw = "postgresql://" + raw[len("postgres://"):]
    if raw.startswith("postgresql://"):
        raw = "postgresql+psycopg://" + raw[len("postgresql://"):]
    return raw


def from_environment(instance_path: str) -> dict:
    env = os.environ
    secret = env.get("SECRET_KEY")
    secret_file = Path(instance_path) / "secret_key"
    if not secret and secret_file.exists():
        secret = secret_file.read_text().strip()
    return {
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url(env.get("DATABASE_URL"), instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MAP_TILE_URL": env.get("MAP_TILE_URL", OSM_TILES),
        "MAP_TILE_ATTRIBUTION": env.get("MAP_TILE_ATTRIBUTION", OSM_ATTRIBUTION),
        "MAP_TILES_SELF_HOSTED": env.get("MAP_TILES_SELF_HOSTED", "0") in ("1", "true", "yes"),
        "MAP_MAX_MARKERS": int(env.get("MAP_MAX_MARKERS", "300")),
        # directions on the offer page: {lat} {lon} {name} {address} are filled in (URL-encoded)
        "DIRECTIONS_ROUTE_URL": env.get(
            "DIRECTIONS_ROUTE_URL", "https://www.openstreetmap.org/directions?route=%3B{lat}%2C{lon}"),
        "DIRECTIONS_TRANSIT_URL": env.get(
            "DIRECTIONS_TRANSIT_URL",
            "https://www.westfalenfahrplan.de/nwl-efa/XSLT_TRIP_REQUEST2?language=de&type_destination=any"
            "&name_destination={address}"),
        "DIRECTIONS_TRANSIT_NAME": env.get("DIRECTIONS_TRANSIT_NAME", "Westfalenfahrplan"),
        "GEOCODER": env.get("GEOCODER", "gazetteer"),
        "GEOCODER_USER_AGENT": env.get("GEOCODER_USER_AGENT", "wegweiser (integration offers directory)"),
        "GEOCODER_CITY": env.get("GEOCODER_CITY", "Minden"),
        "SEARCH_PER_PAGE": int(env.get("SEARCH_PER_PAGE", "20")),
        "PAGE_CACHE": env.get("PAGE_CACHE", "1") != "0",
        "STALE_AFTER_DAYS": int(env.get("STALE_AFTER_DAYS", "183")),
        "BABEL_DEFAULT_LOCALE": "de",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Berlin",
        "DEMO_NOTICE": env.get("DEMO_NOTICE", "1") not in ("0", "false", "no"),
        "MACHINE_TRANSLATION": env.get("MACHINE_TRANSLATION", "off"),
        "REDIS_URL": env.get("REDIS_URL"),
        # Redis when REDIS_URL is set, otherwise the database (core/ratelimit.py): shared by
        # every worker and app server either way
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI") or env.get("REDIS_URL") or "wegweiser+db://",
        "RATELIMIT_LOGIN": env.get("RATELIMIT_LOGIN", "10 per minute"),
        "RATELIMIT_KEY_PREFIX": env.get("RATELIMIT_KEY_PREFIX", "wegweiser"),
        # how many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host (0: none)
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", "0")),
        # referral sheets (QR codes, PDF) and how long referrals are kept
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", ""),
        "PDF_FONT_DIR": env.get("PDF_FONT_DIR", "/usr/share/fonts/truetype/dejavu"),
        "REFERRAL_RETENTION_DAYS": int(env.get("REFERRAL_RETENTION_DAYS", "365")),
        "SESSION_COOKIE_HTTPONLY": True,
        # "auto": Secure cookies in production (not debug, not testing); 1/0 to decide (core/security.py)
        "SESSION_COOKIE_SECURE": env.get("SESSION_COOKIE_SECURE", "auto"),
        "SESSION_COOKIE_SAMESITE": "Lax",
        # providers' accounts, moderation, freshness, mail
        "STALE_HIDE_AFTER_DAYS": int(env.get("STALE_HIDE_AFTER_DAYS", "365")),
        "CONFIRM_REMIND_AFTER_DAYS": int(env.get("CONFIRM_REMIND_AFTER_DAYS", "152")),
        "CONFIRM_REMIND_INTERVAL_DAYS": int(env.get("CONFIRM_REMIND_INTERVAL_DAYS", "30")),
        "CONFIRM_LINK_MAX_AGE_DAYS": int(env.get("CONFIRM_LINK_MAX_AGE_DAYS", "60")),
        "PASSWORD_RESET_MAX_AGE_MINUTES": int(env.get("PASSWORD_RESET_MAX_AGE_MINUTES", "120")),
        "INVITATION_MAX_AGE_DAYS": int(env.get("INVITATION_MAX_AGE_DAYS", "14")),
        "TRUSTED_PUBLISH_DIRECTLY": env.get("TRUSTED_PUBLISH_DIRECTLY", "1") not in ("0", "false", "no"),
        "RATELIMIT_ACCOUNT": env.get("RATELIMIT_ACCOUNT", "5 per minute"),
        "RATELIMIT_REPORT": env.get("RATELIMIT_REPORT", "5 per hour"),
        "IMPORT_MAX_BYTES": int(env.get("IMPORT_MAX_BYTES", str(5 * 1024 * 1024))),
        "MAIL_BACKEND": env.get("MAIL_BACKEND", "outbox"),
        "MAIL_SENDER": env.get("MAIL_SENDER", "Wegweiser <wegweiser@localhost>"),
        "MAIL_SERVER": env.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(env.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD"),
        "MAIL_USE_TLS": env.get("MAIL_USE_TLS", "0") in ("1", "true", "yes"),
        "MAIL_USE_SSL": env.get("MAIL_USE_SSL", "0") in ("1", "true", "yes"),
    }


def check(config: dict, debug: bool) -> None:
    if not config.get("SECRET_KEY"):
        if config.get("TESTING") or debug:
            config["SECRET_KEY"] = "dev-only-not-secret"
        else:
            raise RuntimeError(
                "SECRET_KEY is not set. Set the SECRET_KEY environment variable "
                "(or write one to instance/secret_key) before running in production."
            )
