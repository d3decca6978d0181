"""An investigator types county local time into the case form and the map in a real browser
(Debian's chromium), including the fall-back night's repeated hour; the database is checked."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import delete, select

from backoffice.extensions import db
from backoffice.models import AuditEvent, Case
from tests import factories
from tests.browser import needs_chromium, open_page, serve, shoot, sign_in, type_datetime, DESK

pytestmark = needs_chromium
UTC = timezone.utc
PREFIX = "E2E-TZ-"


@pytest.fixture()
def desk(app):
    """A desktop browser page in the county's zone, on a served app; cases it opened are removed."""
    base, stop = serve(app)
    playwright, browser, page = open_page(DESK, app.config["TIMEZONE"])
    try:
        yield page, base
    finally:
        browser.close()
        playwright.stop()
        stop()
        with app.app_context():
            db.session.execute(delete(Case).where(Case.case_number.like(f"{PREFIX}%")))
            db.session.commit()
            db.session.remove()


def stored(app, number: str) -> Case | None:
    with app.app_context():
        case = db.session.execute(select(Case).where(Case.case_number == number)).scalar_one_or_none()
        db.session.expunge_all() if case else None
        db.session.remove()
        return case


def fill_case(page, number: str) -> None:
    page.get_by_label("Case number").fill(number)
    page.get_by_label("Incident type").fill("robbery")
    page.get_by_label("Latitude").fill("35.3733")
    page.get_by_label("Longitude").fill("-119.0187")


def test_investigator_opens_a_case_at_half_past_ten_at_night(desk, app):
    page, base = desk
    sign_in(page, base, "investigator", factories.PASSWORD)
    page.get_by_role("link", name="Investigations").click()
    page.get_by_role("link", name="Cases").click()
    page.locator("a[href*='/caseview/add']").first.click()
    fill_case(page, f"{PREFIX}1")
    type_datetime(page, "#occurred_from", "11292026", "1030", "P")
    type_datetime(page, "#occurred_to", "11292026", "1115", "P")
    assert page.locator("#occurred_from").input_value() == "2026-11-29T22:30"
    shoot(page, "investigator-case-form-typed")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved.").first.wait_for()
    case = stored(app, f"{PREFIX}1")
    assert case is not None, page.content()[:2000]
    assert case.occurred_from == datetime(2026, 11, 30, 6, 30, tzinfo=UTC)
    assert case.occurred_to == datetime(2026, 11, 30, 7, 15, tzinfo=UTC)
    page.goto(f"{base}/caseview/list/")
    assert "Sun 29 Nov 2026, 10:30 PM PST" in page.locator("table.table-bordered").inner_text()
    shoot(page, "investigator-case-list-local-time")


def test_the_fall_back_night_asks_which_half_past_one(desk, app):
    page, base = desk
    sign_in(page, base, "investigator", factories.PASSWORD)
    page.goto(f"{base}/caseview/add")
    fill_case(page, f"{PREFIX}2")
    type_datetime(page, "#occurred_from", "11012026", "0130", "A")
    type_datetime(page, "#occurred_to", "11012026", "0300", "A")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("happens twice").first.wait_for()
    assert stored(app, f"{PREFIX}2") is None
    assert page.locator("#occurred_from").input_value() == "2026-11-01T01:30"  # kept
    shoot(page, "investigator-case-form-which-one")
    page.get_by_label("Sun 1 Nov 2026, 1:30 AM PST (second)").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved.").first.wait_for()
    case = stored(app, f"{PREFIX}2")
    assert case is not None and case.occurred_from == datetime(2026, 11, 1, 9, 30, tzinfo=UTC)


def test_map_search_on_the_fall_back_night_sends_the_chosen_offset(desk, app):
    with app.app_context():
        case = Case(agency_id=factories.agency(0).id, case_number=f"{PREFIX}MAP", incident_type="shooting",
                    occurred_from=datetime(2026, 11, 1, 8, 0, tzinfo=UTC),
                    occurred_to=datetime(2026, 11, 1, 11, 0, tzinfo=UTC))
        case.set_location(*factories.BAKERSFIELD)
        db.session.add(case)
        db.session.commit()
        case_id = case.id
        db.session.remove()
    page, base = desk
    sign_in(page, base, "investigator", factories.PASSWORD)
    page.goto(f"{base}/map/")
    page.get_by_label("Case").select_option(str(case_id))
    # The case's own window: 1:00 AM PDT to 3:00 AM PST, shown as county wall-clock time.
    assert page.locator("#since").input_value() == "2026-11-01T01:00"
    assert page.locator("#until").input_value() == "2026-11-01T03:00"
    assert page.locator("#since-fold").input_value() == "2026-11-01T01:00:00-07:00"
    type_datetime(page, "#since", "11012026", "0130", "A")
    page.locator("#radius").click()  # leaving the field asks which 1:30
    page.get_by_role("button", name="Search").click()
    assert "happens twice" in page.locator("#message").inner_text()  # no guessing
    page.locator("#since-fold").select_option(label="1:30 AM PST (second)")
    shoot(page, "investigator-map-which-one")
    with page.expect_response(lambda r: "/api/v1/canvass/?" in r.url) as answer:
        page.get_by_role("button", name="Search").click()
    body = answer.value.json()
    assert answer.value.status == 200, body
    assert body["since"] == "2026-11-01T01:30:00-08:00"
    assert body["until"] == "2026-11-01T03:00:00-08:00"
    sheet = page.locator("#sheet").get_attribute("href")  # the sheet prints this search
    assert "since=2026-11-01T01%3A30%3A00-08%3A00" in sheet and "radius_m=" in sheet
    with app.app_context():
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.purpose == f"{PREFIX}MAP").order_by(AuditEvent.id.desc())
        ).scalars().first()
        assert event is not None and event.action.startswith("canvass")
        db.session.remove()
