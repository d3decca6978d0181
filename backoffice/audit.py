"""Writing and verifying the hash-chained audit log."""
import hashlib
import json
from datetime import datetime
from typing import Any, Iterator

from flask import has_request_context, request
from sqlalchemy import bindparam, func, insert, select, update

from .database import end_read_transaction
from .extensions import db
from .models import AuditEvent, AuditHead
from .localtime import to_utc, utcnow

GENESIS = "0" * 64
HASHED_FIELDS = (
    "id",
    "at",
    "user_id",
    "username",
    "agency_id",
    "action",
    "object_type",
    "object_id",
    "purpose",
    "ip",
    "detail",
    "prev_hash",
)


def _utc_text(value: datetime) -> str:
    """An instant in the canonical form the chain hashes (UTC, naive text, microseconds)."""
    return to_utc(value).strftime("%Y-%m-%dT%H:%M:%S.%f")


def event_hash(event: AuditEvent) -> str:
    """SHA-256 over the canonical JSON of an event's fields and its predecessor's hash."""
    fields = {name: getattr(event, name) for name in HASHED_FIELDS}
    fields["at"] = _utc_text(fields["at"])
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


_EVENTS = AuditEvent.__table__
_HEAD = AuditHead.__table__
# Built once: the append runs on every audited request.
_ADVANCE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(count=_HEAD.c.count + 1)
    .returning(_HEAD.c.last_hash, _HEAD.c.last_event_id)
)
_EVENT_COLUMNS = (*HASHED_FIELDS, "hash")
_INSERT_EVENT = insert(_EVENTS).values({name: bindparam(f"e_{name}") for name in _EVENT_COLUMNS})
_MOVE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(last_hash=bindparam("e_hash"), last_event_id=bindparam("e_id"))
)
# PostgreSQL takes both in one statement (a data-modifying WITH): one round trip fewer.
_inserted = _INSERT_EVENT.returning(_EVENTS.c.id, _EVENTS.c.hash).cte("inserted")
_INSERT_AND_MOVE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == 1, _inserted.c.id == func.coalesce(_HEAD.c.last_event_id, 0) + 1)
    .values(last_hash=_inserted.c.hash, last_event_id=_inserted.c.id)
)


def _advance_head(connection) -> tuple[str, int]:
    """Lock the chain head for this transaction and read it: (last hash, last event id).

    One UPDATE … RETURNING takes the write lock and reads the head on both databases, so
    concurrent appends queue here and each sees its predecessor's hash.
    """
    row = connection.execute(_ADVANCE_HEAD).one_or_none()
    if row is None:
        connection.execute(insert(_HEAD).values(id=1, last_hash=GENESIS, count=1))
        return GENESIS, 0
    return row.last_hash, row.last_event_id or 0


def serialise() -> None:
    """Queue behind every other audited change until this transaction ends.

    Work that checks and then writes (is this submission a duplicate?) calls this before its
    checks, so two at once cannot both find nothing and both insert: it takes the chain
    head's write lock, which every audited change takes anyway.
    """
    end_read_transaction(db.session)
    db.session.connection().execute(
        update(_HEAD).where(_HEAD.c.id == 1).values(count=_HEAD.c.count)
    )


def record(
    action: str,
    *,
    user=None,
    object_type: str | None = None,
    object_id: int | None = None,
    purpose: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event to the chain in the caller's transaction (the caller commits).

    The event is written once, complete with its hash (ids follow the head, so the chain is
    gapless), and the head moved on: three statements (two on PostgreSQL). Returns the event, detached.
    """
    if user is None:
        from .scoping import current_user

        user = current_user()
    connection = db.session.connection()
    prev_hash, last_id = _advance_head(connection)
    event = AuditEvent(
        id=last_id + 1,
        at=utcnow(),
        user_id=getattr(user, "id", None),
        username=getattr(user, "username", None),
        agency_id=getattr(user, "agency_id", None),
        action=action,
        object_type=object_type,
        object_id=object_id,
        purpose=purpose,
        ip=request.remote_addr if has_request_context() else None,
        detail=json.dumps(detail, sort_keys=True, default=str) if detail else None,
        prev_hash=prev_hash,
    )
    event.hash = event_hash(event)
    row = {f"e_{name}": getattr(event, name) for name in _EVENT_COLUMNS}
    if connection.dialect.name == "postgresql":
        connection.execute(_INSERT_AND_MOVE_HEAD, row)
    else:
        connection.execute(_INSERT_EVENT, row)
        connection.execute(_MOVE_HEAD, row)
    return event


def verify_chain() -> Iterator[str]:
    """Yield one line per problem found walking the chain; nothing when it is intact."""
    prev, count, last_id = GENESIS, 0, None
    for event in db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars():
        if event.prev_hash != prev:
            yield f"event {event.id}: does not follow event {last_id} (deleted or inserted out of band)"
            return
        if event_hash(event) != event.hash:
            yield f"event {event.id}: contents do not match its hash (edited)"
            return
        prev, count, last_id = event.hash, count + 1, event.id
    head = db.session.execute(select(_HEAD.c.last_hash, _HEAD.c.count)).one_or_none()
    if head is not None and (head.last_hash != prev or head.count != count):
        yield f"chain ends at event {last_id} but {head.count} events were written (tail removed)"
