"""POST /api/v1/area-requests/: the same one step as the map's button, for any canvass."""
import pytest

from backoffice.extensions import db
from backoffice.models import AreaRequest
from tests import factories
from tests.auth import api_token
from tests.workflows.helpers import searched


def test_the_api_asks_every_owner_and_says_who_is_left_to_call(client, mailbox):
    inv = api_token(client, "investigator")
    case = factories.case()
    mailed, phoned = factories.registration(), factories.registration(owner=factories.owner(email=None))
    searched(case, mailed, phoned)
    db.session.commit()
    body = {"case_id": case.id, "registration_ids": [mailed.id, phoned.id], "description": "A grey van, 9-10 PM"}
    response = client.post("/api/v1/area-requests/", json=body, headers=inv)
    assert response.status_code == 201, response.json
    assert response.json["emailed"] == [mailed.id] and response.json["follow_up"] == [phoned.id]
    assert len(mailbox.to(mailed.owner.email)) == 1
    again = client.post("/api/v1/area-requests/", json=body, headers=inv)
    assert again.status_code == 400 and again.json["field"] == "registration_ids"
    assert "already asked" in again.json["message"]


@pytest.mark.parametrize("body, field", [
    ({"registration_ids": [1], "description": "x"}, "case_id"),
    ({"registration_ids": "1,2", "description": "x"}, "registration_ids"),
    ({"registration_ids": [], "description": "x"}, "registration_ids"),
    ({"description": "x"}, "registration_ids"),
    ({"registration_ids": [1]}, "description"),
    ({"registration_ids": [1], "description": "x", "since": "yesterday"}, "since"),
])
def test_bad_input_names_the_field(client, body, field):
    inv = api_token(client, "investigator")
    case = factories.case()
    db.session.commit()
    if field != "case_id":
        body = {"case_id": case.id, **body}
    count = db.session.query(AreaRequest).count()
    response = client.post("/api/v1/area-requests/", json=body, headers=inv)
    assert response.status_code == 400, response.json
    assert response.json["field"] == field
    assert db.session.query(AreaRequest).count() == count


@pytest.mark.parametrize("username, status", [("investigator2", 404), ("auditor", 403), ("staff", 403)])
def test_only_the_case_agencys_investigators_may_ask(client, username, status):
    case = factories.case()
    reg = factories.registration()
    searched(case, reg)
    db.session.commit()
    response = client.post("/api/v1/area-requests/", json={
        "case_id": case.id, "registration_ids": [reg.id], "description": "x"}, headers=api_token(client, username))
    assert response.status_code == status
