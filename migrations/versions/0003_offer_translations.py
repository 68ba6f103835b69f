"""offer translations

Revision ID: 0003
Revises: 0002

Offer texts (title, summary, description, plain-language summary) in other languages,
one row per offer and language. Interface translations are gettext catalogues
(directory/translations/), not tables.
"""
from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'offer_translation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('offer_id', sa.Integer(), nullable=False),
        sa.Column('language_code', sa.String(length=8), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('summary', sa.String(length=500), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('plain_summary', sa.Text(), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('updated_by', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['language_code'], ['language.code'],
                                name=op.f('fk_offer_translation_language_code_language')),
        sa.ForeignKeyConstraint(['offer_id'], ['offer.id'], ondelete='CASCADE',
                                name=op.f('fk_offer_translation_offer_id_offer')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_translation')),
        sa.UniqueConstraint('offer_id', 'language_code', name=op.f('uq_offer_translation_offer_id')),
    )
    with op.batch_alter_table('offer_translation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_translation_offer_id'), ['offer_id'], unique=False)


def downgrade():
    with op.batch_alter_table('offer_translation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_translation_offer_id'))
    op.drop_table('offer_translation')
