"""An investigator's tour (README, "A tour by role"): open a case through the menus, canvass the
map, reveal an owner's contact, open footage requests from the results, and work one request
to `collected` by clicking its buttons; the database is checked after each step, the receipt
and the canvass sheet are read back as PDFs."""
import hashlib
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.localtime import county_zone
from backoffice.models import Case, ContactAttempt, CustodyEvent, EvidenceItem, FootageRequest, Registration
from tests.browser import click_and_answer, needs_chromium, type_datetime
from tests.journeys.cases_kit import (
    audit_events, download, in_db, keep, offset, opened_pdf, pdf_text, unique_case_number,
)

pytestmark = needs_chromium
# The incident, away from where other tests put their cameras.
SCENE = (35.3350, -119.0950)
# A name in three scripts, 252 bytes of UTF-8 (a file system takes 255, we keep 240): kept,
# shortened before ".mp4".
LONG_NAME = "Überwachung Eingang — 防犯カメラ映像 — " + "Grabación de la cámara del porche, " * 5 + "noche del 29.mp4"


def cameras_around_the_scene(journey) -> dict[str, int]:
    """Four premises around the scene: one sees it, one faces away, one is too far, one unknown."""
    return {
        "in view": journey.premises(offset(SCENE, east_m=-40), [
            {"label": "Garage east", "direction_deg": 90, "fov_deg": 90, "range_m": 60}],
            name="Ana Núñez", phone="+16615550142"),
        "facing away": journey.premises(offset(SCENE, east_m=40), [
            {"label": "Side gate", "direction_deg": 90, "fov_deg": 60, "range_m": 60}]),
        "too far": journey.premises(offset(SCENE, north_m=150), [
            {"label": "Porch south", "direction_deg": 180, "fov_deg": 90, "range_m": 30}]),
        "direction unknown": journey.premises(offset(SCENE, north_m=-80), [
            {"label": "Dome", "direction_deg": None, "fov_deg": 90, "range_m": 100}]),
    }


def owner_of(app, registration_id: int) -> int:
    return in_db(app, lambda: db.session.get(Registration, registration_id).owner_id)


def request_row(app, request_id: int) -> dict:
    def read():
        r = db.session.get(FootageRequest, request_id)
        return {"state": r.state, "version": r.version, "consent_given_by": r.consent_given_by,
                "consent_method": r.consent_method, "consent_scope": r.consent_scope,
                "receipt_issued_at": r.receipt_issued_at,
                "attempts": [(a.method, a.note, a.at) for a in db.session.scalars(
                    select(ContactAttempt).where(ContactAttempt.footage_request_id == request_id))]}
    return in_db(app, read)


def evidence_rows(app, request_id: int) -> list[dict]:
    def read():
        items = db.session.scalars(select(EvidenceItem).where(EvidenceItem.footage_request_id == request_id))
        return [{"id": i.id, "file_name": i.file_name, "sha256": i.sha256, "size": i.size_bytes,
                 "clock_offset_s": i.clock_offset_s,
                 "custody": [c.action for c in db.session.scalars(
                     select(CustodyEvent).where(CustodyEvent.evidence_item_id == i.id).order_by(CustodyEvent.id))]}
                for i in items]
    return in_db(app, read)


def test_an_investigator_opens_a_case_canvasses_and_collects_footage(journey, app, tmp_path):
    page = journey.page
    reg_ids = cameras_around_the_scene(journey)
    number = unique_case_number("INV")
    yesterday = (datetime.now(county_zone()) - timedelta(days=1)).date()
    typed_day = yesterday.strftime("%m%d%Y")

    # 1. Open a case through the menus.
    journey.sign_in("investigator")
    journey.menu("Investigations", "Cases")
    page.locator("a[href*='/caseview/add']").first.click()
    page.get_by_label("Case number").fill(number)
    page.get_by_label("Incident type").fill("armed robbery")
    page.get_by_label("Address", exact=True).fill("1400 Journey Avenue, Bakersfield")
    page.locator("#pick-map").click(position={"x": 300, "y": 150})  # a click places the pin
    assert page.get_by_label("Latitude").input_value() and page.get_by_label("Longitude").input_value()
    page.get_by_label("Latitude").fill(f"{SCENE[0]:.6f}")  # then the exact spot, typed
    page.get_by_label("Longitude").fill(f"{SCENE[1]:.6f}")
    type_datetime(page, "#occurred_from", typed_day, "0930", "P")
    type_datetime(page, "#occurred_to", typed_day, "1015", "P")
    journey.shoot("investigator-01-case-form")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved.").first.wait_for()
    case = in_db(app, lambda: [
        (c.occurred_from, c.address, c.lat, c.lon)
        for c in db.session.scalars(select(Case).where(Case.case_number == number))
    ])
    assert len(case) == 1, page.content()[:2000]
    occurred_from, address, lat, lon = case[0]
    local_start = datetime.combine(yesterday, datetime.min.time()).replace(hour=21, minute=30, tzinfo=county_zone())
    assert occurred_from == local_start
    assert address == "1400 Journey Avenue, Bakersfield"
    assert lat == pytest.approx(SCENE[0]) and lon == pytest.approx(SCENE[1])
    journey.shoot("investigator-02-case-saved")

    # 2. The map: choose the case, search, read the ranked results.
    journey.menu("Investigations", "Map")
    page.get_by_label("Case").select_option(label=f"{number} · armed robbery")
    with page.expect_response(lambda r: "/api/v1/canvass/?" in r.url) as answer:
        page.get_by_role("button", name="Search").click()
    assert answer.value.status == 200
    rows = page.locator("#canvass-list tbody tr")
    rows.first.wait_for()
    texts = [rows.nth(i).inner_text() for i in range(rows.count())]
    ours = [t for t in texts if any(label in t for label in ("Garage east", "Side gate", "Porch south", "Dome"))]
    assert [next(v for v in ("in view", "direction unknown", "facing away", "too far") if v in t) for t in ours] == [
        "in view", "direction unknown", "facing away", "too far"], texts
    assert "Garage east" in ours[0] and "footage lost in" in ours[0]
    journey.shoot("investigator-03-map-results")

    # The canvass sheet prints this search.
    name, sheet = download(page, page.get_by_role("link", name="Canvass sheet (PDF)"))
    assert sheet.startswith(b"%PDF") and name.endswith(".pdf")
    keep("investigator-canvass-sheet.pdf", sheet)
    sheet_text = pdf_text(sheet)
    assert number in sheet_text and "Garage east" in sheet_text
    assert re.search(r"\b(PST|PDT)\b", sheet_text), sheet_text[:500]

    # 3. Reveal the first owner's contact: shown, and audited with the case number.
    first = rows.filter(has_text="Garage east")
    before = {e["id"] for e in audit_events(app, "owner.reveal", purpose=number)}  # the sheet lists contacts too
    first.get_by_role("button", name="Contact").click()
    first.get_by_text("Ana Núñez").wait_for()
    assert "(661) 555-0142" in first.inner_text()
    assert re.search(r"prefers (e-mail|phone|text message|in person)\b", first.inner_text()), first.inner_text()
    journey.shoot("investigator-04-contact-revealed")
    reveals = [e for e in audit_events(app, "owner.reveal", purpose=number) if e["id"] not in before]
    assert [(e["username"], e["object_id"]) for e in reveals] == [("investigator", owner_of(app, reg_ids["in view"]))]

    # 4. Select the camera that sees the scene and the dome; open requests for them.
    first.get_by_role("checkbox").check()
    rows.filter(has_text="Dome").get_by_role("checkbox").check()
    page.get_by_role("button", name="Create footage requests for selected").click()
    page.get_by_text("2 footage requests opened").wait_for()
    journey.shoot("investigator-05-requests-created")
    links = page.locator("#message a")
    assert links.count() == 2 and all(
        re.fullmatch(r"/footage/\d+", links.nth(i).get_attribute("href")) for i in range(2))
    made = in_db(app, lambda: dict(db.session.execute(
        select(FootageRequest.registration_id, FootageRequest.id).join(Case).where(Case.case_number == number)
    ).all()))
    assert set(made) == {reg_ids["in view"], reg_ids["direction unknown"]}
    request_id = made[reg_ids["in view"]]
    assert request_row(app, request_id)["state"] == "open"

    assert {links.nth(i).get_attribute("href") for i in range(2)} == {f"/footage/{i}" for i in made.values()}

    # 5. Open the request from the list of the agency's requests.
    journey.menu("Footage", "Footage requests")
    page.get_by_role("link", name=f"#{request_id}", exact=True).click()
    page.locator("#state").wait_for()
    assert page.locator("#state").inner_text() == "Open"
    journey.shoot("investigator-06-request-open")

    # Contact the owner: a contact attempt is recorded.
    page.get_by_label("How you reached the owner").select_option(label="Phone")
    called = (datetime.now(county_zone()) - timedelta(minutes=50)).replace(second=0, microsecond=0)
    type_datetime(page, "[name=at]", called.strftime("%m%d%Y"), called.strftime("%I%M"), called.strftime("%p")[0])
    page.get_by_label("Note").fill("Spoke to Ana, she will keep the recording")
    journey.shoot("investigator-06b-contact-form")
    page.get_by_role("button", name="Record contact with owner").click()
    page.get_by_text("the request is now owner contacted").wait_for()
    row = request_row(app, request_id)
    assert row["state"] == "contacted"
    assert row["attempts"] == [("phone", "Spoke to Ana, she will keep the recording", called)]

    # Record consent.
    page.get_by_label("Consent given by").fill("Ana Núñez")
    page.get_by_label("How", exact=True).select_option(label="In writing")
    page.get_by_label("Scope").select_option(label="Evidence and media release")
    journey.shoot("investigator-07-consent-form")
    page.get_by_role("button", name="Record consent").click()
    page.get_by_text("the request is now consent given").wait_for()
    row = request_row(app, request_id)
    assert (row["state"], row["consent_given_by"], row["consent_method"], row["consent_scope"]) == (
        "consented", "Ana Núñez", "written", "media_release")

    # Upload the evidence file through the form.
    footage = tmp_path / "upload" / LONG_NAME
    footage.parent.mkdir()
    footage.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 400)
    digest = hashlib.sha256(footage.read_bytes()).hexdigest()
    page.get_by_label("Footage file").set_input_files(str(footage))
    page.get_by_label("Description").fill("Garage camera, 9:25 PM to 10:20 PM, exported by the owner")
    page.get_by_label(re.compile("Recorder clock offset")).fill("-42")
    page.get_by_role("button", name="Upload and hash").click()
    page.get_by_text(f"SHA-256 {digest}").first.wait_for()
    (item,) = evidence_rows(app, request_id)
    assert item["sha256"] == digest and item["size"] == footage.stat().st_size
    assert item["clock_offset_s"] == -42 and item["custody"] == ["collected"]
    assert item["file_name"].startswith("Überwachung Eingang — 防犯カメラ映像") and item["file_name"].endswith("….mp4")
    assert len(item["file_name"].encode()) <= 240
    journey.shoot("investigator-08-evidence-uploaded")

    # Collect: the dialog asks first.
    asked = click_and_answer(page, page.get_by_role("button", name="Mark footage collected"))
    page.get_by_text("the request is now footage collected").wait_for()
    assert "cannot be undone" in asked or "receipt" in asked
    row = request_row(app, request_id)
    assert row["state"] == "collected" and row["receipt_issued_at"] is not None
    journey.shoot("investigator-09-collected")

    # The receipt PDF: the case, the request, local times with their zone, the file's SHA-256.
    disposition, receipt = opened_pdf(page, page.get_by_role("link", name="Evidence receipt (PDF)"))
    assert receipt.startswith(b"%PDF") and ".pdf" in disposition
    keep("investigator-receipt.pdf", receipt)
    text = pdf_text(receipt)
    assert number in text and str(request_id) in text
    assert digest in text.replace(" ", "")
    assert re.search(r"\d{1,2}:\d{2} (AM|PM) (PST|PDT)", text), text[:800]
    assert "Überwachung" in text
