"""The main backoffice screens pass an automated accessibility check (axe-core in Debian's
chromium): no serious or critical violations, for every role's own screens."""
from pathlib import Path

import pytest

from tests import factories
from tests.browser import DESK, needs_chromium, open_page, serve, shoot, sign_in

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SCREENS = {
    "staff": ["/registrationview/list/", "/review/", "/dueregistrationview/list/", "/cameraview/list/",
              "/ownerview/list/", "/registrationview/add"],
    "investigator": ["/caseview/list/", "/caseview/add", "/map/", "/footagerequestview/list/", "/footage/new"],
    "supervisor": ["/footage/approvals"],
    "auditor": ["/auditeventview/list/"],
    "admin": ["/users/list/", "/agencyview/list/"],
}

pytestmark = [needs_chromium, pytest.mark.skipif(not AXE.exists(), reason="axe-core comes from npm (make setup)")]


@pytest.mark.parametrize("username", list(SCREENS))
def test_screens_have_no_serious_accessibility_violations(app, username):
    base, stop = serve(app)
    playwright, browser, page = open_page(DESK, app.config["TIMEZONE"])
    try:
        sign_in(page, base, username, factories.PASSWORD)
        found = {}
        for url in SCREENS[username]:
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
