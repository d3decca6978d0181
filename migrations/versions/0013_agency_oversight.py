"""agencies may be marked for county-wide oversight

An agency with county-wide oversight (the portal operator, such as the District Attorney) has
auditors who read every agency's audit events and case records; other agencies' auditors read
their own agency's only. Existing agencies start without it.

Revision ID: 0013
Revises: 0011

"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agency") as batch:
        batch.add_column(
            sa.Column("county_oversight", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("agency") as batch:
        batch.drop_column("county_oversight")
