"""accounts, memberships, moderation, history, freshness (issue 4)

Revision ID: 0002
Revises: 0001

Reserved so that the migration chain stays linear while these areas are built in parallel;
replace the body (and rename the file) when the area's tables exist.
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
