"""imports: sources with remembered column mappings, background runs, origin of offers

Revision ID: 0007
Revises: 0006

import_source: where imported offers come from (an office's list with its column mapping, or
another directory's HSDS data); import_run: the stored upload, options, state and progress of a
run; offer/organization.source_id + offer.source_ref: the origin of imported records;
offer.import_warnings: what an import could not take over; location.geocode_precision: how
exactly the point was found.
"""
from alembic import op
import sqlalchemy as sa

from directory.search import fulltext

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'import_source',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('location', sa.String(length=500), nullable=False),
        sa.Column('mapping', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_source')),
        sa.UniqueConstraint('name', name=op.f('uq_import_source_name')),
    )
    with op.batch_alter_table('import_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(length=16), server_default='done', nullable=False))
        batch_op.add_column(sa.Column('source_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('options', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('content', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('total', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('processed', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('error', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('finished_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_import_run_source_id_import_source'), 'import_source',
                                    ['source_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('source_ref', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('import_warnings', sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f('ix_offer_source_id'), ['source_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_offer_source_id_import_source'), 'import_source',
                                    ['source_id'], ['id'], ondelete='SET NULL')
    _reindex()
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_organization_source_id_import_source'), 'import_source',
                                    ['source_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.add_column(sa.Column('geocode_precision', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.drop_column('geocode_precision')
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_organization_source_id_import_source'), type_='foreignkey')
        batch_op.drop_column('source_id')
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_offer_source_id_import_source'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_offer_source_id'))
        batch_op.drop_column('import_warnings')
        batch_op.drop_column('source_ref')
        batch_op.drop_column('source_id')
    _reindex()
    with op.batch_alter_table('import_run', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_import_run_source_id_import_source'), type_='foreignkey')
        for column in ('finished_at', 'error', 'processed', 'total', 'content', 'options', 'source_id', 'state'):
            batch_op.drop_column(column)
    op.drop_table('import_source')


def _reindex():
    """A batch change rebuilds the offer table on SQLite, and with it go the full-text triggers."""
    if op.get_bind().dialect.name == 'sqlite':
        fulltext.uninstall(op.get_bind())
        fulltext.install(op.get_bind())
