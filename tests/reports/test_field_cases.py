"""Registration files from the field, imported with `flask registry import` and printed.

c09_long_label_and_email.csv: one business with a camera label and an e-mail address too long
for their columns (the canvass sheet's columns went off the page). c09_c10_pdf_names.csv:
owners and labels in Chinese, Vietnamese and Arabic, and a very long label (Chinese printed as
empty boxes). Both run on SpatiaLite and on PostGIS (TEST_DATABASE_URL).
"""
import io
from pathlib import Path

import pytest

from backoffice.extensions import db
from backoffice.models import ContactAttempt, Registration
from reports.render import LANDSCAPE, PORTRAIT
from tests import factories
from tests.auth import api_token
from tests.reports import pdfcheck

DATA = Path(__file__).resolve().parents[1] / "data"
LONG_LABEL = "NVR01_CH03_PARKINGLOT_NORTHEAST_ENTRANCE_PTZ_4K_MAINSTREAM"
LONG_EMAIL = "facilities.maintenance.department.northwest.region@valley-plaza-holdings.example.com"
NAMES_LABEL = "CAM01_PARKINGLOT_NORTHEAST_ENTRANCE_PTZ_4K_MAINSTREAM_CHANNEL_ONE"
NAMES_EMAIL = "facilities.maintenance.department.northwest.region@bakersfield-commercial-properties.example.com"
# address in the names file -> (owner as the canvass sheet shows it, camera label)
OWNERS = {
    "2001 Eye St": ("陳美玲", "前門"),
    "2003 Eye St": ("Nguyễn Thị Hương", "Cổng trước"),
    "2005 Eye St": ("فاطمة الزهراء", "Front door"),
    "2007 Eye St": ("Bakersfield Commercial Properties", NAMES_LABEL),
}


def import_file(runner, name: str) -> None:
    """Import one file of tests/data with the real command; every row must be taken."""
    result = runner.invoke(args=["registry", "import", str(DATA / name)])
    assert result.exit_code == 0, result.output
    assert "0 updated" in result.output.splitlines()[-1]


def canvass_sheet(client, lat: float, lon: float) -> bytes:
    """The canvass sheet of a new case at lat/lon, 300 m around, fetched as an investigator."""
    case = factories.case()
    case.set_location(lat, lon)
    db.session.flush()
    response = client.get(f"/api/v1/case/{case.id}/canvass.pdf?radius_m=300",
                          headers=api_token(client, "investigator"))
    assert response.status_code == 200, response.data[:300]
    return response.data


def assert_prints_well(pdf: bytes, setup) -> None:
    """No empty boxes, every font a subset of a named one, nothing outside the margins."""
    assert pdfcheck.missing_glyphs(pdf) == []
    assert all(pdfcheck.embedded_fonts(pdf).values())
    assert pdfcheck.outside_margins(pdf, setup) == []


def test_long_label_and_email_stay_on_the_canvass_sheet(client, runner):
    import_file(runner, "c09_long_label_and_email.csv")
    pdf = canvass_sheet(client, 35.23020, -118.80020)
    flat = pdfcheck.flat(pdf)
    assert LONG_LABEL in flat and LONG_EMAIL in flat and "ValleyPlazaHoldings" in flat
    assert "Notes" in pdfcheck.text(pdf)
    assert_prints_well(pdf, LANDSCAPE)


def test_names_in_every_script_print_on_the_canvass_sheet(client, runner):
    import_file(runner, "c09_c10_pdf_names.csv")
    pdf = canvass_sheet(client, 35.37700, -119.02060)
    flat = pdfcheck.flat(pdf)
    for owner, label in OWNERS.values():
        assert "".join(owner.split()) in flat, owner
        assert "".join(label.split()) in flat, label
    assert NAMES_EMAIL in flat
    assert any(font.startswith("Noto-Sans-CJK") for font in pdfcheck.embedded_fonts(pdf))
    assert_prints_well(pdf, LANDSCAPE)


def collected_request_for(client, registration: Registration, description: str):
    """A footage request for an imported registration, consented, with one upload, collected."""
    investigator = factories.user("investigator")
    request = factories.footage_request(factories.case(), registration, state="consented",
                                        assignee_id=investigator.id)
    db.session.add(ContactAttempt(footage_request_id=request.id, method="phone", by_id=investigator.id))
    request.consent_given_by, request.consent_method = registration.owner.name, "written"
    request.consent_scope = "evidence_only"
    db.session.commit()
    headers = api_token(client, "investigator")
    upload = client.post(
        f"/api/v1/footage_request/{request.id}/evidence",
        data={"file": (io.BytesIO(b"footage" * 100), f"{registration.cameras[0].label}.mp4"),
              "description": description},
        headers=headers, content_type="multipart/form-data",
    )
    assert upload.status_code == 201, upload.json
    assert client.post(f"/api/v1/footage_request/{request.id}/collect", json={"version": 1},
                       headers=headers).status_code == 200
    return request, upload.json["id"], headers


@pytest.mark.parametrize("address", sorted(OWNERS))
def test_receipt_and_custody_log_print_the_imported_owner(client, runner, mailbox, address):
    import_file(runner, "c09_c10_pdf_names.csv")
    registration = db.session.query(Registration).filter_by(address=address).one()
    owner = registration.owner
    label = registration.cameras[0].label
    request, item_id, headers = collected_request_for(client, registration, f"{label} — {owner.name}")

    receipt = client.get(f"/api/v1/footage_request/{request.id}/receipt.pdf", headers=headers)
    assert receipt.status_code == 200
    flat = pdfcheck.flat(receipt.data)
    for value in (owner.name, owner.organisation, label, registration.address):
        if value:
            assert "".join(value.split()) in flat, value
    assert_prints_well(receipt.data, PORTRAIT)
    emailed = [part for part in mailbox.to(owner.email)[0].walk() if part.get_content_type() == "application/pdf"]
    assert emailed[0].get_payload(decode=True) == receipt.data

    note = {"action": "checked_out", "note": f"shown to {owner.name}, {NAMES_EMAIL}"}
    assert client.post(f"/api/v1/evidence_item/{item_id}/custody", json=note, headers=headers).status_code == 201
    custody = client.get(f"/api/v1/evidence_item/{item_id}/custody.pdf", headers=headers)
    assert custody.status_code == 200
    flat = pdfcheck.flat(custody.data)
    assert "".join(owner.name.split()) in flat and NAMES_EMAIL in flat and "".join(label.split()) in flat
    assert_prints_well(custody.data, PORTRAIT)
