"""Free text typed by owners and officers is printed as text in every PDF, never as markup."""
import io

from pypdf import PdfReader

from backoffice.extensions import db
from reports.canvass import render_canvass_pdf
from reports.receipt import render_receipt_pdf
from tests.reports.test_canvass_sheet import sample
from tests.reports.test_receipt import collected_request
from workflows.documents import receipt_data

PAYLOAD = '<b>bold</b><img src=x onerror="alert(1)"><a href="javascript:x">link</a>'


def pdf_text(data: bytes) -> str:
    """All text of a PDF, white space folded."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_canvass_sheet_prints_markup_as_text():
    data = sample(items=1)
    data["case"]["incident_type"] = PAYLOAD
    data["items"][0]["label"] = PAYLOAD
    data["items"][0]["contact"]["name"] = PAYLOAD
    text = pdf_text(render_canvass_pdf(data))
    assert text.count("<b>bold</b>") >= 2
    assert 'onerror="alert(1)"' in text


def test_receipt_prints_markup_as_text(client, mailbox):
    request, _, _ = collected_request(client)
    request.registration.owner.name = PAYLOAD
    request.registration.address = PAYLOAD
    db.session.flush()
    text = pdf_text(render_receipt_pdf(receipt_data(request)))
    assert "<b>bold</b>" in text
    assert 'href="javascript:x"' in text
