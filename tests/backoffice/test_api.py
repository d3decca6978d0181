"""The model APIs: lat/lon instead of WKT, validation as 422 JSON, agency-scoped cases."""
import pytest

from backoffice.extensions import db
from backoffice.models import Camera, Case
from tests import factories
from tests.auth import api_token


def test_camera_api_shows_lat_lon_and_no_wkt(client):
    reg = factories.registration(lat=35.38, lon=-119.02)
    headers = api_token(client, "investigator")
    body = client.get(f"/api/v1/camera/{reg.cameras[0].id}", headers=headers).json["result"]
    assert body["lat"] == pytest.approx(35.38)
    assert body["lon"] == pytest.approx(-119.02)
    assert body["registration_id"] == reg.id
    assert "location" not in body
    for field in ("label", "direction_deg", "fov_deg", "range_m", "retention_days", "recording_mode"):
        assert field in body


def test_staff_adds_a_camera_with_lat_lon(client):
    reg = factories.registration(lat=35.4, lon=-119.1003, cameras=0)
    headers = api_token(client, "staff")
    response = client.post(
        "/api/v1/camera/",
        headers=headers,
        json={"registration_id": reg.id, "label": "Gate", "lat": 35.4, "lon": -119.1,
              "direction_deg": 270, "fov_deg": 100, "range_m": 25, "retention_days": 30,
              "recording_mode": "motion", "system_type": "standalone"},
    )
    assert response.status_code == 201, response.json
    camera = db.session.get(Camera, response.json["id"])
    assert (camera.lat, camera.lon) == pytest.approx((35.4, -119.1))


def test_camera_without_location_stands_at_the_premises(client):
    reg = factories.registration(lat=35.41, lon=-119.11, cameras=0)
    headers = api_token(client, "staff")
    response = client.post(
        "/api/v1/camera/", headers=headers, json={"registration_id": reg.id, "label": "Porch"}
    )
    assert response.status_code == 201, response.json
    camera = db.session.get(Camera, response.json["id"])
    assert (camera.lat, camera.lon) == pytest.approx((35.41, -119.11))


@pytest.mark.parametrize(
    "field, value",
    [("fov_deg", 0), ("direction_deg", 360), ("range_m", 900), ("retention_days", 400),
     ("lat", 95), ("recording_mode", "sometimes")],
)
def test_bad_camera_is_refused_with_a_json_message_and_nothing_written(client, field, value):
    reg = factories.registration(cameras=0)
    headers = api_token(client, "staff")
    payload = {"registration_id": reg.id, "label": "Gate", "lat": 35.4, "lon": -119.1, field: value}
    before = db.session.query(Camera).count()
    response = client.post("/api/v1/camera/", headers=headers, json=payload)
    assert response.status_code == 422
    assert field in response.json["message"]
    assert db.session.query(Camera).count() == before


def test_lat_without_lon_is_refused(client):
    reg = factories.registration(cameras=0)
    headers = api_token(client, "staff")
    response = client.post(
        "/api/v1/camera/", headers=headers,
        json={"registration_id": reg.id, "label": "Gate", "lat": 35.4},
    )
    assert response.status_code == 422


def test_case_is_opened_for_the_users_agency(client):
    headers = api_token(client, "investigator2")
    response = client.post(
        "/api/v1/case/",
        headers=headers,
        json={"case_number": "BPD-26-001", "incident_type": "robbery", "lat": 35.37,
              "lon": -119.01, "occurred_from": "2026-11-20T21:00:00+00:00",
              "occurred_to": "2026-11-20T21:30:00+00:00"},
    )
    assert response.status_code == 201, response.json
    case = db.session.get(Case, response.json["id"])
    assert case.agency_id == factories.agency(1).id
    assert case.lead_investigator.username == "investigator2"


def test_case_cannot_be_opened_for_another_agency(client):
    headers = api_token(client, "investigator2")
    response = client.post(
        "/api/v1/case/",
        headers=headers,
        json={"case_number": "BPD-26-002", "incident_type": "robbery", "lat": 35.37,
              "lon": -119.01, "occurred_from": "2026-11-20T21:00:00+00:00",
              "occurred_to": "2026-11-20T21:30:00+00:00", "agency_id": factories.agency(0).id},
    )
    assert response.status_code == 422
    assert "agency_id" in response.json["message"]
    assert db.session.query(Case).filter_by(case_number="BPD-26-002").count() == 0


def test_case_window_must_be_in_order(client):
    headers = api_token(client, "investigator")
    response = client.post(
        "/api/v1/case/",
        headers=headers,
        json={"case_number": "X-1", "incident_type": "robbery", "lat": 35.37, "lon": -119.01,
              "occurred_from": "2026-11-20T21:00:00+00:00",
              "occurred_to": "2026-11-20T20:00:00+00:00"},
    )
    assert response.status_code == 422
    assert "occurred_to" in response.json["message"]


@pytest.mark.parametrize("resource", ["case", "footage_request"])
def test_other_agencies_case_data_is_not_found(client, resource):
    request = factories.footage_request(factories.case(agency_index=0))
    ids = {"case": request.case_id, "footage_request": request.id}
    own = api_token(client, "investigator")
    other = api_token(client, "investigator2")
    assert client.get(f"/api/v1/{resource}/{ids[resource]}", headers=own).status_code == 200
    assert client.get(f"/api/v1/{resource}/{ids[resource]}", headers=other).status_code == 404
    listed = client.get(f"/api/v1/{resource}/", headers=other).json["result"]
    assert ids[resource] not in [item["id"] for item in listed]


def test_footage_request_api_shows_camera_ids_and_version(client):
    request = factories.footage_request()
    headers = api_token(client, "investigator")
    body = client.get(f"/api/v1/footage_request/{request.id}", headers=headers).json["result"]
    assert body["camera_ids"] == request.camera_ids
    assert body["state"] == "open"
    assert body["version"] == 1


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_an_id_no_row_can_have_is_not_found(client, method):
    """Regression: ids beyond the database's integer overflowed into a server error."""
    headers = api_token(client, "admin")
    kwargs = {"json": {"label": "x"}} if method == "put" else {}
    response = getattr(client, method)("/api/v1/camera/99999999999999999999", headers=headers, **kwargs)
    assert response.status_code == 404


def test_a_model_rule_the_schema_lets_through_is_a_422_not_a_500(client):
    """Regression: a phone of the right characters but too few digits failed in the model."""
    headers = api_token(client, "staff")
    response = client.post("/api/v1/owner/", headers=headers,
                           json={"name": "Pat", "kind": "resident", "phone": "(--) ---"})
    assert response.status_code == 422
    assert "phone" in response.json["message"]



def test_a_camera_far_from_its_premises_is_refused_and_null_puts_it_back(client):
    reg = factories.registration(lat=35.41, lon=-119.11, cameras=1)
    camera = reg.cameras[0]
    headers = api_token(client, "staff")
    far = client.put(f"/api/v1/camera/{camera.id}", headers=headers, json={"lat": 35.0, "lon": -119.11})
    assert far.status_code in (400, 422), far.json
    assert "within 500 m of the premises" in far.json["message"]["lat"][0]
    outside = client.put(f"/api/v1/camera/{camera.id}", headers=headers, json={"lat": 40.0, "lon": -100.0})
    assert "within the county" in outside.json["message"]["lat"][0]
    near = client.put(f"/api/v1/camera/{camera.id}", headers=headers, json={"lat": 35.4105, "lon": -119.1105})
    assert near.status_code == 200, near.json
    back = client.put(f"/api/v1/camera/{camera.id}", headers=headers, json={"lat": None, "lon": None})
    assert back.status_code == 200, back.json
    db.session.expire_all()
    assert (camera.lat, camera.lon) == pytest.approx((35.41, -119.11))


def test_info_of_a_read_only_api_offers_no_fields_to_send(client):
    headers = api_token(client, "investigator")
    info = client.get("/api/v1/footage_request/_info", headers=headers)
    assert info.status_code == 200, info.json
    assert "add_columns" not in info.json and "edit_columns" not in info.json
    assert "filters" in info.json and "permissions" in info.json
    writable = client.get("/api/v1/camera/_info", headers=api_token(client, "staff")).json
    assert {"registration_id", "lat", "lon"} <= {column["name"] for column in writable["add_columns"]}


def test_an_answered_refusal_leaves_no_traceback_in_the_log(client):
    import logging

    class Kept(logging.Handler):
        def __init__(self):
            super().__init__()
            self.records = []

        def emit(self, record):
            self.records.append(record)

    headers = api_token(client, "staff")
    kept, fab = Kept(), logging.getLogger("flask_appbuilder.api")
    fab.addHandler(kept)
    try:
        refused = client.get("/api/v1/camera/?q=(page:-1)", headers=headers)
    finally:
        fab.removeHandler(kept)
    assert refused.status_code == 400, refused.json
    assert not [r for r in kept.records if r.exc_info], [r.getMessage() for r in kept.records]


def test_a_registration_outside_the_county_is_refused(client):
    reg = factories.registration()
    headers = api_token(client, "staff")
    moved = client.put(f"/api/v1/registration/{reg.id}", headers=headers, json={"lat": 34.0522, "lon": -118.2437})
    assert moved.status_code in (400, 422) and "within the county" in moved.json["message"]["lat"][0]
