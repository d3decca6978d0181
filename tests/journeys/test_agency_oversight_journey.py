"""An administrator gives an agency county-wide oversight on its form, and that agency's auditor
then reads another agency's audit events. Each step is clicked in the browser."""
from backoffice import audit
from backoffice.accounts import ensure_user
from backoffice.extensions import db
from tests import factories
from tests.browser import needs_chromium
from tests.journeys.cases_kit import (
    in_db, unique_case_number,
)

pytestmark = needs_chromium


def _set_oversight(app, index: int, value: bool) -> None:
    def write():
        factories.agency(index).county_oversight = value
        db.session.commit()
    in_db(app, write)


def test_an_admin_ticks_county_wide_oversight_and_the_agency_auditor_sees_other_agencies(journey, app):
    page = journey.page
    purpose = unique_case_number("OVS")
    auditor = "auditor.second"  # kept: their sign-ins are audit events, which stay

    def seed():
        second = factories.agency(1)
        ensure_user(auditor, "Auditor", second, factories.PASSWORD, "Olga", "Oversight")
        audit.record("case.viewed", user=factories.user("investigator"), object_type="case",
                     object_id=9_000_951, purpose=purpose)  # an event of the first agency
        db.session.commit()
        return second.id, second.name
    second_id, second_name = in_db(app, seed)
    _set_oversight(app, 1, False)
    try:
        # Without oversight, the second agency's auditor does not see the first agency's event.
        journey.sign_in(auditor)
        journey.menu("Audit", "Audit log")
        assert purpose not in page.content()

        # The administrator ticks County-wide oversight on the agency's form.
        journey.sign_in("admin")
        journey.menu("Security", "Agencies")
        page.locator(f"a[href*='/agencyview/edit/{second_id}']").first.click()
        box = page.get_by_label("County-wide oversight")
        assert not box.is_checked()
        box.check()
        journey.shoot("oversight-01-agency-form")
        page.get_by_role("button", name="Save").click()
        page.wait_for_load_state()
        row = page.locator("table.table tbody tr").filter(has_text=second_name)
        assert "Yes" in row.inner_text()
        assert in_db(app, lambda: factories.agency(1).county_oversight) is True

        # Now the agency's auditor reads every agency's events.
        journey.sign_in(auditor)
        journey.menu("Audit", "Audit log")
        rows = page.locator("table.table-bordered tr:has(td)").filter(has_text=purpose)
        assert rows.count() == 1 and "investigator" in rows.first.inner_text()
        journey.shoot("oversight-02-auditor-sees-county")
    finally:
        _set_oversight(app, 1, False)
