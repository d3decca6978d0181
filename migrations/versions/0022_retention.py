"""evidence retention and disposition: a retention period per incident type, a legal hold on
cases, and disposed evidence items (the row and its custody log kept, the stored copy gone)

Who set a hold or disposed of an item is in the audit log and the item's custody log.

Revision ID: 0022
Revises: 0020

"""
import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retention_rule",
        sa.Column("incident_type", sa.String(60), nullable=False),
        sa.Column("retain_days", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("incident_type"),
    )
    # Plain ADD COLUMNs on both databases: no table rebuild (case has a spatial column).
    op.add_column("case", sa.Column("legal_hold", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("case", sa.Column("legal_hold_reason", sa.Text(), nullable=True))
    op.add_column("case", sa.Column("legal_hold_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("evidence_item", sa.Column("disposed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("evidence_item", sa.Column("disposal_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("evidence_item") as batch:
        batch.drop_column("disposal_reason")
        batch.drop_column("disposed_at")
    for column in ("legal_hold_at", "legal_hold_reason", "legal_hold"):
        op.drop_column("case", column)
    op.drop_table("retention_rule")
