"""A person registers on a phone-sized screen in a real browser (Debian's chromium, headless),
and the registration page passes an automated accessibility check (axe-core).

The browser talks to a real server thread, so this test commits for real and removes what it
made afterwards (rows and audit events) instead of using the rolled-back `ctx` transaction.
"""
import threading
from pathlib import Path

import pytest
from sqlalchemy import delete, select
from werkzeug.serving import make_server

from backoffice.extensions import db
from backoffice.geocoding import import_points, read_text
from backoffice.models import AddressPoint, Owner, Registration, UsedLink
from tests.mailbox import free_port

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).resolve().parents[3] / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
EMAIL = "phone.user@example.net"

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason="needs Debian's chromium (make setup installs it)",
)


@pytest.fixture()
def live_server(app):
    """The app served on a local port; rows it commits are removed afterwards (audit events stay: the log is append-only)."""
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{port}"
    finally:
        server.shutdown()
        thread.join(5)
        with app.app_context():
            for owner in db.session.execute(select(Owner).where(Owner.email == EMAIL)).scalars():
                db.session.delete(owner)
            db.session.execute(delete(UsedLink))
            db.session.commit()
            db.session.remove()


@pytest.fixture()
def phone(live_server):
    """A headless chromium page the size of a phone."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(**PHONE)
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page, live_server
        browser.close()


def test_registering_on_a_phone(phone, app, mailbox):
    page, base = phone
    page.goto(f"{base}/register")
    assert page.locator("h1").inner_text() == "Register your cameras"
    # The form fits the screen: nothing wider than the viewport.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_label("Your name").fill("Pat Phone")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Street address").fill("1200 Truxtun Avenue")
    page.get_by_label("City").fill("Bakersfield")
    page.get_by_label("ZIP code").fill("93301")
    # No tile server: the map still shows, and tapping it places the pin.
    page.locator("#map").scroll_into_view_if_needed()
    page.locator("#map").click(position={"x": 150, "y": 100})
    assert page.input_value("#lat") and page.input_value("#lon")
    page.get_by_label("Camera name").fill("Front door")
    page.locator("#cameras-0-direction").select_option("90")
    page.locator("#add_camera").click()
    page.locator("#cameras-1-label").fill("Driveway")
    page.get_by_label("I have read and accept the programme terms").check()
    page.get_by_role("button", name="Register").click()
    page.wait_for_url(f"{base}/register/sent")
    assert "Check your email" in page.locator("h1").inner_text()
    with app.app_context():
        registration = db.session.execute(
            select(Registration).join(Owner).where(Owner.email == EMAIL)
        ).scalar_one()
        assert registration.status == "pending"
        assert sorted(c.label for c in registration.cameras) == ["Driveway", "Front door"]
        assert [c.direction_deg for c in registration.cameras if c.label == "Front door"] == [90]
        db.session.remove()
    assert mailbox.to(EMAIL)


def test_registration_page_has_no_serious_accessibility_violations(phone):
    if not AXE.exists():
        pytest.skip("axe-core is installed by make setup (npm)")
    page, base = phone
    for url in (f"{base}/register", f"{base}/register?lang=es"):
        page.goto(url)
        # Evaluated through the DevTools protocol: the page's CSP (rightly) refuses inline scripts.
        page.evaluate(AXE.read_text())
        result = page.evaluate("async () => await axe.run(document)")
        serious = [
            (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not serious, serious


@pytest.fixture()
def pena_point(app):
    """One committed address point with an accent in its street name; removed afterwards."""
    with app.app_context():
        import_points(read_text("number,street,city,state,zip,lat,lon\n"
                                "77,Calle Peña,Bakersfield,CA,93307,35.3301,-118.9902\n"
                                "79,Calle Peña,,CA,93307,35.3302,-118.9903\n", "p.csv"))
        db.session.commit()
        db.session.remove()
    try:
        yield
    finally:
        with app.app_context():
            db.session.execute(delete(AddressPoint).where(AddressPoint.address.like("7_ Calle Peña")))
            db.session.commit()
            db.session.remove()


def test_typing_without_accent_suggests_and_fills_the_address(phone, pena_point):
    page, base = phone
    page.goto(f"{base}/register")
    page.get_by_label("City").fill("Typed City")
    page.get_by_label("Street address").fill("pena")
    option = page.get_by_role("option", name="77 Calle Peña, Bakersfield 93307")
    if AXE.exists():  # the open list is accessible too
        page.wait_for_selector("#address-suggestions [role=option]")
        page.evaluate(AXE.read_text())
        result = page.evaluate("async () => await axe.run(document)")
        assert not [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
    option.click()
    assert page.input_value("#address") == "77 Calle Peña"
    assert page.input_value("#city") == "Bakersfield"
    assert page.input_value("#postal_code") == "93307"
    assert (float(page.input_value("#lat")), float(page.input_value("#lon"))) == (35.3301, -118.9902)
    assert page.locator("#address-suggestions").is_hidden()
    # The keyboard works too: arrow down, Enter.
    page.get_by_label("Street address").fill("77 calle pe")
    page.wait_for_selector("#address-suggestions [role=option]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert page.input_value("#address") == "77 Calle Peña"
    # A point the county gave without a city leaves the typed city alone.
    page.get_by_label("City").fill("Typed City")
    page.get_by_label("Street address").fill("79 calle pena")
    page.get_by_role("option", name="79 Calle Peña, 93307").click()
    assert page.input_value("#address") == "79 Calle Peña"
    assert page.input_value("#city") == "Typed City"
