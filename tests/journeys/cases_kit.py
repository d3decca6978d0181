"""What the case-side journeys (investigators, supervisors, auditors, admin) share: a served app
with a desktop browser, committed test data near a point of their own, and its removal.

The browser talks to a real server thread, so what the journeys make is committed for real.
Every case they open has a number starting with PREFIX and every user a name starting with
USER_PREFIX; `Journey.clean()` removes those, the premises it made and everything hanging
from them (requests, attempts, history, evidence, the owners' declarations and the files, the
cameras' pictures). Audit events stay: the log is append-only.
"""
import io
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import delete, select

from backoffice import geodesy
from backoffice.extensions import db
from backoffice.models import (
    AgencyUser,
    AuditEvent,
    Camera,
    Case,
    ContactAttempt,
    CustodyEvent,
    EvidenceItem,
    FootageRequest,
    OutboxMessage,
    Owner,
    Registration,
)
from backoffice.models.case import RequestTransition, footage_request_camera
from backoffice.models.portal import ConfirmationNotice, RegistrationLifecycle
from backoffice.models.security import RecoveryCode, UserSecurity
from backoffice.models.upload_link import UploadLink
from tests import factories
from tests.browser import DESK, SHOTS, open_page, serve, shoot, sign_in
from tests.pictures import remove_pictures
from tests.write_once import delete_declarations

PREFIX = "E2E-CJ-"
USER_PREFIX = "e2ecj"
UTC = timezone.utc


def unique_case_number(label: str) -> str:
    """A case number no other run or test uses."""
    return f"{PREFIX}{label}-{uuid.uuid4().hex[:6].upper()}"


def offset(point: tuple[float, float], north_m: float = 0, east_m: float = 0) -> tuple[float, float]:
    """The point north_m metres north and east_m metres east of `point`."""
    return geodesy.offset(*point, north_m, east_m)


@dataclass
class Journey:
    """A signed-out desktop page on a served app, and the rows this journey made."""

    app: object
    page: object
    base: str
    registrations: list[int] = field(default_factory=list)

    def sign_in(self, username: str) -> None:
        """Sign in through the form (leaving whoever was signed in first)."""
        sign_in(self.page, self.base, username, factories.PASSWORD)

    def menu(self, category: str, item: str) -> None:
        """Open a screen through the top menu, as a person does."""
        icon_then = lambda words: re.compile(rf"^\W*{re.escape(words)}$")  # noqa: E731  (a menu icon's glyph first)
        self.page.locator(".navbar").get_by_role("link", name=icon_then(category)).first.click()
        entry = icon_then(item)
        self.page.locator("li.dropdown.open .dropdown-menu").get_by_role("link", name=entry).click()
        self.page.wait_for_load_state()

    def shoot(self, name: str) -> Path:
        return shoot(self.page, name)

    def premises(self, point: tuple[float, float], cameras: list[dict], **owner_fields) -> int:
        """A committed active registration at `point` with the given cameras; its id."""
        with self.app.app_context():
            n = uuid.uuid4().hex[:6]
            values = {"name": f"Journey Owner {n}", "email": f"journey.{n}@example.net",
                      "phone": "+16615550142", "preferred_contact": "phone"}
            values.update(owner_fields)
            reg = factories.registration(*point, cameras=0, owner=factories.owner(**values),
                                         address=f"{len(self.registrations) + 1200} Journey Avenue")
            for spec in cameras:
                camera = Camera(**{"label": "Camera", "retention_days": 30, **spec})
                reg.cameras.append(camera)
            db.session.commit()
            self.registrations.append(reg.id)
            db.session.remove()
            return self.registrations[-1]

    def collected_request(self, case_number: str, point: tuple[float, float], *, agency_index: int = 0,
                          investigator: str = "investigator", scope: str = "media_release") -> int:
        """A committed case and a request on premises at `point`, already collected with one
        evidence item (as if worked earlier); the request's id."""
        reg_id = self.premises(point, [{"label": "Porch", "direction_deg": 180}])
        with self.app.app_context():
            now = datetime.now(UTC)
            user = factories.user(investigator)
            case = factories.case(agency_index, case_number=case_number, incident_type="robbery",
                                  lead_investigator_id=user.id)
            case.set_location(*point)
            reg = db.session.get(Registration, reg_id)
            request = factories.footage_request(
                case, reg, state="collected", assignee_id=user.id, created_by_id=user.id,
                consent_given_by=reg.owner.name, consent_method="in_person", consent_scope=scope,
                consent_at=now - timedelta(hours=1), receipt_issued_at=now - timedelta(minutes=30),
            )
            item = EvidenceItem(footage_request_id=request.id, description="Porch camera, 10 minutes",
                                file_name="porch.mp4", size_bytes=4, sha256="0" * 64,
                                collected_by_id=user.id, storage_location="journey-not-stored")
            db.session.add(item)
            db.session.flush()
            db.session.add(CustodyEvent(evidence_item_id=item.id, action="collected", actor_id=user.id))
            db.session.commit()
            request_id = request.id
            db.session.remove()
            return request_id

    def clean(self) -> None:
        """Remove what this journey committed (audit events stay)."""
        with self.app.app_context():
            cases = select(Case.id).where(Case.case_number.like(f"{PREFIX}%"))
            requests = list(db.session.scalars(select(FootageRequest.id).where(
                (FootageRequest.case_id.in_(cases)) | FootageRequest.registration_id.in_(self.registrations or [-1])
            )))
            items = list(db.session.scalars(
                select(EvidenceItem).where(EvidenceItem.footage_request_id.in_(requests or [-1]))
            ))
            folder = Path(self.app.config["EVIDENCE_DIR"])
            for item in items:
                stored = folder / item.storage_location
                if stored.is_file() and folder in stored.resolve().parents:
                    stored.unlink()
            item_ids = [item.id for item in items] or [-1]
            db.session.expunge_all()
            delete_declarations(db.session, item_ids)  # write-once: lifted for this clean-up only
            db.session.execute(delete(CustodyEvent).where(CustodyEvent.evidence_item_id.in_(item_ids)))
            db.session.execute(delete(EvidenceItem).where(EvidenceItem.id.in_(item_ids)))
            for table, column in ((UploadLink, UploadLink.footage_request_id),
                                  (ContactAttempt, ContactAttempt.footage_request_id),
                                  (RequestTransition, RequestTransition.footage_request_id)):
                db.session.execute(delete(table).where(column.in_(requests or [-1])))
            db.session.execute(delete(footage_request_camera).where(
                footage_request_camera.c.footage_request_id.in_(requests or [-1])))
            db.session.execute(delete(OutboxMessage).where(
                ((OutboxMessage.object_type == "footage_request") & OutboxMessage.object_id.in_(requests or [-1]))
                | ((OutboxMessage.object_type == "registration")
                   & OutboxMessage.object_id.in_(self.registrations or [-1]))))
            db.session.execute(delete(FootageRequest).where(FootageRequest.id.in_(requests or [-1])))
            db.session.execute(delete(Case).where(Case.id.in_(cases)))
            regs = self.registrations or [-1]
            owners = list(db.session.scalars(select(Registration.owner_id).where(Registration.id.in_(regs))))
            remove_pictures(regs)  # their files go at the commit below
            db.session.execute(delete(Camera).where(Camera.registration_id.in_(regs)))
            db.session.execute(delete(ConfirmationNotice).where(ConfirmationNotice.registration_id.in_(regs)))
            db.session.execute(delete(RegistrationLifecycle).where(RegistrationLifecycle.registration_id.in_(regs)))
            db.session.execute(delete(Registration).where(Registration.id.in_(regs)))
            db.session.execute(delete(Owner).where(Owner.id.in_(owners or [-1])))
            users = select(AgencyUser.id).where(AgencyUser.username.like(f"{USER_PREFIX}%"))
            db.session.execute(delete(UserSecurity).where(UserSecurity.user_id.in_(users)))
            db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id.in_(users)))
            role_link = AgencyUser.roles.property.secondary
            db.session.execute(delete(role_link).where(role_link.c.user_id.in_(users)))
            db.session.execute(delete(AgencyUser).where(AgencyUser.username.like(f"{USER_PREFIX}%")))
            db.session.commit()
            db.session.remove()


@pytest.fixture()
def journey(app):
    """A desktop browser in the county's time zone on a served app; what it made is removed."""
    base, stop = serve(app)
    playwright, browser, page = open_page(DESK, app.config["TIMEZONE"])
    trip = Journey(app=app, page=page, base=base)
    try:
        yield trip
    finally:
        browser.close()
        playwright.stop()
        stop()
        trip.clean()


def in_db(app, fn):
    """fn() run in an app context on a fresh session (sees what the server committed)."""
    with app.app_context():
        try:
            return fn()
        finally:
            db.session.remove()


def audit_events(app, action: str, purpose: str | None = None, since: datetime | None = None) -> list[dict]:
    """Audit events of one action (and purpose), oldest first, as plain dicts."""
    def read():
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        if purpose is not None:
            query = query.where(AuditEvent.purpose == purpose)
        if since is not None:
            query = query.where(AuditEvent.at >= since)
        return [{"id": e.id, "username": e.username, "object_type": e.object_type, "object_id": e.object_id,
                 "purpose": e.purpose, "detail": e.detail, "at": e.at} for e in db.session.scalars(query)]
    return in_db(app, read)


def pdf_text(data: bytes) -> str:
    """The text of a PDF, pages joined, whitespace runs made one space."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)


def download(page, click) -> tuple[str, bytes]:
    """(suggested file name, bytes) of what clicking `click` (a locator) downloads."""
    with page.expect_download() as caught:
        click.click()
    info = caught.value
    return info.suggested_filename, Path(info.path()).read_bytes()


def opened_pdf(page, link) -> tuple[str, bytes]:
    """(Content-Disposition, bytes) of a PDF that clicking `link` opens in the browser's viewer;
    the bytes are fetched again with the same session (the viewer keeps them to itself), and the
    page is taken back to where it was."""
    href = link.get_attribute("href")
    with page.expect_response(lambda r: r.url.split("?")[0].endswith(href.split("?")[0])) as caught:
        link.click()
    response = caught.value
    assert response.status == 200 and response.headers.get("content-type") == "application/pdf"
    again = page.context.request.get(response.url)
    page.go_back()
    return response.headers.get("content-disposition", ""), again.body()


def keep(name: str, data: bytes) -> Path:
    """Save a downloaded file beside the screenshots, for a person to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    path.write_bytes(data)
    return path
