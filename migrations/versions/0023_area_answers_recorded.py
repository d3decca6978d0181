"""area requests: answers given by phone or at the door are recorded by staff (how the owner was
reached, who recorded it), and a premises is asked once for a case while a request is open

open_case_id is the case's id while the area request is open and NULL once it has closed; the
unique constraint on it with the premises stops two investigators asking the same premises for
the same case at the same moment (the second is merged into the first).

Revision ID: 0023
Revises: 0021

"""
import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("area_recipient") as batch:
        batch.add_column(sa.Column("open_case_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reached_by", sa.String(12), nullable=True))
        batch.add_column(sa.Column("recorded_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_area_recipient_recorded_by_id_ab_user", "ab_user",
                                 ["recorded_by_id"], ["id"])
    # Requests still open: their premises keep the case, the one that was asked first wins.
    op.execute(
        "UPDATE area_recipient SET open_case_id = (SELECT area_request.case_id FROM area_request "
        "WHERE area_request.id = area_recipient.area_request_id AND area_request.closed_at IS NULL) "
        "WHERE area_recipient.id = (SELECT MIN(other.id) FROM area_recipient AS other "
        "JOIN area_request AS asked ON asked.id = other.area_request_id "
        "JOIN area_request AS mine ON mine.id = area_recipient.area_request_id "
        "WHERE other.registration_id = area_recipient.registration_id AND asked.case_id = mine.case_id "
        "AND asked.closed_at IS NULL)"
    )
    with op.batch_alter_table("area_recipient") as batch:
        batch.create_unique_constraint("uq_area_recipient_open_premises", ["open_case_id", "registration_id"])


def downgrade() -> None:
    with op.batch_alter_table("area_recipient") as batch:
        batch.drop_constraint("uq_area_recipient_open_premises", type_="unique")
        batch.drop_constraint("fk_area_recipient_recorded_by_id_ab_user", type_="foreignkey")
        batch.drop_column("recorded_by_id")
        batch.drop_column("reached_by")
        batch.drop_column("open_case_id")
