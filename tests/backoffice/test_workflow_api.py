"""The workflow endpoints of SPEC §5: 200 / 403 / 404 / 409, opening requests, receipts."""
import io

import pytest
from pypdf import PdfReader

from backoffice.extensions import db
from backoffice.models import FootageRequest
from tests import factories
from tests.auth import api_token
from tests.workflows.helpers import READY, request_in


from tests.workflows.test_footage_request import CASES, OK  # the role × trigger table
from workflows.errors import RequestNotFound, TriggerForbidden

STATUS = {OK: 200, TriggerForbidden: 403, RequestNotFound: 404}
_tokens: dict[str, dict] = {}


def token(client, username):
    """One bearer token per user for the whole run (the app and its key are shared)."""
    if username not in _tokens:
        _tokens[username] = api_token(client, username)
    return _tokens[username]


@pytest.mark.parametrize("username, trigger, outcome", CASES)
def test_every_trigger_by_every_role_over_http(client, mailbox, username, trigger, outcome):
    state, data = READY[trigger]
    request = request_in(state)
    response = fire(client, token(client, username), request.id, trigger, **data)
    assert response.status_code == STATUS[outcome], response.json


def fire(client, headers, request_id, trigger, version=1, **data):
    return client.post(
        f"/api/v1/footage_request/{request_id}/{trigger}", json={"version": version, **data}, headers=headers
    )


@pytest.mark.parametrize(
    "username, trigger, status",
    [
        ("investigator", "contact_owner", 200),
        ("supervisor", "contact_owner", 200),
        ("investigator2", "contact_owner", 404),
        ("staff", "contact_owner", 403),
        ("auditor", "contact_owner", 403),
        ("investigator", "approve_release", 403),
        ("supervisor", "approve_release", 200),
        ("supervisor2", "approve_release", 404),
        ("supervisor", "deny_release", 200),
        ("investigator", "deny_release", 403),
        ("admin", "close", 200),
    ],
)
def test_trigger_status_by_role(client, mailbox, username, trigger, status):
    state, data = READY[trigger]
    request = request_in(state)
    response = fire(client, api_token(client, username), request.id, trigger, **data)
    assert response.status_code == status, response.json
    if status == 200:
        assert response.json["version"] == 2
        assert response.json["state"] in ("contacted", "released", "collected", "closed")
    else:
        assert response.json["message"]
        db.session.expire_all()
        assert db.session.get(FootageRequest, request.id).version == 1


def test_stale_version_and_guard_refusal_are_409_with_a_reason(client):
    request = request_in("open")
    headers = api_token(client, "investigator")
    stale = fire(client, headers, request.id, "contact_owner", version=5, method="phone")
    assert stale.status_code == 409 and "changed" in stale.json["message"]
    guard = fire(client, headers, request.id, "contact_owner", method="pigeon")
    assert guard.status_code == 409 and "Contact method" in guard.json["message"]
    wrong_state = fire(client, headers, request.id, "close")
    assert wrong_state.status_code == 409 and "open cannot be moved" in wrong_state.json["message"]
    ok = fire(client, headers, request.id, "contact_owner", method="phone", note="voicemail")
    assert ok.status_code == 200 and ok.json == {"state": "contacted", "version": 2, "notices": []}
    again = fire(client, headers, request.id, "contact_owner", method="phone")
    assert again.status_code == 409


def test_unknown_request_or_trigger_and_bad_body(client):
    headers = api_token(client, "investigator")
    request = request_in("open")
    assert fire(client, headers, 999999, "close").status_code == 404
    assert fire(client, headers, request.id, "teleport").status_code == 404
    response = client.post(f"/api/v1/footage_request/{request.id}/close", data="x", headers=headers)
    assert response.status_code == 400
    assert client.post(f"/api/v1/footage_request/{request.id}/close", json={"version": 1}).status_code == 401


def test_open_a_request_through_the_api(client):
    headers = api_token(client, "investigator")
    case = factories.case()
    reg = factories.registration(cameras=2)
    db.session.commit()
    response = client.post(
        "/api/v1/footage_request/",
        json={"case_id": case.id, "registration_id": reg.id, "camera_ids": [reg.cameras[0].id]},
        headers=headers,
    )
    assert response.status_code == 201, response.json
    assert response.json["state"] == "open" and response.json["version"] == 1
    created = db.session.get(FootageRequest, response.json["id"])
    assert created.camera_ids == [reg.cameras[0].id] and created.case_id == case.id
    assert created.window_from == case.occurred_from and created.deadline is not None
    duplicate = client.post(
        "/api/v1/footage_request/", json={"case_id": case.id, "registration_id": reg.id}, headers=headers
    )
    assert duplicate.status_code == 409
    other = client.post(
        "/api/v1/footage_request/",
        json={"case_id": case.id, "registration_id": reg.id},
        headers=api_token(client, "investigator2"),
    )
    assert other.status_code == 404
    staff = client.post(
        "/api/v1/footage_request/", json={"case_id": case.id, "registration_id": reg.id},
        headers=api_token(client, "staff"),
    )
    assert staff.status_code == 403
    bad = client.post("/api/v1/footage_request/", json={"case_id": "x"}, headers=headers)
    assert bad.status_code == 400


def test_receipt_pdf_is_served_after_collect(client, mailbox):
    request = request_in("consented")
    headers = api_token(client, "investigator")
    assert client.get(f"/api/v1/footage_request/{request.id}/receipt.pdf", headers=headers).status_code == 404
    assert fire(client, headers, request.id, "collect").status_code == 200
    response = client.get(f"/api/v1/footage_request/{request.id}/receipt.pdf", headers=headers)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert request.case.case_number in text
    auditor = client.get(f"/api/v1/footage_request/{request.id}/receipt.pdf", headers=api_token(client, "auditor"))
    assert auditor.status_code == 403
    other = client.get(
        f"/api/v1/footage_request/{request.id}/receipt.pdf", headers=api_token(client, "investigator2")
    )
    assert other.status_code == 404
