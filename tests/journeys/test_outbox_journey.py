"""An investigator finds on the request page that the owner's receipt was not delivered (the
mail server was down), clicks "Send again", and sees it e-mailed; the owner gets it once."""
from datetime import datetime, timedelta, timezone

from backoffice import outbox
from backoffice.extensions import db
from backoffice.models import FootageRequest, OutboxMessage
from tests.browser import needs_chromium
from tests.journeys.cases_kit import audit_events, in_db, unique_case_number

pytestmark = needs_chromium
SCENE = (35.3420, -119.0820)


def a_receipt_that_failed(app, request_id: int) -> tuple[int, str, str]:
    """The receipt e-mail of the request, as left by three refused attempts: (id, Message-ID, to)."""
    def write():
        request = db.session.get(FootageRequest, request_id)
        owner = request.registration.owner
        message = outbox.queue("receipt", owner.email, "Receipt for the footage", "Dear owner,",
                               attachment="receipt", about=("footage_request", request_id))
        message.status, message.attempts, message.last_error = "failing", 3, "ConnectionRefusedError"
        message.next_attempt_at = datetime.now(timezone.utc) + timedelta(minutes=4)
        db.session.commit()
        db.session.info.clear()  # this was written by the test, not by a request: nothing to send now
        return message.id, message.message_id, owner.email
    return in_db(app, write)


def test_an_investigator_sends_an_undelivered_receipt_again(journey, app, mailbox):
    page = journey.page
    request_id = journey.collected_request(unique_case_number("MAIL"), SCENE)
    message_id, header, owner_email = a_receipt_that_failed(app, request_id)

    journey.sign_in("investigator")
    page.goto(f"{journey.base}/footage/{request_id}")
    messages = page.locator("#messages")
    text = messages.inner_text()
    assert "Receipt not yet delivered: 3 attempts, next try " in text
    assert ("PST" in text or "PDT" in text) and "failing" not in text and "Connection" not in text
    journey.shoot("outbox-01-receipt-not-delivered")

    page.on("dialog", lambda dialog: dialog.accept())
    messages.get_by_role("button", name="Send again").click()
    page.get_by_text("E-mail sent again.").wait_for()
    assert "Receipt e-mailed " in page.locator("#messages").inner_text()
    journey.shoot("outbox-02-receipt-sent-again")

    delivered = mailbox.to(owner_email)
    assert [m["Message-ID"] for m in delivered] == [header]  # the same message, once
    assert any(p.get_content_type() == "application/pdf" for p in delivered[0].walk())
    row = in_db(app, lambda: db.session.get(OutboxMessage, message_id))
    assert row.status == "sent" and row.sent_at is not None
    resent = audit_events(app, "footage_request.message_resent")
    assert resent and resent[-1]["object_id"] == request_id and resent[-1]["username"] == "investigator"
