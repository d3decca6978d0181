"""footage workflow: court order reference, receipt and reminder marks, owner upload links

Revision ID: 0005
Revises: 0001

"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("footage_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("court_order_ref", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("receipt_issued_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reminded_deadline", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "upload_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("footage_request_id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["footage_request_id"], ["footage_request.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["ab_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("nonce"),
    )
    with op.batch_alter_table("upload_link", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_upload_link_footage_request_id"), ["footage_request_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("upload_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_upload_link_footage_request_id"))
    op.drop_table("upload_link")
    with op.batch_alter_table("footage_request", schema=None) as batch_op:
        batch_op.drop_column("reminded_deadline")
        batch_op.drop_column("receipt_issued_at")
        batch_op.drop_column("court_order_ref")
