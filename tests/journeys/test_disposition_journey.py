"""A supervisor holds a closed case, lifts the hold, and disposes of its evidence once its
retention has ended, in a real browser; the owner's receipt link then says the copy is gone."""
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

from backoffice.extensions import db
from backoffice.models import Case, CustodyEvent, EvidenceItem, FootageRequest, RequestTransition
from tests.browser import needs_chromium
from tests.factories import BAKERSFIELD
from tests.journeys.cases_kit import in_db, unique_case_number
from workflows.documents import verify_url

pytestmark = needs_chromium


def test_supervisor_holds_then_disposes_of_old_evidence(journey):
    number = unique_case_number("retain")
    request_id = journey.collected_request(number, BAKERSFIELD)
    app = journey.app
    with app.app_context():  # the request was closed four years ago, its file is stored
        request = db.session.get(FootageRequest, request_id)
        request.state = "closed"
        db.session.add(RequestTransition(footage_request_id=request_id, from_state="collected",
                                         to_state="closed", trigger="close",
                                         at=datetime.now(timezone.utc) - timedelta(days=4 * 365)))
        item = db.session.query(EvidenceItem).filter_by(footage_request_id=request_id).one()
        item.storage_location = f"journey-{request_id}.mp4"
        stored = Path(app.config["EVIDENCE_DIR"]) / item.storage_location
        stored.write_bytes(b"four years old")
        case_id, item_id = request.case_id, item.id
        receipt_link = verify_url(request_id, "es")
        db.session.commit()
        db.session.remove()

    page = journey.page
    page.on("dialog", lambda dialog: dialog.accept())
    journey.sign_in("supervisor")
    page.goto(f"{journey.base}/caseview/show/{case_id}")
    assert "Evidence retention" in page.locator("#retention").inner_text()
    page.locator("#hold-reason").fill("Civil suit filed by the victim")
    page.get_by_role("button", name="Place on legal hold").click()
    page.wait_for_load_state()
    assert "On legal hold" in page.locator("#legal-hold").inner_text()
    assert in_db(app, lambda: db.session.get(Case, case_id).legal_hold) is True
    journey.shoot("supervisor-case-on-legal-hold")

    journey.menu("Footage", "Disposition")
    assert f'value="{item_id}"' not in page.content()  # held: not offered

    page.goto(f"{journey.base}/caseview/show/{case_id}")
    page.locator("#hold-reason").fill("Suit settled")
    page.get_by_role("button", name="Lift the legal hold").click()
    page.wait_for_load_state()
    journey.menu("Footage", "Disposition")
    page.locator(f"#item-{item_id}").check()
    page.locator("#reason").fill("Retention for burglary evidence has ended")
    journey.shoot("supervisor-disposition-list")
    page.get_by_role("button", name="Dispose of the chosen items").click()
    page.wait_for_load_state()
    assert "Disposed of 1 evidence item" in page.content()

    assert not stored.exists()
    kept = in_db(app, lambda: (db.session.get(EvidenceItem, item_id).disposed_at,
                               [c.action for c in db.session.query(CustodyEvent)
                                .filter_by(evidence_item_id=item_id).order_by(CustodyEvent.id)]))
    assert kept[0] is not None and kept[1][-1] == "disposed"

    page.goto(f"{journey.base}/footage/{request_id}")
    assert "disposed of" in page.locator("#evidence").inner_text()
    page.goto(journey.base + urlsplit(receipt_link).path + "?" + urlsplit(receipt_link).query)
    assert "Eliminada" in page.locator("main").inner_text()
    journey.shoot("owner-receipt-link-after-disposal")
