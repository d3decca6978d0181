"""What the camera owners' and Registry Staff's journeys share: a served app whose committed rows
are removed afterwards, browsers (phone for the portal, desktop for staff), the county's address
points, typing a registration as a resident does, and reading the links the e-mails carry.

Every owner in these journeys has an e-mail address at DOMAIN and every premises is on STREET,
so the clean-up finds exactly what the journeys made, whatever order the tests run in.
"""
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.header import decode_header, make_header

from sqlalchemy import delete, func, or_, select

from backoffice.extensions import db
from backoffice.geocoding import import_points, read_text
from backoffice.models import AddressPoint, Camera, Owner, Registration, UsedLink
from backoffice.portal.records import lifecycle_of
from tests import factories
from tests.backoffice.portal.helpers import last_link
from tests.browser import CHROMIUM, DESK, PHONE, serve, shoot, sign_in
from tests.mailbox import body_text

DOMAIN = "owners-journey.example.org"
STREET = "Quailwood Court"
POINTS = (
    "number,street,city,state,zip,lat,lon\n"
    f"2101,{STREET},Bakersfield,CA,93309,35.3321,-119.0713\n"
    f"2103,{STREET},Bakersfield,CA,93309,35.3322,-119.0716\n"
    f"2105,{STREET},Bakersfield,CA,93309,35.3323,-119.0719\n"
    f"2107,{STREET},Bakersfield,CA,93309,35.3324,-119.0722\n"
)
ENGLISH_WORDS = ("Please", "Camera", "Save", "Your ", "Register", "Street", "Phone", "degrees")


def email(name: str) -> str:
    """An owner's address in the journeys' own domain."""
    return f"{name}@{DOMAIN}"


@dataclass
class Served:
    """The app on a local port, and the browsers opened on it."""

    app: object
    base: str
    playwright: object
    browsers: list = field(default_factory=list)

    def page(self, size: dict, locale: str = "en-US"):
        """A fresh browser page (its own cookies) of a size, a language and the county's zone."""
        browser = self.playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                  args=["--no-sandbox", "--disable-gpu"])
        self.browsers.append(browser)
        context = browser.new_context(**size, locale=locale, timezone_id=self.app.config["TIMEZONE"])
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    def phone(self, locale: str = "en-US"):
        """A phone-sized page, as most residents use."""
        return self.page(PHONE, locale)

    def staff(self):
        """A desktop page signed in as Registry Staff."""
        page = self.page(DESK)
        sign_in(page, self.base, "staff", factories.PASSWORD)
        return page

    def open(self, page, path: str) -> None:
        """Open a path (e.g. one read from an e-mail) on the served app."""
        page.goto(self.base + path)


def _remove_journey_rows(app, used_links_before: int) -> None:
    """Owners at DOMAIN (with their registrations and cameras), anything on STREET, the address
    points and the single-use link records the journey made. Audit events stay: append-only."""
    with app.app_context():
        mine = select(Registration.id).where(or_(
            Registration.address.like(f"%{STREET}"),
            Registration.owner_id.in_(select(Owner.id).where(Owner.email.like(f"%@{DOMAIN}"))),
        ))
        for registration in db.session.execute(select(Registration).where(Registration.id.in_(mine))).scalars():
            owner = registration.owner
            db.session.delete(registration)
            db.session.flush()
            if owner is not None and not owner.registrations:
                db.session.delete(owner)
        for owner in db.session.execute(select(Owner).where(Owner.email.like(f"%@{DOMAIN}"))).scalars():
            db.session.delete(owner)
        db.session.execute(delete(AddressPoint).where(AddressPoint.address.like(f"%{STREET}")))
        db.session.execute(delete(UsedLink).where(UsedLink.id > used_links_before))
        db.session.commit()
        db.session.remove()


@contextmanager
def served(app, *, addresses: bool = True):
    """Serve the app (and import the journeys' address points); remove what was committed after."""
    from playwright.sync_api import sync_playwright

    with app.app_context():
        used_links_before = db.session.execute(select(func.coalesce(func.max(UsedLink.id), 0))).scalar_one()
        db.session.remove()
    _remove_journey_rows(app, used_links_before)  # left by an interrupted run
    if addresses:
        with app.app_context():
            import_points(read_text(POINTS, "journey-points.csv"))
            db.session.commit()
            db.session.remove()
    base, stop = serve(app)
    playwright = sync_playwright().start()
    run = Served(app, base, playwright)
    try:
        yield run
    finally:
        for browser in run.browsers:
            browser.close()
        playwright.stop()
        stop()
        _remove_journey_rows(app, used_links_before)


# --- What the database holds ---------------------------------------------------------------


@dataclass
class Stored:
    """A registration as stored, read in its own session (the server thread committed it)."""

    id: int
    status: str
    address: str
    city: str
    postal_code: str | None
    lat: float
    lon: float
    owner: dict | None
    cameras: list[dict]
    verified: bool
    decision: str | None
    next_due: object


def stored(app, owner_email: str | None = None, registration_id: int | None = None) -> Stored | None:
    """The registration of an owner (by e-mail) or by number; None when there is none."""
    with app.app_context():
        query = select(Registration)
        if registration_id is not None:
            query = query.where(Registration.id == registration_id)
        else:
            query = query.join(Owner).where(Owner.email == owner_email)
        registration = db.session.execute(query).scalar_one_or_none()
        if registration is None:
            db.session.remove()
            return None
        owner = registration.owner
        lifecycle = lifecycle_of(registration)
        found = Stored(
            id=registration.id, status=registration.status, address=registration.address,
            city=registration.city, postal_code=registration.postal_code,
            lat=registration.lat, lon=registration.lon,
            owner=None if owner is None else {
                "id": owner.id, "name": owner.name, "email": owner.email, "phone": owner.phone,
                "kind": owner.kind, "language": owner.language,
                "preferred_contact": owner.preferred_contact,
            },
            cameras=[{
                "id": c.id, "label": c.label, "direction_deg": c.direction_deg, "fov_deg": c.fov_deg,
                "range_m": c.range_m, "retention_days": c.retention_days,
                "recording_mode": c.recording_mode, "system_type": c.system_type,
                "overlooks": c.overlooks,
            } for c in sorted(registration.cameras, key=lambda c: c.id)],
            verified=lifecycle.verified_at is not None,
            decision=lifecycle.review_decision,
            next_due=registration.next_confirmation_due,
        )
        db.session.remove()
        return found


def owner_exists(app, owner_id: int) -> bool:
    """Whether an owner row is still there."""
    with app.app_context():
        found = db.session.get(Owner, owner_id) is not None
        db.session.remove()
        return found


def camera_row(app, camera_id: int) -> dict:
    """A camera's stored facing, range and field of view."""
    with app.app_context():
        camera = db.session.get(Camera, camera_id)
        row = {"direction_deg": camera.direction_deg, "range_m": camera.range_m, "fov_deg": camera.fov_deg}
        db.session.remove()
        return row


def registration_in_queue(app, *, name: str, street_number: int, cameras: int = 1,
                          status: str = "pending", verified: bool = True, city: str = "Bakersfield",
                          language: str = "en", owner_fields: dict | None = None, **fields) -> int:
    """A committed registration made without the portal (for staff journeys); returns its number."""
    from backoffice.localtime import utcnow
    from backoffice.models import RegistrationLifecycle

    with app.app_context():
        owner = factories.owner(**{"name": name, "email": email(name.lower().replace(" ", ".")),
                                   "language": language, **(owner_fields or {})})
        registration = factories.registration(
            owner=owner, cameras=cameras, status=status, address=f"{street_number} {STREET}", city=city,
            postal_code="93309", **fields,
        )
        registration.lifecycle = RegistrationLifecycle(
            manage_key=1, submitted_at=utcnow(), verified_at=utcnow() if verified else None,
        )
        db.session.commit()
        number = registration.id
        db.session.remove()
        return number


# --- What the resident does ------------------------------------------------------------------


def pick_address(page, typed: str, suggestion: str) -> None:
    """Type the start of the address and pick it from the suggestions, as a person does."""
    page.locator("#address").click()
    page.keyboard.type(typed, delay=20)
    page.get_by_role("option", name=suggestion).click()


def type_into(page, selector: str, text: str) -> None:
    """Clear a field and type into it key by key."""
    field_ = page.locator(selector)
    field_.click()
    field_.fill("")
    page.keyboard.type(text)


def mail_link(mailbox, address: str, kind: str) -> str:
    """The path of the newest link of a kind e-mailed to an address."""
    return last_link(mailbox, address, kind)


def mail_text(mailbox, address: str) -> tuple[str, str]:
    """Subject and text of the newest message to an address."""
    messages = mailbox.to(address)
    assert messages, f"no e-mail to {address}"
    subject = str(make_header(decode_header(messages[-1]["Subject"])))
    return subject, body_text(messages[-1])


def visible_text(page) -> str:
    """What a person reads on the page (labels, help, options, buttons), without the form values."""
    return page.locator("body").inner_text()


def english_left(text: str) -> list[str]:
    """English words found in text that should be Spanish."""
    return [w for w in ENGLISH_WORDS if re.search(rf"\b{re.escape(w.strip())}\b", text)]


def menu(page, top: str, item: str) -> None:
    """Open a menu of the top bar and choose an entry, as a clerk does."""
    page.locator(".navbar a.dropdown-toggle", has_text=top).click()
    page.locator(".navbar .dropdown-menu a", has_text=re.compile(rf"^\s*{re.escape(item)}\s*$")).click()


def review_queue_row(page, base: str, registration_id: int):
    """Registry -> Review queue, as staff reach it through the menu; the row of one registration."""
    menu(page, "Registry", "Review queue")
    page.wait_for_url(f"{base}/review/")
    return page.locator("tr", has=page.locator("td", has_text=re.compile(rf"^{registration_id}$")))


__all__ = ["shoot"]
