"""Done-when of the owner-communications work: with the mail server stopped and started again
around every step of a full journey — register, verify, approve, upload link, upload, collect,
release — each e-mail the owner is due arrives exactly once, in the owner's language."""
import io
import re
from datetime import timedelta

from backoffice import outbox
from backoffice.extensions import db
from backoffice.localtime import utcnow
from backoffice.models import Owner, Registration
from tests import factories
from tests.auth import csrf_token, login
from tests.backoffice.portal.helpers import form_data, last_link
from tests.backoffice.test_outbox import MailServerDown
from tests.mailbox import body_text
from tests.workflows.helpers import declaration_for
from workflows import footage_request as wf
from workflows import owner_upload

OWNER = "lucia.journey@example.net"


def _retry_rounds(hours: int = 3) -> None:
    """The worker's rounds once the mail server is back, and some more: nothing twice."""
    for minutes in (2, 10, 60 * hours):
        outbox.deliver_due(utcnow() + timedelta(minutes=minutes))


def test_every_message_of_a_journey_arrives_once_in_spanish_despite_the_mail_server(ctx, client, mailbox):
    client.get("/register?lang=es")
    with MailServerDown(ctx):
        response = client.post("/register", data=form_data(csrf_token(client, "/register"), email=OWNER))
        assert response.status_code == 302
    _retry_rounds()
    registration = db.session.query(Registration).join(Owner).filter(Owner.email == OWNER).one()
    assert registration.owner.language == "es"
    verify = last_link(mailbox, OWNER, "verify")
    assert client.post(verify).status_code == 200

    client.get("/logout/")
    login(client, "staff")
    with MailServerDown(ctx):
        token = csrf_token(client, f"/review/{registration.id}")
        assert client.post(f"/review/{registration.id}/approve", data={"csrf_token": token}).status_code == 302
    client.get("/logout/")
    _retry_rounds()
    assert registration.status == "active"

    investigator = factories.user("investigator")
    case = factories.case()
    db.session.commit()
    request = wf.open_request(investigator, case_id=case.id, registration_id=registration.id)
    version = wf.fire(request.id, "contact_owner", investigator, request.version, {"method": "phone"}).version
    version = wf.fire(request.id, "record_consent", investigator, version,
                      {"given_by": "Lucía", "method": "phone", "scope": "media_release"}).version
    with MailServerDown(ctx):
        try:
            owner_upload.issue_link(request.id, investigator)
        except owner_upload.LinkNotDelivered:
            pass
    _retry_rounds()
    token = re.search(r"/upload/([^\s?]+)", body_text(mailbox.to(OWNER)[-1])).group(1)
    owner_upload.upload_with_link(token, io.BytesIO(b"porche " * 300), "porche.mp4", "cámara del porche",
                                  declaration_for(request), language="es")
    with MailServerDown(ctx):
        version = wf.fire(request.id, "collect", investigator, version).version
    _retry_rounds()
    version = wf.fire(request.id, "request_release", investigator, version,
                      {"kind": "media_public", "basis": "identify the suspect"}).version
    with MailServerDown(ctx):
        wf.fire(request.id, "approve_release", factories.user("supervisor"), version)
    _retry_rounds(hours=30)

    received = mailbox.to(OWNER)
    ids = [message["Message-ID"] for message in received]
    assert len(ids) == len(set(ids)) == 5  # verification, approval, upload link, receipt, release notice
    assert all(body_text(message).startswith("Hola") for message in received)
    assert sum(part.get_content_type() == "application/pdf" for m in received for part in m.walk()) == 1
    queued = db.session.query(outbox.OutboxMessage).filter(outbox.OutboxMessage.to_address == OWNER).all()
    assert {m.status for m in queued} == {"sent"}
