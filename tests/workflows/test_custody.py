"""The chain of custody is one module's (workflows.custody); where files are kept is
backoffice.evidence_files' alone."""
import re
from datetime import datetime, timezone
from pathlib import Path

from backoffice.extensions import db
from backoffice.models import CustodyEvent, EvidenceItem
from tests import factories
from tests.workflows.helpers import add_evidence_row, request_in
from workflows import custody
from workflows.documents import custody_data

ROOT = Path(__file__).resolve().parents[2]


def test_entries_at_the_same_instant_keep_the_order_they_were_recorded_in(ctx):
    request = request_in("consented", evidence=False)
    user = factories.user("investigator")
    item = add_evidence_row(request, user)
    at = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
    for action in ("checked_out", "transferred", "checked_in"):
        db.session.add(CustodyEvent(evidence_item_id=item.id, action=action, actor_id=user.id, at=at, note=action))
        db.session.flush()
    db.session.commit()
    db.session.expire_all()
    item = db.session.get(EvidenceItem, item.id)
    recorded = [event.id for event in db.session.query(CustodyEvent).filter_by(evidence_item_id=item.id)
                .order_by(CustodyEvent.at, CustodyEvent.id)]
    assert [event.id for event in custody.chain(item)] == recorded
    assert [event.id for event in item.custody_log] == recorded  # the request page's list
    assert [e["action"] for e in custody_data(item)["events"] if e["action"] != "collected"] == [
        "checked out", "transferred", "checked in"]


# What only backoffice.evidence_files does: name the evidence folder and the paths in it, make a
# kept file read-only.
FILE_KEEPING = re.compile(r"EVIDENCE_DIR|evidence_dir\(|chmod")


def test_no_workflow_or_report_keeps_files_of_its_own():
    found = [f"{path.relative_to(ROOT)}:{number}"
             for folder in ("workflows", "reports")
             for path in sorted((ROOT / folder).rglob("*.py"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if FILE_KEEPING.search(line)]
    assert found == []
