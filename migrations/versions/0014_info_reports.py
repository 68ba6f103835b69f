"""visitors' reports of outdated or wrong offer information

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'info_report',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('offer_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('contact', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('resolved_at', sa.DateTime(), nullable=True),
        sa.Column('resolved_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['offer_id'], ['offer.id'], name=op.f('fk_info_report_offer_id_offer'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['resolved_by_id'], ['user_account.id'],
                                name=op.f('fk_info_report_resolved_by_id_user_account'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_info_report')),
    )
    with op.batch_alter_table('info_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_info_report_offer_id'), ['offer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_info_report_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_info_report_resolved_at'), ['resolved_at'], unique=False)


def downgrade():
    with op.batch_alter_table('info_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_info_report_resolved_at'))
        batch_op.drop_index(batch_op.f('ix_info_report_created_at'))
        batch_op.drop_index(batch_op.f('ix_info_report_offer_id'))
    op.drop_table('info_report')
