"""The evidence receipt: the facts on the PDF, the email to the owner, the QR verification page."""
import io
import re
from pathlib import Path

from pypdf import PdfReader

from backoffice.extensions import db
from backoffice.models import EvidenceItem
from reports.receipt import render_receipt_pdf
from tests import factories
from tests.auth import api_token
from tests.mailbox import body_text, free_port
from tests.reports import pdfcheck
from tests.workflows.helpers import declaration_for, request_in
from workflows import footage_request as wf
from workflows.documents import receipt_data


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def collected_request(client, content=b"night footage " * 5000, *, language="en",
                      file_name="dvr-export.avi", description="aisle camera", clock_offset_s="125"):
    """A consented request with one uploaded item, then collected through the API."""
    request = request_in("consented", evidence=False)
    request.registration.owner.organisation = "Corner Market LLC"
    request.registration.owner.language = language
    db.session.commit()
    headers = api_token(client, "investigator")
    upload = client.post(
        f"/api/v1/footage_request/{request.id}/evidence",
        data={"file": (io.BytesIO(content), file_name), "description": description,
              "clock_offset_s": clock_offset_s},
        headers=headers, content_type="multipart/form-data",
    )
    assert upload.status_code == 201
    assert client.post(f"/api/v1/footage_request/{request.id}/collect", json={"version": 1}, headers=headers).status_code == 200
    return request, upload.json, headers


def test_receipt_states_the_facts(client, mailbox):
    request, item, headers = collected_request(client)
    response = client.get(f"/api/v1/footage_request/{request.id}/receipt.pdf", headers=headers)
    text = pdf_text(response.data)
    flat = "".join(text.split())
    owner, reg = request.registration.owner, request.registration
    for fact in (
        request.case.case_number,
        request.case.agency.name,
        request.case.agency.ori,
        owner.name,
        "Corner Market LLC",
        reg.address,
        "dvr-export.avi",
        "aisle camera",
        f"{item['size_bytes']:,} bytes",
        "2 min 5 s ahead",
        "Ivy Investigator",
        "Owner or representative: name, signature, date",
        "Collecting officer",
        "Pat Owner",  # who consented
    ):
        assert fact in text, fact
    assert item["sha256"] in flat
    assert "/verify/evidence/" in flat
    assert owner.email not in text  # a receipt is not a contact sheet
    fonts = pdfcheck.embedded_fonts(response.data)
    assert fonts and all(fonts.values())  # embedded as subsets
    assert {name.removesuffix("-Bold") for name in fonts} <= {"Noto-Sans", "DejaVu-Sans-Mono"}


def test_receipt_is_emailed_to_the_owner_after_collect(client, mailbox):
    request, item, _ = collected_request(client)
    messages = mailbox.to(request.registration.owner.email)
    assert len(messages) == 1
    attachments = [p for p in messages[0].walk() if p.get_content_type() == "application/pdf"]
    assert len(attachments) == 1
    assert attachments[0].get_filename() == f"evidence-receipt-{request.case.case_number}-request-{request.id}.pdf"
    text = pdf_text(attachments[0].get_payload(decode=True))
    assert item["sha256"] in "".join(text.split())


def test_receipt_rendering_is_deterministic(client, mailbox):
    request, _, _ = collected_request(client)
    data = receipt_data(request)
    assert render_receipt_pdf(data) == render_receipt_pdf(data)


def test_verification_page_rechecks_the_stored_file(client, ctx, mailbox):
    request, item, _ = collected_request(client)
    url = receipt_data(request)["verify_url"]
    path = "/" + url.split("/", 3)[3]
    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert item["sha256"] in html and "verify-matches" in html
    stored = Path(ctx.config["EVIDENCE_DIR"]) / db.session.get(EvidenceItem, item["id"]).storage_location
    stored.chmod(0o640)
    stored.write_bytes(b"tampered")
    assert "verify-changed" in client.get(path).get_data(as_text=True)
    stored.unlink()
    assert "verify-missing" in client.get(path).get_data(as_text=True)
    forged = client.get(re.sub(r"/evidence/.*", "/evidence/abc.def", path))
    assert forged.status_code == 404


def test_no_owner_email_is_reported_not_fatal(client, mailbox):
    request = request_in("consented")
    request.registration.owner.email = None
    db.session.commit()
    outcome = wf.fire(request.id, "collect", factories.user("investigator"), 1)
    assert outcome.state == "collected"
    assert outcome.notices and "no email address" in outcome.notices[0]


def test_the_issued_receipt_does_not_change_afterwards(client, mailbox):
    request, _, headers = collected_request(client)
    url = f"/api/v1/footage_request/{request.id}/receipt.pdf"
    issued = client.get(url, headers=headers).data
    owner = request.registration.owner
    first_name = owner.name
    owner.name = "Renamed Later"
    db.session.commit()
    again = client.get(url, headers=headers).data
    assert again == issued and first_name in pdf_text(again) and "Renamed Later" not in pdf_text(again)
    emailed = [p for p in mailbox.to(owner.email)[0].walk() if p.get_content_type() == "application/pdf"][0]
    assert emailed.get_payload(decode=True) == issued


def test_a_mail_server_that_is_down_is_reported_in_words(client, app, mailbox):
    request = request_in("consented")
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = free_port()  # nothing listens there
    try:
        outcome = wf.fire(request.id, "collect", factories.user("investigator"), 1)
    finally:
        app.config["MAIL_PORT"] = port
    assert outcome.state == "collected"
    assert outcome.notices == ["The receipt e-mail to the owner is queued but not delivered yet (the "
                               "mail server did not take it); it is retried automatically."]


def test_the_consent_line_is_in_words_not_codes(client, mailbox):
    request = request_in("consented")  # consent "written", scope "media_release"
    consent = receipt_data(request)["consent"]
    assert consent.startswith("Pat Owner, in writing, ")
    assert consent.endswith("scope: evidence and media release")
    assert "written" not in consent and "media release" not in consent.replace("and media release", "")


def test_a_spanish_owners_receipt_is_in_spanish_and_the_custody_report_stays_english(client, mailbox):
    request, item, headers = collected_request(client, b"frames" * 100, language="es", file_name="porche.mp4",
                                               description="cámara del porche", clock_offset_s="-40")
    pdf = client.get(f"/api/v1/footage_request/{request.id}/receipt.pdf", headers=headers).data
    text = pdf_text(pdf)
    for words in ("Recibo de pruebas", "Propietario y domicilio", "Periodo de grabación",
                  "40 s atrasado", "alcance: como prueba y para difusión a los medios",
                  "Propietario o representante: nombre, firma, fecha", "página 1 de 1"):
        assert words in text, words
    assert re.search(r"\b(lun|mar|mié|jue|vie|sáb|dom)\b", text)  # county times written in Spanish
    assert "Evidence receipt" not in text and "Owner and premises" not in text
    custody = pdf_text(client.get(f"/api/v1/evidence_item/{item['id']}/custody.pdf", headers=headers).data)
    assert "Chain of custody" in custody and "40 s behind" in custody


def test_a_spanish_owners_evidence_check_opens_in_spanish(client, mailbox):
    request, item, _ = collected_request(client, language="es")
    url = receipt_data(request)["verify_url"]
    assert url.endswith("?lang=es")
    html = client.get("/" + url.split("/", 3)[3], headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert '<html lang="es">' in html and "Comprobación de las pruebas" in html and "Sin cambios" in html
    assert "Evidence check" not in html and "Camera Registry" not in html
    assert re.search(r"\d+:\d\d [ap]\. ?m\. P[SD]T", html)  # the time as Spanish writes it, with its zone
    forged = client.get("/verify/evidence/abc.def?lang=es")
    assert forged.status_code == 404 and "Este enlace no es válido." in forged.get_data(as_text=True)


def test_the_receipt_names_who_collected_footage_the_owner_uploaded(client, mailbox):
    from workflows import owner_upload

    request = request_in("consented", evidence=False)
    owner_upload.issue_link(request.id, factories.user("investigator"))
    token = re.search(r"/upload/([^\s?]+)", body_text(mailbox.to(request.registration.owner.email)[0])).group(1)
    owner_upload.upload_with_link(token, io.BytesIO(b"porch footage" * 40), "porch.mp4", "porch camera",
                                  declaration_for(request))
    wf.fire(request.id, "collect", factories.user("investigator"), 1)
    data = receipt_data(request)
    investigator = factories.user("investigator")
    assert data["collector"] == f"{investigator.first_name} {investigator.last_name} ({investigator.username})"
    assert [item["collected_by"] for item in data["items"]] == ["uploaded by the owner"]
