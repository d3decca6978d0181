"""An investigator e-mails a Spanish-speaking owner an upload link; the owner opens it on a
phone, reads the page in Spanish, uploads the footage and is thanked with the file's size and
fingerprint, having declared what the recorder's clock shows, that the file is unaltered and
what they consent to; the investigator is told, the link is spent and is not offered for sending again."""
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from pypdf import PdfReader

from backoffice.extensions import db
from backoffice.localtime import format_wall_seconds
from backoffice.models import EvidenceItem, FootageRequest, OutboxMessage, Registration, UploadLink
from tests import factories
from tests.browser import PHONE, needs_chromium, shoot, shoot_pdf
from tests.journeys.cases_kit import in_db, unique_case_number
from tests.mailbox import body_text
from workflows import footage_request as wf

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


# The name the owner chose for the file, as shown back (its line break becomes a space).
CHOSEN = 'grabación "porche" 22h.mp4'


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
    owner.get_by_label("Mi grabador no muestra ningún reloj.").check()
    assert owner.locator("#clock_reading").is_disabled()  # one or the other
    owner.get_by_label("Mi grabador no muestra ningún reloj.").uncheck()

    # A phone's name for a file can hold what a form escapes (a line break, quotes): Chromium
    # sends them as %0A and %22, and the owner must see the name they chose, not the escapes.
    owner.get_by_label("Archivo de grabación").set_input_files(
        {"name": 'grabación "porche"\n22h.mp4', "mimeType": "video/mp4", "buffer": FOOTAGE})
    # No description typed: the receipt says in Spanish what was sent.
    # The declarations: the recorder's screen shows a time 4 min 10 s behind the county's clocks.
    declaration = owner.locator("#declaration")
    shows = (datetime.now(ZoneInfo(app.config["TIMEZONE"])) - timedelta(seconds=250)).strftime("%Y-%m-%dT%H:%M:%S")
    # A month mistyped is said at once, in Spanish, before anything is signed or sent.
    reading = declaration.get_by_label("Lo que marca ahora el reloj de su grabador")
    month_off = (datetime.now(ZoneInfo(app.config["TIMEZONE"])) - timedelta(days=31, seconds=250))
    reading.fill(month_off.strftime("%Y-%m-%dT%H:%M:%S"))
    far = owner.locator("#clock_reading-far")
    far.wait_for()
    assert "va 31 días por detrás del reloj de este teléfono" in far.inner_text()
    shoot(owner, "owner-upload-01b-month-off")
    reading.fill(shows)
    assert far.is_hidden()
    declaration.get_by_label("El archivo que envío es una copia sin alterar exportada del grabador",
                             exact=False).check()
    evidence_only = declaration.get_by_label("Doy mi consentimiento para que estas grabaciones se usen solo como prueba.")
    assert evidence_only.is_checked()  # as the owner told the investigator
    assert declaration.locator('input[value="media_release"]').count() == 0  # never widened here
    owner.get_by_role("button", name="Subir").click()
    refused = owner.locator("#upload-error")  # the file must be chosen again after a refusal; none here
    assert refused.count() == 0
    done = owner.locator("#upload-done")
    done.wait_for()
    said = done.inner_text()
    assert CHOSEN in said and "%0A" not in said and "%22" not in said
    assert re.search(r"1\.\d MB \(1,\d{3},\d{3} bytes\)", said), said  # numbers as the county's Spanish (es_US) writes them
    shoot(owner, "owner-upload-02-phone-done")
    phone.close()

    def stored():
        item = db.session.query(EvidenceItem).filter_by(footage_request_id=request_id).one()
        link_row = db.session.query(UploadLink).filter_by(footage_request_id=request_id).one()
        notices = db.session.query(OutboxMessage).filter_by(
            kind="upload_notice", object_type="footage_request", object_id=request_id).all()
        return item.size_bytes, item.file_name, item.description, link_row.used_at, [n.status for n in notices]
    size, name, description, used_at, notices = in_db(app, stored)

    def declared():
        item = db.session.query(EvidenceItem).filter_by(footage_request_id=request_id).one()
        d = item.owner_declaration
        return (d.read_at_source, d.clock_offset_s, item.clock_offset_s, d.language, d.consent_scope,
                d.statement, d.digest == d.compute_digest(), d.sha256 == item.sha256, item.id, d.digest)
    source, offset_s, item_offset, language, scope, statement, digest_ok, bound, item_id, digest = in_db(app, declared)
    assert source == "browser" and -256 <= offset_s <= -249 and item_offset == offset_s, offset_s
    assert (language, scope, digest_ok, bound) == ("es", "evidence_only", True, True)
    reading_es = format_wall_seconds(datetime.fromisoformat(shows), "es")  # "mar 1 dic 2026, 10:10:05 p.m."
    assert statement.startswith("Soy el propietario del grabador") and reading_es in statement, statement
    assert shows.replace("T", " ") not in statement and ".." not in statement  # in words, not as typed
    assert (size, name, description) == (len(FOOTAGE), CHOSEN,
                                         f"Uploaded by the owner for request {request_id}")
    assert used_at is not None and notices == ["sent"]
    assert len(mailbox.to(investigator_email)) == 1

    page.goto(journey.base + "/")
    news = page.locator("section.work-panel", has_text="News on your requests")
    assert f"#{request_id} · the owner uploaded {CHOSEN}" in news.inner_text()
    mine = page.locator("section.work-panel", has_text="Your open requests").inner_text()
    assert "footage not yet collected" in mine and "file received: mark the footage collected" in mine
    journey.shoot("owner-upload-03-investigator-home")
    news.get_by_role("link", name=f"#{request_id} · the owner uploaded {CHOSEN}").click()
    page.wait_for_url(f"**/footage/{request_id}")
    messages = page.locator("#messages")
    assert "Upload notice to the investigator e-mailed" in messages.inner_text()
    link_line = messages.locator("li.message-upload_link")
    assert link_line.get_by_role("button", name="Send again").count() == 0  # its link is spent
    assert CHOSEN in page.inner_text("body")
    shown = page.locator(f"#declaration-{item_id}")
    assert digest in shown.inner_text() and "evidence only" in shown.inner_text()
    shown.scroll_into_view_if_needed()
    journey.shoot("owner-upload-04-request-after")

    # Collected: the receipt carries the owner's declarations, in Spanish.
    in_db(app, lambda: wf.fire(request_id, "collect", factories.user("investigator"),
                               db.session.get(FootageRequest, request_id).version))
    receipt = page.request.get(f"{journey.base}/footage/{request_id}/receipt.pdf")
    assert receipt.ok
    pdf = tmp_path / "receipt.pdf"
    pdf.write_bytes(receipt.body())
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(str(pdf)).pages).split())
    behind = f"{-offset_s // 60} min {-offset_s % 60} s atrasado"
    for words in ("Declaraciones del propietario", "Reloj del grabador", behind,
                  f"Subido por el propietario para la solicitud {request_id}",
                  f"marcaba {reading_es} cuando en el condado era", f"el reloj del grabador iba {behind}",
                  "Copia sin alterar", "Doy mi consentimiento para que estas grabaciones se usen solo como prueba."):
        assert words in text, (words, text)
    assert "Uploaded by" not in text and shows.replace("T", " ") not in text and " s behind" not in text
    assert re.search(r"cuando en el condado era \w+ \d+ \w+ \d{4}, \d+:\d\d:\d\d [ap]\. ?m\. P[SD]T", text), text
    shoot_pdf(receipt.body(), "owner-upload-05-receipt")
