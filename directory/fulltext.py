"""Full-text search in the database itself: SQLite FTS5 or PostgreSQL tsvector (German).

The schema objects are created by the Alembic migration through :func:`install` (and can be
re-created after a SQLite batch migration rebuilt the offer table). Queries go through
:func:`match_clause` and :func:`rank_expression`, so search.py never needs to know the dialect.
"""
from __future__ import annotations

import re

from sqlalchemy import func, literal_column, select, text
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


def match_clause(dialect: str, offer_id_column, words: list[str]) -> ColumnElement[bool]:
    """A WHERE clause: the offer matches every word (as a prefix)."""
    if dialect == "sqlite":
        fts_ids = select(literal_column("rowid")).select_from(text("offer_fts")).where(
            literal_column("offer_fts").op("MATCH")(_sqlite_query(words))
        )
        return offer_id_column.in_(fts_ids)
    return literal_column("offer.search_vector").op("@@")(
        func.to_tsquery("german", _postgres_query(words))
    )


def rank_expression(dialect: str, offer_id_column, words: list[str]):
    """An expression to ORDER BY ascending: better matches first."""
    if dialect == "sqlite":
        return (
            select(func.bm25(literal_column("offer_fts"), 10.0, 1.0))
            .select_from(text("offer_fts"))
            .where(literal_column("offer_fts").op("MATCH")(_sqlite_query(words)))
            .where(literal_column("offer_fts.rowid") == offer_id_column)
            .scalar_subquery()
        )
    return -func.ts_rank_cd(
        literal_column("offer.search_vector"),
        func.to_tsquery("german", _postgres_query(words)),
    )
