"""Writing and verifying the hash-chained audit log."""
import hashlib
import json
from datetime import datetime, timezone
from typing import Any, Iterator

from flask import has_request_context, request
from sqlalchemy import select, update

from .extensions import db
from .models import AuditEvent, AuditHead
from .models.base import utcnow

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
    """A timestamp as stored by either database, in one canonical form."""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")


def event_hash(event: AuditEvent) -> str:
    """SHA-256 over the canonical JSON of an event's fields and its predecessor's hash."""
    fields = {name: getattr(event, name) for name in HASHED_FIELDS}
    fields["at"] = _utc_text(fields["at"])
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _head() -> AuditHead:
    """Lock the chain head for this transaction (a write lock on both databases)."""
    locked = db.session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(count=AuditHead.count + 0)
    )
    if locked.rowcount == 0:
        db.session.add(AuditHead(id=1, last_hash=GENESIS, count=0))
        db.session.flush()
    return db.session.execute(
        select(AuditHead).where(AuditHead.id == 1).execution_options(populate_existing=True)
    ).scalar_one()


def record(
    action: str,
    *,
    user=None,
    object_type: str | None = None,
    object_id: int | None = None,
    purpose: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event to the chain in the caller's transaction (the caller commits)."""
    if user is None:
        from .scoping import current_user

        user = current_user()
    head = _head()
    event = AuditEvent(
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
        prev_hash=head.last_hash,
        hash="pending",
    )
    db.session.add(event)
    db.session.flush()
    event.hash = event_hash(event)
    head.last_hash, head.last_event_id, head.count = event.hash, event.id, head.count + 1
    db.session.flush()
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
    head = db.session.get(AuditHead, 1)
    if head is not None and (head.last_hash != prev or head.count != count):
        yield f"chain ends at event {last_id} but {head.count} events were written (tail removed)"
