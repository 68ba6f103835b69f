"""referrals, childcare and open places on offers

Revision ID: 0004
Revises: 0003

* offer.childcare (children looked after during the offer; NULL = not stated) and
  offer.open_places (NULL = not counted, 0 = currently full). Plain ADD COLUMN, also on SQLite
  (batch mode does not rebuild the table for it, so the full-text triggers stay).
* referral, referral_offer (one row per offer on a referral, with its status) and
  referral_event (status history).
"""
from alembic import op
import sqlalchemy as sa

from directory.search import fulltext

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('offer') as batch_op:
        batch_op.add_column(sa.Column('childcare', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('open_places', sa.Integer(), nullable=True))

    op.create_table(
        'referral',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=16), nullable=True),
        sa.Column('organization_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('language_code', sa.String(length=8), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('anonymised_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], ondelete='SET NULL',
                                name=op.f('fk_referral_created_by_id_user_account')),
        sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ondelete='SET NULL',
                                name=op.f('fk_referral_organization_id_organization')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_referral')),
        sa.UniqueConstraint('code', name=op.f('uq_referral_code')),
    )
    op.create_index(op.f('ix_referral_created_at'), 'referral', ['created_at'], unique=False)
    op.create_index(op.f('ix_referral_organization_id'), 'referral', ['organization_id'], unique=False)

    op.create_table(
        'referral_offer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('referral_id', sa.Integer(), nullable=False),
        sa.Column('offer_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.String(length=32), nullable=True),
        sa.Column('note', sa.String(length=300), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['offer_id'], ['offer.id'], ondelete='CASCADE',
                                name=op.f('fk_referral_offer_offer_id_offer')),
        sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], ondelete='CASCADE',
                                name=op.f('fk_referral_offer_referral_id_referral')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_offer')),
    )
    op.create_index(op.f('ix_referral_offer_offer_id'), 'referral_offer', ['offer_id'], unique=False)
    op.create_index(op.f('ix_referral_offer_referral_id'), 'referral_offer', ['referral_id'], unique=False)
    op.create_index(op.f('ix_referral_offer_status'), 'referral_offer', ['status'], unique=False)

    op.create_table(
        'referral_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.String(length=32), nullable=True),
        sa.Column('actor_role', sa.String(length=16), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['referral_offer.id'], ondelete='CASCADE',
                                name=op.f('fk_referral_event_item_id_referral_offer')),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='SET NULL',
                                name=op.f('fk_referral_event_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_event')),
    )
    op.create_index(op.f('ix_referral_event_item_id'), 'referral_event', ['item_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_referral_event_item_id'), table_name='referral_event')
    op.drop_table('referral_event')
    op.drop_index(op.f('ix_referral_offer_status'), table_name='referral_offer')
    op.drop_index(op.f('ix_referral_offer_referral_id'), table_name='referral_offer')
    op.drop_index(op.f('ix_referral_offer_offer_id'), table_name='referral_offer')
    op.drop_table('referral_offer')
    op.drop_index(op.f('ix_referral_organization_id'), table_name='referral')
    op.drop_index(op.f('ix_referral_created_at'), table_name='referral')
    op.drop_table('referral')
    with op.batch_alter_table('offer') as batch_op:
        batch_op.drop_column('open_places')
        batch_op.drop_column('childcare')
    if op.get_bind().dialect.name == 'sqlite':
        # dropping columns rebuilt the offer table on SQLite, and with it went the
        # full-text triggers: create the index again
        fulltext.uninstall(op.get_bind())
        fulltext.install(op.get_bind())
