"""GET /api/v1/canvass/ and its companions: ranking, scoping, audit, bad input."""
import json
from datetime import datetime, timedelta, timezone

import pytest
from flask import g
from geographiclib.geodesic import Geodesic

from backoffice.extensions import db
from backoffice.models import AuditEvent, Camera, FootageRequest
from backoffice.portal.access_log import entries
from tests import factories
from tests.auth import api_token, login
from tests.backoffice.test_list_queries import count_statements

LAT, LON = factories.BAKERSFIELD
WGS84 = Geodesic.WGS84


def camera_at(distance_m, azimuth, status="active", facing_point=True, **fields):
    """A camera distance_m from the case point; by default facing the point."""
    line = WGS84.Direct(LAT, LON, azimuth, distance_m)
    reg = factories.registration(line["lat2"], line["lon2"], cameras=0, status=status)
    if facing_point and "direction_deg" not in fields:
        fields["direction_deg"] = int(round((azimuth + 180) % 360))
    fields.setdefault("range_m", 500)
    cam = Camera(label=fields.pop("label", f"cam {distance_m} m"), **fields)
    reg.cameras.append(cam)
    db.session.flush()
    return cam


def search(client, headers, **params):
    return client.get("/api/v1/canvass/", query_string=params, headers=headers)


def audit_events(action):
    return db.session.query(AuditEvent).filter_by(action=action).order_by(AuditEvent.id).all()


@pytest.fixture()
def inv(client):
    return api_token(client, "investigator")


def test_ranking_retained_then_view_then_deadline_then_distance(client, inv):
    case = factories.case()
    since = datetime.now(timezone.utc) - timedelta(days=2)
    lost = camera_at(10, 0, retention_days=1)
    later = camera_at(50, 30, retention_days=7)
    soon_far = camera_at(100, 60, retention_days=3)
    unknown = camera_at(20, 90, retention_days=3, direction_deg=None)
    away = camera_at(5, 120, retention_days=3, direction_deg=120)
    soon_near = camera_at(30, 150, retention_days=3)
    response = search(client, inv, case_id=case.id, since=since.isoformat())
    assert response.status_code == 200, response.json
    items = response.json["result"]
    assert [i["camera_id"] for i in items] == [
        soon_near.id, soon_far.id, later.id, unknown.id, away.id, lost.id,
    ]
    by_id = {i["camera_id"]: i for i in items}
    assert by_id[lost.id]["retained"] is False
    assert by_id[soon_near.id]["retained"] is True
    assert by_id[unknown.id]["in_view"] is None
    assert by_id[away.id]["in_view"] is False
    assert by_id[later.id]["in_view"] is True
    assert [by_id[c.id]["view"] for c in (later, unknown, away)] == ["in_view", "unknown", "facing_away"]
    item = by_id[later.id]
    assert set(item) >= {"camera_id", "registration_id", "lat", "lon", "distance_m", "in_view", "view",
                         "retained", "deadline", "retention_days", "label", "address"}
    assert item["registration_id"] == later.registration_id
    assert item["distance_m"] == pytest.approx(50, rel=0.01)
    deadline = datetime.fromisoformat(item["deadline"])
    assert abs(deadline - (since + timedelta(days=7))) < timedelta(seconds=1)
    assert response.json["count"] == 6


def test_point_radius_and_window_default_to_the_case(client, inv):
    case = factories.case()
    inside, outside = camera_at(280, 0), camera_at(350, 0)
    body = search(client, inv, case_id=case.id).json
    assert [i["camera_id"] for i in body["result"]] == [inside.id]
    assert body["radius_m"] == 300
    assert body["lat"] == pytest.approx(LAT) and body["lon"] == pytest.approx(LON)
    assert datetime.fromisoformat(body["since"]) == case.occurred_from
    wider = search(client, inv, case_id=case.id, radius_m=400).json["result"]
    assert {i["camera_id"] for i in wider} == {inside.id, outside.id}
    moved = WGS84.Direct(LAT, LON, 0, 350)
    there = search(client, inv, case_id=case.id, lat=moved["lat2"], lon=moved["lon2"], radius_m=10)
    assert [i["camera_id"] for i in there.json["result"]] == [outside.id]


def test_lapsed_withdrawn_and_pending_registrations_are_left_out(client, inv):
    case = factories.case()
    active = camera_at(40, 0)
    for status in ("lapsed", "withdrawn", "pending"):
        camera_at(40, 90, status=status)
    items = search(client, inv, case_id=case.id).json["result"]
    assert [i["camera_id"] for i in items] == [active.id]


def test_every_search_is_audited_with_the_case_number(client, inv):
    case = factories.case()
    before = len(audit_events("canvass.search"))
    search(client, inv, case_id=case.id)
    search(client, inv, case_id=case.id, lat=35.38, lon=-119.02, radius_m=1500)
    events = audit_events("canvass.search")[before:]
    assert len(events) == 2
    assert all(e.purpose == case.case_number and e.username == "investigator" for e in events)
    assert all(e.object_type == "case" and e.object_id == case.id for e in events)
    assert json.loads(events[1].detail) == {"lat": 35.38, "lon": -119.02, "radius_m": 1500.0,
                                            "registration_ids": []}
    assert json.loads(events[0].detail)["radius_m"] == 300


def test_other_agencies_cases_are_not_found(client):
    case = factories.case(agency_index=0)
    before = len(audit_events("canvass.search"))
    response = search(client, api_token(client, "investigator2"), case_id=case.id)
    assert response.status_code == 404
    assert "message" in response.json
    assert len(audit_events("canvass.search")) == before


def test_second_agency_searches_its_own_cases(client):
    own = factories.case(agency_index=1)
    assert search(client, api_token(client, "supervisor2"), case_id=own.id).status_code == 200


def test_supervisor_searches_the_agency_cases(client):
    case = factories.case(agency_index=0, lead_investigator_id=factories.user("investigator").id)
    assert search(client, api_token(client, "supervisor"), case_id=case.id).status_code == 200


@pytest.mark.parametrize("username, status", [("staff", 403), ("auditor", 403), ("admin", 200)])
def test_only_law_enforcement_may_search(client, username, status):
    case = factories.case()
    assert search(client, api_token(client, username), case_id=case.id).status_code == status


def test_search_requires_authentication(client):
    assert client.get("/api/v1/canvass/?case_id=1").status_code == 401


@pytest.mark.parametrize(
    "params, status, fragment",
    [
        ({}, 400, "case_id is required"),
        ({"case_id": "abc"}, 400, "case_id"),
        ({"case_id": 999999}, 404, "No such case"),
        ({"radius_m": 2001}, 400, "radius_m"),
        ({"radius_m": 0}, 400, "radius_m"),
        ({"radius_m": "far"}, 400, "radius_m must be a number"),
        ({"lat": 35.3}, 400, "lat and lon go together"),
        ({"lat": 95, "lon": 0}, 400, "lat: Latitude must be a number of degrees from -90 to 90"),
        ({"lat": "nan", "lon": 0}, 400, "lat: Latitude must be"),
        ({"lat": 35.3, "lon": "inf"}, 400, "lon: Longitude must be"),
        ({"since": "yesterday"}, 400, "since: 'yesterday' is not a date and time: use ISO 8601"),
        ({"since": "2026-05-02T00:00Z", "until": "2026-05-01T00:00Z"}, 400, "until"),
    ],
)
def test_bad_parameters_get_a_clear_message(client, inv, params, status, fragment):
    case = factories.case()
    if "case_id" not in params and params != {}:
        params = {"case_id": case.id, **params}
    response = search(client, inv, **params)
    assert response.status_code == status
    assert fragment in response.json["message"]


def test_radius_of_two_kilometres_is_allowed(client, inv):
    case = factories.case()
    far = camera_at(1990, 270)
    items = search(client, inv, case_id=case.id, radius_m=2000).json["result"]
    assert [i["camera_id"] for i in items] == [far.id]


# --- owner contact -------------------------------------------------------------------------


def reveal(client, headers, case, registration_id, **extra):
    body = {"case_id": case.id, "registration_id": registration_id, **extra}
    return client.post("/api/v1/canvass/contact", json=body, headers=headers)


def test_reveal_contact_is_audited_for_the_case(client, inv):
    case = factories.case()
    cam = camera_at(20, 0)
    assert search(client, inv, case_id=case.id).status_code == 200
    response = client.post(
        "/api/v1/canvass/contact",
        json={"case_id": case.id, "registration_id": cam.registration_id},
        headers=inv,
    )
    assert response.status_code == 200, response.json
    owner = cam.registration.owner
    assert response.json["result"]["email"] == owner.email
    event = audit_events("owner.reveal")[-1]
    assert (event.purpose, event.object_type, event.object_id) == (case.case_number, "owner", owner.id)


def test_a_search_records_the_registrations_it_returned(client, inv):
    case = factories.case()
    near, far = camera_at(20, 0), camera_at(900, 0)
    search(client, inv, case_id=case.id)
    detail = json.loads(audit_events("canvass.search")[-1].detail)
    assert detail["registration_ids"] == [near.registration_id]
    assert far.registration_id not in detail["registration_ids"]


def test_no_reveal_for_a_registration_no_search_of_the_case_returned(client, inv):
    case, other_case = factories.case(), factories.case()
    near, far = camera_at(20, 0), camera_at(900, 0)
    search(client, inv, case_id=case.id)  # returns `near` only
    search(client, inv, case_id=other_case.id, radius_m=2000)  # returns both, for another case
    elsewhere = factories.registration(status="active")
    db.session.commit()
    before = len(audit_events("owner.reveal")), len(audit_events("owner.reveal_justified"))
    for registration_id in (far.registration_id, elsewhere.id):
        response = reveal(client, inv, case, registration_id)
        assert response.status_code == 400, response.json
        assert "justification" in response.json["message"]
        for too_short in ("   ", "x", ".", "ok", "1234567890"):  # not a sentence anyone can act on
            assert reveal(client, inv, case, registration_id, justification=too_short).status_code == 400
    assert (len(audit_events("owner.reveal")), len(audit_events("owner.reveal_justified"))) == before
    assert reveal(client, inv, case, near.registration_id).status_code == 200


def test_a_footage_request_of_the_case_allows_the_reveal(client, inv):
    request = factories.footage_request()
    response = reveal(client, inv, request.case, request.registration_id)
    assert response.status_code == 200, response.json
    assert audit_events("owner.reveal")[-1].object_id == request.registration.owner_id


def test_a_justified_reveal_is_flagged_and_shown_to_the_owner(client, inv):
    case = factories.case()
    registration = factories.registration(status="active")
    why = "Witness says the suspect's car was parked in front of this house earlier that day"
    response = reveal(client, inv, case, registration.id, justification=why)
    assert response.status_code == 200, response.json
    assert response.json["result"]["email"] == registration.owner.email
    event = audit_events("owner.reveal_justified")[-1]
    assert (event.purpose, event.object_type, event.object_id) == (case.case_number, "owner", registration.owner_id)
    assert json.loads(event.detail)["justification"] == why
    assert [e.purpose for e in entries(registration)] == [case.case_number]


def approval_queue_of(client, username) -> str:
    """The approval queue as `username` sees it, signed in through the login form."""
    for name in ("user", "_login_user"):  # the test shares one app context with the API calls
        g.pop(name, None)
    client.get("/logout/")
    login(client, username)
    return client.get("/footage/approvals").get_data(as_text=True)


def test_the_supervisor_finds_justified_reveals_of_their_agency_on_the_approval_queue(client, inv):
    case = factories.case()
    registration = factories.registration(status="active")
    why = "Neighbour reported a doorbell camera facing the alley"
    assert reveal(client, inv, case, registration.id, justification=why).status_code == 200
    listed = approval_queue_of(client, "supervisor").split('id="justified-reveals"')[1]
    assert why in listed and case.case_number in listed and "investigator" in listed
    page = approval_queue_of(client, "supervisor2")
    assert why not in page and case.case_number not in page


@pytest.mark.parametrize("status", ["withdrawn", "lapsed", "pending"])
def test_contacts_of_inactive_registrations_are_not_revealed(client, inv, status):
    case = factories.case()
    cam = camera_at(20, 0, status=status)
    before = len(audit_events("owner.reveal"))
    response = client.post(
        "/api/v1/canvass/contact",
        json={"case_id": case.id, "registration_id": cam.registration_id},
        headers=inv,
    )
    assert response.status_code == 404
    assert "no active registration" in response.json["message"]
    assert len(audit_events("owner.reveal")) == before


@pytest.mark.parametrize(
    "username, body, status",
    [
        ("investigator", {"registration_id": 1}, 400),
        ("investigator", {"case_id": 1, "registration_id": "x"}, 400),
        ("investigator2", None, 404),
        ("auditor", None, 403),
        ("staff", None, 403),
    ],
)
def test_reveal_contact_refusals(client, username, body, status):
    case = factories.case()
    cam = camera_at(20, 0)
    before = len(audit_events("owner.reveal"))
    if body is None:
        body = {"case_id": case.id, "registration_id": cam.registration_id}
    elif "case_id" in body:
        body["case_id"] = case.id
    response = client.post("/api/v1/canvass/contact", json=body, headers=api_token(client, username))
    assert response.status_code == status
    assert len(audit_events("owner.reveal")) == before


# --- footage requests from the canvass -----------------------------------------------------


def test_requests_are_created_per_premises_once(client, inv):
    case = factories.case()
    cam = camera_at(20, 0, retention_days=5)
    second = Camera(label="yard", retention_days=9, direction_deg=0)
    cam.registration.cameras.append(second)
    other = camera_at(40, 90, retention_days=2)
    db.session.flush()
    body = {"case_id": case.id, "camera_ids": [cam.id, second.id, other.id]}
    response = client.post("/api/v1/canvass/requests", json=body, headers=inv)
    assert response.status_code == 201, response.json
    created = response.json["result"]
    assert len(created) == 2
    first = next(r for r in created if r["registration_id"] == cam.registration_id)
    assert sorted(first["camera_ids"]) == sorted([cam.id, second.id])
    assert first["state"] == "open" and first["version"] == 1
    request = db.session.get(FootageRequest, first["id"])
    assert abs(request.deadline - (case.occurred_from + timedelta(days=5))) < timedelta(seconds=1)
    again = client.post("/api/v1/canvass/requests", json=body, headers=inv)
    assert again.status_code == 201
    assert again.json["result"] == []
    assert sorted(again.json["already_requested"]) == sorted([cam.registration_id, other.registration_id])
    assert len(audit_events("footage_request.open")) >= 2


def test_request_creation_refuses_bad_cameras_and_writes_nothing(client, inv):
    case = factories.case()
    good = camera_at(20, 0)
    lapsed = camera_at(30, 0, status="lapsed")
    count = db.session.query(FootageRequest).count()
    for body, fragment in [
        ({"case_id": case.id, "camera_ids": [good.id, lapsed.id]}, "not active"),
        ({"case_id": case.id, "camera_ids": [good.id, 99999999]}, "no such camera"),
        ({"case_id": case.id, "camera_ids": []}, "at least one"),
        ({"case_id": case.id, "camera_ids": "1,2"}, "list of camera ids"),
    ]:
        response = client.post("/api/v1/canvass/requests", json=body, headers=inv)
        assert response.status_code == 400
        assert fragment in response.json["message"]
    assert db.session.query(FootageRequest).count() == count


@pytest.mark.parametrize("username, status", [("investigator2", 404), ("auditor", 403), ("staff", 403)])
def test_request_creation_refusals(client, username, status):
    case = factories.case()
    good = camera_at(20, 0)
    response = client.post(
        "/api/v1/canvass/requests",
        json={"case_id": case.id, "camera_ids": [good.id]},
        headers=api_token(client, username),
    )
    assert response.status_code == status
    assert db.session.query(FootageRequest).count() == 0


# --- camera layer ---------------------------------------------------------------------------


def test_geojson_lists_cameras_with_view_cone_fields(client, inv):
    cams = [camera_at(100 * i, 45, fov_deg=60) for i in range(1, 4)]
    camera_at(150, 200, status="lapsed")
    bbox = f"{LON - 0.02},{LAT - 0.02},{LON + 0.02},{LAT + 0.02}"
    response = client.get(f"/api/v1/cameras/geojson?bbox={bbox}", headers=inv)
    assert response.status_code == 200
    body = response.json
    assert body["type"] == "FeatureCollection" and body["clustered"] is False
    props = {f["properties"]["camera_id"]: f["properties"] for f in body["features"]}
    assert set(props) >= {c.id for c in cams}
    assert props[cams[0].id]["fov_deg"] == 60
    assert props[cams[0].id]["direction_deg"] == 225
    assert {p["status"] for p in props.values()} == {"active", "lapsed"}


def test_geojson_clusters_when_too_many(client, inv, monkeypatch):
    for i in range(6):
        camera_at(50 + 10 * i, 60 * i)
    monkeypatch.setitem(client.application.config, "GEOJSON_MAX_FEATURES", 3)
    bbox = f"{LON - 0.02},{LAT - 0.02},{LON + 0.02},{LAT + 0.02}"
    body = client.get(f"/api/v1/cameras/geojson?bbox={bbox}", headers=inv).json
    assert body["clustered"] is True
    assert sum(f["properties"]["count"] for f in body["features"]) == 6
    assert all(f["properties"]["cluster"] for f in body["features"])


@pytest.mark.parametrize("bbox", [None, "1,2,3", "a,b,c,d", "10,10,5,5", "-200,0,0,1", "0,nan,1,1", "0,0,inf,1"])
def test_geojson_bad_bbox(client, inv, bbox):
    url = "/api/v1/cameras/geojson" + (f"?bbox={bbox}" if bbox else "")
    response = client.get(url, headers=inv)
    assert response.status_code == 400
    assert "bbox" in response.json["message"]


@pytest.mark.parametrize("username, status", [("staff", 200), ("auditor", 403), ("investigator2", 200)])
def test_geojson_permissions(client, username, status):
    url = f"/api/v1/cameras/geojson?bbox={LON - 0.01},{LAT - 0.01},{LON + 0.01},{LAT + 0.01}"
    assert client.get(url, headers=api_token(client, username)).status_code == status


def test_county_view_clusters_from_the_stored_summary(client, inv, monkeypatch):
    for i in range(6):
        camera_at(50 + 10 * i, 60 * i)
    far = WGS84.Direct(LAT, LON, 90, 30_000)
    reg = factories.registration(far["lat2"], far["lon2"], cameras=2)
    factories.registration(far["lat2"], far["lon2"], cameras=1, status="withdrawn")
    monkeypatch.setitem(client.application.config, "GEOJSON_MAX_FEATURES", 3)
    county = "-119.9,34.8,-117.6,35.8"
    with count_statements() as seen:
        body = client.get(f"/api/v1/cameras/geojson?bbox={county}", headers=inv).json
    assert not [s for s in seen if "GROUP BY" in s.upper() and "camera_map_" not in s]  # no count of cameras
    assert body["clustered"] is True
    counts = sorted(f["properties"]["count"] for f in body["features"])
    assert counts == [2, 6]
    near = next(f for f in body["features"] if f["properties"]["count"] == 6)
    lon, lat = near["geometry"]["coordinates"]
    assert abs(lat - LAT) < 0.01 and abs(lon - LON) < 0.01
    # A camera added now is on the next answer, with no recount.
    camera_at(70, 10)
    with count_statements() as seen:
        again = client.get(f"/api/v1/cameras/geojson?bbox={county}", headers=inv).json
    assert not [s for s in seen if "GROUP BY" in s.upper() and "camera_map_" not in s]
    assert sum(f["properties"]["count"] for f in again["features"]) == 9
    assert reg.id  # the far premises stays its own cluster


def test_the_county_view_shows_what_other_connections_committed(app):
    """Cameras committed, then deleted, by other connections: the county view shows each at
    once, from the stored cells (no count of cameras, no write, no worker)."""
    from backoffice import spatial
    from tests.concurrency import remove_registrations

    with app.app_context():
        regs = [factories.registration(LAT + 0.001 * i, LON, cameras=1) for i in range(4)]
        db.session.commit()
        made = [(r.id, r.owner_id) for r in regs]
        expected = sum(n for n, _, x, y in spatial.camera_cells(db.session)
                       if -119.9 <= x / n <= -117.6 and 34.8 <= y / n <= 35.8)
        db.session.remove()
    client = app.test_client()
    headers = api_token(client, "investigator")
    county = "/api/v1/cameras/geojson?bbox=-119.9,34.8,-117.6,35.8"
    app.config["GEOJSON_MAX_FEATURES"], saved = 1, app.config["GEOJSON_MAX_FEATURES"]
    try:
        from sqlalchemy import event

        seen = []
        listener = lambda *a: seen.append(a[2])  # noqa: E731
        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", listener)
        try:
            body = client.get(county, headers=headers).json
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        assert not [s for s in seen if "GROUP BY" in s.upper() and "camera_map_" not in s]
        assert not [s for s in seen if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
        assert sum(f["properties"]["count"] for f in body["features"]) == expected
        remove_registrations(app, made)
        made = []
        after = client.get(county, headers=headers).json  # deleted by another connection
        assert sum(f["properties"]["count"] for f in after["features"]) == expected - 4
    finally:
        app.config["GEOJSON_MAX_FEATURES"] = saved
        remove_registrations(app, made)


def test_a_camera_facing_the_point_but_beyond_its_range_is_too_far_not_facing_away(client, inv):
    case = factories.case()
    away = camera_at(40, 0, direction_deg=0)  # 40 m north, looking further north
    far = camera_at(120, 90, range_m=60)  # 120 m east, looking at the point, sees 60 m
    near = camera_at(150, 180)
    items = search(client, inv, case_id=case.id).json["result"]
    by_id = {i["camera_id"]: i for i in items}
    assert by_id[far.id]["view"] == "too_far" and by_id[far.id]["in_view"] is False
    assert by_id[away.id]["view"] == "facing_away"
    assert [i["camera_id"] for i in items] == [near.id, away.id, far.id]


@pytest.mark.parametrize("name, value", [("lat", "95"), ("lon", "abc")])
def test_a_bad_search_point_names_its_field(client, name, value):
    case = factories.case()
    response = search(client, api_token(client, "investigator"), case_id=case.id,
                      **{"lat": "35.37", "lon": "-119.01", name: value})
    assert response.status_code == 400 and response.json["field"] == name, response.json
