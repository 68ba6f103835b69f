"""Aggregated, anonymous activity: what counsellors ask for.

Also :class:`SearchChange`, the log that keeps search indexes current.

:class:`SearchDemand` is a counter per day, kind and code – e.g. (2026-11-28, "language", "ar")
→ 4 – incremented by :func:`record_demand` whenever a counsellor runs a matching search. No
user, no client, no query text, no time of day: only how often a code was asked for on a day.
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable

from flask import g, has_app_context, has_request_context
from sqlalchemy import (
    Date,
    DateTime,
    Index,
    Integer,
    String,
    UniqueConstraint,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from directory.extensions import db
from directory.models.directory import (
    Category,
    Challenge,
    District,
    FieldOfAction,
    Language,
    Location,
    Offer,
    Organization,
    Schedule,
    TargetGroup,
    utcnow,
)
from directory.models.translations import OfferTranslation

__all__ = ["SearchDemand", "SearchChange", "change_generation", "record_demand", "DEMAND_KINDS"]

DEMAND_KINDS = ("language", "target", "challenge", "category", "district")
MAX_CODES = 60
MAX_CODE_LENGTH = 64


class SearchChange(db.Model):
    """One row per flush that changed searchable data (append-only); the newest id tells every
    app server whether its in-process search index is current (directory/search/index.py)."""

    __tablename__ = "search_change"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime)


WATCHED = (Offer, Location, Schedule, Organization, OfferTranslation, District, Language, TargetGroup,
           Challenge, Category, FieldOfAction)


@event.listens_for(Session, "after_flush")
def _log_change(session: Session, _context) -> None:
    """Note that searchable data changed, so that every app server's search index follows."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, WATCHED) and (obj in session.new or obj in session.deleted
                                         or session.is_modified(obj, include_collections=True)):
            session.connection().execute(insert(SearchChange.__table__).values(changed_at=utcnow()))
            if has_app_context():
                g.pop("search_generation", None)
            return


def change_generation() -> int:
    """The newest search_change id: read once per request (kept on flask.g) or per call outside one."""
    if has_request_context() and "search_generation" in g:
        return g.search_generation
    value = db.session.scalar(select(func.max(SearchChange.id))) or 0
    if has_request_context():
        g.search_generation = value
    return value


class SearchDemand(db.Model):
    __tablename__ = "search_demand"
    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(MAX_CODE_LENGTH))
    count: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        UniqueConstraint("day", "kind", "code", name="uq_search_demand_day_kind_code"),
        Index("ix_search_demand_kind_day", "kind", "day"),
    )


def record_demand(kind: str, codes: Iterable[str], day: dt.date | None = None) -> None:
    """Count one request for each code of a kind today (atomic upsert; the caller commits).

    Unknown kinds raise ValueError; empty, repeated and overlong codes are skipped.
    """
    if kind not in DEMAND_KINDS:
        raise ValueError(f"unknown demand kind: {kind}")
    wanted = [c for c in dict.fromkeys(codes) if c and len(c) <= MAX_CODE_LENGTH][:MAX_CODES]
    if not wanted:
        return
    day = day or dt.date.today()
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = SearchDemand.__table__
    stmt = insert(table).values([{"day": day, "kind": kind, "code": c, "count": 1} for c in wanted])
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.day, table.c.kind, table.c.code],
        set_={"count": table.c.count + 1},
    )
    db.session.execute(stmt)
