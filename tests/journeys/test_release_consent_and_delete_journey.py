"""A supervisor releases footage the owner did not consent to only with a written override reason,
which the request page and the approval queue then show; an administrator deletes a case only
after saying why, and a refused delete keeps what was typed. Clicked and typed in the browser,
checked in the database."""
import json

from backoffice.extensions import db
from backoffice.localtime import utcnow
from backoffice.models import Case, FootageRequest
from tests import factories
from tests.browser import needs_chromium
from tests.journeys.cases_kit import (
    audit_events, in_db, offset, unique_case_number,
)
from tests.journeys.test_oversight_journey import ask_for_release

pytestmark = needs_chromium
SCENE = (35.3290, -119.0700)


def test_a_release_without_the_owners_consent_needs_an_override_reason(journey, app):
    page = journey.page
    started = utcnow()
    request_id = journey.collected_request(unique_case_number("OVR"), SCENE, scope="evidence_only")
    journey.sign_in("investigator")
    ask_for_release(journey, request_id, "Stills for a bulletin")

    journey.sign_in("supervisor")
    journey.menu("Footage", "Approval queue")
    row = page.locator("#approvals tr").filter(has=page.get_by_role("link", name=f"#{request_id}", exact=True))
    assert "owner did not consent to media release" in row.inner_text()
    page.on("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Approve release").click()
    page.locator(".alert-danger").filter(has_text="consented to evidence use only").wait_for()
    journey.shoot("override-01-refused")
    assert in_db(app, lambda: db.session.get(FootageRequest, request_id).state) == "release_pending"

    row = page.locator("#approvals tr").filter(has=page.get_by_role("link", name=f"#{request_id}", exact=True))
    row.get_by_label("Why release it without the owner's consent").fill("Suspect armed; public safety")
    row.get_by_role("button", name="Approve release").click()
    page.get_by_text("the request is now released").wait_for()
    journey.shoot("override-02-approved")
    overrides = page.locator("#override-releases")
    assert "Suspect armed; public safety" in overrides.inner_text() and f"#{request_id}" in overrides.inner_text()

    overrides.get_by_role("link", name=f"#{request_id}", exact=True).click()
    grounds = page.locator("#release-grounds").inner_text()
    assert "without the owner's consent" in grounds and "Suspect armed; public safety" in grounds
    assert "Suspect armed; public safety" in page.locator("#history").inner_text()
    [event] = [e for e in audit_events(app, "footage_request.approve_release", since=started)
               if e["object_id"] == request_id]
    assert json.loads(event["detail"])["override_reason"] == "Suspect armed; public safety"


def test_an_admin_deletes_a_case_only_with_a_reason(journey, app):
    page = journey.page
    started = utcnow()
    busy_number = unique_case_number("DELBUSY")
    busy = journey.collected_request(busy_number, offset(SCENE, north_m=80))
    busy_case = in_db(app, lambda: db.session.get(FootageRequest, busy).case_id)
    number = unique_case_number("DEL")

    def make():
        case = factories.case(0, case_number=number)
        db.session.commit()
        return case.id
    empty_case = in_db(app, make)

    journey.sign_in("admin")
    page.on("dialog", lambda dialog: dialog.accept())
    journey.menu("Investigations", "Cases")
    page.locator("table tbody tr").filter(has_text=busy_number).locator("[id^='btn-delete-']").click()  # FAB's bin icon, labelled Delete
    page.locator("#modal-confirm").get_by_text("OK", exact=True).click()
    page.get_by_label("Why delete it").fill("Opened twice by mistake")
    page.get_by_role("button", name="Delete for good").click()
    page.locator("#delete-problem").wait_for()
    journey.shoot("delete-01-refused-keeps-reason")
    assert page.get_by_label("Why delete it").input_value() == "Opened twice by mistake"
    assert in_db(app, lambda: db.session.get(Case, busy_case)) is not None

    journey.menu("Investigations", "Cases")
    page.locator("table tbody tr").filter(has_text=number).locator("[id^='btn-delete-']").click()  # FAB's bin icon, labelled Delete
    page.locator("#modal-confirm").get_by_text("OK", exact=True).click()
    page.get_by_label("Why delete it").fill("Test case opened in training")
    page.get_by_role("button", name="Delete for good").click()
    page.get_by_text("The reason is kept in the audit log").first.wait_for()
    journey.shoot("delete-02-deleted")
    assert in_db(app, lambda: db.session.get(Case, empty_case)) is None
    [event] = [e for e in audit_events(app, "case.deleted", since=started) if e["object_id"] == empty_case]
    assert json.loads(event["detail"])["reason"] == "Test case opened in training"
    assert event["username"] == "admin"
