"""address suggestions: lookup keys by house number or street-name word, accents folded and
USPS Publication 28 abbreviations applied; existing address points re-keyed

Revision ID: 0008
Revises: 0007

"""
from alembic import op
import sqlalchemy as sa

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BATCH = 1000


def _rekey() -> None:
    """Recompute every address point's search key and lookup keys with the current rules."""
    from backoffice.geocoding.keys import lookup_keys, search_key

    connection = op.get_bind()
    points = sa.table(
        "address_point",
        sa.column("id", sa.Integer),
        sa.column("address", sa.String),
        sa.column("city", sa.String),
        sa.column("postal_code", sa.String),
        sa.column("search_key", sa.String),
    )
    keys = sa.table("address_key", sa.column("key", sa.String), sa.column("point_id", sa.Integer))
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(points.c.id, points.c.address, points.c.city, points.c.postal_code)
            .where(points.c.id > last_id)
            .order_by(points.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            points.update().where(points.c.id == sa.bindparam("point_id")),
            [{"point_id": id_, "search_key": search_key(a, c, p)} for id_, a, c, p in rows],
        )
        connection.execute(
            keys.insert(),
            [{"key": key, "point_id": id_} for id_, a, c, p in rows for key in lookup_keys(a, c, p)],
        )
        last_id = rows[-1][0]


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "address_key",
        sa.Column("key", sa.String(length=400, collation="C" if postgresql else None), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["point_id"], ["address_point.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("key", "point_id"),
    )
    with op.batch_alter_table("address_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_address_key_point_id"), ["point_id"], unique=False)
    _rekey()


def downgrade():
    with op.batch_alter_table("address_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_address_key_point_id"))
    op.drop_table("address_key")
