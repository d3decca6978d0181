"""Without a tile server the maps still tell people where they are: the county outline, and at
street zoom the address points labelled with their house numbers (as text). In a real browser
(Debian's chromium): the investigator's map, a review page, and the portal's pin map."""
import pytest
from sqlalchemy import delete

from backoffice.extensions import db
from backoffice.geocoding.keys import lookup_keys, search_key
from backoffice.localtime import utcnow
from backoffice.models import AddressKey, AddressPoint, Camera, Owner, Registration, RegistrationLifecycle
from backoffice.views.map import DEFAULT_CENTRE
from tests import factories
from tests.browser import DESK, PHONE, needs_chromium, open_page, serve, shoot, sign_in

pytestmark = needs_chromium
CITY = "E2E Offline City"
PROBE = "13<img src=x onerror=window.__pwned=1> Elm St"
# Five short streets, 30 m apart, of five houses 45 m apart, around the map's opening centre;
# the probe stands alone 100 m north of the middle house.
STREETS = {-2: "19th St", -1: "18th St", 0: "Truxtun Ave", 1: "17th St", 2: "16th St"}
HOUSES = [(row, col) for row in STREETS for col in range(-2, 3)]


def _point(address: str, lat: float, lon: float) -> AddressPoint:
    point = AddressPoint(address=address, city=CITY, postal_code="93301", state="CA",
                         search_key=search_key(address, CITY, "93301"), lat=lat, lon=lon)
    point.keys = [AddressKey(key=key) for key in lookup_keys(address, CITY, "93301")]
    return point


@pytest.fixture()
def street(app):
    """Committed address points (one with a markup probe) and a pending registration with a
    camera at the map's centre; removed afterwards."""
    lat0, lon0 = DEFAULT_CENTRE
    with app.app_context():
        points = [
            _point(f"{1208 + 4 * col} {STREETS[row]}", lat0 + row * 0.00027, lon0 + col * 0.0005)
            for row, col in HOUSES
        ]
        points.append(_point(PROBE, lat0 + 0.0009, lon0))
        owner = Owner(kind="resident", name="Offline Owner", email="offline@e2e.example.net")
        registration = Registration(owner=owner, address="1208 Truxtun Ave", city="Bakersfield",
                                    state="CA", postal_code="93301", status="pending")
        registration.set_location(lat0 - 0.00005, lon0)
        camera = Camera(label="Driveway", direction_deg=180, fov_deg=90, range_m=25)
        camera.set_location(lat0 - 0.0001, lon0 + 0.0001)
        registration.cameras.append(camera)
        verified = RegistrationLifecycle(registration=registration, verified_at=utcnow())  # in the review queue
        db.session.add_all([*points, registration, verified])
        db.session.commit()
        ids = registration.id, owner.id
    base, stop = serve(app)
    try:
        yield base, ids
    finally:
        stop()
        with app.app_context():
            registration_id, owner_id = ids
            db.session.execute(delete(AddressPoint).where(AddressPoint.city == CITY))
            db.session.execute(delete(Camera).where(Camera.registration_id == registration_id))
            db.session.execute(delete(RegistrationLifecycle).where(
                RegistrationLifecycle.registration_id == registration_id))
            db.session.execute(delete(Registration).where(Registration.id == registration_id))
            db.session.execute(delete(Owner).where(Owner.id == owner_id))
            db.session.commit()
            db.session.remove()


@pytest.fixture()
def browser_page(app):
    """A desktop page; closed afterwards."""
    playwright, browser, page = open_page(DESK, app.config["TIMEZONE"])
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page, errors
    finally:
        browser.close()
        playwright.stop()


def outline_paths(page) -> int:
    return page.locator(".leaflet-county-pane svg path").count()


def labels(page) -> list[str]:
    """The house-number labels shown (a dot whose label would overlap another has none)."""
    return page.locator(".leaflet-addresses-pane .addr-text").all_inner_texts()


def dots(page) -> int:
    return page.locator(".leaflet-addresses-pane .addr-dot").count()


def wait_for_labels(page, at_least: int) -> None:
    page.wait_for_function(
        "n => document.querySelectorAll('.leaflet-addresses-pane .addr-label').length >= n", arg=at_least)


def test_the_investigator_map_gives_context_without_tiles(app, street, browser_page):
    assert not app.config.get("TILE_URL") and not app.config.get("TILES_PATH")
    base, _ids = street
    page, errors = browser_page
    sign_in(page, base, "investigator", factories.PASSWORD)
    page.goto(f"{base}/map/")
    page.wait_for_function("() => document.querySelectorAll('.leaflet-county-pane svg path').length > 0")
    assert outline_paths(page) == 1
    assert page.locator(".leaflet-tile").count() == 0  # no tile server asked
    assert page.get_by_text("Zoom in to see house numbers").is_visible()
    assert labels(page) == []  # zoom 14: a county's worth of dots would say nothing
    shoot(page, "offline-map-town-zoom")
    for _ in range(3):  # 14 -> 17, as a person does with the + button
        page.locator(".leaflet-control-zoom-in").click()
        page.wait_for_timeout(400)
    wait_for_labels(page, 26)
    assert dots(page) == 26
    numbers = labels(page)
    assert numbers.count("1208") == 5 and "1200" in numbers and "13<img" in numbers
    assert not page.get_by_text("Zoom in to see house numbers").is_visible()
    shoot(page, "offline-map-street-zoom")
    page.locator(".leaflet-control-zoom-in").click()  # 18: the street names too
    page.wait_for_function(
        "() => [...document.querySelectorAll('.addr-label')].some(e => e.textContent === '1208 Truxtun Ave')")
    assert PROBE in labels(page)  # the markup probe is shown as text ...
    assert page.locator(".leaflet-addresses-pane img").count() == 0  # ... never parsed
    assert page.evaluate("window.__pwned") is None
    assert outline_paths(page) == 1  # the view lies inside the county: the outline still fills it
    shoot(page, "offline-map-street-names")
    assert errors == []


def test_a_review_page_shows_the_premises_on_a_small_map(app, street, browser_page):
    base, (registration_id, _owner_id) = street
    page, errors = browser_page
    sign_in(page, base, "staff", factories.PASSWORD)
    page.goto(f"{base}/review/")
    page.locator(f"a[href='/review/{registration_id}']").first.click()
    page.wait_for_url(f"**/review/{registration_id}")
    wait_for_labels(page, 5)
    assert outline_paths(page) == 1
    assert page.locator("#premises-map .leaflet-marker-icon[title='1208 Truxtun Ave, Bakersfield']").count() == 1
    assert page.locator("#premises-map .leaflet-overlay-pane path").count() >= 2  # camera and its view
    assert "1208 Truxtun Ave" in labels(page)  # zoom 18: number and street
    page.locator("#premises-map").scroll_into_view_if_needed()
    shoot(page, "offline-review-premises-map")
    assert page.evaluate("window.__pwned") is None
    assert errors == []


def test_the_portal_pin_map_shows_the_county_and_house_numbers(app, street):
    base, _ids = street
    playwright, browser, page = open_page(PHONE, app.config["TIMEZONE"])
    try:
        page.goto(f"{base}/register")
        page.wait_for_function("() => document.querySelectorAll('.leaflet-county-pane svg path').length > 0")
        assert page.get_by_text("Zoom in to see house numbers").is_visible()
        for _ in range(5):  # 12 -> 17
            page.locator(".leaflet-control-zoom-in").click()
            page.wait_for_timeout(300)
        wait_for_labels(page, 20)
        assert "1208" in labels(page)
        page.locator("#map").scroll_into_view_if_needed()
        shoot(page, "offline-portal-pin-map")
    finally:
        browser.close()
        playwright.stop()
