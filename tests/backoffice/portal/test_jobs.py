"""Annual confirmations (idempotent, failures retried), lapsing, purging and holds."""
import re
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from backoffice import audit, outbox
from backoffice.extensions import db
from backoffice.localtime import utcnow
from backoffice.models import ConfirmationNotice, EvidenceItem, OutboxMessage, Owner, Registration
from backoffice.portal import jobs, services
from backoffice.portal.records import lifecycle_of
from tests import factories
from tests.backoffice.portal.helpers import last_link, token_of

TODAY = date(2027, 6, 1)


def _active(due: date, email: str | None = None, **kw) -> Registration:
    owner = factories.owner(email=email) if email else factories.owner()
    return factories.registration(owner=owner, next_confirmation_due=due, **kw)


def test_due_registrations_are_emailed_once(ctx, mailbox, runner):
    due = _active(TODAY, "due@example.net")
    soon = _active(TODAY + timedelta(days=10), "soon@example.net")
    _active(TODAY + timedelta(days=60), "later@example.net")
    _active(TODAY, "lapsed@example.net", status="lapsed")
    result = runner.invoke(args=["registry", "send-confirmations", "--today", TODAY.isoformat()])
    assert "sent 2, skipped 0, not delivered yet 0" in result.output
    assert {m["To"] for m in mailbox.messages} == {"due@example.net", "soon@example.net"}
    result = runner.invoke(args=["registry", "send-confirmations", "--today", TODAY.isoformat()])
    assert "sent 0, skipped 2, not delivered yet 0" in result.output
    assert len(mailbox.messages) == 2
    assert last_link(mailbox, "due@example.net", "confirm")
    assert last_link(mailbox, "soon@example.net", "manage")
    assert db.session.query(ConfirmationNotice).filter_by(registration_id=due.id).one().sent_at
    assert soon.id


def test_a_failed_confirmation_stays_in_the_outbox_and_is_delivered_once(ctx, mailbox):
    registration = _active(TODAY, "retry@example.net")
    ctx.config["MAIL_PORT"], port = 1, ctx.config["MAIL_PORT"]
    try:
        summary = jobs.send_confirmations(TODAY)
    finally:
        ctx.config["MAIL_PORT"] = port
    assert (summary.sent, summary.failed) == (0, 1)
    message = db.session.query(OutboxMessage).filter_by(
        object_type="registration", object_id=registration.id, kind="confirmation").one()
    assert (message.status, message.attempts) == ("failing", 1)
    assert message.last_error == "ConnectionRefusedError"  # no address, no server text
    summary = jobs.send_confirmations(TODAY)  # the next run does not queue it again
    assert (summary.sent, summary.skipped, summary.failed) == (0, 1, 0)
    outbox.deliver_due(utcnow() + timedelta(minutes=1))
    assert len(mailbox.to("retry@example.net")) == 1
    assert mailbox.to("retry@example.net")[0]["Message-ID"] == message.message_id
    notice = db.session.query(ConfirmationNotice).filter_by(registration_id=registration.id).one()
    assert notice.attempts == 1 and notice.sent_at is not None


def test_a_failed_confirmation_fails_the_command_with_a_count(ctx, mailbox, runner):
    _active(TODAY, "down@example.net")
    ctx.config["MAIL_PORT"], port = 1, ctx.config["MAIL_PORT"]
    try:
        result = runner.invoke(args=["registry", "send-confirmations", "--today", TODAY.isoformat()])
    finally:
        ctx.config["MAIL_PORT"] = port
    assert result.exit_code != 0
    assert "1 confirmation e-mail(s) queued, not delivered yet" in result.output
    assert "retried automatically" in result.output


def test_a_new_due_date_gets_a_new_email(ctx, mailbox):
    registration = _active(TODAY, "yearly@example.net")
    jobs.send_confirmations(TODAY)
    services.confirm(token_of(last_link(mailbox, "yearly@example.net", "confirm")), today=TODAY)
    assert registration.next_confirmation_due == date(2028, 6, 1)
    assert jobs.send_confirmations(date(2028, 6, 1)).sent == 1


def test_lapse_after_thirty_days_overdue(ctx, runner):
    overdue = _active(TODAY - timedelta(days=31))
    grace = _active(TODAY - timedelta(days=30))
    result = runner.invoke(args=["registry", "lapse", "--today", TODAY.isoformat()])
    assert "lapsed 1," in result.output
    assert overdue.status == "lapsed" and overdue.lifecycle.lapsed_at is not None
    assert grace.status == "active"


def test_confirming_a_lapsed_registration_reactivates_it(ctx, mailbox):
    registration = _active(TODAY, "late@example.net")
    jobs.send_confirmations(TODAY)
    jobs.lapse(TODAY + timedelta(days=40))
    assert registration.status == "lapsed"
    services.confirm(token_of(last_link(mailbox, "late@example.net", "confirm")), today=TODAY + timedelta(days=41))
    assert registration.status == "active" and registration.lifecycle.lapsed_at is None


def _long_lapsed(**kw) -> Registration:
    registration = _active(TODAY - timedelta(days=500), **kw)
    registration.status = "lapsed"
    lifecycle_of(registration).lapsed_at = datetime(2025, 1, 1, tzinfo=timezone.utc)
    db.session.flush()
    return registration


def test_purge_of_long_lapsed_registrations_spares_held_data(ctx):
    plain = _long_lapsed(email="plain@example.net")
    open_request = _long_lapsed(email="open@example.net")
    factories.footage_request(reg=open_request)
    closed_request = _long_lapsed(email="closed@example.net")
    factories.footage_request(reg=closed_request, state="closed")
    with_evidence = _long_lapsed(email="evidence@example.net")
    request = factories.footage_request(reg=with_evidence, state="closed")
    db.session.add(EvidenceItem(footage_request=request, description="copy", file_name="a.mp4",
                                size_bytes=1, sha256="0" * 64, storage_location="x"))
    recent = _active(TODAY - timedelta(days=40), email="recent@example.net")
    plain_id = plain.id
    summary = jobs.lapse(TODAY, datetime(2027, 6, 1, tzinfo=timezone.utc))
    assert db.session.get(Registration, plain_id) is None
    assert db.session.query(Owner).filter_by(email="plain@example.net").count() == 0
    assert open_request.owner.email == "open@example.net"
    assert with_evidence.owner.email == "evidence@example.net"
    assert closed_request.owner.email is None and closed_request.address == "Removed"
    assert recent.status == "lapsed" and recent.owner.email == "recent@example.net"
    assert (summary.purged, summary.held) == (2, 2)


def test_withdrawal_held_by_an_open_request_is_finished_when_it_closes(ctx, mailbox):
    registration = _active(TODAY + timedelta(days=100), "held@example.net")
    request = factories.footage_request(reg=registration)
    token = token_of(services.notify.manage_link(registration).replace("http://localhost", ""))
    assert services.withdraw(token) is False
    assert registration.status == "withdrawn" and registration.owner.email == "held@example.net"
    assert jobs.lapse(TODAY).held == 1
    request.state = "closed"
    db.session.flush()
    assert jobs.lapse(TODAY).removed_after_hold == 1
    assert registration.owner.email is None
    assert services.is_held(registration.id) is False


def test_access_log_shows_agency_date_purpose_but_no_officer(ctx, client, mailbox):
    registration = _active(TODAY + timedelta(days=100), "log@example.net")
    investigator = factories.user("investigator")
    audit.record("owner.contact_viewed", user=investigator, object_type="owner",
                 object_id=registration.owner_id, purpose="2026-00042")
    audit.record("portal.updated", object_type="registration", object_id=registration.id)
    manage = services.notify.manage_link(registration).replace("http://localhost", "").split("?")[0]
    html = client.get(manage + "/access").get_data(as_text=True)
    assert "Kern County District Attorney" in html and "2026-00042" in html
    assert "Looked at your contact details" in html  # in words, never the stored action
    shown = re.sub(r'href="[^"]*"', "", html)  # a random link token may spell "Ivy"
    assert investigator.username not in shown and investigator.first_name not in shown
    assert "Portal updated" not in html


def test_unverified_submissions_are_deleted_after_their_link_expires(ctx, mailbox):
    from backoffice.portal.records import lifecycle_of as lifecycle
    from tests.backoffice.portal.helpers import submission

    stale = db.session.get(Registration, services.submit_registration(submission()).registration_id)
    now = datetime.now(timezone.utc)
    lifecycle(stale).submitted_at = now - timedelta(days=9)
    fresh_id = services.submit_registration(submission(email="fresh@example.net")).registration_id
    stale_id = stale.id
    summary = jobs.lapse(now.date(), now)
    assert summary.unverified_deleted == 1
    assert db.session.get(Registration, stale_id) is None
    assert db.session.get(Registration, fresh_id) is not None


def test_confirmation_email_is_in_the_owners_language(ctx, mailbox):
    from email.header import decode_header, make_header

    owner = factories.owner(email="es@example.net", language="es")
    factories.registration(owner=owner, next_confirmation_due=TODAY)
    jobs.send_confirmations(TODAY)
    [message] = mailbox.to("es@example.net")
    assert str(make_header(decode_header(message["Subject"]))) == "Confirme sus datos del Registro de Cámaras"


def test_owners_without_email_or_asking_for_a_call_are_on_the_call_list(ctx, mailbox, runner):
    emailed = _active(TODAY, "mail.me@example.net")
    no_email = factories.registration(owner=factories.owner(email=None, preferred_contact="phone"),
                                      next_confirmation_due=TODAY)
    texts = factories.registration(owner=factories.owner(email="texts@example.net", preferred_contact="sms"),
                                   next_confirmation_due=TODAY)
    result = runner.invoke(args=["registry", "send-confirmations", "--today", TODAY.isoformat()])
    assert "to call 2" in result.output, result.output
    assert {m["To"] for m in mailbox.messages} == {"mail.me@example.net", "texts@example.net"}
    from backoffice.worklists import confirmation_by_phone
    listed = set(db.session.scalars(select(Registration.id).where(confirmation_by_phone(TODAY))))
    assert listed == {no_email.id, texts.id} and emailed.id not in listed


def test_the_call_list_screen_shows_who_to_ring_in_words(ctx, client):
    from backoffice.localtime import county_today
    from tests.auth import login

    due = county_today()
    owner = factories.owner(email=None, phone="+16615550199", preferred_contact="phone")
    factories.registration(owner=owner, next_confirmation_due=due)
    db.session.commit()
    login(client, "staff")
    html = client.get("/calllistview/list/").get_data(as_text=True)
    assert owner.name in html and "(661) 555-0199" in html and "Phone" in html
    assert "Confirmations to call" in client.get("/").get_data(as_text=True)
