"""offer translations (issue 6)

Revision ID: 0003
Revises: 0002

Reserved so that the migration chain stays linear while these areas are built in parallel;
replace the body (and rename the file) when the area's tables exist.
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
