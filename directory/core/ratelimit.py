"""Rate-limit counters in the application's database, for Flask-Limiter when there is no Redis.

Flask-Limiter (through the ``limits`` library) keeps its counters in a storage named by
``RATELIMIT_STORAGE_URI``: ``redis://…`` when REDIS_URL is set, otherwise ``wegweiser+db://``,
this storage. Every worker and every app server on the same database counts the same tries.
Each counter is one row of ``rate_limit`` (key, count, expiry as a Unix time), increased by
one atomic ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` (PostgreSQL and SQLite ≥ 3.35).
The storage has its own connections (not the request's session): a counter is committed
at once, whatever the request's own transaction does.
"""
from __future__ import annotations

import random
import time

from limits.storage import Storage
from sqlalchemy import case, create_engine, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from directory.models import rate_limit

SCHEME = "wegweiser+db"


class DatabaseStorage(Storage):
    """A fixed-window counter storage on the app's database (``wegweiser+db://``)."""

    STORAGE_SCHEME = [SCHEME]  # noqa: RUF012 - the type limits declares

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        url = options.get("url")
        if not url:
            raise ValueError("wegweiser+db:// needs RATELIMIT_STORAGE_OPTIONS = {'url': <database URL>}")
        # no pool: a connection per counted request (only the limited POSTs), closed right away
        self.engine = create_engine(str(url), poolclass=NullPool)

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def _insert(self):
        return pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        stmt = self._insert()(rate_limit).values(key=key, count=amount, expires_at=now + expiry)
        expired = rate_limit.c.expires_at <= now
        stmt = stmt.on_conflict_do_update(
            index_elements=[rate_limit.c.key],
            set_={
                "count": case((expired, amount), else_=rate_limit.c.count + amount),
                "expires_at": case((expired, now + expiry), else_=rate_limit.c.expires_at),
            },
        ).returning(rate_limit.c.count)
        with self.engine.begin() as conn:
            count = int(conn.execute(stmt).scalar_one())
            if random.random() < 0.01:  # now and then, forget counters that ran out long ago
                conn.execute(delete(rate_limit).where(rate_limit.c.expires_at < now - 3600))
        return count

    def get(self, key: str) -> int:
        with self.engine.connect() as conn:
            row = conn.execute(select(rate_limit.c.count, rate_limit.c.expires_at)
                               .where(rate_limit.c.key == key)).first()
        return int(row.count) if row is not None and row.expires_at > time.time() else 0

    def get_expiry(self, key: str) -> float:
        with self.engine.connect() as conn:
            expires = conn.execute(select(rate_limit.c.expires_at).where(rate_limit.c.key == key)).scalar()
        return float(expires) if expires is not None and expires > time.time() else time.time()

    def check(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(select(1))
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        with self.engine.begin() as conn:
            return conn.execute(delete(rate_limit)).rowcount

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(rate_limit).where(rate_limit.c.key == key))


def configure(config: dict, limiter, explicit: bool = False) -> None:
    """The database storage of the rate limits needs the database's URL. Tests keep their
    counters in memory unless they name a storage themselves.

    Flask-Limiter adds each app's storage options to those of the apps before it (its
    ``init_app`` updates one dict), so with several apps in one process – tests, benchmarks –
    the database URL of one would reach another's Redis client; each app starts afresh here."""
    limiter._storage_options = {}
    if config["RATELIMIT_STORAGE_URI"] != SCHEME + "://":
        return
    if config.get("TESTING") and not explicit:
        config["RATELIMIT_STORAGE_URI"] = "memory://"
        return
    config["RATELIMIT_STORAGE_OPTIONS"] = {"url": config["SQLALCHEMY_DATABASE_URI"],
                                           **config.get("RATELIMIT_STORAGE_OPTIONS", {})}
