"""area requests: an investigator asks every registered owner around a scene at once, and each
premises' answer is kept

Revision ID: 0021
Revises: 0019 (written beside 0019, 0020 and 0022 and placed after them, so that one head remains)

"""
import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "area_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("case.id"), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("window_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_to", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("ab_user.id"), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_area_request_case_id", "area_request", ["case_id"])
    op.create_table(
        "area_recipient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_request_id", sa.Integer(), sa.ForeignKey("area_request.id"), nullable=False),
        sa.Column("registration_id", sa.Integer(), sa.ForeignKey("registration.id"), nullable=False),
        sa.Column("channel", sa.String(12), nullable=False),
        sa.Column("nonce", sa.String(64), nullable=True),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer", sa.String(16), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("footage_request_id", sa.Integer(), sa.ForeignKey("footage_request.id"), nullable=True),
        sa.Column("outbox_message_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("area_request_id", "registration_id", name="uq_area_recipient_premises"),
        sa.UniqueConstraint("nonce", name="uq_area_recipient_nonce"),
    )
    op.create_index("ix_area_recipient_area_request_id", "area_recipient", ["area_request_id"])
    op.create_index("ix_area_recipient_registration_id", "area_recipient", ["registration_id"])


def downgrade() -> None:
    op.drop_table("area_recipient")
    op.drop_table("area_request")
