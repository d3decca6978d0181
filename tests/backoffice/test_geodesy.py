"""Distances, bearings and offsets on the WGS 84 ellipsoid (geodesy.py, by GeographicLib)."""
import math

import pytest
from sqlalchemy import text

from backoffice import geodesy, spatial
from backoffice.extensions import db
from reports.canvass import map_inset
from tests import factories

LAT, LON = factories.BAKERSFIELD


def test_a_known_distance():
    """Wellington to Salamanca, GeographicLib's worked example (19,959,679.267 m)."""
    assert geodesy.distance_m(-41.32, 174.81, 40.96, -5.50) == pytest.approx(19_959_679.267, abs=0.001)


@pytest.mark.parametrize("bearing", [0, 30, 90, 181, 270, 359.5])
@pytest.mark.parametrize("distance", [0.7, 45, 500, 12_000])
def test_destination_bearing_and_distance_agree(bearing, distance):
    lat, lon = geodesy.destination(LAT, LON, bearing, distance)
    assert geodesy.distance_m(LAT, LON, lat, lon) == pytest.approx(distance, abs=1e-6)
    assert spatial.angle_between(geodesy.bearing_deg(LAT, LON, lat, lon), bearing) < 1e-6
    east, north = geodesy.east_north_m(lat, lon, LAT, LON)
    assert math.hypot(east, north) == pytest.approx(distance, abs=1e-6)
    assert (east, north) == pytest.approx(
        (distance * math.sin(math.radians(bearing)), distance * math.cos(math.radians(bearing))), abs=1e-6)


def test_offset_north_and_east():
    lat, lon = geodesy.offset(LAT, LON, 300, 400)
    assert geodesy.distance_m(LAT, LON, lat, lon) == pytest.approx(500, abs=1e-6)
    assert geodesy.east_north_m(lat, lon, LAT, LON) == pytest.approx((400, 300), abs=1e-6)


def test_the_databases_measure_as_geodesy_does(ctx):
    """The canvass ranks by the database's distance and draws by geodesy's: the two agree."""
    lat, lon = geodesy.destination(LAT, LON, 63, 1_234.5)
    sql = ("SELECT ST_Distance(MakePoint(:lon1, :lat1, 4326), MakePoint(:lon2, :lat2, 4326), 1)"
           if db.session.get_bind().dialect.name == "sqlite" else
           "SELECT ST_Distance(ST_SetSRID(ST_MakePoint(:lon1, :lat1), 4326)::geography,"
           " ST_SetSRID(ST_MakePoint(:lon2, :lat2), 4326)::geography)")
    measured = db.session.execute(text(sql), {"lat1": LAT, "lon1": LON, "lat2": lat, "lon2": lon}).scalar_one()
    assert measured == pytest.approx(1_234.5, abs=0.01)


def test_the_box_holds_every_point_of_the_radius():
    """radius_box (the one degree margin left) errs large at any latitude and bearing."""
    for lat in (0.0, LAT, 60.0, 84.0):
        box = spatial.radius_box(lat, LON, 2_000)
        for bearing in range(0, 360, 15):
            p_lat, p_lon = geodesy.destination(lat, LON, bearing, 2_000)
            assert box.min_lat < p_lat < box.max_lat and box.min_lon < p_lon < box.max_lon


def test_the_sheet_map_draws_cameras_at_their_true_distance():
    """150 m due east on a 300 m sheet: half the radius circle to the right of the centre."""
    lat, lon = geodesy.destination(LAT, LON, 90, 150)
    inset = map_inset(LAT, LON, 300, [{"lat": lat, "lon": lon, "direction_deg": None, "fov_deg": 360}])
    [camera] = inset["cameras"]
    assert camera["x"] == pytest.approx(inset["centre"] + inset["radius"] / 2, abs=0.1)
    assert camera["y"] == pytest.approx(inset["centre"], abs=0.1)
