"""the last accepted one-time-code time step is a number, never empty

A one-time code is accepted by one conditional UPDATE (`… WHERE totp_last_step < :step`) so
that two sign-ins with the same code cannot both pass; with 0 for "no code used yet" the
comparison needs no NULL case.

Revision ID: 0012
Revises: 0011

"""
from alembic import op
import sqlalchemy as sa

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE user_security SET totp_last_step = 0 WHERE totp_last_step IS NULL")
    with op.batch_alter_table("user_security", schema=None) as batch_op:
        batch_op.alter_column("totp_last_step", existing_type=sa.Integer(), nullable=False,
                              server_default=sa.text("0"))


def downgrade() -> None:
    with op.batch_alter_table("user_security", schema=None) as batch_op:
        batch_op.alter_column("totp_last_step", existing_type=sa.Integer(), nullable=True,
                              server_default=None)
    op.execute("UPDATE user_security SET totp_last_step = NULL WHERE totp_last_step = 0")
