"""Opening footage requests for the cameras picked from a canvass, in one step.

One request per registration (with the cameras asked for), state `open`, version 1,
deadline = window start + the longest retention of those cameras. Kept in one function so the
footage-request workflow's own creation command can replace it.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update

from backoffice import audit
from backoffice.extensions import db
from backoffice.models import AuditHead, Camera, Case, FootageRequest, Registration

FINISHED_STATES = ("closed", "cancelled", "declined")


class RequestCreationError(ValueError):
    """The cameras asked for cannot be requested (HTTP 400); nothing was created."""


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def _write_lock() -> None:
    """Take the write lock before reading what the writes depend on.

    SQLite in WAL mode cannot upgrade a transaction that has read to a writer while another
    process writes ("database is locked" at once): end the reads, then lock the audit chain
    head, which every write here appends to anyway. On PostgreSQL the row lock serialises
    concurrent creations for the same case.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.commit()
    db.session.execute(update(AuditHead).where(AuditHead.id == 1).values(count=AuditHead.count + 0))


def create_footage_requests(
    case: Case,
    camera_ids: list[int],
    user,
    *,
    window_from: datetime | None = None,
    window_to: datetime | None = None,
) -> tuple[list[FootageRequest], list[int]]:
    """Open requests for the cameras; returns (created, ids of registrations already asked).

    Commits. Raises RequestCreationError (nothing written) for unknown cameras or cameras of
    registrations that are not active.
    """
    ids = sorted({int(i) for i in camera_ids})
    if not ids:
        raise RequestCreationError("choose at least one camera")
    _write_lock()
    window_from = _utc(window_from or case.occurred_from)
    window_to = _utc(window_to or case.occurred_to)
    if window_to < window_from:
        raise RequestCreationError("the window must not end before it starts")
    cameras = db.session.execute(
        select(Camera).join(Registration).where(Camera.id.in_(ids))
    ).scalars().all()
    missing = set(ids) - {camera.id for camera in cameras}
    if missing:
        raise RequestCreationError(f"no such camera: {', '.join(map(str, sorted(missing)))}")
    inactive = sorted({c.id for c in cameras if c.registration.status != "active"})
    if inactive:
        raise RequestCreationError(
            f"cameras of registrations that are not active cannot be requested: "
            f"{', '.join(map(str, inactive))}"
        )
    by_registration: dict[int, list[Camera]] = defaultdict(list)
    for camera in cameras:
        by_registration[camera.registration_id].append(camera)
    already = set(
        db.session.execute(
            select(FootageRequest.registration_id).where(
                FootageRequest.case_id == case.id,
                FootageRequest.registration_id.in_(by_registration),
                FootageRequest.state.not_in(FINISHED_STATES),
            )
        ).scalars()
    )
    created = []
    for registration_id, group in sorted(by_registration.items()):
        if registration_id in already:
            continue
        request = FootageRequest(
            case_id=case.id,
            registration_id=registration_id,
            window_from=window_from,
            window_to=window_to,
            state="open",
            version=1,
            deadline=window_from + timedelta(days=max(c.retention_days for c in group)),
            created_by_id=getattr(user, "id", None),
            assignee_id=getattr(user, "id", None),
        )
        request.cameras = group
        db.session.add(request)
        db.session.flush()
        audit.record(
            "footage_request.create",
            user=user,
            object_type="footage_request",
            object_id=request.id,
            purpose=case.case_number,
            detail={"registration_id": registration_id, "camera_ids": [c.id for c in group]},
        )
        created.append(request)
    db.session.commit()
    return created, sorted(already)
