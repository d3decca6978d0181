"""The map page in a real browser (Debian's chromium driven by playwright-core from npm).

Skipped where `npm install` has not been run or chromium is missing.
"""
import json
import shutil
import subprocess
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from geographiclib.geodesic import Geodesic
from sqlalchemy import delete
from werkzeug.serving import make_server

from backoffice.extensions import db
from backoffice.geocoding.keys import lookup_keys, search_key
from backoffice.models import (
    AddressKey,
    AddressPoint,
    AuditEvent,
    Camera,
    Case,
    ContactAttempt,
    FootageRequest,
    Owner,
    Registration,
    RequestTransition,
    footage_request_camera,
)
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "e2e" / "map.mjs"

pytestmark = pytest.mark.skipif(
    not (ROOT / "node_modules" / "playwright-core").exists() or not shutil.which("chromium")
    or not shutil.which("node"),
    reason="needs `npm install` (playwright-core) and Debian's chromium",
)


# A stored-markup probe: if the map ever inserted it as HTML, the handler would run.
LABEL = 'Front door <img src=x onerror="window.__injected=true">'


@pytest.fixture()
def live(app):
    """A served app with a committed case and one camera 50 m north of it; removed afterwards."""
    with app.app_context():
        agency = factories.agency(0)
        now = datetime.now(timezone.utc)
        case = Case(agency_id=agency.id, case_number="E2E-MAP-1", incident_type="burglary",
                    occurred_from=now - timedelta(hours=2), occurred_to=now - timedelta(hours=1))
        case.set_location(*factories.BAKERSFIELD)
        owner = Owner(kind="business", name="Corner Store", organisation=LABEL,
                      email="store@e2e.example.net")
        spot = Geodesic.WGS84.Direct(*factories.BAKERSFIELD, 0, 50)
        reg = Registration(owner=owner, address="1 E2E Street", city="Bakersfield", status="active")
        reg.set_location(spot["lat2"], spot["lon2"])
        reg.cameras.append(Camera(label=LABEL, direction_deg=180, fov_deg=90, range_m=80))
        point = AddressPoint(address="77 E2E Avenue", city="Bakersfield", postal_code="93301",
                             search_key=search_key("77 E2E Avenue", "Bakersfield", "93301"),
                             lat=35.36, lon=-119.03)
        point.keys = [AddressKey(key=key) for key in lookup_keys(point.address, point.city, point.postal_code)]
        db.session.add_all([case, reg, point])
        db.session.commit()
        ids = case.id, reg.id, owner.id, point.id
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", ids
    finally:
        server.shutdown()
        with app.app_context():
            case_id, reg_id, owner_id, point_id = ids
            db.session.execute(delete(AddressPoint).where(AddressPoint.id == point_id))
            requests = [r.id for r in db.session.query(FootageRequest.id).filter_by(case_id=case_id)]
            db.session.execute(delete(footage_request_camera).where(
                footage_request_camera.c.footage_request_id.in_(requests)))
            for child in (RequestTransition, ContactAttempt):
                db.session.execute(delete(child).where(child.footage_request_id.in_(requests)))
            db.session.execute(delete(FootageRequest).where(FootageRequest.case_id == case_id))
            db.session.execute(delete(Camera).where(Camera.registration_id == reg_id))
            db.session.execute(delete(Registration).where(Registration.id == reg_id))
            db.session.execute(delete(Owner).where(Owner.id == owner_id))
            db.session.execute(delete(Case).where(Case.id == case_id))
            db.session.commit()


def test_investigator_searches_reveals_and_requests_on_the_map(live, tmp_path):
    url, (case_id, reg_id, _owner_id, _point_id) = live
    run = subprocess.run(
        ["node", str(SCRIPT), url, "investigator", factories.PASSWORD, str(tmp_path / "map.png"), str(case_id)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["errors"] == []
    lat, lon = (float(v) for v in result["picked"])
    assert abs(lat - 35.3733) < 0.2 and abs(lon + 119.0187) < 0.2
    assert [float(v) for v in result["addressed"][:2]] == [35.36, -119.03]  # from the address point
    assert result["addressed"][2] == "77 E2E Avenue, Bakersfield 93301"
    assert result["disabledBefore"] is True  # no search before a case is chosen
    assert result["rows"] == 1
    assert LABEL in result["first"] and "in view" in result["first"]  # shown as text
    assert result["injected"] is False  # ... and never run as markup
    assert "footage lost in" in result["first"]
    assert result["numbered"] == 1
    assert LABEL in result["popup"]  # the row's number opened its camera on the map
    assert result["sheet"].startswith(f"/api/v1/case/{case_id}/canvass.pdf?radius_m=300")  # this search
    assert "store@e2e.example.net" in result["contact"]
    assert result["message"].startswith("1 footage request opened.")
    assert "Request #" in result["message"] and "1 E2E Street, Bakersfield" in result["message"]
    assert (tmp_path / "map.png").stat().st_size > 10_000


ROUTE_SCRIPT = ROOT / "tests" / "e2e" / "map_route.mjs"


def test_investigator_draws_an_escape_route_and_searches_along_it(live, tmp_path, app):
    url, (case_id, reg_id, _owner_id, _point_id) = live
    shot = tmp_path / "route.png"
    run = subprocess.run(
        ["node", str(ROUTE_SCRIPT), url, "investigator", factories.PASSWORD, str(shot), str(case_id)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["errors"] == []
    assert result["radiusShownBefore"] is True
    assert (result["widthShown"], result["radiusShown"]) == (True, False)
    assert "Draw the escape route first" in result["noRoute"]
    assert result["status"].startswith("3 points, ")  # four clicks, one taken back
    assert len(result["rows"]) == 1 and LABEL in result["rows"][0] and "in view" in result["rows"][0]
    assert result["numbered"] == 1
    assert result["message"] == "1 camera within 100 m either side of the route."
    assert result["sheet"].startswith(f"/api/v1/case/{case_id}/canvass.pdf?route=")
    assert result["pdf"] == "application/pdf 200"
    assert shot.stat().st_size > 10_000
    with app.app_context():
        events = db.session.query(AuditEvent).filter_by(
            action="canvass.route_search", object_type="case", object_id=case_id).order_by(AuditEvent.id).all()
        assert len(events) == 2  # the search, and the sheet's own search
        detail = json.loads(events[0].detail)
        assert detail["width_m"] == 200 and detail["registration_ids"] == [reg_id]
        assert len(detail["route"]["coordinates"]) == 3 and events[0].username == "investigator"
    shutil.copy(shot, "/tmp/canvass-route-map.png")


def test_a_route_point_clicked_on_a_cluster_of_cameras_is_added_where_clicked(live, app):
    """Drawing along a street lined with cameras: a click that lands on a cluster of cameras adds
    the route's point there, as anywhere else on the map, instead of zooming the map in."""
    from tests.browser import DESK, open_page, shoot, sign_in

    url, (case_id, reg_id, _owner_id, _point_id) = live
    with app.app_context():
        reg = db.session.get(Registration, reg_id)
        reg.cameras.append(Camera(label="Side door", direction_deg=90, fov_deg=90, range_m=80))
        db.session.commit()
    playwright, browser, page = open_page(DESK, app.config["TIMEZONE"])
    try:
        sign_in(page, url, "investigator", factories.PASSWORD)
        page.goto(f"{url}/map/?case_id={case_id}")
        page.check("#mode-route")
        cluster = page.locator(".marker-cluster").first
        cluster.wait_for()
        page.click("#map", position={"x": 60, "y": 60})
        box = cluster.bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.click("#map", position={"x": 80, "y": 400})
        shoot(page, "map-route-over-a-cluster")
        assert page.inner_text("#route-status").startswith("3 points, ")
        assert cluster.is_visible()  # still at the zoom it was drawn at: the cluster was not opened
    finally:
        browser.close()
        playwright.stop()
