"""Evidence intake: streamed and hashed, partial uploads leave nothing; the custody log."""
import hashlib
import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from backoffice.extensions import db
from backoffice.models import AuditEvent, CustodyEvent, EvidenceItem
from tests import factories
from tests.auth import api_token
from tests.workflows.helpers import request_in
from workflows import evidence as ev


def files_under(app) -> set[Path]:
    return {p for p in Path(app.config["EVIDENCE_DIR"]).rglob("*") if p.is_file()}


def upload(client, headers, request_id, content=b"x" * 3_000_000, **form):
    data = {"description": "rear yard camera 01:00-02:00", "file": (io.BytesIO(content), "rear yard.mp4")}
    data.update(form)
    return client.post(
        f"/api/v1/footage_request/{request_id}/evidence", data=data, headers=headers,
        content_type="multipart/form-data",
    )


def test_upload_is_hashed_stored_and_logged(client, ctx):
    request = request_in("consented")
    content = bytes(range(256)) * 20_000
    response = upload(client, api_token(client, "investigator"), request.id, content, clock_offset_s="-95")
    assert response.status_code == 201, response.json
    body = response.json
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["size_bytes"] == len(content) and body["file_name"] == "rear yard.mp4"
    item = db.session.get(EvidenceItem, body["id"])
    stored = Path(ctx.config["EVIDENCE_DIR"]) / item.storage_location
    assert stored.read_bytes() == content
    assert item.clock_offset_s == -95 and item.collected_by_id == factories.user("investigator").id
    assert [e.action for e in item.custody_log] == ["collected"]
    assert db.session.query(AuditEvent).filter_by(  # the log outlives rows (and SQLite reuses ids)
        action="evidence_item.collect", object_id=item.id, purpose=item.footage_request.case.case_number
    ).count() == 1
    assert not [p for p in files_under(ctx) if p.suffix == ".part"]


class Breaks(io.RawIOBase):
    """A stream that fails part-way, like a dropped connection."""

    def __init__(self, good: int):
        self.left = good

    def readable(self):
        return True

    def read(self, size=-1):
        if self.left <= 0:
            raise OSError("connection reset")
        chunk = b"y" * min(size if size > 0 else 65536, self.left)
        self.left -= len(chunk)
        return chunk


def test_partial_upload_leaves_no_item_and_no_file(ctx):
    request = request_in("consented")
    before_files = files_under(ctx)
    before_items = db.session.query(EvidenceItem).count()
    with pytest.raises(OSError):
        ev.add_evidence(request.id, factories.user("investigator"), Breaks(5_000_000), "a.mp4", "desc")
    assert files_under(ctx) == before_files
    assert db.session.query(EvidenceItem).count() == before_items


def test_truncated_multipart_request_leaves_nothing(client, ctx):
    request = request_in("consented")
    headers = api_token(client, "investigator")
    before_files = files_under(ctx)
    boundary = "XyZ"
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\nd\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.mp4\"\r\n"
        "Content-Type: video/mp4\r\n\r\n"
    ).encode() + b"z" * 100_000  # no closing boundary: the upload stopped
    response = client.post(
        f"/api/v1/footage_request/{request.id}/evidence", data=body, headers=headers,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code in (400, 413)
    assert files_under(ctx) == before_files
    assert db.session.query(EvidenceItem).filter_by(footage_request_id=request.id).count() == 1  # the seeded one


@pytest.mark.parametrize(
    "state, form, content, status, message",
    [
        ("open", {}, b"abc", 409, "consented"),
        ("consented", {"description": " "}, b"abc", 400, "description"),
        ("consented", {}, b"", 400, "empty"),
        ("consented", {"clock_offset_s": "soon"}, b"abc", 400, "Recorder clock offset: give a whole number"),
        ("consented", {"description": "D" * 2001}, b"abc", 400, "longer than 2,000 characters"),
    ],
)
def test_refused_uploads(client, ctx, state, form, content, status, message):
    request = request_in(state)
    before = files_under(ctx)
    response = upload(client, api_token(client, "investigator"), request.id, content, **form)
    assert response.status_code == status and message in response.json["message"]
    assert files_under(ctx) == before


@pytest.mark.parametrize("username, status", [("staff", 403), ("auditor", 403), ("investigator2", 404), ("supervisor", 201)])
def test_upload_permissions(client, username, status):
    request = request_in("consented")
    assert upload(client, api_token(client, username), request.id, b"abc").status_code == status


def test_custody_log_and_report(client, ctx):
    request = request_in("collected")
    item = db.session.query(EvidenceItem).filter_by(footage_request_id=request.id).one()
    headers = api_token(client, "investigator")
    url = f"/api/v1/evidence_item/{item.id}/custody"
    missing_to = client.post(url, json={"action": "transferred", "note": "to the lab"}, headers=headers)
    assert missing_to.status_code == 400
    assert client.post(url, json={"action": "checked_out", "note": ""}, headers=headers).status_code == 400
    assert client.post(url, json={"action": "collected", "note": "x"}, headers=headers).status_code == 400
    steps = [
        {"action": "transferred", "to": "Evidence unit, Sgt. Diaz", "note": "for storage"},
        {"action": "checked_out", "note": "review by detective"},
        {"action": "checked_in", "note": "review done"},
    ]
    for step in steps:
        assert client.post(url, json=step, headers=headers).status_code == 201
    assert client.post(url, json=steps[1], headers=api_token(client, "auditor")).status_code == 403
    assert client.post(url, json=steps[1], headers=api_token(client, "investigator2")).status_code == 404
    log = db.session.query(CustodyEvent).filter_by(evidence_item_id=item.id).order_by(CustodyEvent.id).all()
    assert [e.action for e in log] == ["collected", "transferred", "checked_out", "checked_in"]
    assert log[1].note == "to Evidence unit, Sgt. Diaz: for storage"

    pdf = client.get(f"/api/v1/evidence_item/{item.id}/custody.pdf", headers=api_token(client, "auditor"))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    flat = "".join(text.split())
    assert item.sha256 in flat
    assert request.case.case_number in text
    for words in ("collected", "transferred", "checked out", "checked in", "Sgt. Diaz", "42 s behind"):
        assert words in " ".join(text.split()), text


def test_oversized_text_field_is_refused_without_a_file(client, ctx):
    request = request_in("consented")
    before = files_under(ctx)
    response = upload(client, api_token(client, "investigator"), request.id, b"abc", description="d" * 600_000)
    assert response.status_code == 400 and "refused" in response.json["message"]
    assert files_under(ctx) == before
