"""Aggregated, anonymous activity: what counsellors ask for.

:class:`SearchDemand` is a counter per day, kind and code – e.g. (2026-11-28, "language", "ar")
→ 4 – incremented by :func:`record_demand` whenever a counsellor runs a matching search. No
user, no client, no query text, no time of day: only how often a code was asked for on a day.
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable

from sqlalchemy import Date, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from directory.extensions import db

__all__ = ["SearchDemand", "record_demand", "DEMAND_KINDS"]

DEMAND_KINDS = ("language", "target", "challenge", "category", "district")
MAX_CODES = 60
MAX_CODE_LENGTH = 64


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
