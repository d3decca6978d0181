"""A stored copy that no longer matches the SHA-256 recorded at collection is never handed out:
the download is refused, audited as a fixity failure, and the failure shows to auditors."""
import os
from pathlib import Path

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import AuditEvent
from tests import factories
from tests.auth import api_token, login
from tests.workflows.helpers import request_in
from workflows import evidence as evidence_cmd


def _stored(ctx, content=b"frames" * 50):
    import io

    request = request_in("consented", evidence=False)
    item = evidence_cmd.add_evidence(request.id, factories.user("investigator"), io.BytesIO(content),
                                     "lobby.mp4", "lobby camera")
    return item, Path(ctx.config["EVIDENCE_DIR"]) / item.storage_location


def _tamper(path: Path) -> None:
    os.chmod(path, 0o640)
    with path.open("ab") as stored:
        stored.write(b"tampered")


def test_a_matching_copy_downloads_and_a_changed_one_is_refused(ctx, client):
    item, path = _stored(ctx)
    headers = api_token(client, "investigator")
    assert client.get(f"/api/v1/evidence_item/{item.id}/file", headers=headers).status_code == 200
    _tamper(path)
    response = client.get(f"/api/v1/evidence_item/{item.id}/file", headers=headers)
    assert response.status_code == 409
    assert "no longer matches the SHA-256" in response.json["message"]
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "evidence_item.fixity_failed", AuditEvent.object_id == item.id)
        .order_by(AuditEvent.id.desc())).first()
    assert event is not None and event.username == "investigator"


def test_the_screen_download_of_a_changed_copy_says_why(ctx, client):
    item, path = _stored(ctx)
    _tamper(path)
    login(client, "investigator")
    response = client.get(f"/footage/evidence/{item.id}/file")
    assert response.status_code == 409
    assert "no longer matches the SHA-256" in response.get_data(as_text=True)


def test_a_failed_scheduled_check_is_on_the_auditors_home_page(ctx, client):
    from backoffice.localtime import utcnow
    from backoffice.models import JobRun

    db.session.add(JobRun(job="evidence-verify", slot="2099-W01", started_at=utcnow(), finished_at=utcnow(),
                          exit_code=1, output="item 7: changed\nError: 1 of 3 evidence file(s) missing or changed"))
    db.session.commit()
    login(client, "auditor")
    html = client.get("/").get_data(as_text=True)
    assert "Scheduled checks" in html
    assert "Evidence fixity check failed: Error: 1 of 3 evidence file(s) missing or changed" in html
