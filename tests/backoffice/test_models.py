"""The data model: locations as lat/lon, field rules, defaults."""
import pytest

from backoffice.extensions import db
from backoffice.models import Camera, Registration
from backoffice.models.validation import FieldError
from tests import factories


def test_location_round_trips_as_lat_lon(ctx):
    reg = factories.registration(lat=35.5, lon=-119.25)
    db.session.expire_all()
    loaded = db.session.get(Registration, reg.id)
    assert loaded.lat == pytest.approx(35.5)
    assert loaded.lon == pytest.approx(-119.25)


def test_camera_defaults_to_premises_location(ctx):
    reg = factories.registration(lat=35.4, lon=-119.1, cameras=1)
    db.session.expire_all()
    camera = db.session.get(Camera, reg.cameras[0].id)
    assert (camera.lat, camera.lon) == pytest.approx((35.4, -119.1))


def test_setting_lat_then_lon_moves_the_point(ctx):
    reg = factories.registration(lat=35.0, lon=-119.0)
    reg.lat = 36.0
    assert (reg.lat, reg.lon) == pytest.approx((36.0, -119.0))
    reg.lon = -118.5
    db.session.flush()
    db.session.expire_all()
    assert (reg.lat, reg.lon) == pytest.approx((36.0, -118.5))


@pytest.mark.parametrize(
    "field, value",
    [
        ("direction_deg", 360),
        ("direction_deg", -1),
        ("fov_deg", 0),
        ("fov_deg", 361),
        ("range_m", 0),
        ("range_m", 501),
        ("retention_days", 0),
        ("retention_days", 366),
        ("recording_mode", "sometimes"),
        ("system_type", "vhs"),
    ],
)
def test_camera_rules_reject_out_of_range_values(ctx, field, value):
    with pytest.raises(FieldError) as excinfo:
        Camera(label="x", **{field: value})
    assert excinfo.value.field == field


@pytest.mark.parametrize("lat, lon", [(91, 0), (-91, 0), (0, 181), (0, -181)])
def test_locations_outside_wgs84_are_refused(ctx, lat, lon):
    reg = Registration(address="1 Main St", city="Bakersfield")
    with pytest.raises(FieldError):
        reg.set_location(lat, lon)


@pytest.mark.parametrize(
    "field, value", [("email", "not-an-email"), ("phone", "12"), ("kind", "alien")]
)
def test_owner_rules(ctx, field, value):
    with pytest.raises(FieldError):
        factories.owner(**{field: value})


def test_direction_may_be_unknown(ctx):
    camera = Camera(label="Dome", direction_deg=None, fov_deg=360)
    assert camera.direction_deg is None


@pytest.mark.parametrize("field, value", [("lat", "abc"), ("lat", float("nan")), ("lon", "inf"), ("lon", 200)])
def test_coordinates_set_on_a_record_follow_the_rule(ctx, field, value):
    """Regression: lat = "abc" raised a bare ValueError (a server error), not a field error."""
    registration = Registration(address="1 Rule Way", city="Bakersfield")
    with pytest.raises(FieldError) as refused:
        setattr(registration, field, value)
    assert refused.value.field == field
