"""GET /api/v1/canvass/route/: cameras along an escape route, its geometry, refusals, audit,
index use on both databases."""
import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from geographiclib.geodesic import Geodesic

from backoffice.canvass import query as canvass_query
from backoffice.canvass.parse import MAX_ROUTE_VERTICES
from backoffice.extensions import db
from backoffice.models import AuditEvent, Camera
from backoffice.spatial import explain, text
from tests import factories
from tests.auth import api_token

LAT, LON = factories.BAKERSFIELD
WGS84 = Geodesic.WGS84


def point(distance_m, azimuth, lat=LAT, lon=LON):
    """(lat, lon) distance_m from lat/lon along azimuth."""
    line = WGS84.Direct(lat, lon, azimuth, distance_m)
    return line["lat2"], line["lon2"]


# The escape route: from the case's point 1 km due east.
EAST_END = point(1000, 90)
ROUTE = [[LON, LAT], [EAST_END[1], EAST_END[0]]]


def camera(lat, lon, status="active", **fields):
    """A camera at lat/lon (range 500 m unless told)."""
    reg = factories.registration(lat, lon, cameras=0, status=status)
    fields.setdefault("range_m", 500)
    cam = Camera(label=fields.pop("label", "route cam"), **fields)
    reg.cameras.append(cam)
    db.session.flush()
    return cam


def beside(along_m, north_m, **fields):
    """A camera north_m north (negative: south) of the point along_m east along the route."""
    lat, lon = point(along_m, 90)
    lat, lon = point(abs(north_m), 0 if north_m >= 0 else 180, lat, lon)
    return camera(lat, lon, **fields)


def route_search(client, headers, route=None, **params):
    if route is not None:
        params["route"] = route if isinstance(route, str) else json.dumps(
            {"type": "LineString", "coordinates": route})
    return client.get("/api/v1/canvass/route/", query_string=params, headers=headers)


def audit_events(action):
    return db.session.query(AuditEvent).filter_by(action=action).order_by(AuditEvent.id).all()


@pytest.fixture()
def inv(client):
    return api_token(client, "investigator")


def test_cameras_along_the_route_are_ranked_like_the_point_canvass(client, inv):
    case = factories.case()
    since = datetime.now(timezone.utc) - timedelta(days=2)
    facing = beside(300, 30, direction_deg=180, retention_days=7)  # looks at the road
    along = beside(600, 20, direction_deg=90, retention_days=7)  # looks down the road
    away = beside(500, 20, direction_deg=0, retention_days=7)  # beside it, facing away
    unknown = beside(100, -25, direction_deg=None, retention_days=7)
    short = beside(700, -40, direction_deg=0, range_m=15, retention_days=7)
    lost = beside(200, 10, direction_deg=180, retention_days=1)
    soon = beside(800, -45, direction_deg=0, retention_days=3)
    past_end = camera(*point(35, 90, *EAST_END), direction_deg=270, retention_days=7)
    beside(400, 120, direction_deg=180)  # outside the 100 m corridor
    camera(*point(120, 90, *EAST_END), direction_deg=270)  # beyond the end of the corridor
    beside(450, 10, direction_deg=180, status="lapsed")
    response = route_search(client, inv, ROUTE, case_id=case.id, width_m=100, since=since.isoformat())
    assert response.status_code == 200, response.json
    body = response.json
    items = body["result"]
    assert [i["camera_id"] for i in items] == [
        soon.id, along.id, facing.id, past_end.id, unknown.id, away.id, short.id, lost.id,
    ]
    by_id = {i["camera_id"]: i for i in items}
    assert [by_id[c.id]["view"] for c in (facing, along, away, unknown, short)] == [
        "in_view", "in_view", "facing_away", "unknown", "too_far"]
    assert [by_id[c.id]["in_view"] for c in (facing, away, unknown, short)] == [True, False, None, False]
    assert by_id[lost.id]["retained"] is False
    assert by_id[facing.id]["distance_m"] == pytest.approx(30, rel=0.01)
    assert by_id[past_end.id]["distance_m"] == pytest.approx(35, rel=0.01)
    assert body["count"] == 8 and body["width_m"] == 100
    assert body["route"]["type"] == "LineString" and body["case_number"] == case.case_number
    assert set(by_id[facing.id]) >= {"camera_id", "registration_id", "lat", "lon", "distance_m",
                                     "in_view", "view", "retained", "deadline"}


def test_distances_to_a_diagonal_route_match_the_geodesic(client, inv):
    case = factories.case()
    start, end = (LAT - 0.01, LON - 0.01), (LAT + 0.01, LON + 0.01)
    cam = camera(*point(300, 135), direction_deg=315)
    items = route_search(client, inv, [[start[1], start[0]], [end[1], end[0]]],
                         case_id=case.id, width_m=1000).json["result"]
    # the nearest point of the route, found by walking it in centimetre steps near the foot
    truth = min(
        WGS84.Inverse(cam.lat, cam.lon, start[0] + 0.02 * i / 40000, start[1] + 0.02 * i / 40000)["s12"]
        for i in range(40001)
    )
    assert [i["camera_id"] for i in items] == [cam.id]
    assert items[0]["distance_m"] == pytest.approx(truth, rel=0.005)
    assert items[0]["view"] == "in_view"


def test_a_route_crossing_itself_finds_each_camera_once(client, inv):
    case = factories.case()
    a, b, c, d = point(500, 45), point(500, 225), point(500, 135), point(500, 315)
    # a bow tie through the case's point, crossing itself there, then back to the start
    route = [[p[1], p[0]] for p in (a, b, c, d, a)]
    at_crossing = camera(*point(10, 0), direction_deg=180)
    items = route_search(client, inv, route, case_id=case.id, width_m=60).json["result"]
    assert [i["camera_id"] for i in items] == [at_crossing.id]
    assert items[0]["distance_m"] == pytest.approx(10 * 0.7071, rel=0.02)
    detail = json.loads(audit_events("canvass.route_search")[-1].detail)
    assert detail["registration_ids"] == [at_crossing.registration_id]


def test_a_dome_beside_the_route_sees_it_and_one_facing_away_out_of_range_does_not(client, inv):
    case = factories.case()
    dome = beside(200, 25, direction_deg=None, fov_deg=360, range_m=30)
    blind = beside(250, 25, direction_deg=0, fov_deg=90, range_m=30)
    by_id = {i["camera_id"]: i for i in route_search(client, inv, ROUTE, case_id=case.id).json["result"]}
    assert by_id[dome.id]["view"] == "in_view" and by_id[dome.id]["in_view"] is True
    assert by_id[blind.id]["view"] == "facing_away"


def test_a_route_search_is_audited_and_lets_the_contact_be_shown(client, inv):
    case = factories.case()
    cam = beside(300, 20, direction_deg=180)
    beside(300, 400)  # not in the corridor
    before = len(audit_events("canvass.route_search"))
    assert route_search(client, inv, ROUTE, case_id=case.id, width_m=80).status_code == 200
    events = audit_events("canvass.route_search")[before:]
    assert len(events) == 1
    event = events[0]
    assert (event.purpose, event.object_type, event.object_id, event.username) == (
        case.case_number, "case", case.id, "investigator")
    detail = json.loads(event.detail)
    assert detail == {"route": {"type": "LineString", "coordinates": ROUTE}, "width_m": 80.0,
                      "registration_ids": [cam.registration_id]}
    reveal = client.post("/api/v1/canvass/contact", headers=inv,
                         json={"case_id": case.id, "registration_id": cam.registration_id})
    assert reveal.status_code == 200, reveal.json
    assert audit_events("owner.reveal")[-1].object_id == cam.registration.owner_id


TOO_MANY = [[LON + i * 1e-4, LAT] for i in range(MAX_ROUTE_VERTICES + 1)]


@pytest.mark.parametrize(
    "params, field, fragment",
    [
        ({"route": [[LON, LAT]]}, "route", "at least two different points"),
        ({"route": [[LON, LAT], [LON, LAT]]}, "route", "at least two different points"),
        ({"route": []}, "route", "at least two different points"),
        ({"route": TOO_MANY}, "route", f"at most {MAX_ROUTE_VERTICES} points"),
        ({"route": [[LON, LAT], [LON + 1, LAT]]}, "route", "at most 50 km long"),
        ({"route": [[LON, 95], [LON, LAT]]}, "route", "latitude 95 must be between -90 and 90"),
        ({"route": [[LON, LAT], ["x", LAT]]}, "route", "[longitude, latitude]"),
        ({"route": [[LON, LAT], [LON, LAT, 1, 2]]}, "route", "[longitude, latitude]"),
        ({"route": "{not json"}, "route", "must be GeoJSON"),
        ({"route": json.dumps({"type": "Point", "coordinates": [LON, LAT]})}, "route", "LineString"),
        ({"route": json.dumps({"type": "LineString"})}, "route", "coordinates must be a list"),
        ({"route": json.dumps([[LON, LAT], [LON + 0.01, LAT]])}, "route", "LineString"),
        ({"width_m": 0}, "width_m", "width_m must be between 1 and 1000"),
        ({"width_m": 1001}, "width_m", "width_m must be between 1 and 1000"),
        ({"width_m": "wide"}, "width_m", "width_m must be a number"),
        ({"width_m": "nan"}, "width_m", "width_m must be between"),
        ({"since": "2026-05-02T00:00Z", "until": "2026-05-01T00:00Z"}, "until", "until"),
    ],
)
def test_bad_routes_get_a_400_naming_the_field(client, inv, params, field, fragment):
    case = factories.case()
    params = {"route": ROUTE, "case_id": case.id, **params}
    response = route_search(client, inv, **params)
    assert response.status_code == 400, response.json
    assert response.json["field"] == field and fragment in response.json["message"], response.json
    assert all(e.object_id != case.id for e in audit_events("canvass.route_search"))


def test_a_missing_route_is_named(client, inv):
    case = factories.case()
    response = client.get("/api/v1/canvass/route/", query_string={"case_id": case.id}, headers=inv)
    assert response.status_code == 400 and response.json["field"] == "route"
    assert "route: is required" in response.json["message"]


def test_case_id_is_required(client, inv):
    response = route_search(client, inv, ROUTE)
    assert response.status_code == 400
    assert response.json["field"] == "case_id" and "case_id is required" in response.json["message"]


def test_another_agencys_case_is_refused_like_the_point_canvass(client):
    case = factories.case(agency_index=0)
    headers = api_token(client, "investigator2")
    refused_before = len(audit_events("access.refused"))
    route = route_search(client, headers, ROUTE, case_id=case.id)
    point = client.get("/api/v1/canvass/", query_string={"case_id": case.id}, headers=headers)
    assert route.status_code == point.status_code == 404
    assert route.json == point.json
    assert audit_events("canvass.route_search") == []
    assert len(audit_events("access.refused")) - refused_before == 2


@pytest.mark.parametrize("username, status", [("staff", 403), ("auditor", 403), ("supervisor", 200)])
def test_only_law_enforcement_may_search_a_route(client, username, status):
    case = factories.case()
    assert route_search(client, api_token(client, username), ROUTE, case_id=case.id).status_code == status


def test_route_search_requires_authentication(client):
    assert route_search(client, {}, ROUTE, case_id=1).status_code == 401


# --- the query ----------------------------------------------------------------------------


@pytest.mark.parametrize("use_index", [True, False])
def test_the_query_finds_the_same_cameras_with_and_without_the_index(ctx, use_index):
    near = [beside(100 * i, 40 * (-1) ** i) for i in range(1, 9)]
    beside(500, 90)
    route = [tuple(p) for p in ROUTE]
    rows = canvass_query.cameras_along_route(db.session, route, 50, use_index=use_index)
    assert sorted(r["camera_id"] for r in rows) == sorted(c.id for c in near)


def test_the_route_search_uses_the_spatial_index(ctx):
    route = [(LON, LAT), (EAST_END[1], EAST_END[0]), (EAST_END[1], EAST_END[0] + 0.01)]
    params = canvass_query.cameras_along_route_params(route, 50)
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if postgres:
        # A county's worth of cameras in miniature, most of them active and far from the route,
        # so that the planner weighs the indexes as it does on real data.
        for i in range(120):
            factories.registration(LAT - 0.3 + 0.005 * i, LON - 0.3 + 0.0051 * (i % 97), cameras=2)
        db.session.execute(text("ANALYZE camera"))
        db.session.execute(text("ANALYZE registration"))
    plan = explain(db.session, canvass_query.cameras_along_route_sql(db.session), params)
    if postgres:
        assert "idx_camera_location" in plan and "Index" in plan, plan
    else:
        # the R*Tree searched with all four sides of each leg's box, the boxes read first
        assert re.search(r"SCAN b VIRTUAL TABLE INDEX .*\nSCAN i VIRTUAL TABLE INDEX 2:([BD]\d){4}", plan), plan
    scan = explain(db.session, canvass_query.cameras_along_route_sql(db.session, use_index=False), params)
    assert "idx_camera_location" not in scan and "VIRTUAL TABLE INDEX 2:D" not in scan, scan


def test_a_route_across_the_180th_meridian_is_refused_not_searched_round_the_globe(client, inv):
    """A 17 km hop from 179.9° to -179.9° at the camera's latitude was searched as a line round
    the whole globe (longitude and latitude): it found a camera half a world away."""
    case = factories.case()
    camera(LAT, LON, direction_deg=0)  # half a world from the hop, at its latitude
    response = route_search(client, inv, [[179.9, LAT], [-179.9, LAT]], case_id=case.id, width_m=100)
    assert response.status_code == 400, response.json
    assert response.json["field"] == "route" and "180th meridian" in response.json["message"]
