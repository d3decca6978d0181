"""the map's county summary is kept in the database (camera_map_cell), computed once here and
then by the worker, so that no map request waits for it

Revision ID: 0018
Revises: 0017

"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "camera_map_cell",
        sa.Column("ix", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("iy", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("active", sa.Integer(), nullable=False),
        sa.Column("sum_lon", sa.Float(), nullable=False),
        sa.Column("sum_lat", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("ix", "iy"),
    )
    op.create_table(
        "camera_map_summary",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cameras", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    # Counted by 0024, which replaced this stamp by triggers (a count here would use the code of
    # today against the schema of then).
    summary = sa.table("camera_map_summary", sa.column("id"), sa.column("built_at"), sa.column("cameras"))
    op.execute(summary.insert().values(id=1, built_at=datetime.now(timezone.utc), cameras=0))


def downgrade() -> None:
    op.drop_table("camera_map_summary")
    op.drop_table("camera_map_cell")
