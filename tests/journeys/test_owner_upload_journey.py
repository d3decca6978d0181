"""An investigator e-mails a Spanish-speaking owner an upload link; the owner opens it on a
phone, reads the page in Spanish, uploads the footage and is thanked with the file's size and
fingerprint; the investigator is told, the link is spent and is not offered for sending again."""
import re
from datetime import datetime, timedelta, timezone

from backoffice.extensions import db
from backoffice.models import EvidenceItem, FootageRequest, OutboxMessage, Registration, UploadLink
from tests import factories
from tests.browser import PHONE, needs_chromium, shoot
from tests.journeys.cases_kit import in_db, unique_case_number
from tests.mailbox import body_text

pytestmark = needs_chromium
SCENE = (35.3470, -119.0750)
FOOTAGE = b"\x00\x00\x00\x18ftypmp42" + b"porch camera night " * 90_000  # about 1.6 MB


def consented_request(journey, case_number: str) -> int:
    """A committed request on Spanish-speaking premises, consent recorded, no footage yet."""
    reg_id = journey.premises(SCENE, [{"label": "Porche", "direction_deg": 180}], language="es",
                              preferred_contact="email")
    with journey.app.app_context():
        now = datetime.now(timezone.utc)
        user = factories.user("investigator")
        case = factories.case(0, case_number=case_number, incident_type="robbery", lead_investigator_id=user.id)
        case.set_location(*SCENE)
        reg = db.session.get(Registration, reg_id)
        request = factories.footage_request(
            case, reg, state="consented", assignee_id=user.id, created_by_id=user.id,
            consent_given_by=reg.owner.name, consent_method="phone", consent_scope="evidence_only",
            consent_at=now - timedelta(minutes=20),
        )
        db.session.commit()
        request_id = request.id
        db.session.remove()
        return request_id


def test_an_owner_uploads_footage_from_a_spanish_link_on_a_phone(journey, app, mailbox, tmp_path):
    page = journey.page
    request_id = consented_request(journey, unique_case_number("UPL"))
    owner_email, investigator_email = in_db(app, lambda: (
        db.session.get(FootageRequest, request_id).registration.owner.email,
        factories.user("investigator").email))

    journey.sign_in("investigator")
    page.goto(f"{journey.base}/footage/{request_id}")
    page.get_by_role("button", name="Email the owner an upload link").click()
    page.get_by_text("Upload link emailed to the owner.").wait_for()
    assert re.search(r"Upload link e-mailed \w{3} \d+ \w{3} \d{4}, \d+:\d\d [AP]M P[SD]T",
                     page.locator("#messages").inner_text())

    [mail] = mailbox.to(owner_email)
    link = re.search(r"http://localhost(/upload/\S+)", body_text(mail)).group(1)
    assert link.endswith("?lang=es")
    phone = page.context.browser.new_context(**PHONE, locale="en-US", timezone_id=app.config["TIMEZONE"])
    owner = phone.new_page()
    owner.goto(journey.base + link)
    assert owner.locator("html").get_attribute("lang") == "es"
    owner.get_by_role("heading", name="Suba las grabaciones solicitadas").wait_for()
    assert "Camera Registry" not in owner.locator("header").inner_text()
    window = owner.locator("#upload-window").inner_text()
    assert "PST" in window or "PDT" in window
    shoot(owner, "owner-upload-01-phone-page")

    footage = tmp_path / "grabación porche 22h.mp4"
    footage.write_bytes(FOOTAGE)
    owner.get_by_label("Archivo de grabación").set_input_files(str(footage))
    owner.get_by_label("Qué muestra (cámara, hora)").fill("Cámara del porche, de 22:00 a 22:10")
    owner.get_by_role("button", name="Subir").click()
    done = owner.locator("#upload-done")
    done.wait_for()
    said = done.inner_text()
    assert "grabación porche 22h.mp4" in said
    assert re.search(r"1,\d MB \(1\.\d{3}\.\d{3} bytes\)", said), said  # numbers as Spanish writes them
    shoot(owner, "owner-upload-02-phone-done")
    phone.close()

    def stored():
        item = db.session.query(EvidenceItem).filter_by(footage_request_id=request_id).one()
        link_row = db.session.query(UploadLink).filter_by(footage_request_id=request_id).one()
        notices = db.session.query(OutboxMessage).filter_by(
            kind="upload_notice", object_type="footage_request", object_id=request_id).all()
        return item.size_bytes, item.file_name, item.description, link_row.used_at, [n.status for n in notices]
    size, name, description, used_at, notices = in_db(app, stored)
    assert (size, name, description) == (len(FOOTAGE), "grabación porche 22h.mp4", "Cámara del porche, de 22:00 a 22:10")
    assert used_at is not None and notices == ["sent"]
    assert len(mailbox.to(investigator_email)) == 1

    page.goto(journey.base + "/")
    news = page.locator("section.work-panel", has_text="News on your requests")
    assert f"#{request_id} · the owner uploaded grabación porche 22h.mp4" in news.inner_text()
    journey.shoot("owner-upload-03-investigator-home")
    news.get_by_role("link", name=f"#{request_id} · the owner uploaded grabación porche 22h.mp4").click()
    page.wait_for_url(f"**/footage/{request_id}")
    messages = page.locator("#messages")
    assert "Upload notice to the investigator e-mailed" in messages.inner_text()
    link_line = messages.locator("li.message-upload_link")
    assert link_line.get_by_role("button", name="Send again").count() == 0  # its link is spent
    assert "grabación porche 22h.mp4" in page.inner_text("body")
    journey.shoot("owner-upload-04-request-after")
