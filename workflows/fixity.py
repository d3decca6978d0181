"""Evidence fixity: stored copies re-hashed against their recorded SHA-256 (the sweep of
partial uploads is backoffice.evidence_files.remove_partial_uploads)."""
from typing import Iterator

from sqlalchemy import select

from backoffice.evidence_files import file_sha256, stored_path
from backoffice.extensions import db
from backoffice.models import EvidenceItem


def verify_evidence() -> Iterator[tuple[EvidenceItem, str]]:
    """(item, problem) for every evidence item whose stored copy is missing or changed (items
    disposed of under the retention policy have none, on purpose)."""
    for item in db.session.scalars(
        select(EvidenceItem).where(EvidenceItem.disposed_at.is_(None)).order_by(EvidenceItem.id)
    ):
        path = stored_path(item.storage_location)
        if not path.is_file():
            yield item, "missing"
        elif file_sha256(path) != item.sha256:
            yield item, "changed"
