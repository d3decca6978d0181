"""Evidence fixity: stored copies re-hashed against their recorded SHA-256; partial uploads swept."""
import hashlib
import time
from pathlib import Path
from typing import Iterator

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import EvidenceItem

from .evidence import CHUNK

# An upload still arriving in another worker keeps writing its file; one untouched for an hour
# is a dropped connection or a killed worker, never a live upload.
PARTIAL_UPLOAD_MAX_AGE_S = 3600


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stored:
        while chunk := stored.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify_evidence(folder: Path) -> Iterator[tuple[EvidenceItem, str]]:
    """(item, problem) for every evidence item whose stored copy is missing or changed."""
    for item in db.session.scalars(select(EvidenceItem).order_by(EvidenceItem.id)):
        path = folder / item.storage_location
        if not path.is_file():
            yield item, "missing"
        elif _sha256(path) != item.sha256:
            yield item, "changed"


def partial_uploads(folder: Path) -> Iterator[Path]:
    """Files written while an upload arrives: `.incoming/*.part` and `<request>/.incoming-*`."""
    if not folder.is_dir():
        return
    yield from (folder / ".incoming").glob("*.part")
    yield from folder.glob("*/.incoming-*")


def remove_partial_uploads(folder: Path, older_than_s: float = PARTIAL_UPLOAD_MAX_AGE_S) -> list[Path]:
    """Delete partial uploads last written more than older_than_s ago; returns what was removed."""
    cutoff = time.time() - older_than_s
    removed = []
    for path in partial_uploads(folder):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed.append(path)
        except FileNotFoundError:  # finished or removed by another worker meanwhile
            continue
    return removed
