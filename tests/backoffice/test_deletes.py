"""Records are not destroyed: only Admin deletes cases, footage requests and evidence, always with
a written reason; every delete, from any path, leaves an audit event."""
import json
from datetime import date, datetime, timezone

import pytest
from flask_appbuilder.security.sqla.models import Role
from sqlalchemy import delete, func, select

from backoffice.extensions import db
from backoffice.models import AgencyUser, AuditEvent, Camera, Case, EvidenceItem, FootageRequest, Owner, Registration
from backoffice.portal.records import lifecycle_of
from backoffice.portal.services import remove_personal_data
from tests import factories
from tests.auth import api_token, csrf_token, login

MODELS = {"case": Case, "footage_request": FootageRequest, "evidence_item": EvidenceItem}


def _evidence_without_custody(request, path=None) -> EvidenceItem:
    """An evidence item row with no custody entries yet (so the database lets it go)."""
    item = EvidenceItem(footage_request_id=request.id, description="door camera", file_name="cam.mp4",
                        size_bytes=7, sha256="0" * 64, storage_location=str(path or "x/cam.mp4"))
    db.session.add(item)
    db.session.flush()
    return item


def _records() -> dict[str, int]:
    """A case (with nothing attached), a request and an evidence item, each deletable by itself."""
    case = factories.case(0)
    request = factories.footage_request(factories.case(0))
    item = _evidence_without_custody(factories.footage_request(factories.case(0)))
    db.session.commit()
    return {"case": case.id, "footage_request": request.id, "evidence_item": item.id}


def _exists(kind: str, pk: int) -> bool:
    db.session.expire_all()
    return db.session.get(MODELS[kind], pk) is not None


@pytest.fixture(autouse=True)
def _events_from_here(ctx):
    """Count only this test's events: rows other tests removed leave events whose ids come back."""
    global _FIRST_EVENT
    _FIRST_EVENT = (db.session.scalar(select(func.max(AuditEvent.id))) or 0) + 1


_FIRST_EVENT = 0


def _delete_events(action: str, pk: int) -> list[dict]:
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action,
                                                       AuditEvent.object_id == pk,
                                                       AuditEvent.id >= _FIRST_EVENT)).all()
    return [json.loads(row.detail or "{}") | {"username": row.username} for row in rows]


@pytest.mark.parametrize("username", ["staff", "investigator", "supervisor", "auditor"])
@pytest.mark.parametrize("kind", list(MODELS))
def test_only_admin_deletes_through_the_api(client, username, kind):
    pk = _records()[kind]
    headers = api_token(client, username)

    response = client.delete(f"/api/v1/{kind}/{pk}?reason=tidying%20up%20test%20data", headers=headers)

    assert response.status_code in (403, 404, 405), response.json
    assert _exists(kind, pk)
    assert _delete_events(f"{kind}.deleted", pk) == []


@pytest.mark.parametrize("username", ["staff", "investigator", "supervisor", "auditor"])
@pytest.mark.parametrize("url", ["/caseview/delete/{case}", "/footagerequestview/delete/{footage_request}"])
def test_only_admin_deletes_on_the_screens(client, username, url):
    pks = _records()
    login(client, username)
    token = csrf_token(client, "/users/userinfo/")

    response = client.post(url.format(**pks), data={"csrf_token": token, "reason": "tidying up test data"})

    assert response.status_code in (302, 403, 404, 405)
    assert _exists("case", pks["case"]) and _exists("footage_request", pks["footage_request"])


@pytest.mark.parametrize("kind", list(MODELS))
def test_admin_deletes_through_the_api_with_a_reason_and_it_is_audited(client, kind):
    pk = _records()[kind]
    headers = api_token(client, "admin")

    response = client.delete(f"/api/v1/{kind}/{pk}", headers=headers, json={"reason": "entered twice"})

    assert response.status_code == 200, response.json
    assert not _exists(kind, pk)
    assert _delete_events(f"{kind}.deleted", pk) == [
        pytest.approx({**_delete_events(f"{kind}.deleted", pk)[0], "reason": "entered twice", "username": "admin"})
    ]


@pytest.mark.parametrize("query", ["", "?reason=", "?reason=%20%20", "?reason=x", "?reason=dup"])
def test_an_api_delete_without_a_reason_is_refused_and_changes_nothing(client, query):
    pk = _records()["case"]
    headers = api_token(client, "admin")

    response = client.delete(f"/api/v1/case/{pk}{query}", headers=headers)

    assert response.status_code == 400
    assert response.json["field"] == "reason"
    assert "reason" in response.json["message"]
    assert _exists("case", pk)
    assert _delete_events("case.deleted", pk) == []


def test_a_delete_the_database_refuses_changes_nothing_and_writes_no_event(client):
    request = factories.footage_request(factories.case(0))  # the case still has its request
    db.session.commit()
    headers = api_token(client, "admin")

    response = client.delete(f"/api/v1/case/{request.case_id}?reason=opened%20by%20mistake", headers=headers)

    assert response.status_code == 422
    assert "Traceback" not in response.get_data(as_text=True)
    assert _exists("case", request.case_id) and _exists("footage_request", request.id)
    assert _delete_events("case.deleted", request.case_id) == []


def test_admin_deletes_a_case_on_its_screen_after_giving_a_reason(client):
    pk = _records()["case"]
    login(client, "admin")

    page = client.get(f"/caseview/delete/{pk}").get_data(as_text=True)
    assert "Why delete it" in page
    token = csrf_token(client, f"/caseview/delete/{pk}")
    refused = client.post(f"/caseview/delete/{pk}", data={"csrf_token": token, "reason": "  "})
    assert refused.status_code == 400
    assert "Say why" in refused.get_data(as_text=True)
    assert _exists("case", pk)

    done = client.post(f"/caseview/delete/{pk}", data={"csrf_token": token, "reason": "opened by mistake"})

    assert done.status_code == 302
    assert not _exists("case", pk)
    assert [e["reason"] for e in _delete_events("case.deleted", pk)] == ["opened by mistake"]


def test_a_refused_screen_delete_keeps_the_reason_typed(client):
    request = factories.footage_request(factories.case(0))
    db.session.commit()
    login(client, "admin")
    token = csrf_token(client, f"/caseview/delete/{request.case_id}")

    response = client.post(f"/caseview/delete/{request.case_id}",
                           data={"csrf_token": token, "reason": "duplicate of 2026-1"})

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "duplicate of 2026-1</textarea>" in page
    assert "Not saved" in page
    assert _exists("case", request.case_id)


def test_staff_withdraw_registrations_and_owners_rather_than_delete_them(client):
    reg = factories.registration()
    db.session.commit()
    headers = api_token(client, "staff")
    assert client.delete(f"/api/v1/registration/{reg.id}?reason=no%20longer%20needed", headers=headers).status_code == 403
    assert client.delete(f"/api/v1/owner/{reg.owner_id}?reason=no%20longer%20needed", headers=headers).status_code == 403
    login(client, "staff")
    token = csrf_token(client, "/users/userinfo/")
    for url in (f"/registrationview/delete/{reg.id}", f"/ownerview/delete/{reg.owner_id}"):
        assert client.post(url, data={"csrf_token": token, "reason": "no longer needed"}).status_code in (302, 403)
    db.session.expire_all()
    assert db.session.get(Registration, reg.id) is not None and db.session.get(Owner, reg.owner_id) is not None


def test_staff_remove_a_camera_with_a_reason_and_it_is_audited(client):
    reg = factories.registration(cameras=2)
    camera_id = reg.cameras[0].id
    db.session.commit()
    headers = api_token(client, "staff")

    assert client.delete(f"/api/v1/camera/{camera_id}", headers=headers).status_code == 400
    response = client.delete(f"/api/v1/camera/{camera_id}?reason=owner took it down", headers=headers)

    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Camera, camera_id) is None
    assert [(e["reason"], e["username"]) for e in _delete_events("camera.deleted", camera_id)] == [
        ("owner took it down", "staff")]


def test_every_delete_path_leaves_an_event(client):
    """Screen, API, a service (no request) and a bulk statement: one mechanism audits them all."""
    pks = _records()
    login(client, "admin")
    token = csrf_token(client, f"/caseview/delete/{pks['case']}")
    client.post(f"/caseview/delete/{pks['case']}", data={"csrf_token": token, "reason": "removed on the screen"})
    client.get("/logout/")
    client.delete(f"/api/v1/footage_request/{pks['footage_request']}?reason=removed%20through%20the%20api",
                  headers=api_token(client, "admin"))
    reg = factories.registration(cameras=1)
    camera_id, owner_id = reg.cameras[0].id, reg.owner_id
    assert remove_personal_data(reg) == "deleted"  # the portal's withdrawal: owner, premises, camera
    db.session.commit()
    spare = factories.registration(cameras=2)
    db.session.execute(delete(Camera).where(Camera.registration_id == spare.id))
    db.session.commit()

    assert [e["reason"] for e in _delete_events("case.deleted", pks["case"])] == ["removed on the screen"]
    assert [e["reason"] for e in _delete_events("footage_request.deleted", pks["footage_request"])] == ["removed through the api"]
    assert _delete_events("owner.deleted", owner_id) and _delete_events("camera.deleted", camera_id)
    bulk = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "camera.deleted",
                                                       AuditEvent.object_id.is_(None),
                                                       AuditEvent.id >= _FIRST_EVENT)
                              .order_by(AuditEvent.id)).all()
    assert [json.loads(e.detail)["rows"] for e in bulk][-1:] == [2]


def test_deleting_an_evidence_record_keeps_the_stored_file(client, app, tmp_path):
    stored = tmp_path / "kept.mp4"
    stored.write_bytes(b"footage")
    item = _evidence_without_custody(factories.footage_request(factories.case(0)), stored)
    db.session.commit()

    response = client.delete(f"/api/v1/evidence_item/{item.id}?reason=wrong request",
                             headers=api_token(client, "admin"))

    assert response.status_code == 200
    assert stored.read_bytes() == b"footage"
    assert [e["storage_location"] for e in _delete_events("evidence_item.deleted", item.id)] == [str(stored)]


def test_the_list_buttons_delete_asks_for_the_reason_first(client):
    pk = _records()["case"]
    login(client, "admin")
    token = csrf_token(client, "/caseview/list/")

    asked = client.post(f"/caseview/delete/{pk}", data={"csrf_token": token})  # FAB's bin icon posts this

    assert asked.status_code == 200 and "Why delete it" in asked.get_data(as_text=True)
    assert _exists("case", pk)


def test_staff_remove_a_camera_on_its_screen_with_a_reason(client):
    reg = factories.registration(cameras=2)
    camera_id = reg.cameras[0].id
    db.session.commit()
    login(client, "staff")
    token = csrf_token(client, f"/cameraview/delete/{camera_id}")

    done = client.post(f"/cameraview/delete/{camera_id}", data={"csrf_token": token, "reason": "Taken down by the owner"})

    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Camera, camera_id) is None
    assert [(e["reason"], e["username"]) for e in _delete_events("camera.deleted", camera_id)] == [("Taken down by the owner", "staff")]


def test_an_admin_deletes_a_user_with_a_reason(client):
    def make():
        user = AgencyUser(first_name="Temp", last_name="User", username="temp.delete.me",
                          email="temp.delete.me@kern-sheriff.example.org", active=True,
                          agency_id=factories.agency(0).id)
        db.session.add(user)
        db.session.commit()
        return user.id
    user_id = make()
    login(client, "admin")
    token = csrf_token(client, f"/users/delete/{user_id}")

    refused = client.post(f"/users/delete/{user_id}", data={"csrf_token": token, "reason": ""})
    done = client.post(f"/users/delete/{user_id}", data={"csrf_token": token, "reason": "Left the agency"})

    assert refused.status_code == 400 and done.status_code == 302
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user_deleted",
                                                         AuditEvent.object_id == user_id)).all()
    assert [json.loads(e.detail)["reason"] for e in events] == ["Left the agency"]
    assert [json.loads(e.detail)["username"] for e in events] == ["temp.delete.me"]


def test_a_command_that_deletes_leaves_an_event(runner):
    """`flask registry lapse` purges a long-lapsed registration: its owner's deletion is audited."""
    reg = factories.registration(status="lapsed", next_confirmation_due=date(2025, 1, 1))
    lifecycle_of(reg).lapsed_at = datetime(2025, 1, 1, tzinfo=timezone.utc)
    owner_id = reg.owner_id
    db.session.commit()

    result = runner.invoke(args=["registry", "lapse", "--today", "2027-06-01"])

    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(Owner, owner_id) is None
    assert len(_delete_events("owner.deleted", owner_id)) == 1


def test_an_admin_deletes_a_role_with_a_reason_and_one_in_use_is_refused_keeping_it(client):
    spare = Role(name="Temp delete role")
    db.session.add(spare)
    db.session.commit()
    used = db.session.scalars(select(Role).where(Role.name == "Investigator")).one()
    login(client, "admin")
    token = csrf_token(client, f"/roles/delete/{spare.id}")

    refused = client.post(f"/roles/delete/{used.id}", data={"csrf_token": token, "reason": "Not needed"})
    done = client.post(f"/roles/delete/{spare.id}", data={"csrf_token": token, "reason": "Made by mistake"})

    assert refused.status_code == 409 and "Not needed</textarea>" in refused.get_data(as_text=True)
    assert done.status_code == 302
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "role_deleted")).all()
    assert [json.loads(e.detail)["reason"] for e in events][-1:] == ["Made by mistake"]
    assert db.session.scalars(select(Role).where(Role.name == "Investigator")).one() is not None


def test_an_owner_with_registrations_is_not_deleted_with_them(client):
    """Deleting an owner would take their registrations and cameras with it: refused, with why."""
    reg = factories.registration(status="active")
    db.session.commit()
    headers = api_token(client, "admin")
    response = client.delete(f"/api/v1/owner/{reg.owner_id}?reason=duplicate%20owner%20record", headers=headers)
    assert response.status_code == 422, response.json
    assert "still has 1 registration" in response.json["message"]
    db.session.expire_all()
    assert db.session.get(Owner, reg.owner_id) is not None and db.session.get(Registration, reg.id) is not None
    assert _delete_events("owner.deleted", reg.owner_id) == []
