"""Evidence intake (streamed, hashed, stored once, never modified) and handing a stored copy
out. Where and how the files are kept is backoffice.evidence_files; the chain of custody is
workflows.custody."""
from pathlib import Path
from typing import Any, BinaryIO, Callable

from werkzeug.datastructures import FileStorage

from backoffice import audit
from backoffice.domain import INTAKE_STATES
from backoffice.errors import ConflictError
from backoffice.evidence_files import (
    IncomingFile,
    evidence_file_name,
    file_sha256,
    keep,
    new_storage_location,
    store_stream,
    stored_path,
)
from backoffice.extensions import db
from backoffice.ids import get_by_id
from backoffice.localtime import format_instant, utcnow
from backoffice.models import EvidenceItem, FootageRequest
from backoffice.security import security_manager
from backoffice.security.roles import ACT_AS_INVESTIGATOR

from .errors import InvalidInput, RequestNotFound, TransitionRefused, TriggerForbidden
from .custody import load_item, record_collected
from .footage_request import load_request
from .transaction import begin_command, command

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
    return security_manager().may(user, ACT_AS_INVESTIGATOR)


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
        storage = new_storage_location(request.id, display_name)
        final = stored_path(storage)
        keep(temp, final)
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
        record_collected(item, user, now, via=via)
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
        path = stored_path(item.storage_location)
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
