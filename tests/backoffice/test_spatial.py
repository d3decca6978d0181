"""The spatial query module: geodesic distances, view sectors, index use on both databases."""
import pytest
from geographiclib.geodesic import Geodesic

from backoffice import geodesy, spatial
from backoffice.canvass import query as canvass_query
from backoffice.extensions import db
from tests import factories

WGS84 = Geodesic.WGS84
LAT, LON = factories.BAKERSFIELD


def offset(distance_m: float, azimuth: float, lat: float = LAT, lon: float = LON):
    """The point distance_m metres from lat/lon along azimuth (geodesic)."""
    line = WGS84.Direct(lat, lon, azimuth, distance_m)
    return line["lat2"], line["lon2"]


# --- pure helpers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "direction, fov, range_m, distance, bearing, expected",
    [
        (0, 90, 30, 10, 0, True),  # straight ahead
        (0, 90, 30, 10, 44.9, True),  # just inside the edge
        (0, 90, 30, 10, 45.0, True),  # on the edge
        (0, 90, 30, 10, 45.2, False),  # just outside the edge
        (0, 90, 30, 10, 315.5, True),  # wraps below 0
        (350, 40, 30, 10, 5, True),  # sector 330..10 crosses north
        (350, 40, 30, 10, 11, False),
        (10, 40, 30, 10, 351, True),  # sector 350..30 crosses north from the other side
        (10, 40, 30, 10, 349, False),
        (359, 2, 30, 10, 0, True),
        (180, 90, 30, 10, 0, False),  # facing away
        (0, 90, 30, 30.0, 0, True),  # exactly at range
        (0, 90, 30, 30.5, 0, False),  # just outside range
        (None, 90, 30, 10, 0, None),  # direction unknown
        (None, 90, 30, 300, 0, None),  # direction unknown, even far away
        (None, 360, 30, 10, 123, True),  # dome with no direction sees all around
        (90, 360, 30, 10, 270, True),  # dome: the direction does not matter
        (90, 360, 30, 31, 90, False),  # dome, but out of range
        (0, 90, 30, 0.0, None, True),  # the point is at the camera
    ],
)
def test_in_view(direction, fov, range_m, distance, bearing, expected):
    assert spatial.in_view(direction, fov, range_m, distance, bearing) is expected


@pytest.mark.parametrize(
    "direction, fov, range_m, distance, bearing, expected",
    [
        (0, 90, 30, 10, 0, "in_view"),
        (180, 90, 30, 10, 0, "facing_away"),
        (0, 90, 30, 30.5, 0, "too_far"),  # facing the point but beyond its range: not "facing away"
        (180, 90, 30, 300, 0, "too_far"),
        (None, 90, 30, 10, 0, "unknown"),
        (None, 90, 30, 300, 0, "too_far"),  # direction unknown, but out of reach either way
        (90, 360, 30, 10, 270, "in_view"),  # dome
        (90, 360, 30, 31, 90, "too_far"),
        (0, 90, None, 5000, 0, "in_view"),  # range not known: not judged too far
    ],
)
def test_view(direction, fov, range_m, distance, bearing, expected):
    assert spatial.view_of(direction, fov, range_m, distance, bearing) == expected
    assert spatial.in_view(direction, fov, range_m, distance, bearing) is {
        "in_view": True, "facing_away": False, "too_far": False, "unknown": None
    }[expected] or (expected == "too_far" and direction is None)


@pytest.mark.parametrize("azimuth", [0, 45, 90, 135, 180, 225, 270, 315, 359])
def test_bearing_matches_the_geodesic_azimuth(azimuth):
    lat, lon = offset(200, azimuth)
    assert spatial.angle_between(geodesy.bearing_deg(LAT, LON, lat, lon), azimuth) < 1e-6


def test_angle_between_wraps():
    assert spatial.angle_between(350, 10) == 20
    assert spatial.angle_between(10, 350) == 20
    assert spatial.angle_between(0, 180) == 180


@pytest.mark.parametrize("lat", [0.0, 35.37, 64.8, -45.0])
def test_radius_box_holds_the_whole_circle(lat):
    box = spatial.radius_box(lat, 10.0, 2000)
    for azimuth in range(0, 360, 15):
        plat, plon = offset(2000, azimuth, lat, 10.0)
        assert box.min_lat <= plat <= box.max_lat
        assert box.min_lon <= plon <= box.max_lon


# --- queries -----------------------------------------------------------------------------


def camera_at(distance_m: float, azimuth: float, status: str = "active", **camera):
    """A registration with one camera distance_m from the test point."""
    lat, lon = offset(distance_m, azimuth)
    reg = factories.registration(lat, lon, cameras=0, status=status)
    from backoffice.models import Camera

    cam = Camera(label=camera.pop("label", f"{distance_m} m"), **camera)
    reg.cameras.append(cam)
    db.session.flush()
    return cam


@pytest.mark.parametrize("use_index", [True, False])
def test_distances_within_one_percent_of_the_geodesic(ctx, use_index):
    placed = {}
    for distance, azimuth in [(3, 10), (75, 100), (299, 200), (1200, 300), (1995, 45)]:
        cam = camera_at(distance, azimuth)
        placed[cam.id] = (cam.lat, cam.lon)
    outside = camera_at(2015, 135)
    rows = canvass_query.cameras_within(db.session, LAT, LON, 2000, use_index=use_index)
    found = {row["camera_id"]: row for row in rows}
    assert set(found) == set(placed)
    assert outside.id not in found
    for camera_id, (lat, lon) in placed.items():
        truth = WGS84.Inverse(LAT, LON, lat, lon)["s12"]
        assert found[camera_id]["distance_m"] == pytest.approx(truth, rel=0.01, abs=0.05)
        assert found[camera_id]["lat"] == pytest.approx(lat, abs=1e-9)


def test_the_bearing_each_database_returns_is_the_geodesic_azimuth(ctx):
    """The search returns each camera's bearing to the place, computed by the database on the
    ellipsoid: the same as GeographicLib's, in every direction, far north and south too; None
    where the camera stands on the place itself."""
    for lat, lon in [(LAT, LON), (64.8, -147.7), (-45.0, 170.5)]:
        placed = {}
        for distance, azimuth in [(40, 0.5), (120, 89.9), (250, 180), (500, 271.3), (900, 359.6)]:
            clat, clon = offset(distance, azimuth, lat, lon)
            reg = factories.registration(clat, clon, cameras=1)
            placed[reg.cameras[0].id] = (clat, clon)
        db.session.flush()
        rows = {row["camera_id"]: row for row in canvass_query.cameras_within(db.session, lat, lon, 1000)}
        for camera_id, (clat, clon) in placed.items():
            truth = geodesy.bearing_deg(clat, clon, lat, lon)
            assert spatial.angle_between(rows[camera_id]["bearing_deg"] % 360, truth) < 1e-6, (lat, lon)
    here = factories.registration(LAT, LON, cameras=1).cameras[0]
    db.session.flush()
    rows = {row["camera_id"]: row for row in canvass_query.cameras_within(db.session, LAT, LON, 10)}
    assert rows[here.id]["bearing_deg"] is None and rows[here.id]["distance_m"] == 0


def test_only_active_registrations_are_found(ctx):
    active = camera_at(50, 0)
    for status in ("pending", "lapsed", "withdrawn"):
        camera_at(50, 90, status=status)
    rows = canvass_query.cameras_within(db.session, LAT, LON, 300)
    assert [row["camera_id"] for row in rows] == [active.id]


def test_radius_search_uses_the_spatial_index(ctx):
    params = canvass_query.cameras_within_params(LAT, LON, 300)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(spatial.text("SET LOCAL enable_seqscan = off"))
    plan = spatial.explain(db.session, canvass_query.cameras_within_sql(db.session), params)
    if db.session.get_bind().dialect.name == "sqlite":
        assert "idx_camera_location" in plan and "VIRTUAL TABLE" in plan, plan
    else:
        assert "idx_camera_location" in plan and "Index" in plan, plan
    scan = spatial.explain(
        db.session, canvass_query.cameras_within_sql(db.session, use_index=False), params
    )
    assert "idx_camera_location" not in scan, scan


def test_box_query_and_clusters(ctx):
    near = [camera_at(100 * i, 60) for i in range(1, 4)]
    camera_at(150, 240, status="withdrawn")
    box = spatial.Box(LON - 0.05, LAT - 0.05, LON + 0.05, LAT + 0.05)
    rows = spatial.cameras_in_box(db.session, box, 100)
    assert {row.camera_id for row in rows} == {cam.id for cam in near}
    assert {row.status for row in rows} == {"active"}
    assert len(spatial.cameras_in_box(db.session, box, 2)) == 2
    clusters = spatial.camera_clusters(db.session, box, 4)
    assert sum(c.n for c in clusters) == 3
    assert sum(c.active for c in clusters) == 3
    far = spatial.Box(LON + 1, LAT + 1, LON + 1.1, LAT + 1.1)
    assert spatial.cameras_in_box(db.session, far, 100) == []
