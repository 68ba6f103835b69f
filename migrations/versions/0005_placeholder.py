"""open data and dashboard: search log (issue 7)

Revision ID: 0005
Revises: 0004

Reserved so that the migration chain stays linear while these areas are built in parallel;
replace the body (and rename the file) when the area's tables exist.
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
