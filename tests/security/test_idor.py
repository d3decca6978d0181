"""Cross-agency access: a second agency's users get 404 for agency 0's cases, requests and
evidence, on every object endpoint, and never see them in lists or searches."""
import pytest

from backoffice.extensions import db
from backoffice.models import Case

from tests.auth import api_token

RESOURCES = ["case", "footage_request", "evidence_item"]
OTHER_AGENCY = ["investigator2", "supervisor2"]


@pytest.mark.parametrize("username", OTHER_AGENCY)
@pytest.mark.parametrize("resource", RESOURCES)
def test_other_agency_gets_404_for_each_object(client, agency0_objects, username, resource):
    headers = api_token(client, username)
    object_id = agency0_objects[resource]
    assert client.get(f"/api/v1/{resource}/{object_id}", headers=headers).status_code == 404


@pytest.mark.parametrize("username", OTHER_AGENCY)
@pytest.mark.parametrize("resource", RESOURCES)
def test_other_agency_lists_do_not_contain_them(client, agency0_objects, username, resource):
    headers = api_token(client, username)
    listing = client.get(f"/api/v1/{resource}/", headers=headers)
    assert listing.status_code == 200
    assert agency0_objects[resource] not in listing.json["ids"]
    assert listing.json["count"] == 0


@pytest.mark.parametrize("username", OTHER_AGENCY)
def test_other_agency_cannot_find_by_guessing_filters(client, agency0_objects, username):
    headers = api_token(client, username)
    query = f"(filters:!((col:case_id,opr:eq,value:{agency0_objects['case']})))"
    listing = client.get(f"/api/v1/footage_request/?q={query}", headers=headers)
    assert listing.status_code == 200 and listing.json["count"] == 0


@pytest.mark.parametrize("username", OTHER_AGENCY)
def test_other_agency_cannot_change_a_case(client, agency0_objects, username):
    headers = api_token(client, username)
    case_id = agency0_objects["case"]
    response = client.put(f"/api/v1/case/{case_id}", json={"summary": "changed"}, headers=headers)
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Case, case_id).summary == "Agency zero case"


@pytest.mark.parametrize("resource", RESOURCES)
def test_own_agency_sees_them(client, agency0_objects, resource):
    headers = api_token(client, "investigator")
    assert client.get(f"/api/v1/{resource}/{agency0_objects[resource]}", headers=headers).status_code == 200


def test_agency_of_a_new_case_cannot_be_chosen(client, agency0_objects):
    from tests import factories

    headers = api_token(client, "investigator2")
    body = dict(NEW_CASE, agency_id=factories.agency(0).id)
    response = client.post("/api/v1/case/", json=body, headers=headers)
    assert response.status_code in (400, 422)
    assert "agency_id" in response.get_data(as_text=True)


def test_new_case_belongs_to_its_openers_agency(client, agency0_objects):
    from tests import factories

    headers = api_token(client, "investigator2")
    response = client.post("/api/v1/case/", json=NEW_CASE, headers=headers)
    assert response.status_code == 201
    assert response.json["result"]["agency_id"] == factories.agency(1).id


NEW_CASE = {"case_number": "X-1", "incident_type": "theft", "lat": 35.37, "lon": -119.02,
            "occurred_from": "2026-01-01T10:00:00", "occurred_to": "2026-01-01T11:00:00"}
