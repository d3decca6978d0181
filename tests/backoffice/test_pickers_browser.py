"""Forms that link to a record, in a real browser: staff find the registration by typing part
of its address; an investigator picks the premises from a search near the case."""
from datetime import datetime, timedelta, timezone

import pytest
from geographiclib.geodesic import Geodesic
from sqlalchemy import delete, select

from backoffice.extensions import db
from backoffice.models import (
    Camera,
    Case,
    FootageRequest,
    Owner,
    Registration,
    RequestTransition,
    footage_request_camera,
)
from tests import factories
from tests.browser import DESK, needs_chromium, open_page, serve, shoot, sign_in

pytestmark = needs_chromium
PREFIX = "E2E-PICK-"


@pytest.fixture()
def world(app):
    """A committed case and a registration 60 m north of it, both removed afterwards."""
    with app.app_context():
        now = datetime.now(timezone.utc)
        case = Case(agency_id=factories.agency(0).id, case_number=f"{PREFIX}1", incident_type="robbery",
                    occurred_from=now - timedelta(hours=3), occurred_to=now - timedelta(hours=2))
        case.set_location(*factories.BAKERSFIELD)
        owner = Owner(kind="resident", name="Quetzalli Ortega", email="q.ortega@pick.example.net")
        spot = Geodesic.WGS84.Direct(*factories.BAKERSFIELD, 0, 60)
        reg = Registration(owner=owner, address="4471 Marigold Crescent", city="Bakersfield", status="active")
        reg.set_location(spot["lat2"], spot["lon2"])
        reg.cameras.append(Camera(label="Porch", direction_deg=180, fov_deg=90, range_m=80))
        db.session.add_all([case, reg])
        db.session.commit()
        ids = {"case": case.id, "registration": reg.id, "owner": owner.id, "camera": reg.cameras[0].id}
        db.session.remove()
    base, stop = serve(app)
    playwright, browser, page = open_page(DESK, app.config["TIMEZONE"])
    try:
        yield page, base, ids
    finally:
        browser.close()
        playwright.stop()
        stop()
        with app.app_context():
            requests = [r for r, in db.session.execute(
                select(FootageRequest.id).where(FootageRequest.case_id == ids["case"]))]
            db.session.execute(delete(footage_request_camera).where(
                footage_request_camera.c.footage_request_id.in_(requests)))
            db.session.execute(delete(RequestTransition).where(RequestTransition.footage_request_id.in_(requests)))
            db.session.execute(delete(FootageRequest).where(FootageRequest.id.in_(requests)))
            db.session.execute(delete(Camera).where(Camera.registration_id == ids["registration"]))
            db.session.execute(delete(Registration).where(Registration.id == ids["registration"]))
            db.session.execute(delete(Owner).where(Owner.id == ids["owner"]))
            db.session.execute(delete(Case).where(Case.id == ids["case"]))
            db.session.commit()
            db.session.remove()


def test_staff_find_the_registration_by_its_address(world, app):
    page, base, ids = world
    sign_in(page, base, "staff", factories.PASSWORD)
    page.goto(f"{base}/cameraview/add")
    page.get_by_label("Find it").type("marigold cres", delay=30)
    page.get_by_role("option", name="4471 Marigold Crescent").click()
    assert page.locator("#registration_id").input_value() == str(ids["registration"])
    assert "Quetzalli Ortega" in page.locator("#registration_id-chosen").inner_text()
    page.get_by_label("Label").fill("Side gate")
    shoot(page, "staff-camera-form-registration-found")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    shoot(page, "staff-camera-saved")
    page.get_by_text("Saved.").first.wait_for()
    with app.app_context():
        camera = db.session.execute(select(Camera).where(
            Camera.registration_id == ids["registration"], Camera.label == "Side gate")).scalar_one()
        assert camera.lat == pytest.approx(Geodesic.WGS84.Direct(*factories.BAKERSFIELD, 0, 60)["lat2"])
        db.session.remove()


def test_a_typed_number_is_named_and_a_wrong_one_says_so(world):
    page, base, ids = world
    sign_in(page, base, "staff", factories.PASSWORD)
    page.goto(f"{base}/cameraview/add")
    number = page.locator("#registration_id")
    number.fill(str(ids["registration"]))
    number.press("Tab")
    page.get_by_text("Chosen: #").wait_for()
    assert "4471 Marigold Crescent" in page.locator("#registration_id-chosen").inner_text()
    number.fill("999999")
    number.press("Tab")
    page.get_by_text("There is no record number 999999.").wait_for()


def test_the_investigator_picks_premises_found_near_the_case(world, app):
    page, base, ids = world
    sign_in(page, base, "investigator", factories.PASSWORD)
    page.goto(f"{base}/footage/new")
    page.get_by_label("Case", exact=True).select_option(str(ids["case"]))
    page.get_by_role("button", name="Search near the case").click()
    page.get_by_text("premises found within").wait_for()
    option = page.locator("#nearby option", has_text="4471 Marigold Crescent")
    assert "1 camera" in option.inner_text() and "in view" in option.inner_text()
    page.get_by_label("Premises near the case").select_option(str(ids["registration"]))
    assert page.locator("#registration_id").input_value() == str(ids["registration"])
    page.get_by_label("Porch").check()
    assert page.locator("#camera_ids").input_value() == str(ids["camera"])
    shoot(page, "investigator-new-request-premises-near-the-case")
    page.get_by_role("button", name="Open request").click()
    page.get_by_text("opened").first.wait_for()
    with app.app_context():
        made = db.session.execute(select(FootageRequest).where(
            FootageRequest.case_id == ids["case"])).scalar_one()
        assert made.registration_id == ids["registration"] and made.camera_ids == [ids["camera"]]
        db.session.remove()
