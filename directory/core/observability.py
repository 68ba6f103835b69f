"""Request ids, one structured log line per request, and ``/healthz`` for load balancers.

* Request id: the ``X-Request-ID`` header of the request if it is a plausible id (a reverse
  proxy or load balancer sets one: 1–128 letters, digits, ``.``, ``_``, ``-``), else a new
  random one; sent back as ``X-Request-ID`` and part of every log line of the request.
* Logs: the logger ``wegweiser.request`` writes one JSON object per request (time, request
  id, method, path, status, duration in ms, remote address, user id) to stderr – gunicorn's
  error log, or journald under systemd. Query strings are left out (they may hold e-mail
  addresses or search words).
* ``GET /healthz``: ``{"status": "ok"|"fail", "checks": {"database": …, "migrations": …,
  "redis": …}}`` – 200 when the database answers, its schema is at the newest migration and
  (when REDIS_URL is set) Redis answers; otherwise 503. No cookies, never cached, not rate-limited.
"""
from __future__ import annotations

import functools
import json
import logging
import re
import sys
import time
import uuid

from flask import Blueprint, Flask, current_app, g, jsonify, request
from sqlalchemy import text

from directory.config import ROOT
from directory.core.http import cookieless
from directory.extensions import db, limiter

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
log = logging.getLogger("wegweiser.request")
bp = Blueprint("health", __name__)


class JsonLines(logging.Formatter):
    """A log record as one JSON object (the request fields of ``extra`` included)."""

    FIELDS = ("request_id", "method", "path", "status", "duration_ms", "remote_addr", "user_id")

    def format(self, record: logging.LogRecord) -> str:
        out = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname,
               "logger": record.name, "message": record.getMessage()}
        for name in self.FIELDS:
            if hasattr(record, name):
                out[name] = getattr(record, name)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def request_id() -> str | None:
    return g.get("request_id")


def _configure_logger(app: Flask) -> None:
    if log.handlers or app.testing:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def init_app(app: Flask) -> None:
    _configure_logger(app)
    app.register_blueprint(bp)

    @app.before_request
    def start_request():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def finish_request(response):
        rid = g.get("request_id") or uuid.uuid4().hex
        response.headers["X-Request-ID"] = rid
        started = g.get("request_started")
        user_id = None
        user = g.get("_login_user")
        if user is not None and getattr(user, "is_authenticated", False):
            user_id = user.id
        log.info("request", extra={
            "request_id": rid, "method": request.method, "path": request.path,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
            "remote_addr": request.remote_addr, "user_id": user_id,
        })
        return response


@functools.cache
def _migration_heads() -> frozenset[str]:
    """The newest revisions in migrations/versions (read once per process)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def _migrations_current() -> tuple[bool, str]:
    from alembic.runtime.migration import MigrationContext

    heads = _migration_heads()
    with db.engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    return current == heads, ",".join(sorted(current)) or "none"


@bp.get("/healthz")
@limiter.exempt
def healthz():
    checks: dict[str, dict] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = {"ok": True}
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
        db.session.rollback()
        checks["database"] = {"ok": False, "error": type(exc).__name__}
    if checks["database"]["ok"]:
        try:
            ok, revision = _migrations_current()
            checks["migrations"] = {"ok": ok, "revision": revision}
        except Exception as exc:  # noqa: BLE001
            checks["migrations"] = {"ok": False, "error": type(exc).__name__}
    else:
        checks["migrations"] = {"ok": False, "error": "no database"}
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        try:
            import redis

            redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2).ping()
            checks["redis"] = {"ok": True}
        except Exception as exc:  # noqa: BLE001
            checks["redis"] = {"ok": False, "error": type(exc).__name__}
    healthy = all(c["ok"] for c in checks.values())
    response = jsonify({"status": "ok" if healthy else "fail", "checks": checks})
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return cookieless(response)
