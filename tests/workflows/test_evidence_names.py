"""Evidence file names of any length and any script: stored under generated names, shown and
offered for download under the name the officer or owner gave."""
import hashlib
import io
import re
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from flask import g
from pypdf import PdfReader

from backoffice.extensions import db
from backoffice.models import AuditEvent, EvidenceItem
from tests import factories
from tests.auth import CSRF_RE, api_token
from tests.backoffice.test_footage_screens import signed_in
from tests.workflows.helpers import DECLARATION_FIELDS, request_in
from tests.workflows.test_owner_upload import link_path
from workflows import owner_upload
from workflows.effects import receipt_pdf
from backoffice.evidence_files import MAX_FILE_NAME_BYTES, evidence_file_name

LONG_254 = "North entrance camera " * 11 + "x.mp4"
LONG_300 = "監" * 296 + ".mp4"
GENERATED = re.compile(r"[0-9]+/[0-9a-f]{32}(\.[a-z0-9]+)?")

NAMES = [
    ("監視器錄影.mp4", "監視器錄影.mp4"),
    ("تسجيل الكاميرا الأمامية.mp4", "تسجيل الكاميرا الأمامية.mp4"),
    ("Запись с камеры 2.avi", "Запись с камеры 2.avi"),
    ("Ghi hình cửa trước.mov", "Ghi hình cửa trước.mov"),
    ("🎥 porch 👨‍👩‍👧.mp4", "🎥 porch 👨‍👩‍👧.mp4"),
    ("Grabacio\u0301n.mp4", "Grabación.mp4"),  # decomposed accents are composed (NFC)
    ("rear yard.mp4", "rear yard.mp4"),
    ("  spaced \t  name .mov ", "spaced name.mov"),
    ("bell\x07\x00.mp4", "bell.mp4"),
    ("line\r\nbreak.mp4", "line break.mp4"),
    ("invoice\u202egpj.exe", "invoicegpj.exe"),  # no right-to-left override disguise
    ("../../etc/passwd", "passwd"),
    ("..\\..\\clip.MP4", "clip.MP4"),
    ("C:\\Users\\Deputy\\Desktop\\clip.mp4", "clip.mp4"),
    ("../", "footage"),
    (".mp4", "footage.mp4"),
    ("", "footage"),
    (None, "footage"),
    ("\ud800broken.mp4", "broken.mp4"),  # an unpaired surrogate from undecodable bytes
]


@pytest.mark.parametrize("given, kept", NAMES)
def test_the_name_given_is_kept_cleaned(given, kept):
    assert evidence_file_name(given) == kept


@pytest.mark.parametrize("given", [LONG_254, LONG_300, "a" * 1000 + ".mkv", "😀" * 300 + ".mov",
                                   "e\u0301" * 400 + ".avi", "x" * 400])
def test_long_names_are_shortened_keeping_their_extension(given):
    kept = evidence_file_name(given)
    assert len(kept.encode("utf-8")) <= MAX_FILE_NAME_BYTES
    if len(given.encode("utf-8")) > MAX_FILE_NAME_BYTES:
        assert "…" in kept
    extension = given.rpartition(".")[2] if "." in given else None
    if extension:
        assert kept.endswith("…." + extension)
    assert "\u0301" not in kept[-6:]  # never cut between a letter and its accent


def api_upload(client, headers, request_id, name, content=b"frames" * 5000):
    return client.post(
        f"/api/v1/footage_request/{request_id}/evidence", headers=headers,
        data={"description": "front door 01:00-02:00", "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def stored_copy(ctx, item: EvidenceItem) -> Path:
    return Path(ctx.config["EVIDENCE_DIR"]) / item.storage_location


@pytest.mark.parametrize(
    "name",
    [LONG_254, LONG_300, "監視器錄影.mp4", "تسجيل.mp4", "🎥 porch.mp4", "bell\x07.mp4", "../../etc/passwd.mp4"],
)
def test_api_upload_stores_under_a_generated_name_and_keeps_the_given_one(client, ctx, name):
    """Regression: a 254-character name answered 500 and 監視器錄影.mp4 was stored as "mp4"."""
    request = request_in("consented", evidence=False)
    content = name.encode("utf-8") * 100
    response = api_upload(client, api_token(client, "investigator"), request.id, name, content)
    assert response.status_code == 201, response.json
    item = db.session.get(EvidenceItem, response.json["id"])
    assert response.json["file_name"] == item.file_name == evidence_file_name(name)
    assert GENERATED.fullmatch(item.storage_location), item.storage_location
    assert stored_copy(ctx, item).read_bytes() == content
    assert item.sha256 == response.json["sha256"] == hashlib.sha256(content).hexdigest()
    assert [event.action for event in item.custody_log] == ["collected"]


def test_download_offers_the_given_name_and_is_audited(client, ctx):
    request = request_in("consented", evidence=False)
    content = b"\x00\x01frames" * 1000
    headers = api_token(client, "investigator")
    item_id = api_upload(client, headers, request.id, "監視器錄影 2.mp4", content).json["id"]
    response = client.get(f"/api/v1/evidence_item/{item_id}/file", headers=headers)
    assert response.status_code == 200 and response.data == content
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert f"filename=evidence-{item_id}.mp4" in disposition  # for clients without RFC 8187
    encoded = re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1)
    assert unquote(encoded, encoding="utf-8") == "監視器錄影 2.mp4"
    assert response.mimetype == "video/mp4"
    assert response.headers["ETag"].strip('"') == hashlib.sha256(content).hexdigest()
    event = db.session.query(AuditEvent).filter_by(action="evidence_item.download", object_id=item_id).one()
    assert event.purpose == request.case.case_number


def test_download_is_for_the_agencys_investigators_and_supervisors(client, ctx):
    request = request_in("consented", evidence=False)
    item_id = api_upload(client, api_token(client, "investigator"), request.id, "a.mp4").json["id"]
    for username, status in [("supervisor", 200), ("auditor", 403), ("staff", 403), ("investigator2", 404)]:
        response = client.get(f"/api/v1/evidence_item/{item_id}/file", headers=api_token(client, username))
        assert response.status_code == status, username
    assert client.get(f"/api/v1/evidence_item/{item_id}/file").status_code == 401


def test_a_missing_stored_copy_is_a_clear_404(client, ctx):
    request = request_in("consented")  # its evidence row has no file behind it
    item = db.session.query(EvidenceItem).filter_by(footage_request_id=request.id).one()
    response = client.get(f"/api/v1/evidence_item/{item.id}/file", headers=api_token(client, "investigator"))
    assert response.status_code == 404 and "missing" in response.json["message"]


def test_screen_upload_and_download_keep_the_name(ctx):
    inv = signed_in(ctx, "investigator")
    request = request_in("consented", evidence=False)
    html = inv.get(f"/footage/{request.id}").get_data(as_text=True)
    token = CSRF_RE.search(html).group(1)
    name = "Ghi hình cửa trước — 監視器.mp4"
    inv.post(
        f"/footage/{request.id}/evidence",
        data={"csrf_token": token, "file": (io.BytesIO(b"frames" * 100), name), "description": "porch"},
        content_type="multipart/form-data",
    )
    item = db.session.query(EvidenceItem).filter_by(footage_request_id=request.id).one()
    assert item.file_name == name and GENERATED.fullmatch(item.storage_location)
    html = inv.get(f"/footage/{request.id}").get_data(as_text=True)
    assert f'href="/footage/evidence/{item.id}/file" class="evidence-file">{name}</a>' in html
    download = inv.get(f"/footage/evidence/{item.id}/file")
    assert download.status_code == 200 and download.data == b"frames" * 100
    assert download.headers["Content-Disposition"] == (
        f"attachment; filename=evidence-{item.id}.mp4; filename*=UTF-8''" + quote(name, safe="!#$&+-.^_`|~"))
    auditor = signed_in(ctx, "auditor")
    assert auditor.get(f"/footage/evidence/{item.id}/file").status_code in (302, 403)
    assert "evidence-file" not in auditor.get(f"/footage/{request.id}").get_data(as_text=True)


def test_owner_upload_keeps_the_name(ctx, mailbox):
    request = request_in("consented", evidence=False)
    owner_upload.issue_link(request.id, factories.user("investigator"))
    path = link_path(mailbox, request.registration.owner.email)
    client = ctx.test_client()
    for key in ("user", "_login_user", "csrf_token"):  # no signed-in user cached from before
        g.pop(key, None)
    token = CSRF_RE.search(client.get(path).get_data(as_text=True)).group(1)
    name = "تسجيل الشرفة 🎥.mp4"
    done = client.post(path, data={"csrf_token": token, "description": "porch cam", **DECLARATION_FIELDS,
                                   "file": (io.BytesIO(b"owner footage"), name)},
                       content_type="multipart/form-data")
    assert done.status_code == 200 and name in done.get_data(as_text=True)
    item = db.session.query(EvidenceItem).filter_by(footage_request_id=request.id).one()
    assert item.file_name == name and GENERATED.fullmatch(item.storage_location)


def test_receipt_shows_the_given_name(client, ctx):
    request = request_in("consented", evidence=False)
    name = "Grabación cámara 2 — Запись.mp4"
    headers = api_token(client, "investigator")
    assert api_upload(client, headers, request.id, name).status_code == 201
    db.session.expire_all()
    collected = client.post(f"/api/v1/footage_request/{request.id}/collect", headers=headers,
                            json={"version": db.session.get(type(request), request.id).version})
    assert collected.status_code == 200, collected.json
    db.session.expire_all()
    request = db.session.get(type(request), request.id)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(receipt_pdf(request))).pages)
    assert "Grabación cámara 2" in text and "Запись.mp4" in text


def test_api_clients_sending_the_name_rfc_2231_encoded_get_it_kept(client, ctx):
    """Some HTTP libraries send a non-ASCII name as filename*=UTF-8''… instead of raw UTF-8."""
    request = request_in("consented", evidence=False)
    boundary = "fieldcaseboundary"
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\nporch\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
        f"filename*=UTF-8''%E7%9B%A3%E8%A6%96%E5%99%A8.mp4\r\n"
        f"Content-Type: video/mp4\r\n\r\nframes\r\n--{boundary}--\r\n"
    ).encode()
    response = client.post(
        f"/api/v1/footage_request/{request.id}/evidence", data=body,
        headers={**api_token(client, "investigator"), "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 201, response.json
    assert response.json["file_name"] == "監視器.mp4"


@pytest.mark.parametrize("sent, kept", [
    ("porch%0Aclip.mp4", "porch clip.mp4"),  # Chromium and Firefox escape a line break so
    ("porch%0D%0Aclip.mp4", "porch clip.mp4"),
    ("the %22front%22 door.mp4", 'the "front" door.mp4'),  # and a double quote (WHATWG HTML)
    ("lower%0acase.mp4", "lower case.mp4"),
    ("50%25 off.mp4", "50%25 off.mp4"),  # nothing else is unescaped: a name may hold a %
])
def test_what_a_browser_escapes_in_a_file_name_is_read_back(sent, kept):
    from backoffice.evidence_files import sent_file_name

    assert evidence_file_name(sent_file_name(sent)) == kept


def test_the_api_reads_a_name_sent_with_form_escapes(client, ctx):
    request = request_in("consented", evidence=False)
    response = api_upload(client, api_token(client, "investigator"), request.id, "north%0Agate %22B%22.mp4")
    assert response.status_code == 201, response.json
    assert response.json["file_name"] == 'north gate "B".mp4'
