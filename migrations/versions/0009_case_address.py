"""cases keep the address they were opened at (shown on the case page and the canvass sheet)

Revision ID: 0009
Revises: 0008

"""
from alembic import op
import sqlalchemy as sa

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN on both databases: no table rebuild (the table has a spatial column).
    op.add_column("case", sa.Column("address", sa.String(300), nullable=True))


def downgrade() -> None:
    op.drop_column("case", "address")
