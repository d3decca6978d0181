"""Writing and verifying the hash-chained audit log.

Each event carries HMAC-SHA256(chain key, its canonical fields and its predecessor's hash); the
key lives outside the database (backoffice/signing.py), so someone who can only write to the
database cannot re-chain events after an edit. A cut tail is caught by signed checkpoints
(backoffice/checkpoints.py), kept in a second location.
"""
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Iterator

from flask import has_request_context, request
from sqlalchemy import bindparam, func, insert, select, update

from .database import end_read_transaction
from .extensions import db
from .models import AuditEvent, AuditHead
from .localtime import to_utc, utcnow
from .signing import chain_key

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


def canonical_event(event: AuditEvent) -> bytes:
    """The bytes an event's hash covers: canonical JSON of its fields and its predecessor's hash."""
    fields = {name: getattr(event, name) for name in HASHED_FIELDS}
    fields["at"] = _utc_text(fields["at"])
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def event_hash(event: AuditEvent, key: bytes | None = None) -> str:
    """HMAC-SHA256 of the event's canonical bytes under the chain key (64 hex digits)."""
    return hmac.new(key or chain_key(), canonical_event(event), hashlib.sha256).hexdigest()


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


@dataclass
class ChainWalk:
    """What one walk of the chain found: its extent, the hashes asked for, and any problem."""

    count: int = 0
    last_event_id: int | None = None
    last_hash: str = GENESIS
    problems: list[str] = field(default_factory=list)
    hashes: dict[int, str] = field(default_factory=dict)  # event id -> hash, for the ids asked


def begin_snapshot() -> None:
    """Make the session's next reads one consistent snapshot of the database.

    PostgreSQL: a REPEATABLE READ transaction (READ COMMITTED would let events committed while
    the walk runs appear after the head was read). SQLite in WAL mode: a read transaction is a
    snapshot from its first read already. A session bound to an open connection (the tests'
    rolled-back transaction) keeps that transaction.
    """
    from sqlalchemy.engine import Engine

    bind = db.session.get_bind()
    if bind.dialect.name == "postgresql" and isinstance(bind, Engine):
        db.session.commit()
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def walk_chain(wanted: Iterable[int] = ()) -> ChainWalk:
    """Walk every event in id order in one snapshot, checking each hash and link.

    Stops at the first broken event (named in `problems`); also compares the end of the chain
    with the head row. `wanted`: event ids whose hashes to keep (checkpoint checks).
    """
    wanted = set(wanted)
    walk = ChainWalk()
    begin_snapshot()
    key = chain_key()
    head = db.session.execute(select(_HEAD.c.last_hash, _HEAD.c.count)).one_or_none()
    events = db.session.execute(
        select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000)
    ).scalars()
    for event in events:
        if event.prev_hash != walk.last_hash:
            walk.problems.append(
                f"event {event.id}: does not follow event {walk.last_event_id}"
                " (deleted or inserted out of band)"
            )
            break
        if event_hash(event, key) != event.hash:
            walk.problems.append(f"event {event.id}: contents do not match its hash (edited)")
            break
        walk.count, walk.last_event_id, walk.last_hash = walk.count + 1, event.id, event.hash
        if event.id in wanted:
            walk.hashes[event.id] = event.hash
    events.close()
    if not walk.problems and head is not None and (
        head.last_hash != walk.last_hash or head.count != walk.count
    ):
        walk.problems.append(
            f"chain ends at event {walk.last_event_id} but {head.count} events were written"
            " (tail removed)"
        )
    return walk


def verify_chain() -> Iterator[str]:
    """Yield one line per problem found walking the chain; nothing when it is intact."""
    yield from walk_chain().problems
