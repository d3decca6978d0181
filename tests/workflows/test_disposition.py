"""Evidence retention and disposition: what is due (closed requests, retention past, no legal
hold), legal holds, and disposal — the stored copy deleted, the record, custody entry and audit
event kept, all or nothing, by supervisors of the agency only; the owner's receipt link says so."""
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.localtime import utcnow
from backoffice.models import AuditEvent, CustodyEvent, EvidenceItem, RequestTransition, RetentionRule
from tests import factories
from tests.auth import csrf_token, login
from tests.workflows.helpers import add_evidence_row
from workflows import disposition
from workflows.documents import verification
from workflows.errors import InvalidInput, RequestNotFound, TriggerForbidden
from workflows.evidence import open_evidence_file
from workflows.fixity import verify_evidence

YEARS_AGO = utcnow() - timedelta(days=4 * 365)

# Audit events stay in the log after each test (other tests' events share object numbers):
# each test looks only at the events written since it started.
STARTED = [utcnow()]


@pytest.fixture(autouse=True)
def _started():
    STARTED[0] = utcnow() - timedelta(seconds=1)



def closed_case_item(ctx, *, agency_index: int = 0, incident: str = "burglary", closed_at=YEARS_AGO,
                     state: str = "closed", content: bytes = b"old footage"):
    """A case whose one request was closed at `closed_at`, with an evidence item stored on disk."""
    inv = factories.user("investigator" if agency_index == 0 else "investigator2")
    case = factories.case(agency_index, incident_type=incident)
    request = factories.footage_request(case, state=state, assignee_id=inv.id)
    db.session.add(RequestTransition(footage_request_id=request.id, from_state="collected",
                                     to_state=state, trigger="close", at=closed_at))
    item = add_evidence_row(request, inv, content=content, name=f"cam-{request.id}.mp4")
    path = Path(ctx.config["EVIDENCE_DIR"]) / item.storage_location
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    db.session.commit()
    return case, request, item, path


def test_evidence_of_a_case_closed_past_its_retention_is_due(ctx):
    case, request, item, path = closed_case_item(ctx)
    recent = closed_case_item(ctx, closed_at=utcnow() - timedelta(days=10))
    supervisor = factories.user("supervisor")
    due = [entry.item.id for entry in disposition.disposition_list(supervisor)]
    assert item.id in due and recent[2].id not in due
    entry = next(e for e in disposition.disposition_list(supervisor) if e.item.id == item.id)
    assert entry.retention.days == ctx.config["DEFAULT_RETENTION_DAYS"]
    assert abs(entry.retention.concluded_at - YEARS_AGO) < timedelta(seconds=1)


def test_a_retention_rule_for_the_incident_type_keeps_evidence_longer(ctx):
    db.session.add(RetentionRule(incident_type="Homicide", retain_days=36500, note="no limitation"))
    db.session.commit()
    _, _, item, _ = closed_case_item(ctx, incident="homicide")
    assert item.id not in [e.item.id for e in disposition.disposition_list(factories.user("supervisor"))]
    assert disposition.retention_days("HOMICIDE ") == 36500


def test_an_open_request_or_a_legal_hold_keeps_the_case(ctx):
    case, _, item, _ = closed_case_item(ctx)
    factories.footage_request(case, state="contacted")  # another request of the case still open
    db.session.commit()
    supervisor = factories.user("supervisor")
    assert item.id not in [e.item.id for e in disposition.disposition_list(supervisor)]

    held_case, _, held_item, _ = closed_case_item(ctx)
    disposition.set_legal_hold(held_case.id, supervisor, True, "civil suit filed")
    assert held_item.id not in [e.item.id for e in disposition.disposition_list(supervisor)]
    with pytest.raises(InvalidInput):
        disposition.dispose([held_item.id], supervisor, "retention over")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.at >= STARTED[0], AuditEvent.action == "case.legal_hold",
                                                        AuditEvent.object_id == held_case.id)).one()
    assert "civil suit filed" in event.detail
    disposition.set_legal_hold(held_case.id, supervisor, False, "suit settled")
    assert held_item.id in [e.item.id for e in disposition.disposition_list(supervisor)]


def test_disposal_deletes_the_copy_and_keeps_the_record(ctx):
    case, request, item, path = closed_case_item(ctx)
    supervisor = factories.user("supervisor")
    assert disposition.dispose([item.id], supervisor, "retention period ended") == [item.id]
    assert not path.exists()
    db.session.expire_all()
    kept = db.session.get(EvidenceItem, item.id)
    assert kept.disposed_at is not None and kept.disposal_reason == "retention period ended"
    assert kept.sha256  # the fingerprint stays
    actions = [c.action for c in db.session.scalars(
        select(CustodyEvent).where(CustodyEvent.evidence_item_id == item.id).order_by(CustodyEvent.id))]
    assert actions == ["collected", "disposed"]
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.at >= STARTED[0], AuditEvent.action == "evidence_item.disposed",
                                                       AuditEvent.object_id == item.id)).one()
    # The owner's receipt link, the download and the nightly fixity check know it is gone.
    assert [r["status"] for r in verification(request.id)] == ["disposed"]
    with pytest.raises(RequestNotFound, match="disposed of"):
        open_evidence_file(item.id, supervisor)
    assert item.id not in [e.item.id for e in disposition.disposition_list(supervisor)]


def _takes_no_folder() -> bool:
    import inspect
    return not inspect.signature(verify_evidence).parameters


def test_fixity_check_skips_disposed_items(ctx):
    _, _, item, _ = closed_case_item(ctx)
    disposition.dispose([item.id], factories.user("supervisor"), "retention period ended")
    folder = Path(ctx.config["EVIDENCE_DIR"])
    found = verify_evidence() if _takes_no_folder() else verify_evidence(folder)
    assert item.id not in [problem_item.id for problem_item, _ in found]


def test_disposal_is_all_or_nothing_and_needs_a_reason_and_a_supervisor(ctx):
    _, _, due_item, due_path = closed_case_item(ctx)
    _, _, young_item, young_path = closed_case_item(ctx, closed_at=utcnow() - timedelta(days=1))
    supervisor = factories.user("supervisor")
    with pytest.raises(InvalidInput, match="not due"):
        disposition.dispose([due_item.id, young_item.id], supervisor, "retention period ended")
    with pytest.raises(InvalidInput, match="why"):
        disposition.dispose([due_item.id], supervisor, "   ")
    with pytest.raises(TriggerForbidden):
        disposition.dispose([due_item.id], factories.user("investigator"), "retention period ended")
    with pytest.raises(RequestNotFound):  # another agency's supervisor: not found
        disposition.dispose([due_item.id], factories.user("supervisor2") if _has("supervisor2")
                            else _other_agency_supervisor(), "retention period ended")
    db.session.expire_all()
    assert due_path.exists() and young_path.exists()
    assert db.session.get(EvidenceItem, due_item.id).disposed_at is None


def _has(username: str) -> bool:
    from backoffice.models import AgencyUser
    return db.session.scalars(select(AgencyUser).where(AgencyUser.username == username)).first() is not None


def _other_agency_supervisor():
    """The second agency's investigator given the Supervisor role for this test."""
    from backoffice.models import AgencyUser
    user = db.session.scalars(select(AgencyUser).where(AgencyUser.username == "investigator2")).one()
    role = db.session.scalars(select(type(user.roles[0])).where(type(user.roles[0]).name == "Supervisor")).one()
    user.roles.append(role)
    db.session.flush()
    return user


def test_screens_list_and_dispose_for_supervisors_only(client, ctx):
    _, request, item, path = closed_case_item(ctx)
    assert login(client, "investigator").status_code == 302
    assert client.get("/footage/disposition/").status_code in (302, 403)
    client.get("/logout/")
    assert login(client, "supervisor").status_code == 302
    page = client.get("/footage/disposition/")
    assert page.status_code == 200 and f'value="{item.id}"' in page.get_data(as_text=True)
    token = csrf_token(client, "/footage/disposition/")
    refused = client.post("/footage/disposition/dispose", data={"csrf_token": token, "items": [str(item.id)],
                                                                "reason": ""})
    assert refused.status_code == 400 and path.exists()
    done = client.post("/footage/disposition/dispose", data={"csrf_token": token, "items": [str(item.id)],
                                                             "reason": "retention period ended"})
    assert done.status_code == 302 and not path.exists()
    no_token = client.post("/footage/disposition/dispose", data={"items": [str(item.id)], "reason": "x"})
    assert no_token.status_code == 400


def test_the_case_page_shows_retention_and_the_hold_form(client, ctx):
    case, _, _, _ = closed_case_item(ctx)
    assert login(client, "supervisor").status_code == 302
    html = client.get(f"/caseview/show/{case.id}").get_data(as_text=True)
    assert "Evidence retention" in html and "Place on legal hold" in html
    token = csrf_token(client, f"/caseview/show/{case.id}")
    for forged in ({}, {"csrf_token": "forged"}):  # CSRFProtect refuses the form before the view
        assert client.post(f"/case/hold/{case.id}", data={**forged, "hold": "1",
                                                          "reason": "appeal pending"}).status_code == 400
    assert "On legal hold" not in client.get(f"/caseview/show/{case.id}").get_data(as_text=True)
    assert client.post(f"/case/hold/{case.id}", data={"csrf_token": token, "hold": "1",
                                                      "reason": "appeal pending"}).status_code == 302
    html = client.get(f"/caseview/show/{case.id}").get_data(as_text=True)
    assert "On legal hold" in html and "appeal pending" in html and "Lift the legal hold" in html
    client.get("/logout/")
    assert login(client, "investigator").status_code == 302
    html = client.get(f"/caseview/show/{case.id}").get_data(as_text=True)
    assert "On legal hold" in html and "Lift the legal hold" not in html
    assert client.post(f"/case/hold/{case.id}", data={"csrf_token": token, "hold": "0",
                                                      "reason": "x"}).status_code in (302, 400, 403)
    db.session.expire_all()
    from backoffice.models import Case
    assert db.session.get(Case, case.id).legal_hold is True


def test_a_package_leaves_out_evidence_disposed_of(ctx, tmp_path):
    from workflows import discovery

    case, request, gone, _ = closed_case_item(ctx)
    supervisor = factories.user("supervisor")
    inv = factories.user("investigator")
    kept = add_evidence_row(request, inv, content=b"still here", name="kept.mp4")
    path = Path(ctx.config["EVIDENCE_DIR"]) / kept.storage_location
    path.write_bytes(b"still here")
    db.session.commit()
    disposition.dispose([gone.id], supervisor, "retention period ended")
    package = discovery.build(case.case_number, supervisor, "DDA Pat Roe", tmp_path / "case.zip")
    assert package.item_ids == [kept.id]
    assert discovery.verify(tmp_path / "case.zip").ok
    import json
    import zipfile
    with zipfile.ZipFile(tmp_path / "case.zip") as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert [entry["evidence_item"] for entry in manifest["disposed_items"]] == [gone.id]
    assert manifest["disposed_items"][0]["reason"] == "retention period ended"


def test_a_one_day_rule_reads_one_day_on_the_list_and_the_case_page(client, ctx):
    db.session.add(RetentionRule(incident_type="vandalism", retain_days=1))
    db.session.commit()
    case, _, item, _ = closed_case_item(ctx, incident="vandalism")
    assert login(client, "supervisor").status_code == 302
    listing = client.get("/footage/disposition/").get_data(as_text=True)
    assert f'value="{item.id}"' in listing
    assert "1 day<" in listing and "1 days" not in listing
    page = client.get(f"/caseview/show/{case.id}").get_data(as_text=True)
    assert "kept 1 day after" in page and "1 days" not in page


def test_a_second_rule_for_the_same_incident_type_is_refused_on_the_form(client, ctx):
    db.session.add(RetentionRule(incident_type="arson", retain_days=3650))
    db.session.commit()
    assert login(client, "admin").status_code == 302
    token = csrf_token(client, "/retentionruleview/add")
    answer = client.post("/retentionruleview/add", data={
        "csrf_token": token, "incident_type": " Arson ", "retain_days": "30", "note": "typed again"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200, answer.headers.get("Location")
    assert "already has a retention rule" in html and "typed again" in html
    db.session.expire_all()
    assert db.session.get(RetentionRule, "arson").retain_days == 3650
