"""Camera owners on a phone (README "A tour by role"): register by typing and picking the address,
confirm the e-mail from the link that arrives over SMTP, get approved by Registry Staff, then
update, read the access log and withdraw through the management link. In English, and in
Spanish chosen by the link at the top or asked for by the browser. The database is checked
after each step; screenshots go to the folder the run prints."""
import re

import pytest

from backoffice import audit
from backoffice.extensions import db
from tests import factories
from tests.browser import click_and_answer, needs_chromium, shoot
from tests.journeys.owners_kit import (
    email,
    english_left,
    mail_link,
    mail_text,
    owner_exists,
    pick_address,
    review_queue_row,
    served,
    stored,
    type_into,
    visible_text,
)

pytestmark = needs_chromium


@pytest.fixture()
def journey(app, mailbox):
    """The served app with the county's address points; what the journey commits is removed."""
    with served(app) as run:
        yield run, mailbox


def fill_registration(page, *, name: str, address: str, phone: str, number: str, suggestion: str,
                      camera: str, overlooks: str, facing: str) -> None:
    """Type the details, pick the address from the suggestions, describe one camera, accept the terms."""
    page.locator("#name").click()
    page.keyboard.type(name)
    page.locator("#email").click()
    page.keyboard.type(address)
    page.locator("#phone").click()
    page.keyboard.type(phone)
    pick_address(page, number, suggestion)
    page.locator("#cameras-0-label").click()
    page.keyboard.type(camera)
    page.locator("#cameras-0-overlooks").click()
    page.keyboard.type(overlooks)
    page.locator("#cameras-0-direction").select_option(label=facing)
    type_into(page, "#cameras-0-retention_days", "30")
    page.locator("#accept_terms").check()


def approve_as_staff(run, registration_id: int, shot: str) -> None:
    """Registry Staff, on a desktop, approve the registration from the review queue."""
    page = run.staff()
    row = review_queue_row(page, run.base, registration_id)
    row.get_by_role("link", name="Review").click()
    shoot(page, f"{shot}-review")
    click_and_answer(page, page.get_by_role("button", name="Approve"))  # approving asks first
    page.get_by_text("Approved; the owner has been emailed").wait_for()
    page.context.close()


def reveal_for_a_case(app, registration_id: int, case_number: str) -> None:
    """An investigator reads the owner's contact details for a case (what the access log reports)."""
    with app.app_context():
        investigator = factories.user("investigator")
        owner_id = stored(app, registration_id=registration_id).owner["id"]
        audit.record("owner.reveal", user=investigator, object_type="owner", object_id=owner_id,
                     purpose=case_number)
        db.session.commit()
        db.session.remove()


def test_a_resident_registers_in_english_and_later_withdraws(journey, app):
    run, mailbox = journey
    pat = email("pat.quail")
    page = run.phone()
    run.open(page, "/register")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing off-screen
    fill_registration(page, name="Pat Quail", address=pat, phone="661 555 0142 ext. 23", number="2101 quail",
                      suggestion="2101 Quailwood Court, Bakersfield 93309", camera="Front porch",
                      overlooks="the street and the sidewalk", facing="North-east")
    assert page.input_value("#postal_code") == "93309"
    shoot(page, "owner-en-01-form-filled")
    page.get_by_role("button", name="Register").click()
    page.wait_for_url(f"{run.base}/register/sent")
    shoot(page, "owner-en-02-check-your-email")
    saved = stored(app, pat)
    assert saved.status == "pending" and not saved.verified
    assert saved.owner["name"] == "Pat Quail" and saved.owner["phone"] == "+16615550142;ext=23"
    assert saved.owner["language"] == "en"
    assert (saved.address, saved.city, saved.postal_code) == ("2101 Quailwood Court", "Bakersfield", "93309")
    assert (round(saved.lat, 4), round(saved.lon, 4)) == (35.3321, -119.0713)
    assert [(c["label"], c["direction_deg"], c["retention_days"], c["overlooks"]) for c in saved.cameras] == [
        ("Front porch", 45, 30, "the street and the sidewalk")]

    # The e-mail arrives; the link opens a page whose button confirms.
    subject, text = mail_text(mailbox, pat)
    assert subject == "Confirm your email for the Camera Registry" and "Hello Pat Quail," in text
    run.open(page, mail_link(mailbox, pat, "verify"))
    shoot(page, "owner-en-03-verify-page")
    assert not stored(app, pat).verified  # opening the link alone changes nothing
    page.get_by_role("button", name="Confirm my email address").click()
    page.get_by_text("your email is confirmed").wait_for()
    shoot(page, "owner-en-04-verified")
    assert stored(app, pat).verified

    approve_as_staff(run, saved.id, "owner-en-05-staff")
    approved = stored(app, pat)
    assert approved.status == "active" and approved.decision == "approved" and approved.next_due
    subject, text = mail_text(mailbox, pat)
    assert subject == "Your cameras are registered"

    # The management link: change the phone and the camera's facing and retention.
    run.open(page, mail_link(mailbox, pat, "manage"))
    shoot(page, "owner-en-06-manage")
    type_into(page, "#phone", "(661) 555-0199")
    page.locator("#cameras-0-direction").select_option(label="South")
    type_into(page, "#cameras-0-retention_days", "21")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_text("Saved. Thank you").wait_for()
    shoot(page, "owner-en-07-saved")
    updated = stored(app, pat)
    assert updated.owner["phone"] == "+16615550199"
    assert [(c["direction_deg"], c["retention_days"]) for c in updated.cameras] == [(180, 21)]

    # Who accessed it: the agency, the date and the case, never the officer.
    reveal_for_a_case(app, saved.id, "2026-QW-118")
    page.get_by_role("link", name="See who accessed your registration").click()
    log = page.locator("table.log").inner_text()
    shoot(page, "owner-en-08-access-log")
    assert "2026-QW-118" in log and "investigator" not in log.lower()
    assert re.search(r"\b(PST|PDT)\b", log)

    # Withdraw: the owner and the registration are gone.
    page.get_by_role("link", name="Back to your registration").click()
    page.get_by_role("link", name="Withdraw my registration").click()
    shoot(page, "owner-en-09-withdraw")
    page.get_by_label("Yes, withdraw my registration and delete my details").check()
    page.get_by_role("button", name="Withdraw").click()
    page.get_by_text("Your personal details have been deleted.").wait_for()
    shoot(page, "owner-en-10-withdrawn")
    assert stored(app, pat) is None and not owner_exists(app, approved.owner["id"])
    assert stored(app, registration_id=saved.id) is None
    assert mail_text(mailbox, pat)[0] == "Your registration has been withdrawn"


def test_a_resident_chooses_spanish_at_the_top_and_everything_stays_spanish(journey, app):
    run, mailbox = journey
    lucia = email("lucia.codorniz")
    page = run.phone()
    run.open(page, "/register")
    page.get_by_role("link", name="Español").click()
    page.get_by_role("heading", name="Registre sus cámaras").wait_for()
    assert not english_left(visible_text(page)), english_left(visible_text(page))
    assert page.locator(".leaflet-control-zoom-in").get_attribute("title") == "Acercar"  # the map too
    fill_registration(page, name="Lucía Codorniz", address=lucia, phone="12", number="2103 quail",
                      suggestion="2103 Quailwood Court, Bakersfield 93309", camera="Entrada",
                      overlooks="la calle y la acera", facing="Sur")
    type_into(page, "#cameras-0-fov_deg", "500")
    page.get_by_role("button", name="Registrarse").click()
    # Refused in Spanish, with what she typed kept.
    summary = page.locator("#error-summary")
    summary.wait_for()
    shoot(page, "owner-es-01-wrong-phone-and-width")
    text = visible_text(page)
    assert not english_left(text), english_left(text)
    assert "teléfono" in page.locator("#phone-error").inner_text().lower()
    assert "360" in page.locator("#cameras-0-fov_deg-error").inner_text()
    assert page.input_value("#phone") == "12" and page.input_value("#cameras-0-fov_deg") == "500"
    assert page.input_value("#name") == "Lucía Codorniz" and page.input_value("#address") == "2103 Quailwood Court"
    assert page.input_value("#cameras-0-label") == "Entrada"
    assert stored(app, lucia) is None
    # The terms must be accepted again? The tick is kept too, so she only corrects the two fields.
    type_into(page, "#phone", "661-555-0177")
    type_into(page, "#cameras-0-fov_deg", "110")
    if not page.locator("#accept_terms").is_checked():
        page.locator("#accept_terms").check()
    page.get_by_role("button", name="Registrarse").click()
    page.wait_for_url(f"{run.base}/register/sent")
    shoot(page, "owner-es-02-sent")
    assert not english_left(visible_text(page))
    saved = stored(app, lucia)
    assert saved.status == "pending" and saved.owner["language"] == "es"
    assert saved.owner["phone"] == "+16615550177"
    assert [(c["label"], c["direction_deg"], c["fov_deg"]) for c in saved.cameras] == [("Entrada", 180, 110)]

    subject, text = mail_text(mailbox, lucia)
    assert subject == "Confirme su correo para el Registro de Cámaras"
    assert "Hola, Lucía Codorniz:" in text and not english_left(text)
    run.open(page, mail_link(mailbox, lucia, "verify"))
    shoot(page, "owner-es-03-verify-page")
    assert not english_left(visible_text(page))
    page.get_by_role("button", name="Confirmar mi correo").click()
    page.get_by_role("heading", name=re.compile("correo está confirmado")).wait_for()
    assert stored(app, lucia).verified

    approve_as_staff(run, saved.id, "owner-es-04-staff")
    assert stored(app, lucia).status == "active"
    subject, text = mail_text(mailbox, lucia)
    assert subject == "Sus cámaras están registradas" and not english_left(text)

    run.open(page, mail_link(mailbox, lucia, "manage"))
    page.get_by_role("heading", name="Su registro").wait_for()
    shoot(page, "owner-es-05-manage")
    assert not english_left(visible_text(page)), english_left(visible_text(page))
    type_into(page, "#cameras-0-retention_days", "400")  # out of range: refused in Spanish
    page.get_by_role("button", name="Guardar cambios").click()
    page.locator("#cameras-0-retention_days-error").wait_for()
    shoot(page, "owner-es-06-manage-wrong-retention")
    assert not english_left(visible_text(page)), english_left(visible_text(page))
    assert page.input_value("#cameras-0-retention_days") == "400"
    assert stored(app, lucia).cameras[0]["retention_days"] == 30
    type_into(page, "#cameras-0-retention_days", "60")
    type_into(page, "#cameras-0-label", "Entrada principal")
    page.get_by_role("button", name="Guardar cambios").click()
    page.get_by_text("Guardado.").wait_for()
    assert [(c["label"], c["retention_days"]) for c in stored(app, lucia).cameras] == [("Entrada principal", 60)]

    reveal_for_a_case(app, saved.id, "2026-QW-205")
    page.get_by_role("link", name=re.compile("Ver quién")).click()
    shoot(page, "owner-es-07-access-log")
    log = page.locator("table.log").inner_text()
    assert "2026-QW-205" in log and not english_left(log)
    assert "Owner" not in log and "reveal" not in log.lower()

    page.get_by_role("link", name=re.compile("Volver")).click()
    page.get_by_role("link", name=re.compile("Retirar mi registro")).click()
    page.get_by_role("button", name="Retirar").click()  # without the tick: asked to tick it, in Spanish
    page.locator(".error").first.wait_for()
    shoot(page, "owner-es-08-withdraw-unticked")
    assert not english_left(visible_text(page))
    assert stored(app, lucia).status == "active"
    page.locator("#sure").check()
    page.get_by_role("button", name="Retirar").click()
    page.get_by_role("heading", name=re.compile("retirado")).wait_for()
    shoot(page, "owner-es-09-withdrawn")
    assert not english_left(visible_text(page))
    assert stored(app, lucia) is None and stored(app, registration_id=saved.id) is None
    subject, text = mail_text(mailbox, lucia)
    assert not english_left(subject + text), subject


def test_a_browser_asking_for_spanish_gets_the_portal_in_spanish(journey, app):
    run, mailbox = journey
    marta = email("marta.olivo")
    page = run.phone(locale="es-US")
    run.open(page, "/register")
    page.get_by_role("heading", name="Registre sus cámaras").wait_for()
    fill_registration(page, name="Marta Olivo", address=marta, phone="(661) 555-0123", number="2105 quail",
                      suggestion="2105 Quailwood Court, Bakersfield 93309", camera="Patio",
                      overlooks="el callejón", facing="Oeste")
    type_into(page, "#cameras-0-direction_deg", "400")  # the exact direction, out of range
    page.get_by_role("button", name="Registrarse").click()
    page.locator("#cameras-0-direction_deg-error").wait_for()
    shoot(page, "owner-es-browser-01-wrong-direction")
    assert not english_left(visible_text(page)), english_left(visible_text(page))
    assert page.input_value("#cameras-0-direction_deg") == "400"
    type_into(page, "#cameras-0-direction_deg", "")
    if not page.locator("#accept_terms").is_checked():
        page.locator("#accept_terms").check()
    page.get_by_role("button", name="Registrarse").click()
    page.wait_for_url(f"{run.base}/register/sent")
    saved = stored(app, marta)
    assert saved.owner["language"] == "es" and saved.cameras[0]["direction_deg"] == 270
    subject, text = mail_text(mailbox, marta)
    assert "Hola, Marta Olivo:" in text and not english_left(subject + text)
    run.open(page, mail_link(mailbox, marta, "verify"))
    page.get_by_role("button", name="Confirmar mi correo").click()
    page.get_by_role("heading", name=re.compile("correo está confirmado")).wait_for()
    shoot(page, "owner-es-browser-02-verified")
    assert stored(app, marta).verified
