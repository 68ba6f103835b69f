"""Full-text search in the database itself: SQLite FTS5 or PostgreSQL tsvector (German).

The schema objects are created by the Alembic migration through :func:`install` (and can be
re-created after a SQLite batch migration rebuilt the offer table). Queries go through
:func:`match_clause` and :func:`rank_expression`, so search.py never needs to know the dialect.
"""
from __future__ import annotations

import re

from sqlalchemy import column, func, literal_column, select, table, text
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

SQLITE_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS offer_fts USING fts5("
    "title, search_text, content='offer', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS offer_fts_ai AFTER INSERT ON offer BEGIN "
    "INSERT INTO offer_fts(rowid, title, search_text) VALUES (new.id, new.title, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS offer_fts_ad AFTER DELETE ON offer BEGIN "
    "INSERT INTO offer_fts(offer_fts, rowid, title, search_text) "
    "VALUES ('delete', old.id, old.title, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS offer_fts_au AFTER UPDATE OF title, search_text ON offer BEGIN "
    "INSERT INTO offer_fts(offer_fts, rowid, title, search_text) "
    "VALUES ('delete', old.id, old.title, old.search_text); "
    "INSERT INTO offer_fts(rowid, title, search_text) VALUES (new.id, new.title, new.search_text); END",
    "INSERT INTO offer_fts(offer_fts) VALUES ('rebuild')",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS offer_fts_ai",
    "DROP TRIGGER IF EXISTS offer_fts_ad",
    "DROP TRIGGER IF EXISTS offer_fts_au",
    "DROP TABLE IF EXISTS offer_fts",
]
POSTGRES_DDL = [
    "ALTER TABLE offer ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('german', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('german', coalesce(search_text, '')), 'B')) STORED",
    "CREATE INDEX IF NOT EXISTS ix_offer_search_vector ON offer USING gin (search_vector)",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS ix_offer_search_vector",
    "ALTER TABLE offer DROP COLUMN IF EXISTS search_vector",
]

MAX_TERMS = 12
_WORD = re.compile(r"\w+", re.UNICODE)


def install(conn: Connection) -> None:
    for stmt in SQLITE_DDL if conn.dialect.name == "sqlite" else POSTGRES_DDL:
        conn.execute(text(stmt))


def uninstall(conn: Connection) -> None:
    for stmt in SQLITE_DROP if conn.dialect.name == "sqlite" else POSTGRES_DROP:
        conn.execute(text(stmt))


def terms(query: str) -> list[str]:
    """Words of a user's query, lower-cased; punctuation and operators are dropped."""
    return [w.lower() for w in _WORD.findall(query)][:MAX_TERMS]


def _sqlite_query(words: list[str]) -> str:
    # Each word as a quoted prefix term, all required: "sport"* AND "mädchen"*
    return " AND ".join('"' + w.replace('"', "") + '"*' for w in words)


def _postgres_query(words: list[str]) -> str:
    return " & ".join(w + ":*" for w in words)


_FTS = table("offer_fts", column("rowid"))


def _sqlite_match(words: list[str]) -> ColumnElement[bool]:
    return literal_column("offer_fts").op("MATCH")(_sqlite_query(words))


def _postgres_match(words: list[str]) -> ColumnElement[bool]:
    return literal_column("offer.search_vector").op("@@")(
        func.to_tsquery("german", _postgres_query(words))
    )


def match_clause(dialect: str, offer_id_column, words: list[str]) -> ColumnElement[bool]:
    """A WHERE clause: the offer matches every word (as a prefix)."""
    if dialect == "sqlite":
        return offer_id_column.in_(select(_FTS.c.rowid).where(_sqlite_match(words)))
    return _postgres_match(words)


def ranking(dialect: str, offer_table, words: list[str]):
    """A subquery (offer_id, rank) of the matching offers; lower rank = better match."""
    if dialect == "sqlite":
        return (
            select(_FTS.c.rowid.label("offer_id"), func.bm25(literal_column("offer_fts"), 10.0, 1.0).label("rank"))
            .where(_sqlite_match(words))
            .subquery("fts_rank")
        )
    return (
        select(
            offer_table.c.id.label("offer_id"),
            (-func.ts_rank_cd(literal_column("offer.search_vector"),
                              func.to_tsquery("german", _postgres_query(words)))).label("rank"),
        )
        .where(_postgres_match(words))
        .subquery("fts_rank")
    )
