"""accounts, memberships, moderation, history, freshness

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'user_account',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('display_name', sa.String(length=120), nullable=False),
        sa.Column('password_hash', sa.String(length=256), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_login_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
        sa.UniqueConstraint('email', name=op.f('uq_user_account_email')),
    )
    op.create_table(
        'membership',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_membership_organization_id_organization'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_membership_user_id_user_account'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'organization_id', name=op.f('pk_membership')),
    )
    with op.batch_alter_table('organization') as batch_op:
        batch_op.add_column(sa.Column('approved', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('trusted', sa.Boolean(), nullable=False, server_default=sa.false()))
    # Plain ADD COLUMN (no batch): rebuilding `offer` on SQLite would drop the FTS5 triggers.
    op.add_column('offer', sa.Column('version', sa.Integer(), nullable=False, server_default='1'))

    op.create_table(
        'offer_revision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('offer_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('base_version', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('submitted_at', sa.DateTime(), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['offer_id'], ['offer.id'], name=op.f('fk_offer_revision_offer_id_offer'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_offer_revision_created_by_id_user_account'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_offer_revision_decided_by_id_user_account'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_revision')),
    )
    op.create_index(op.f('ix_offer_revision_offer_id'), 'offer_revision', ['offer_id'])
    op.create_index(op.f('ix_offer_revision_state'), 'offer_revision', ['state'])
    op.create_index(op.f('ix_offer_revision_submitted_at'), 'offer_revision', ['submitted_at'])

    op.create_table(
        'change_record',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('offer_id', sa.Integer(), nullable=True),
        sa.Column('location_id', sa.Integer(), nullable=True),
        sa.Column('organization_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('action', sa.String(length=24), nullable=False),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['offer_id'], ['offer.id'], name=op.f('fk_change_record_offer_id_offer'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_change_record_location_id_location'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_change_record_organization_id_organization'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_change_record_user_id_user_account'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_change_record')),
    )
    op.create_index(op.f('ix_change_record_offer_id'), 'change_record', ['offer_id'])
    op.create_index(op.f('ix_change_record_location_id'), 'change_record', ['location_id'])
    op.create_index(op.f('ix_change_record_organization_id'), 'change_record', ['organization_id'])
    op.create_index(op.f('ix_change_record_at'), 'change_record', ['at'])

    op.create_table(
        'invitation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('invited_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('accepted_at', sa.DateTime(), nullable=True),
        sa.Column('accepted_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_invitation_organization_id_organization'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['invited_by_id'], ['user_account.id'], name=op.f('fk_invitation_invited_by_id_user_account'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['accepted_by_id'], ['user_account.id'], name=op.f('fk_invitation_accepted_by_id_user_account'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation')),
    )
    op.create_index(op.f('ix_invitation_organization_id'), 'invitation', ['organization_id'])

    op.create_table(
        'confirm_reminder',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('offer_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('last_confirmed', sa.Date(), nullable=True),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.Column('recipients', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['offer_id'], ['offer.id'], name=op.f('fk_confirm_reminder_offer_id_offer'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_confirm_reminder')),
    )
    op.create_index(op.f('ix_confirm_reminder_offer_id'), 'confirm_reminder', ['offer_id'])
    op.create_index(op.f('ix_confirm_reminder_sent_at'), 'confirm_reminder', ['sent_at'])

    op.create_table(
        'import_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('created', sa.Integer(), nullable=False),
        sa.Column('updated', sa.Integer(), nullable=False),
        sa.Column('unchanged', sa.Integer(), nullable=False),
        sa.Column('rejected', sa.Integer(), nullable=False),
        sa.Column('report', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_import_run_user_id_user_account'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_run')),
    )
    op.create_index(op.f('ix_import_run_created_at'), 'import_run', ['created_at'])

    op.create_table(
        'mail_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('recipient', sa.String(length=254), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('backend', sa.String(length=16), nullable=False),
        sa.Column('error', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_outbox')),
    )
    op.create_index(op.f('ix_mail_outbox_created_at'), 'mail_outbox', ['created_at'])
    op.create_index(op.f('ix_mail_outbox_recipient'), 'mail_outbox', ['recipient'])


def downgrade():
    for table in ('mail_outbox', 'import_run', 'confirm_reminder', 'invitation', 'change_record', 'offer_revision'):
        op.drop_table(table)
    op.drop_column('offer', 'version')  # native DROP COLUMN (SQLite >= 3.35) keeps the FTS triggers
    with op.batch_alter_table('organization') as batch_op:
        batch_op.drop_column('trusted')
        batch_op.drop_column('approved')
    op.drop_table('membership')
    op.drop_table('user_account')
