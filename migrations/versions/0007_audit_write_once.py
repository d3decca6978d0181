"""audit events are written once, complete: refuse every UPDATE, not only of hashed rows

record() now inserts each event with its hash, so no update of audit_event is ever needed.

Revision ID: 0007
Revises: 0006

"""
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_MESSAGE = "audit events are append-only"


def _sqlite_update_trigger(condition: str) -> str:
    return (
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event"
        f" {condition} BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
    )


def _postgres_function(allow_pending: bool) -> str:
    pending = "IF TG_OP = 'UPDATE' AND OLD.hash = 'pending' THEN RETURN NEW; END IF;" if allow_pending else ""
    return f"""CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
       BEGIN
         {pending}
         RAISE EXCEPTION '{_MESSAGE}';
       END $$ LANGUAGE plpgsql"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_postgres_function(allow_pending=False))
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute(_sqlite_update_trigger(""))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_postgres_function(allow_pending=True))
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute(_sqlite_update_trigger("WHEN OLD.hash <> 'pending'"))
