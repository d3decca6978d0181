"""A supervisor and a Registry Staff member open their dashboards from the menu in a real
browser: the figures are there in tables, the charts and the coverage map are drawn."""
from datetime import datetime, timedelta, timezone


from backoffice.extensions import db
from backoffice.models import FootageRequest, RequestTransition
from tests.browser import needs_chromium
from tests.factories import BAKERSFIELD
from tests.journeys.cases_kit import unique_case_number

pytestmark = needs_chromium


def chart_drawn(page, canvas_id: str) -> bool:
    """True when Chart.js has drawn a chart on the canvas."""
    return page.evaluate(f"Boolean(window.Chart && Chart.getChart(document.getElementById('{canvas_id}')))")


def test_supervisor_reads_the_agency_dashboard(journey):
    number = unique_case_number("dash")
    request_id = journey.collected_request(number, BAKERSFIELD)
    with journey.app.app_context():
        item = db.session.get(FootageRequest, request_id)
        item.state, item.deadline = "contacted", datetime.now(timezone.utc) + timedelta(hours=10)
        start = datetime.now(timezone.utc) - timedelta(days=2)
        db.session.add(RequestTransition(footage_request_id=request_id, from_state="open",
                                         to_state="contacted", trigger="contact_owner", at=start))
        db.session.commit()
        db.session.remove()

    journey.sign_in("supervisor")
    journey.menu("Footage", "Agency dashboard")
    page = journey.page
    assert page.locator("h1").inner_text() == "Agency dashboard"
    within24 = page.locator("#at-risk-24")
    assert number in within24.inner_text()
    assert "Owner contacted" in within24.inner_text()
    assert "PST" in page.locator("#at-risk-24 thead").inner_text() or "PDT" in page.locator(
        "#at-risk-24 thead").inner_text() or "Pacific" in page.locator("#at-risk-24 thead").inner_text()
    page.wait_for_function("window.Chart !== undefined")
    for canvas in ("chart-states", "chart-months", "chart-investigators"):
        assert chart_drawn(page, canvas), canvas
    assert "contact_owner" not in page.content() and "None" not in page.locator(".dashboard").inner_text()
    journey.shoot("supervisor-agency-dashboard")


def test_registry_staff_read_the_registry_dashboard(journey):
    journey.premises(BAKERSFIELD, [{"label": "Gate", "direction_deg": 90}])
    journey.sign_in("staff")
    journey.menu("Registry", "Registry dashboard")
    page = journey.page
    assert page.locator("h1").inner_text() == "Registry dashboard"
    page.wait_for_function("window.Chart !== undefined")
    for canvas in ("chart-lapsing", "chart-growth"):
        assert chart_drawn(page, canvas), canvas
    page.wait_for_selector("#coverage-map path.leaflet-interactive")
    assert page.locator("#coverage-map path.leaflet-interactive").count() > 10
    assert "red squares have none" in page.locator("#coverage-legend").inner_text()
    page.locator("#coverage-map path.leaflet-interactive[fill='#2b6cb0']").first.hover()
    assert "camera" in page.locator(".leaflet-tooltip").inner_text()
    journey.shoot("staff-registry-dashboard")
