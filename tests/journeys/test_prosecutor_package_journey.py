"""A supervisor downloads the prosecutor's evidence package from the case page in a real
browser (Debian's chromium); the ZIP received verifies, and the release is in the custody log."""
import hashlib
import zipfile
from pathlib import Path

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import CustodyEvent, EvidenceItem, FootageRequest
from tests.browser import needs_chromium
from tests.journeys.cases_kit import in_db, unique_case_number
from workflows import discovery

pytestmark = needs_chromium
POINT = (35.3791, -119.0410)
FOOTAGE = b"\x00\x01porch camera footage" * 4096
NAME = "cámara del porche – entrada principal.mp4"


def store_footage(app, request_id: int) -> int:
    """Give the journey's evidence item a real stored file (with a non-ASCII name)."""
    def store():
        item = db.session.scalars(select(EvidenceItem).where(EvidenceItem.footage_request_id == request_id)).one()
        path = Path(app.config["EVIDENCE_DIR"]) / f"journey-{item.id}.mp4"
        path.write_bytes(FOOTAGE)
        item.storage_location, item.file_name = path.name, NAME
        item.size_bytes, item.sha256 = len(FOOTAGE), hashlib.sha256(FOOTAGE).hexdigest()
        db.session.commit()
        return item.id
    return in_db(app, store)


def test_a_supervisor_downloads_the_evidence_package(journey, app, tmp_path):
    number = unique_case_number("PKG")
    request_id = journey.collected_request(number, POINT)
    item_id = store_footage(app, request_id)
    case_id = in_db(app, lambda: db.session.get(FootageRequest, request_id).case_id)

    journey.sign_in("supervisor")
    page = journey.page
    page.goto(f"{journey.base}/caseview/show/{case_id}")
    page.get_by_label("For whom (prosecutor and office)").fill("DDA Jane Roe, District Attorney")
    journey.shoot("supervisor-case-package-form")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the evidence package (ZIP)").click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"evidence-package-{number}-")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)

    result = in_db(app, lambda: discovery.verify(saved))
    assert result.ok, result.problems
    with zipfile.ZipFile(saved) as package:
        assert package.read(f"evidence/{item_id}-{NAME}") == FOOTAGE
    notes = in_db(app, lambda: list(db.session.scalars(select(CustodyEvent.note).where(
        CustodyEvent.evidence_item_id == item_id, CustodyEvent.action == "released"))))
    assert notes == ["discovery package to DDA Jane Roe, District Attorney"]

    # The request's page shows the release in the item's custody log.
    page.goto(f"{journey.base}/footage/{request_id}")
    page.get_by_text("discovery package to DDA Jane Roe").first.wait_for()
    journey.shoot("supervisor-custody-log-after-package")


def test_an_investigator_sees_no_package_button(journey, app):
    number = unique_case_number("PKGI")
    request_id = journey.collected_request(number, POINT)
    case_id = in_db(app, lambda: db.session.get(FootageRequest, request_id).case_id)
    journey.sign_in("investigator")
    journey.page.goto(f"{journey.base}/caseview/show/{case_id}")
    journey.page.get_by_text(number).first.wait_for()
    assert journey.page.locator("#package-form").count() == 0
