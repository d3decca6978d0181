"""Registry Staff forms: lat/lon inputs, field rules shown next to the field, input kept."""
import re

import pytest

from backoffice.extensions import db
from backoffice.models import Camera, Registration
from tests import factories
from tests.auth import csrf_token, login


def camera_form(reg_id: int, **overrides) -> dict:
    data = {
        "registration_id": str(reg_id),
        "label": "Side gate",
        "lat": "35.39",
        "lon": "-119.05",
        "direction_deg": "45",
        "fov_deg": "90",
        "range_m": "30",
        "retention_days": "14",
        "recording_mode": "motion",
        "system_type": "dvr_nvr",
        "make_model": "Acme NVR-8",
        "overlooks": "Alley behind the store",
    }
    data.update(overrides)
    return data


def test_staff_adds_a_camera_through_the_form(client):
    reg = factories.registration(lat=35.3902, lon=-119.0503, cameras=0)
    login(client, "staff")
    data = camera_form(reg.id, csrf_token=csrf_token(client, "/cameraview/add"))
    response = client.post("/cameraview/add", data=data)
    assert response.status_code == 302
    camera = db.session.query(Camera).filter_by(label="Side gate").one()
    assert (camera.lat, camera.lon) == pytest.approx((35.39, -119.05))
    assert camera.recording_mode == "motion"


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("fov_deg", "0", "Field of view must be a whole number of degrees from 1 to 360."),
        ("direction_deg", "400", "Facing direction must be a whole number of degrees from 0 to 359"),
        ("retention_days", "0", "Retention must be a whole number of days from 1 to 365."),
        ("range_m", "12.5", "Range must be a whole number of metres from 1 to 500."),
        ("lat", "99", "Latitude must be a number of degrees from -90 to 90."),
    ],
)
def test_bad_value_is_shown_next_to_the_field_and_input_is_kept(client, field, value, message):
    reg = factories.registration(cameras=0)
    login(client, "staff")
    data = camera_form(reg.id, csrf_token=csrf_token(client, "/cameraview/add"), **{field: value})
    response = client.post("/cameraview/add", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    assert f'value="{value}"' in html  # the bad value itself too
    assert 'value="Alley behind the store"' in html  # what was typed is kept
    assert db.session.query(Camera).filter_by(label="Side gate").count() == 0


def test_form_without_csrf_token_is_refused(client):
    reg = factories.registration(cameras=0)
    login(client, "staff")
    client.post("/cameraview/add", data=camera_form(reg.id))
    assert db.session.query(Camera).filter_by(label="Side gate").count() == 0


def test_edit_form_shows_and_moves_the_location(client):
    reg = factories.registration(lat=35.30, lon=-119.00)
    login(client, "staff")
    page = client.get(f"/registrationview/edit/{reg.id}").get_data(as_text=True)
    assert 'value="35.3"' in page
    data = {
        "owner_id": str(reg.owner_id), "address": reg.address, "city": reg.city, "state": "CA",
        "postal_code": "93301", "lat": "35.31", "lon": "-119.01", "status": "active",
        "terms_version": "", "next_confirmation_due": "", "notes": "",
        "csrf_token": csrf_token(client, f"/registrationview/edit/{reg.id}"),
    }
    response = client.post(f"/registrationview/edit/{reg.id}", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    moved = db.session.get(Registration, reg.id)
    assert (moved.lat, moved.lon) == pytest.approx((35.31, -119.01))


def test_unknown_registration_number_is_explained(client):
    login(client, "staff")
    data = camera_form(999999, csrf_token=csrf_token(client, "/cameraview/add"))
    html = client.post("/cameraview/add", data=data).get_data(as_text=True)
    assert "There is no registration number 999999." in html
    assert db.session.query(Camera).filter_by(label="Side gate").count() == 0


def test_add_camera_from_the_registration_page_fills_in_its_number(client):
    reg = factories.registration(cameras=0)
    login(client, "staff")
    html = client.get(f"/cameraview/add?_flt_0_registration={reg.id}").get_data(as_text=True)
    assert f'name="registration_id" type="text" value="{reg.id}"' in html or (
        f'value="{reg.id}"' in html and 'name="registration_id"' in html
    )


def test_list_and_form_pages_do_not_carry_every_related_record(client):
    """Regression: relationship filters and drop-downs listed every owner on each page."""
    regs = [factories.registration() for _ in range(12)]
    login(client, "staff")
    for url in ("/registrationview/list/?psize_RegistrationView=3", "/registrationview/add",
                "/cameraview/list/?psize_CameraView=3", "/cameraview/add"):
        html = client.get(url).get_data(as_text=True)
        shown = [r for r in regs if r.owner.name in html]
        assert len(shown) <= 3, url


@pytest.mark.parametrize(
    "lat, lon, message",
    [
        ("35.50", "-119.05", "must be within 500 m of the premises; this one is 12.2 km away"),
        ("36.90", "-119.05", "must lie within the county"),
        ("35.39", "", "Give both latitude and longitude"),
    ],
)
def test_a_camera_stands_near_its_premises_in_the_county(client, lat, lon, message):
    reg = factories.registration(lat=35.3902, lon=-119.0503, cameras=0)
    login(client, "staff")
    data = camera_form(reg.id, csrf_token=csrf_token(client, "/cameraview/add"), lat=lat, lon=lon)
    html = client.post("/cameraview/add", data=data).get_data(as_text=True)
    assert message in html
    assert f'value="{lat}"' in html and 'value="Alley behind the store"' in html
    assert db.session.query(Camera).filter_by(label="Side gate").count() == 0


def test_clearing_a_cameras_location_puts_it_back_at_the_premises(client):
    reg = factories.registration(lat=35.3902, lon=-119.0503, cameras=0)
    camera = Camera(label="Side gate", registration=reg)
    camera.set_location(35.3910, -119.0510)
    db.session.add(camera)
    db.session.flush()
    login(client, "staff")
    token = csrf_token(client, f"/cameraview/edit/{camera.id}")
    data = camera_form(reg.id, csrf_token=token, lat="", lon="")
    assert client.post(f"/cameraview/edit/{camera.id}", data=data).status_code == 302
    db.session.expire_all()
    assert (camera.lat, camera.lon) == pytest.approx((35.3902, -119.0503))


def test_staff_cannot_move_a_premises_out_of_the_county(client):
    reg = factories.registration(lat=35.30, lon=-119.00)
    login(client, "staff")
    page = client.get(f"/registrationview/edit/{reg.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = {"csrf_token": token, "owner_id": str(reg.owner_id), "address": reg.address, "city": reg.city,
            "state": "CA", "postal_code": "93301", "lat": "34.05", "lon": "-118.24", "status": "active",
            "terms_version": "", "next_confirmation_due": "", "notes": ""}
    html = client.post(f"/registrationview/edit/{reg.id}", data=data).get_data(as_text=True)
    assert "within the county" in html and 'value="34.05"' in html
    db.session.expire_all()
    assert db.session.get(Registration, reg.id).lat == pytest.approx(35.30)


def test_registration_notes_have_a_length_limit(client):
    reg = factories.registration(lat=35.30, lon=-119.00)
    login(client, "staff")
    page = client.get(f"/registrationview/edit/{reg.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = {"csrf_token": token, "owner_id": str(reg.owner_id), "address": reg.address, "city": reg.city,
            "state": "CA", "postal_code": "93301", "lat": "35.30", "lon": "-119.00", "status": "active",
            "terms_version": "", "next_confirmation_due": "", "notes": "n" * 2001}
    html = client.post(f"/registrationview/edit/{reg.id}", data=data).get_data(as_text=True)
    assert "2000" in html or "2,000" in html
    db.session.expire_all()
    assert not db.session.get(Registration, reg.id).notes
