"""What an e-mail may still do once its reason has passed: a used or expired upload link is
not sent (again), a withdrawn owner's last e-mail is forgotten once sent, a deleted record's
e-mails are not shown on the record that takes its number, and owners' link tokens stay out
of the request log."""
import io
import logging
import re
from datetime import timedelta

import pytest
import requests

from backoffice import outbox
from backoffice.extensions import db
from backoffice.localtime import utcnow
from backoffice.models import OutboxMessage, UploadLink
from backoffice.portal import services
from tests import factories
from tests.auth import CSRF_RE
from tests.backoffice.portal.helpers import token_of
from tests.backoffice.test_footage_screens import page, signed_in
from tests.backoffice.test_outbox import MailServerDown
from tests.concurrency import base_url, remove_registrations  # noqa: F401  (fixture)
from tests.mailbox import body_text
from tests.workflows.helpers import declaration_for, request_in
from workflows import footage_request as wf
from workflows import messages as wf_messages
from workflows import owner_upload


def _link_message(request) -> OutboxMessage:
    (message,) = [m for m in outbox.about(request) if m.kind == "upload_link"]
    return message


def _token(message: OutboxMessage) -> str:
    return re.search(r"/upload/([^\s?]+)", message.body_text).group(1)


def test_send_again_is_refused_for_a_used_upload_link_and_not_offered(ctx, mailbox):
    request = request_in("consented", evidence=False)
    owner_upload.issue_link(request.id, factories.user("investigator"))
    message = _link_message(request)
    owner_upload.upload_with_link(_token(message), io.BytesIO(b"night footage" * 100), "cam1.mp4", "front door",
                                  declaration_for(request))
    mailbox.clear()

    browser = signed_in(ctx, "investigator")
    html = page(browser.client, f"/footage/{request.id}")
    line = re.search(r'<li class="message message-upload_link"[^>]*>(.*?)</li>', html, re.S).group(1)
    assert "Upload link e-mailed" in line and "Send again" not in line
    token = CSRF_RE.search(html).group(1)
    response = browser.post(f"/footage/{request.id}/messages/{message.id}/send",
                            data={"csrf_token": token}, follow_redirects=True)
    said = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "not sent again: the link in it was used. Send a new upload link instead." in said
    assert mailbox.messages == []
    db.session.refresh(message)
    assert message.status == "sent" and message.attempts == 1


def test_send_again_is_refused_for_an_expired_upload_link(ctx, mailbox):
    request = request_in("consented", evidence=False)
    owner_upload.issue_link(request.id, factories.user("investigator"))
    message = _link_message(request)
    link = db.session.query(UploadLink).filter_by(outbox_message_id=message.id).one()
    link.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    mailbox.clear()
    with pytest.raises(wf.TransitionRefused, match="the link in it has expired"):
        wf_messages.send_again(request.id, message.id, factories.user("investigator"))
    assert mailbox.messages == []


def test_a_queued_upload_link_is_cancelled_once_the_footage_is_collected(ctx, mailbox):
    request = request_in("consented")
    with MailServerDown(ctx), pytest.raises(owner_upload.LinkNotDelivered):
        owner_upload.issue_link(request.id, factories.user("investigator"))
    message = _link_message(request)
    assert message.status == "failing"
    with MailServerDown(ctx):
        wf.fire(request.id, "collect", factories.user("investigator"), 1)
    mailbox.clear()
    outbox.deliver_due(utcnow() + timedelta(hours=2))
    owner = request.registration.owner
    assert [m["Subject"] for m in mailbox.to(owner.email)] != [] and all(
        "/upload/" not in body_text(m) for m in mailbox.to(owner.email))  # the receipt only
    db.session.refresh(message)
    assert (message.status, message.last_error) == ("cancelled", "the request no longer takes uploads")
    assert wf_messages.status_text(message) == "Upload link not sent: the request no longer takes uploads"


def test_a_withdrawal_receipt_is_sent_then_forgotten(ctx, mailbox):
    registration = factories.registration(owner=factories.owner(email="leaving@example.net"))
    token = token_of(services.notify.manage_link(registration).replace("http://localhost", ""))
    with MailServerDown(ctx):
        assert services.withdraw(token) is True  # personal data removed at once
    (message,) = db.session.query(OutboxMessage).filter_by(kind="withdrawn", to_address="leaving@example.net")
    assert message.status == "failing" and message.forget_when_done
    outbox.deliver_due(utcnow() + timedelta(minutes=2))
    assert len(mailbox.to("leaving@example.net")) == 1  # the owner still gets the receipt
    db.session.refresh(message)
    assert (message.status, message.to_address, message.body_text, message.body_html) == ("sent", "", "", None)
    assert outbox.why_not_send(message) == "its address and text are no longer kept"


def test_a_deleted_requests_emails_are_not_shown_on_one_that_takes_its_number(ctx, mailbox):
    request = request_in("consented")
    wf.fire(request.id, "collect", factories.user("investigator"), 1)
    (message,) = outbox.about(request)
    message.created_at = request.created_at - timedelta(days=3)  # written for an earlier request
    db.session.commit()
    assert outbox.about(request) == []
    assert wf_messages.messages_about(request) == []
    with pytest.raises(wf.RequestNotFound):
        wf_messages.send_again(request.id, message.id, factories.user("investigator"))


def test_owner_link_tokens_stay_out_of_the_request_log(app, base_url, caplog):  # noqa: F811
    with app.app_context():
        registration = factories.registration()
        db.session.commit()
        manage = services.notify.manage_link(registration).replace("http://localhost", "")
        made = [(registration.id, registration.owner_id)]
    token = token_of(manage)
    caplog.set_level(logging.INFO, logger="werkzeug")
    try:
        for path in (manage, f"/upload/{token}?lang=es", f"/register/manage/{token}/access"):
            requests.get(base_url + path, timeout=30)
    finally:
        remove_registrations(app, made)
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("/register/manage/[link]" in line for line in lines)
    assert any("/upload/[link]?lang=es" in line for line in lines)
    assert not any(token in line for line in lines)
