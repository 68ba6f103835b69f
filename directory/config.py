"""Settings from the environment.

Every key documented in the README's configuration table. In production (not debug, not
testing) the app refuses to start without a SECRET_KEY.
"""
from __future__ import annotations

import os
from pathlib import Path

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
        "MAP_MAX_MARKERS": int(env.get("MAP_MAX_MARKERS", "2000")),
        "GEOCODER": env.get("GEOCODER", "gazetteer"),
        "GEOCODER_USER_AGENT": env.get("GEOCODER_USER_AGENT", "wegweiser (integration offers directory)"),
        "GEOCODER_CITY": env.get("GEOCODER_CITY", "Minden"),
        "SEARCH_PER_PAGE": int(env.get("SEARCH_PER_PAGE", "20")),
        "STALE_AFTER_DAYS": int(env.get("STALE_AFTER_DAYS", "183")),
        "BABEL_DEFAULT_LOCALE": "de",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Berlin",
        "DEMO_NOTICE": env.get("DEMO_NOTICE", "1") not in ("0", "false", "no"),
        "MACHINE_TRANSLATION": env.get("MACHINE_TRANSLATION", "off"),
        "REDIS_URL": env.get("REDIS_URL"),
        "RATELIMIT_STORAGE_URI": env.get("REDIS_URL") or "memory://",
        "RATELIMIT_LOGIN": env.get("RATELIMIT_LOGIN", "10 per minute"),
        # issue 5: referral sheets (QR codes, PDF) and how long referrals are kept
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", ""),
        "PDF_FONT_DIR": env.get("PDF_FONT_DIR", "/usr/share/fonts/truetype/dejavu"),
        "REFERRAL_RETENTION_DAYS": int(env.get("REFERRAL_RETENTION_DAYS", "365")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
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
