"""Evidence fixity: stored copies re-hashed against their recorded SHA-256; partial uploads swept."""
import fcntl
import time
from pathlib import Path
from typing import Iterator

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import EvidenceItem

from .documents import file_sha256

def verify_evidence(folder: Path) -> Iterator[tuple[EvidenceItem, str]]:
    """(item, problem) for every evidence item whose stored copy is missing or changed."""
    for item in db.session.scalars(select(EvidenceItem).order_by(EvidenceItem.id)):
        path = folder / item.storage_location
        if not path.is_file():
            yield item, "missing"
        elif file_sha256(path) != item.sha256:
            yield item, "changed"


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
