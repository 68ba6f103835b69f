"""Full-text search in the database itself: SQLite FTS5 or PostgreSQL tsvector (German).

The schema objects are created by the Alembic migration through :func:`install` (and can be
re-created after a SQLite batch migration rebuilt the offer table). Queries go through
:func:`match_clause` and :func:`ranking`, so the engine never needs to know the dialect. Both
databases index the same terms (directory/core/text.py: folded, stemmed, compounds split), so
they find the same offers.
"""
from __future__ import annotations

from sqlalchemy import column, event, func, inspect, literal_column, select, table, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from directory.core import text as word_terms
from directory.models import Offer

# The index covers the offer's terms (directory/core/text.py), not its raw text.
SQLITE_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS offer_fts USING fts5("
    "title_terms, text_terms, content='offer', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0', prefix='3')",
    "CREATE TRIGGER IF NOT EXISTS offer_fts_ai AFTER INSERT ON offer BEGIN "
    "INSERT INTO offer_fts(rowid, title_terms, text_terms) VALUES (new.id, new.title_terms, new.text_terms); END",
    "CREATE TRIGGER IF NOT EXISTS offer_fts_ad AFTER DELETE ON offer BEGIN "
    "INSERT INTO offer_fts(offer_fts, rowid, title_terms, text_terms) "
    "VALUES ('delete', old.id, old.title_terms, old.text_terms); END",
    "CREATE TRIGGER IF NOT EXISTS offer_fts_au AFTER UPDATE OF title_terms, text_terms ON offer BEGIN "
    "INSERT INTO offer_fts(offer_fts, rowid, title_terms, text_terms) "
    "VALUES ('delete', old.id, old.title_terms, old.text_terms); "
    "INSERT INTO offer_fts(rowid, title_terms, text_terms) VALUES (new.id, new.title_terms, new.text_terms); END",
    "INSERT INTO offer_fts(offer_fts) VALUES ('rebuild')",
]
POSTGRES_DDL = [
    "ALTER TABLE offer ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple', coalesce(title_terms, '')), 'A') || "
    "setweight(to_tsvector('simple', coalesce(text_terms, '')), 'B')) STORED",
    "CREATE INDEX IF NOT EXISTS ix_offer_search_vector ON offer USING gin (search_vector)",
]
# Before the terms columns existed (migrations 0001-0008) the index covered the raw text.
LEGACY_SQLITE_DDL = [
    stmt.replace("title_terms", "title").replace("text_terms", "search_text")
    .replace("remove_diacritics 0', prefix='3'", "remove_diacritics 2'")
    for stmt in SQLITE_DDL
]
LEGACY_POSTGRES_DDL = [
    "ALTER TABLE offer ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('german', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('german', coalesce(search_text, '')), 'B')) STORED",
    POSTGRES_DDL[1],
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS offer_fts_ai",
    "DROP TRIGGER IF EXISTS offer_fts_ad",
    "DROP TRIGGER IF EXISTS offer_fts_au",
    "DROP TABLE IF EXISTS offer_fts",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS ix_offer_search_vector",
    "ALTER TABLE offer DROP COLUMN IF EXISTS search_vector",
]



def install(conn: Connection) -> None:
    """Create the index, on the terms columns when the schema has them (else the raw text)."""
    has_terms = "title_terms" in {c["name"] for c in inspect(conn).get_columns("offer")}
    if conn.dialect.name == "sqlite":
        statements = SQLITE_DDL if has_terms else LEGACY_SQLITE_DDL
    else:
        statements = POSTGRES_DDL if has_terms else LEGACY_POSTGRES_DDL
    for stmt in statements:
        conn.execute(text(stmt))


def uninstall(conn: Connection) -> None:
    for stmt in SQLITE_DROP if conn.dialect.name == "sqlite" else POSTGRES_DROP:
        conn.execute(text(stmt))


Alternatives = list[tuple[str, bool]]  # (term, as prefix?) – one OR group


def _sqlite_query(alternatives: Alternatives) -> str:
    # "wohnung"* OR "mietwohnung": terms are letters and digits only (directory/core/text.py)
    return " OR ".join('"' + t.replace('"', "") + '"' + ("*" if prefix else "") for t, prefix in alternatives)


def _postgres_query(alternatives: Alternatives) -> str:
    return " | ".join(t.replace("'", "") + (":*" if prefix else "") for t, prefix in alternatives)


_FTS = table("offer_fts", column("rowid"))
_VECTOR = literal_column("offer.search_vector")


def _sqlite_match(alternatives: Alternatives) -> ColumnElement[bool]:
    return literal_column("offer_fts").op("MATCH")(_sqlite_query(alternatives))


def _postgres_tsquery(alternatives: Alternatives):
    return func.to_tsquery("simple", _postgres_query(alternatives))


def match_clause(dialect: str, offer_id_column, alternatives: Alternatives) -> ColumnElement[bool]:
    """A WHERE clause: the offer contains at least one of the terms."""
    if dialect == "sqlite":
        return offer_id_column.in_(select(_FTS.c.rowid).where(_sqlite_match(alternatives)))
    return _VECTOR.op("@@")(_postgres_tsquery(alternatives))


def ranking(dialect: str, offer_table, alternatives: Alternatives):
    """A subquery (offer_id, rank) of the offers containing any of the terms; lower rank =
    better match (BM25 / ts_rank_cd, title terms weigh more than the rest)."""
    if dialect == "sqlite":
        return (
            select(_FTS.c.rowid.label("offer_id"), func.bm25(literal_column("offer_fts"), 10.0, 1.0).label("rank"))
            .where(_sqlite_match(alternatives))
            .subquery("fts_rank")
        )
    tsquery = _postgres_tsquery(alternatives)
    return (
        select(offer_table.c.id.label("offer_id"), (-func.ts_rank_cd(_VECTOR, tsquery)).label("rank"))
        .where(_VECTOR.op("@@")(tsquery))
        .subquery("fts_rank")
    )


@event.listens_for(Session, "before_flush")
def _refresh_terms(session: Session, _context, _instances) -> None:
    """Keep ``Offer.title_terms`` / ``text_terms`` – what the index covers – in step with the
    title and ``search_text`` (registered after the models' own hooks, which set search_text)."""
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Offer):
            title, body = word_terms.document_terms(obj.title or ""), word_terms.document_terms(obj.search_text or "")
            if obj.title_terms != title:
                obj.title_terms = title
            if obj.text_terms != body:
                obj.text_terms = body
