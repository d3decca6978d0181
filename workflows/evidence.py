"""Evidence intake (streamed, hashed, stored once, never modified) and the custody log."""
import os
from pathlib import Path
from typing import Any, BinaryIO, Callable

from flask import current_app
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from backoffice import audit, scoping
from backoffice.domain import INTAKE_STATES
from backoffice.errors import ConflictError
from backoffice.evidence_files import (
    IncomingFile,
    evidence_dir,
    evidence_file_name,
    file_sha256,
    store_stream,
    stored_file_name,
)
from backoffice.extensions import db
from backoffice.ids import get_by_id
from backoffice.models import CustodyEvent, EvidenceItem, FootageRequest
from backoffice.localtime import format_instant
from backoffice.models.base import utcnow
from backoffice.security.roles import ACT_AS_INVESTIGATOR

from .errors import InvalidInput, RequestNotFound, TransitionRefused, TriggerForbidden
from .footage_request import load_request
from .transaction import begin_command, command

# `collected` is written by intake itself; the rest are recorded by hand.
MANUAL_CUSTODY_ACTIONS = ("transferred", "checked_out", "checked_in", "released")
MAX_CLOCK_OFFSET_S = 7 * 24 * 3600
MAX_DESCRIPTION = 2000
def _clock_offset(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        seconds = int(str(value).strip())
    except ValueError:
        raise InvalidInput("Recorder clock offset: give a whole number of seconds (+ ahead, - behind).",
                           field="clock_offset_s") from None
    if abs(seconds) > MAX_CLOCK_OFFSET_S:
        raise InvalidInput("Recorder clock offset: more than a week (604,800 s) ahead or behind; "
                           "check the recorder's clock again.", field="clock_offset_s")
    return seconds


def _may_handle_evidence(user) -> bool:
    return current_app.appbuilder.sm.may(user, ACT_AS_INVESTIGATOR)


def check_intake(request_id: int, user, *, via: str = "investigator") -> FootageRequest:
    """The request if this user may add evidence to it now (checked before a file is received)."""
    if via == "owner":  # the caller has checked the owner's signed, single-use link
        request = get_by_id(FootageRequest, request_id)
        if request is None:
            raise RequestNotFound(f"Footage request {request_id} was not found.")
    else:
        request = load_request(request_id, user)
        if not _may_handle_evidence(user):
            raise TriggerForbidden("Only investigators and supervisors may add evidence.")
    if request.state not in INTAKE_STATES:
        raise TransitionRefused(
            f"Evidence is taken in once the owner has consented; this request is "
            f"{request.state.replace('_', ' ')}."
        )
    return request


def add_evidence(
    request_id: int,
    user,
    stream: BinaryIO | FileStorage,
    file_name: str | None,
    description: str,
    clock_offset_s=None,
    *,
    via: str = "investigator",
    before_commit: Callable[[EvidenceItem], None] | None = None,
) -> EvidenceItem:
    """Store one collected copy for a consented request; commits. Partial uploads leave nothing."""
    request = check_intake(request_id, user, via=via)
    description = (description or "").strip()
    if not description:
        raise InvalidInput("A description of the footage is required.", field="description")
    if len(description) > MAX_DESCRIPTION:  # it is printed on receipts and custody reports
        raise InvalidInput(
            f"The description is longer than {MAX_DESCRIPTION:,} characters; shorten it.", field="description"
        )
    display_name = evidence_file_name(file_name)
    offset = _clock_offset(clock_offset_s)

    folder = evidence_dir() / str(request.id)
    folder.mkdir(parents=True, exist_ok=True)
    source: Any = getattr(stream, "stream", stream)  # a werkzeug FileStorage or a raw stream
    # A multipart upload arrived hashed (its parser discards it); a raw stream is copied here.
    incoming = source if isinstance(source, IncomingFile) else store_stream(source)
    temp, size, sha256 = incoming.finish()
    final = None
    try:
        begin_command()  # the file is in; now queue for the write
        request = check_intake(request_id, user, via=via)
        if size == 0:
            raise InvalidInput("The file is empty.", field="file")
        storage = f"{request.id}/{stored_file_name(display_name)}"
        final = evidence_dir() / storage
        os.replace(temp, final)
        os.chmod(final, 0o440)  # never modified after intake
        now = utcnow()
        item = EvidenceItem(
            footage_request_id=request.id,
            description=description,
            file_name=display_name,
            size_bytes=size,
            sha256=sha256,
            collected_by_id=getattr(user, "id", None),
            collected_at=now,
            storage_location=storage,
            clock_offset_s=offset,
        )
        db.session.add(item)
        db.session.flush()
        db.session.add(
            CustodyEvent(
                evidence_item_id=item.id,
                action="collected",
                actor_id=getattr(user, "id", None),
                at=now,
                note="uploaded by the owner" if via == "owner" else None,
            )
        )
        audit.record(
            "evidence_item.collect",
            user=user,
            object_type="evidence_item",
            object_id=item.id,
            purpose=request.case.case_number,
            detail={"footage_request_id": request.id, "sha256": sha256, "size": size, "via": via},
        )
        if before_commit is not None:
            before_commit(item)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        temp.unlink(missing_ok=True)
        if final is not None:
            final.unlink(missing_ok=True)
        raise
    finally:
        if incoming is not source:
            incoming.discard()
    return item


def load_item(item_id: int, user) -> EvidenceItem:
    """An evidence item of the user's agency, else RequestNotFound."""
    return scoping.scoped_get(EvidenceItem, item_id, user,
                              lambda: RequestNotFound(f"Evidence item {item_id} was not found."))


def record_custody(
    item_id: int, user, action: str | None, note: str | None, to: str | None = None
) -> CustodyEvent:
    """Add a custody entry (who = user, when = now, why = note); commits."""
    with command():
        item = load_item(item_id, user)
        if not _may_handle_evidence(user):
            raise TriggerForbidden("Only investigators and supervisors may record custody.")
        if action not in MANUAL_CUSTODY_ACTIONS:
            raise InvalidInput(f"action must be one of: {', '.join(MANUAL_CUSTODY_ACTIONS)}.", field="action")
        note = note.strip() if isinstance(note, str) else ""
        if not note:
            raise InvalidInput("Say why (note) for the custody log.", field="note")
        to = to.strip() if isinstance(to, str) else ""
        if action == "transferred":
            if not to:
                raise InvalidInput("A transfer needs the person or unit it goes to: fill in “To whom”.", field="to")
            note = f"to {to}: {note}"
        event = CustodyEvent(evidence_item_id=item.id, action=action, actor_id=user.id, at=utcnow(), note=note)
        db.session.add(event)
        db.session.flush()
        audit.record(
            f"evidence_item.{action}",
            user=user,
            object_type="evidence_item",
            object_id=item.id,
            purpose=item.footage_request.case.case_number,
            detail={"note": note},
        )
    return event


class EvidenceChanged(ConflictError):
    """The stored copy no longer matches the SHA-256 recorded when it was collected."""


def open_evidence_file(item_id: int, user) -> tuple[EvidenceItem, Path]:
    """An item's stored copy, for an investigator or supervisor of its agency to download,
    re-hashed first: a copy that no longer matches its recorded SHA-256 is never handed out.

    Audited with the case number (`evidence_item.download`, or `evidence_item.fixity_failed`
    for a changed copy); commits. RequestNotFound when the item is not the user's agency's or
    its stored copy is missing, TriggerForbidden for other roles, EvidenceChanged (409) when the
    copy changed. The file is hashed outside any transaction, so writers never wait for it.
    """
    with command():
        item = load_item(item_id, user)
        if not _may_handle_evidence(user):
            raise TriggerForbidden("Only investigators and supervisors may download evidence.")
        if item.disposed_at is not None:
            raise RequestNotFound(
                f"Evidence item {item.id} was disposed of on {format_instant(item.disposed_at)} "
                "under the retention policy: its stored copy no longer exists."
            )
        path = evidence_dir() / item.storage_location
        if not path.is_file():
            raise RequestNotFound(
                f"The stored copy of evidence item {item.id} is missing: tell the evidence custodian."
            )
        expected, case_number = item.sha256, item.footage_request.case.case_number
    actual = file_sha256(path)
    with command():
        audit.record(
            "evidence_item.download" if actual == expected else "evidence_item.fixity_failed",
            user=user,
            object_type="evidence_item",
            object_id=item_id,
            purpose=case_number,
            detail={"sha256": expected} if actual == expected else {"sha256": expected, "found": actual},
        )
    if actual != expected:
        raise EvidenceChanged(
            f"The stored copy of evidence item {item_id} no longer matches the SHA-256 fingerprint "
            "recorded when it was collected, so it is not handed out: tell the evidence custodian."
        )
    return db.session.get(EvidenceItem, item_id), path


def custody_log(item: EvidenceItem) -> list[CustodyEvent]:
    """An item's custody entries in order."""
    return list(
        db.session.scalars(
            select(CustodyEvent)
            .where(CustodyEvent.evidence_item_id == item.id)
            .order_by(CustodyEvent.at, CustodyEvent.id)
        )
    )
