"""Data for the attack tests: one object of every kind, in agency 0."""
from datetime import datetime, timezone

import pytest

from backoffice.extensions import db
from backoffice.models import EvidenceItem
from tests import factories


@pytest.fixture()
def agency0_objects(ctx):
    """A case of agency 0 with a footage request and an evidence item."""
    case = factories.case(0, summary="Agency zero case")
    request = factories.footage_request(case)
    item = EvidenceItem(
        footage_request_id=request.id,
        description="Front door camera copy",
        file_name="front.mp4",
        size_bytes=1234,
        sha256="a" * 64,
        collected_at=datetime.now(timezone.utc),
        storage_location="x/front.mp4",
    )
    db.session.add(item)
    db.session.commit()
    return {"case": case.id, "footage_request": request.id, "evidence_item": item.id}
