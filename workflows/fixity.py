"""Evidence fixity: stored copies re-hashed against their recorded SHA-256 (the sweep of
partial uploads is backoffice.evidence_files.remove_partial_uploads)."""
from pathlib import Path
from typing import Iterator

from sqlalchemy import select

from backoffice.evidence_files import file_sha256
from backoffice.extensions import db
from backoffice.models import EvidenceItem


def verify_evidence(folder: Path) -> Iterator[tuple[EvidenceItem, str]]:
    """(item, problem) for every evidence item whose stored copy is missing or changed (items
    disposed of under the retention policy have none, on purpose)."""
    for item in db.session.scalars(
        select(EvidenceItem).where(EvidenceItem.disposed_at.is_(None)).order_by(EvidenceItem.id)
    ):
        path = folder / item.storage_location
        if not path.is_file():
            yield item, "missing"
        elif file_sha256(path) != item.sha256:
            yield item, "changed"
