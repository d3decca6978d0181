"""Owner upload links: signed, single-use, expiring; the file becomes an evidence item."""
import io
import re
from datetime import timedelta

from flask import g

from backoffice.extensions import db
from backoffice.models import AuditEvent, EvidenceItem, UploadLink
from backoffice.localtime import to_local
from backoffice.models.base import utcnow
from tests import factories
from tests.auth import CSRF_RE
from tests.mailbox import body_text
from tests.workflows.helpers import DECLARATION_FIELDS, request_in
from workflows import owner_upload


def link_path(mailbox, email):
    url = re.search(r"http\S+/upload/\S+", body_text(mailbox.to(email)[-1])).group(0)
    return "/" + url.split("/", 3)[3]


def owner_posts(client, path, content=b"owner footage", **form):
    for name in ("user", "_login_user", "csrf_token"):
        g.pop(name, None)
    page = client.get(path)
    token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
    data = {"csrf_token": token, "file": (io.BytesIO(content), "porch.mp4"), "description": "porch cam",
            **DECLARATION_FIELDS, **form}
    return client.post(path, data=data, content_type="multipart/form-data")


def test_owner_uploads_once_through_the_link(ctx, mailbox):
    request = request_in("consented", evidence=False)
    owner_upload.issue_link(request.id, factories.user("investigator"))
    path = link_path(mailbox, request.registration.owner.email)
    client = ctx.test_client()
    shows = (to_local(utcnow()) - timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%S")  # 30 s slow
    done = owner_posts(client, path, b"owner footage", clock_reading=shows,
                       clock_read_ms="1700000000000", clock_sent_ms="1700000002000")  # sent 2 s after reading
    assert done.status_code == 200 and 'id="upload-done"' in done.get_data(as_text=True)
    item = db.session.query(EvidenceItem).filter_by(footage_request_id=request.id).one()
    assert item.collected_by_id is None and -30 <= item.clock_offset_s <= -27
    assert item.owner_declaration.read_at_source == "browser"
    assert [e.note for e in item.custody_log] == ["uploaded by the owner"]
    assert db.session.query(AuditEvent).filter_by(  # the log outlives rows (and SQLite reuses ids)
        action="evidence_item.collect", object_id=item.id, purpose=item.footage_request.case.case_number
    ).count() == 1
    again = client.get(path)
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)


def test_expired_forged_and_wrong_state_links_are_refused(ctx, mailbox):
    request = request_in("consented", evidence=False)
    owner_upload.issue_link(request.id, factories.user("investigator"))
    path = link_path(mailbox, request.registration.owner.email)
    client = ctx.test_client()
    assert client.get(path.split("?")[0] + "x").status_code == 410  # a forged token
    link = db.session.query(UploadLink).filter_by(footage_request_id=request.id).one()
    link.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    expired = client.get(path)
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)


def test_failed_owner_upload_keeps_the_link(ctx, mailbox):
    request = request_in("consented", evidence=False)
    owner_upload.issue_link(request.id, factories.user("investigator"))
    path = link_path(mailbox, request.registration.owner.email)
    client = ctx.test_client()
    empty = owner_posts(client, path, b"")
    assert empty.status_code == 400 and "empty" in empty.get_data(as_text=True)
    assert db.session.query(UploadLink).filter_by(footage_request_id=request.id).one().used_at is None
    assert owner_posts(client, path, b"now with content").status_code == 200


def test_link_only_for_consented_requests(ctx, mailbox):
    request = request_in("contacted")
    import pytest

    from workflows.errors import TransitionRefused

    with pytest.raises(TransitionRefused):
        owner_upload.issue_link(request.id, factories.user("investigator"))


def test_owner_is_told_which_footage_and_until_when_and_keeps_what_was_typed(ctx, mailbox):
    from backoffice.localtime import format_instant

    request = request_in("consented", evidence=False)
    owner_upload.issue_link(request.id, factories.user("investigator"))
    message = body_text(mailbox.to(request.registration.owner.email)[-1])
    window = f"{format_instant(request.window_from, 'en')} to {format_instant(request.window_to, 'en')}"
    assert window in message and "expires on" in message
    path = link_path(mailbox, request.registration.owner.email)
    client = ctx.test_client()
    page = client.get(path).get_data(as_text=True)
    assert format_instant(request.window_from, "en") in page
    refused = owner_posts(client, path, description="garage, 9 PM", clock_reading="99999999")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "type the date and time it shows" in html
    assert 'value="garage, 9 PM"' in html and 'value="99999999"' in html


def test_the_assignee_is_told_when_the_owner_uploads(ctx, mailbox):
    request = request_in("consented", evidence=False)
    investigator = factories.user("investigator")
    owner_upload.issue_link(request.id, investigator)
    path = link_path(mailbox, request.registration.owner.email)
    done = owner_posts(ctx.test_client(), path, b"owner footage")
    assert done.status_code == 200
    [notice] = mailbox.to(request.assignee.email)
    assert f"request {request.id}" in notice["Subject"] and request.case.case_number in notice["Subject"]
    assert f"/footage/{request.id}" in body_text(notice)
