"""open data and dashboard: search log

Revision ID: 0005
Revises: 0004

search_demand: anonymous daily counters of what counsellors ask for (kind, code, count);
no user, no client, no query text.
"""
from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'search_demand',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_demand')),
        sa.UniqueConstraint('day', 'kind', 'code', name='uq_search_demand_day_kind_code'),
    )
    with op.batch_alter_table('search_demand', schema=None) as batch_op:
        batch_op.create_index('ix_search_demand_kind_day', ['kind', 'day'], unique=False)


def downgrade():
    with op.batch_alter_table('search_demand', schema=None) as batch_op:
        batch_op.drop_index('ix_search_demand_kind_day')
    op.drop_table('search_demand')
