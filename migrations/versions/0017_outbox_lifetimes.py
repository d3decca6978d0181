"""outbox: forget a message's address and text once it is finished when its owner's personal data
was removed before it was sent; remember which message carries an upload link; users choose
whether news on their requests is also e-mailed

Revision ID: 0017
Revises: 0016

"""
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(sa.Column("forget_when_done", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("upload_link") as batch:
        batch.add_column(sa.Column("outbox_message_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("ab_user") as batch:
        batch.add_column(sa.Column("notify_by_email", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("ab_user") as batch:
        batch.drop_column("notify_by_email")
    with op.batch_alter_table("upload_link") as batch:
        batch.drop_column("outbox_message_id")
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_column("forget_when_done")
