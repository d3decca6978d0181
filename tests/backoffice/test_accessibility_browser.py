"""The main backoffice screens pass an automated accessibility check (axe-core in Debian's
chromium): no serious or critical violations, for every role's own screens."""
from pathlib import Path

import pytest

from tests import factories
from tests.browser import DESK, needs_chromium, open_page, serve, shoot, sign_in

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SCREENS = {
    "staff": ["/", "/registrationview/list/", "/review/", "/review/{review}",
              "/registrationview/show/{review}", "/dueregistrationview/list/", "/cameraview/list/",
              "/ownerview/list/", "/registrationview/add"],
    "investigator": ["/", "/caseview/list/", "/caseview/add", "/map/", "/footagerequestview/list/", "/footage/new",
                     "/footage/{request}", "/caseview/show/{case}"],
    "supervisor": ["/", "/footage/approvals"],
    "auditor": ["/", "/auditeventview/list/"],
    "admin": ["/", "/users/list/", "/agencyview/list/", "/users/add"],
}

pytestmark = [needs_chromium, pytest.mark.skipif(not AXE.exists(), reason="axe-core comes from npm (make setup)")]


@pytest.fixture()
def records(app):
    """A registration waiting for review and a consented footage request, committed (the browser
    reads them through a server thread) and removed afterwards."""
    from datetime import datetime, timezone

    from sqlalchemy import delete

    from backoffice.extensions import db
    from backoffice.models import Camera, Case, FootageRequest, Owner, Registration, RegistrationLifecycle
    from backoffice.models.case import footage_request_camera

    with app.app_context():
        waiting = factories.registration(status="pending", address="3 Contrast Court")
        waiting.lifecycle = RegistrationLifecycle(verified_at=datetime.now(timezone.utc))
        request = factories.footage_request(state="consented", consent_given_by="Pat Owner",
                                            consent_method="phone", consent_scope="evidence_only")
        db.session.commit()
        ids = {"review": waiting.id, "request": request.id, "case": request.case_id,
               "registrations": [waiting.id, request.registration_id]}
        db.session.remove()
    yield ids
    with app.app_context():
        db.session.execute(delete(footage_request_camera).where(
            footage_request_camera.c.footage_request_id == ids["request"]))
        db.session.execute(delete(FootageRequest).where(FootageRequest.id == ids["request"]))
        db.session.execute(delete(Case).where(Case.id == ids["case"]))
        owners = [o for o, in db.session.query(Registration.owner_id).filter(Registration.id.in_(ids["registrations"]))]
        db.session.execute(delete(Camera).where(Camera.registration_id.in_(ids["registrations"])))
        db.session.execute(delete(RegistrationLifecycle).where(
            RegistrationLifecycle.registration_id.in_(ids["registrations"])))
        db.session.execute(delete(Registration).where(Registration.id.in_(ids["registrations"])))
        db.session.execute(delete(Owner).where(Owner.id.in_(owners)))
        db.session.commit()
        db.session.remove()


@pytest.mark.parametrize("username", list(SCREENS))
def test_screens_have_no_serious_accessibility_violations(app, username, records):
    base, stop = serve(app)
    playwright, browser, page = open_page(DESK, app.config["TIMEZONE"])
    try:
        sign_in(page, base, username, factories.PASSWORD)
        found = {}
        for url in SCREENS[username]:
            url = url.format(**records)
            page.goto(base + url)
            page.wait_for_load_state("networkidle")
            page.evaluate(AXE.read_text())
            result = page.evaluate("async () => await axe.run(document)")
            serious = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
                       if v["impact"] in ("serious", "critical")]
            if serious:
                found[url] = serious
                shoot(page, f"a11y-{username}{url.replace('/', '-')}")
        assert not found, found
    finally:
        browser.close()
        playwright.stop()
        stop()
