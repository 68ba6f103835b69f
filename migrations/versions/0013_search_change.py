"""search change log: keeps every app server's in-process search index current

Revision ID: 0013
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa

revision = '0013'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'search_change',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('changed_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_change')),
    )


def downgrade():
    op.drop_table('search_change')
