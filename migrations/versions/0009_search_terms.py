"""search: terms columns for forgiving full text

Revision ID: 0009
Revises: 0007

offer.title_terms / offer.text_terms hold the offer's words as the index stores them (folded,
stemmed, compounds split; directory/core/text.py). The full-text index (FTS5 / tsvector) is
rebuilt on them.
"""
from alembic import op
import sqlalchemy as sa

from directory.search import fulltext
from directory.core.text import document_terms

revision = '0009'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    fulltext.uninstall(bind)
    with op.batch_alter_table('offer') as batch_op:
        batch_op.add_column(sa.Column('title_terms', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('text_terms', sa.Text(), nullable=False, server_default=''))
    offer = sa.table('offer', sa.column('id', sa.Integer), sa.column('title', sa.String),
                     sa.column('search_text', sa.Text), sa.column('title_terms', sa.Text),
                     sa.column('text_terms', sa.Text))
    rows = bind.execute(sa.select(offer.c.id, offer.c.title, offer.c.search_text)).all()
    for offer_id, title, search_text in rows:
        bind.execute(offer.update().where(offer.c.id == offer_id).values(
            title_terms=document_terms(title or ''), text_terms=document_terms(search_text or '')))
    fulltext.install(bind)


def downgrade():
    bind = op.get_bind()
    fulltext.uninstall(bind)
    with op.batch_alter_table('offer') as batch_op:
        batch_op.drop_column('text_terms')
        batch_op.drop_column('title_terms')
    fulltext.install(bind)
