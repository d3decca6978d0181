"""audit chain keyed: re-chain existing events with HMAC-SHA256 under the chain key

Until now each event's hash was a plain SHA-256, which anyone able to write to the database
could recompute after an edit. The chain is first checked under the old rule (a broken chain is
never re-keyed, so no tampering is laundered), then every event is re-hashed under the key from
AUDIT_HMAC_KEY / AUDIT_HMAC_KEY_FILE, and an event records the old head so that statements made
about the old chain can still be related to the new one.

Revision ID: 0014
Revises: 0013

"""
import hashlib
import hmac
import json
from types import SimpleNamespace

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_GUARD = "audit_event_no_update"


def _events(bind):
    from backoffice.models import AuditEvent

    table = AuditEvent.__table__
    return [SimpleNamespace(**row) for row in bind.execute(sa.select(table).order_by(table.c.id)).mappings()]


def _plain(event) -> str:
    from backoffice.audit import canonical_event

    return hashlib.sha256(canonical_event(event)).hexdigest()


def _keyed(event) -> str:
    from backoffice.audit import canonical_event
    from backoffice.signing import chain_key

    return hmac.new(chain_key(), canonical_event(event), hashlib.sha256).hexdigest()


def _rechain(from_rule, to_rule, note_action: str | None) -> None:
    from backoffice.audit import GENESIS, HASHED_FIELDS

    bind = op.get_bind()
    events = _events(bind)
    if not events:
        return
    previous = GENESIS
    for event in events:
        if event.prev_hash != previous or from_rule(event) != event.hash:
            raise RuntimeError(
                f"audit event {event.id} does not verify; the chain is not re-keyed "
                "(run `flask audit verify` on the previous release to find out why)"
            )
        previous = event.hash
    old_head = previous
    postgres = bind.dialect.name == "postgresql"
    if postgres:
        op.execute(f"ALTER TABLE audit_event DISABLE TRIGGER {_GUARD}")
    else:
        guard_sql = bind.execute(
            sa.text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :n"), {"n": _GUARD}
        ).scalar()
        op.execute(f"DROP TRIGGER IF EXISTS {_GUARD}")
    # Hashes are unique: park every row on a placeholder first so no new hash meets an old one.
    bind.execute(sa.text("UPDATE audit_event SET hash = 'rechain-' || CAST(id AS VARCHAR(20))"))
    previous = GENESIS
    for event in events:
        event.prev_hash = previous
        event.hash = to_rule(event)
        bind.execute(
            sa.text("UPDATE audit_event SET prev_hash = :p, hash = :h WHERE id = :id"),
            {"p": event.prev_hash, "h": event.hash, "id": event.id},
        )
        previous = event.hash
    last_id, count = events[-1].id, len(events)
    if note_action:
        from backoffice.localtime import utcnow

        note = SimpleNamespace(
            id=last_id + 1, at=utcnow(), user_id=None, username=None, agency_id=None,
            action=note_action, object_type=None, object_id=None, purpose=None, ip=None,
            detail=json.dumps({"previous_head": old_head, "events": count}, sort_keys=True),
            prev_hash=previous,
        )
        note.hash = to_rule(note)
        from backoffice.models import AuditEvent

        bind.execute(
            sa.insert(AuditEvent.__table__).values(
                {name: getattr(note, name) for name in (*HASHED_FIELDS, "hash")}
            )
        )
        previous, last_id, count = note.hash, note.id, count + 1
    bind.execute(
        sa.text("UPDATE audit_head SET last_hash = :h, last_event_id = :id, count = :c WHERE id = 1"),
        {"h": previous, "id": last_id, "c": count},
    )
    if postgres:
        op.execute(f"ALTER TABLE audit_event ENABLE TRIGGER {_GUARD}")
    elif guard_sql:
        op.execute(guard_sql)


def upgrade():
    _rechain(_plain, _keyed, "audit.chain_keyed")


def downgrade():
    _rechain(_keyed, _plain, None)
