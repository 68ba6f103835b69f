"""hardening: session tokens, record versions, moderated translations, shared rate limits

Revision ID: 0006
Revises: 0005

* user_account.session_token – part of the signed-in session; changed at logout and
  password change, which ends every session that carried the old one.
* location.version, organization.version, offer_translation.version – optimistic locking
  (a save names the version it was loaded with).
* offer_translation.pending* – a translation waiting for moderation (untrusted organisations);
  the public keeps seeing the published fields.
* rate_limit – counters of the login and account limits when there is no Redis.
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=True))
    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
    with op.batch_alter_table('offer_translation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('pending', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('pending_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('pending_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_offer_translation_pending_at', ['pending_at'], unique=False)
    op.create_table(
        'rate_limit',
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('expires_at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limit')),
    )


def downgrade():
    op.drop_table('rate_limit')
    with op.batch_alter_table('offer_translation', schema=None) as batch_op:
        batch_op.drop_index('ix_offer_translation_pending_at')
        batch_op.drop_column('pending_at')
        batch_op.drop_column('pending_by')
        batch_op.drop_column('pending')
        batch_op.drop_column('version')
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_column('version')
    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.drop_column('version')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_token')
