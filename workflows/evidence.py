"""Evidence intake (streamed, hashed, stored once, never modified) and the custody log."""
import fcntl
import hashlib
import os
import re
import unicodedata
import uuid
from pathlib import Path
from typing import BinaryIO, Callable

from flask import current_app
from sqlalchemy import select

from backoffice import audit, scoping
from backoffice.errors import ConflictError
from backoffice.extensions import db
from backoffice.ids import get_by_id
from backoffice.models import CustodyEvent, EvidenceItem, FootageRequest
from backoffice.models.base import utcnow

from .documents import file_sha256
from .errors import InvalidInput, RequestNotFound, TransitionRefused, TriggerForbidden
from .footage_request import is_county_wide, load_request, role_names
from .machine import ACTING_ROLES, INVESTIGATOR, State
from .transaction import begin_command, command

CHUNK = 1024 * 1024
INTAKE_STATES = (State.consented.value,)
# `collected` is written by intake itself; the rest are recorded by hand.
MANUAL_CUSTODY_ACTIONS = ("transferred", "checked_out", "checked_in", "released")
MAX_CLOCK_OFFSET_S = 7 * 24 * 3600
MAX_DESCRIPTION = 2000
# A file name as given is kept for display, receipts and downloads, within what file systems
# take (255 bytes) with room for a browser's " (1)"; the stored copy has a generated name.
MAX_FILE_NAME_BYTES = 240
FALLBACK_STEM = "footage"
SHORTENED = "…"
_PATH_SEPARATORS = re.compile(r"[/\\]+")
# Bidirectional embeddings, overrides and isolates: they can make "gpj.exe" look like "exe.jpg".
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Marks that belong to the character before them: never left dangling at a cut.
_JOINERS = frozenset("\u200c\u200d")


def _kept_character(char: str) -> bool:
    category = unicodedata.category(char)
    return category not in ("Cc", "Cs") and char not in _BIDI_CONTROLS


def _split_extension(name: str) -> tuple[str, str]:
    """(stem, ".ext") when the name ends in a short extension without spaces, else (name, "")."""
    stem, dot, extension = name.rpartition(".")
    if dot and 1 <= len(extension) <= 16 and extension.isalnum():
        return stem, f".{extension}"
    return name, ""


def _cut(text: str, max_bytes: int) -> str:
    """text shortened to at most max_bytes of UTF-8, not ending in a dangling mark or joiner."""
    text = text.encode("utf-8")[:max_bytes].decode("utf-8", "ignore")
    while text and (unicodedata.combining(text[-1]) or text[-1] in _JOINERS
                    or unicodedata.category(text[-1]) in ("Mn", "Mc", "Me")
                    or "\ufe00" <= text[-1] <= "\ufe0f"):
        text = text[:-1]
    return text.rstrip(" .")


def evidence_file_name(given: str | None) -> str:
    """The name an officer or owner gave an evidence file, fit to show and to offer on download.

    Any script and any length come in; out comes Unicode NFC text without control characters,
    unpaired surrogates or bidirectional overrides, without a path (only its last part is
    kept, so no / or \\), whitespace runs as one space, at most MAX_FILE_NAME_BYTES of UTF-8
    (shortened with "…" before its extension, which is kept), never empty ("footage").
    """
    text = "".join(" " if c.isspace() else c for c in (given or "") if _kept_character(c) or c.isspace())
    text = unicodedata.normalize("NFC", text)
    parts = [part for part in _PATH_SEPARATORS.split(text) if part.strip(" .")]
    text = " ".join(parts[-1].split()) if parts else ""
    stem, extension = _split_extension(text)
    stem = stem.strip(" .") or FALLBACK_STEM
    if len((stem + extension).encode("utf-8")) > MAX_FILE_NAME_BYTES:
        budget = MAX_FILE_NAME_BYTES - len((SHORTENED + extension).encode("utf-8"))
        stem = (_cut(stem, budget) or FALLBACK_STEM) + SHORTENED
    return stem + extension


def stored_file_name(display_name: str) -> str:
    """A generated name for the stored copy, with the display name's extension when it is
    plain ASCII (e.g. `3f2a…9c.mp4`): any name a person gave stays out of the file system."""
    _, extension = _split_extension(display_name)
    if not (extension.isascii() and len(extension) <= 11):
        extension = ""
    return f"{uuid.uuid4().hex}{extension.lower()}"


def evidence_dir() -> Path:
    """EVIDENCE_DIR, created on first use."""
    path = Path(current_app.config["EVIDENCE_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


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


def incoming_dir() -> Path:
    """Where uploads land while they arrive (same file system as their final place)."""
    return evidence_dir() / ".incoming"


class IncomingFile:
    """A write-once temporary file in `.incoming/` that hashes what is written to it.

    The writer holds an exclusive lock (flock) on the file from creation until it is discarded
    or handed over, so a sweep can tell a live upload from one whose process died: the kernel
    drops the lock with the process (workflows/fixity.py).
    """

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{uuid.uuid4().hex}.part"
        self._file = self.path.open("xb+")
        fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._digest = hashlib.sha256()
        self.size = 0
        self.kept = False

    def write(self, data: bytes) -> int:
        self._digest.update(data)
        self.size += len(data)
        return self._file.write(data)

    def seek(self, *args) -> int:
        return self._file.seek(*args)

    def tell(self) -> int:
        return self._file.tell()

    def read(self, *args) -> bytes:
        return self._file.read(*args)

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        """Werkzeug closes a part when it ends; the lock is kept until discard()."""
        self._file.flush()

    @property
    def closed(self) -> bool:
        return self._file.closed

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    def finish(self) -> tuple[Path, int, str]:
        """Flush to disk and hand the file over: it is no longer discarded, and stays locked
        until discard() so that no sweep takes it before it is moved to its place."""
        self._file.flush()
        os.fsync(self._file.fileno())
        self.kept = True
        return self.path, self.size, self.sha256

    def discard(self) -> None:
        """Close (releasing the lock) and delete, unless handed over."""
        if not self.kept:
            self.path.unlink(missing_ok=True)
        if not self._file.closed:
            self._file.close()


def store_stream(stream: BinaryIO) -> IncomingFile:
    """Copy a stream into a new IncomingFile, one chunk at a time; the caller discards it.

    On any error while copying, the temporary file is removed.
    """
    incoming = IncomingFile(incoming_dir())
    try:
        while chunk := stream.read(CHUNK):
            incoming.write(chunk)
    except BaseException:
        incoming.discard()
        raise
    return incoming


def _may_handle_evidence(user) -> bool:
    return bool(role_names(user) & ACTING_ROLES[INVESTIGATOR])


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
    stream: BinaryIO,
    file_name: str,
    description: str,
    clock_offset_s=None,
    *,
    via: str = "investigator",
    before_commit: Callable[[], None] | None = None,
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
    source = getattr(stream, "stream", stream)  # a werkzeug FileStorage or a raw stream
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
            before_commit()
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
    item = get_by_id(EvidenceItem, item_id)
    if item is None or not (
        is_county_wide(user) or item.footage_request.case.agency_id == getattr(user, "agency_id", None)
    ):
        scoping.refused_read(EvidenceItem, item_id, user)  # audited, still not found
        raise RequestNotFound(f"Evidence item {item_id} was not found.")
    return item


def record_custody(item_id: int, user, action: str, note: str, to: str | None = None) -> CustodyEvent:
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
