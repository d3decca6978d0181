"""Evidence files on disk: the names they are shown by, where they are kept (stored copies
and issued receipts, read-only once kept), how an upload lands while it arrives (hashed as it
is written, locked until handed over) and how a stored copy is re-hashed. No database and no
workflow here: the web layer (backoffice.uploads), the evidence commands (workflows.evidence,
workflows.fixity), the receipts (workflows.effects) and the verification page
(workflows.documents) all build on it; none of them makes a path of its own.
"""
import fcntl
import hashlib
import os
import time
import re
import unicodedata
import uuid
from pathlib import Path
from typing import BinaryIO, Iterator

from flask import current_app

CHUNK = 1024 * 1024  # bytes read or hashed at a time: memory stays flat for any file size
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


# WHATWG HTML, "multipart/form-data encoding algorithm": a browser (and urllib3, after it) sends
# a line feed, a carriage return and a double quote in a file's name as %0A, %0D and %22.
_FORM_ESCAPES = re.compile("%(0A|0D|22)", re.IGNORECASE)
_FORM_ESCAPED = {"0A": "\n", "0D": "\r", "22": '"'}


def sent_file_name(sent: str) -> str:
    """The file name a person chose, from the name their browser sent in a multipart form:
    "porch%0Aclip%22.mp4" is "porch\nclip\".mp4" (then made fit to show by evidence_file_name)."""
    return _FORM_ESCAPES.sub(lambda match: _FORM_ESCAPED[match.group(1).upper()], sent)


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


def new_storage_location(request_id: int, display_name: str) -> str:
    """Where a new copy for a request will be kept, relative to EVIDENCE_DIR (what an evidence
    item records): the request's folder and a generated name."""
    return f"{request_id}/{stored_file_name(display_name)}"


def stored_path(storage_location: str) -> Path:
    """The file an evidence item's storage location names."""
    return evidence_dir() / storage_location


def keep(temp: Path, final: Path) -> None:
    """Move a finished file to its place (same file system: one rename) and make it read-only:
    a kept copy is never modified."""
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(temp, final)
    os.chmod(final, 0o440)


def keep_bytes(final: Path, data: bytes) -> None:
    """Write a document once, read-only, whole or not at all (written beside it, then renamed)."""
    final.parent.mkdir(parents=True, exist_ok=True)
    temp = final.with_suffix(".part")
    temp.write_bytes(data)
    os.chmod(temp, 0o440)
    os.replace(temp, final)


def receipt_path(request_id: int, issued_at) -> Path:
    """Where the receipt issued for a request at `issued_at` is kept (one file per issue)."""
    return evidence_dir() / "receipts" / f"request-{request_id}-{issued_at:%Y%m%dT%H%M%S%f}.pdf"


def incoming_dir() -> Path:
    """Where uploads land while they arrive (same file system as their final place)."""
    return evidence_dir() / ".incoming"


class IncomingFile:
    """A write-once temporary file in `.incoming/` that hashes what is written to it.

    The writer holds an exclusive lock (flock) on the file from creation until it is discarded
    or handed over, so a sweep can tell a live upload from one whose process died: the kernel
    drops the lock with the process (remove_partial_uploads).
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


def file_sha256(path: Path) -> str:
    """SHA-256 of a file as 64 hex digits, read one buffer at a time (memory stays flat)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def partial_uploads(folder: Path) -> Iterator[Path]:
    """Files written while an upload arrives: `.incoming/*.part` and `<request>/.incoming-*`."""
    if not folder.is_dir():
        return
    yield from (folder / ".incoming").glob("*.part")
    yield from folder.glob("*/.incoming-*")


def _unlocked(path: Path) -> bool:
    """True when no process holds the writer's lock on the file (its upload is dead)."""
    try:
        with path.open("rb") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True
    except FileNotFoundError:
        return False


def remove_partial_uploads(folder: Path, older_than_s: float = 0) -> list[Path]:
    """Delete partial uploads that no live process is writing (and last written more than
    older_than_s ago); returns what was removed.

    A writer holds an flock on its file until the upload is stored or dropped, and the kernel
    releases it when the process dies, so an upload still arriving in another worker is kept
    and one cut off by a killed worker is removed at once.
    """
    cutoff = time.time() - older_than_s
    removed = []
    for path in partial_uploads(folder):
        try:
            if path.is_file() and path.stat().st_mtime <= cutoff and _unlocked(path):
                path.unlink()
                removed.append(path)
        except FileNotFoundError:  # finished or removed by another worker meanwhile
            continue
    return removed
