"""camera snapshots: a still picture of what each camera sees, kept as files in SNAPSHOT_DIR

Revision ID: 0019
Revises: 0022

Numbered 0019 when written, it runs after 0022 (retention), which reached the main line first:
one head, and databases already at 0022 still get this table.

"""
import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "camera_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("added_by", sa.String(length=16), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["camera_id"], ["camera.id"], name="fk_camera_snapshot_camera",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("camera_id", name="uq_camera_snapshot_camera_id"),
    )


def downgrade() -> None:
    op.drop_table("camera_snapshot")
