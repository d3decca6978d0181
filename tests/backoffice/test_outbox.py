"""The outbox: e-mails are written with their cause, survive a mail server that is down, and
are delivered once."""
import re
from datetime import timedelta

from aiosmtpd.controller import Controller

from backoffice import outbox
from backoffice.extensions import db
from backoffice.localtime import utcnow
from backoffice.models import AuditEvent, FootageRequest, OutboxMessage
from tests import factories
from tests.auth import CSRF_RE
from tests.backoffice.test_footage_screens import page, signed_in
from tests.mailbox import Mailbox, free_port
from tests.workflows.helpers import request_in
from workflows import footage_request as wf


def _messages(request_id: int) -> list[OutboxMessage]:
    return outbox.about(db.session.get(FootageRequest, request_id))


class MailServerDown:
    """Point MAIL_PORT at a port where nothing listens, for the `with` block."""

    def __init__(self, app):
        self.app = app

    def __enter__(self):
        self.saved = self.app.config["MAIL_PORT"]
        self.app.config["MAIL_PORT"] = free_port()

    def __exit__(self, *exc):
        self.app.config["MAIL_PORT"] = self.saved


def test_a_rolled_back_change_sends_nothing(ctx, mailbox):
    db.session.commit()
    outbox.queue("reminder", "someone@example.net", "Subject", "Body")
    db.session.rollback()
    assert outbox.deliver_pending().sent == []
    assert outbox.deliver_due(utcnow() + timedelta(days=1)).sent == []
    assert db.session.query(OutboxMessage).filter_by(to_address="someone@example.net").count() == 0
    assert mailbox.messages == []


def test_a_queued_message_is_sent_after_the_commit_with_its_message_id(ctx, mailbox):
    message = outbox.queue("reminder", "after@example.net", "Subject", "Body")
    assert mailbox.messages == []  # nothing leaves before the commit
    db.session.commit()
    assert outbox.deliver_pending().sent == [message.id]
    assert [m["Message-ID"] for m in mailbox.to("after@example.net")] == [message.message_id]
    db.session.refresh(message)
    assert (message.status, message.attempts, message.sent_at is not None) == ("sent", 1, True)
    assert outbox.deliver(message.id) is None  # sent is sent: never again
    assert len(mailbox.messages) == 1


def test_the_receipt_waits_out_a_stopped_mail_server_and_arrives_once(ctx):
    """Stop the real SMTP server, collect, start it again: the receipt arrives, once."""
    box = Mailbox()
    port = free_port()
    server = Controller(box, hostname="127.0.0.1", port=port)
    server.start()
    server.stop()  # the mail server goes down
    saved, ctx.config["MAIL_PORT"] = ctx.config["MAIL_PORT"], port
    try:
        request = request_in("consented")
        outcome = wf.fire(request.id, "collect", factories.user("investigator"), 1)
        assert outcome.state == "collected"
        assert any("queued but not delivered yet" in n and "retried automatically" in n
                   for n in outcome.notices)
        (message,) = _messages(request.id)
        assert (message.kind, message.status, message.attempts) == ("receipt", "failing", 1)
        assert message.last_error == "ConnectionRefusedError"
        assert "@" not in message.last_error
        waited = message.next_attempt_at - utcnow()
        assert timedelta(seconds=30) < waited <= timedelta(minutes=1)
        assert outbox.deliver_due().sent == []  # not due yet: nothing is tried
        assert outbox.deliver_due(utcnow() + timedelta(minutes=1, seconds=1)).failed == [message.id]
        db.session.refresh(message)
        assert message.attempts == 2
        assert timedelta(minutes=1) < message.next_attempt_at - utcnow() <= timedelta(minutes=2)

        server = Controller(box, hostname="127.0.0.1", port=port)
        server.start()  # back up
        try:
            later = utcnow() + timedelta(minutes=3)
            assert outbox.deliver_due(later).sent == [message.id]
            assert outbox.deliver_due(later + timedelta(hours=2)).sent == []
        finally:
            server.stop()
    finally:
        ctx.config["MAIL_PORT"] = saved
    owner = request.registration.owner
    assert len(box.to(owner.email)) == 1
    delivered = box.to(owner.email)[0]
    assert delivered["Message-ID"] == message.message_id
    assert [p.get_content_type() for p in delivered.walk()].count("application/pdf") == 1
    db.session.refresh(message)
    assert message.status == "sent" and message.last_error is None


def test_two_senders_racing_send_it_once(ctx, mailbox, monkeypatch):
    message = outbox.queue("reminder", "race@example.net", "Subject", "Body")
    db.session.commit()
    real_send = outbox.send_mail
    second = []

    def send_while_another_sender_tries(*args, **kwargs):
        second.append(outbox.deliver(message.id))  # the other sender, mid-attempt
        real_send(*args, **kwargs)

    monkeypatch.setattr(outbox, "send_mail", send_while_another_sender_tries)
    assert outbox.deliver(message.id) is True
    assert second == [None]
    assert outbox.deliver_due(utcnow() + timedelta(hours=2)).sent == []
    assert len(mailbox.to("race@example.net")) == 1


def test_an_expired_lease_lets_another_sender_retry(ctx, mailbox):
    message = outbox.queue("reminder", "lease@example.net", "Subject", "Body")
    db.session.commit()
    assert outbox._claim(message.id, utcnow())  # a sender took it and died
    assert outbox.deliver(message.id) is None
    assert outbox.deliver(message.id, utcnow() + outbox.LEASE + timedelta(seconds=1)) is True
    assert len(mailbox.to("lease@example.net")) == 1


def test_given_up_after_the_limit(ctx, mailbox):
    message = outbox.queue("reminder", "never@example.net", "Subject", "Body")
    message.attempts = outbox.MAX_ATTEMPTS - 1
    db.session.commit()
    with MailServerDown(ctx):
        assert outbox.deliver_pending().failed == [message.id]
    db.session.refresh(message)
    assert (message.status, message.attempts) == ("given_up", outbox.MAX_ATTEMPTS)
    assert outbox.deliver_due(utcnow() + timedelta(days=2)).sent == []
    assert mailbox.messages == []


def test_backoff_doubles_up_to_an_hour():
    assert [outbox.backoff(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert outbox.backoff(7) == timedelta(hours=1) == outbox.backoff(40)
    total = sum((outbox.backoff(n) for n in range(1, outbox.MAX_ATTEMPTS)), timedelta())
    assert timedelta(hours=20) < total < timedelta(hours=30)  # about a day of trying


def test_the_request_page_shows_each_message_and_sends_one_again(ctx, mailbox):
    request = request_in("consented")
    with MailServerDown(ctx):
        wf.fire(request.id, "collect", factories.user("investigator"), 1)
    (message,) = _messages(request.id)
    browser = signed_in(ctx, "investigator")
    html = page(browser.client, f"/footage/{request.id}")
    shown = re.search(r'<ul id="messages".*?</ul>', html, re.S).group(0)
    assert "Receipt not yet delivered: 1 attempt, next try " in shown
    assert re.search(r"next try \w{3} \d+ \w{3} \d{4}, \d+:\d\d [AP]M P[SD]T", shown)
    words_shown = re.sub(r"<[^>]+>", " ", shown)  # what a person reads: no codes
    assert "failing" not in words_shown and "receipt" not in words_shown.replace("Receipt", "")

    token = CSRF_RE.search(html).group(1)
    response = browser.post(f"/footage/{request.id}/messages/{message.id}/send",
                            data={"csrf_token": token}, follow_redirects=True)
    assert response.status_code == 200
    assert "E-mail sent again." in response.get_data(as_text=True)
    owner = request.registration.owner
    assert [m["Message-ID"] for m in mailbox.to(owner.email)] == [message.message_id]
    html = page(browser.client, f"/footage/{request.id}")
    assert re.search(r"Receipt e-mailed \w{3} \d+ \w{3} \d{4}, \d+:\d\d [AP]M P[SD]T", html)
    assert db.session.query(AuditEvent).filter_by(
        action="footage_request.message_resent", object_id=request.id).count() == 1


def test_send_again_is_for_the_agency_and_its_investigators(ctx, mailbox):
    request = request_in("consented")
    wf.fire(request.id, "collect", factories.user("investigator"), 1)
    (message,) = _messages(request.id)
    mailbox.clear()
    url = f"/footage/{request.id}/messages/{message.id}/send"
    own = signed_in(ctx, "investigator")
    assert own.post(url, data={}).status_code in (302, 400)  # no form token: nothing sent
    outsider = signed_in(ctx, "investigator2")
    theirs = request_in("open", agency_index=1)
    token = CSRF_RE.search(page(outsider.client, f"/footage/{theirs.id}")).group(1)
    response = outsider.post(url, data={"csrf_token": token}, follow_redirects=True)
    assert response.status_code in (200, 404)
    assert "E-mail sent again" not in response.get_data(as_text=True)
    auditor = signed_in(ctx, "auditor")
    assert auditor.post(url, data={"csrf_token": token}).status_code in (302, 400, 403)
    assert mailbox.messages == []
    db.session.refresh(message)
    assert message.status == "sent" and message.attempts == 1


def test_the_release_notice_is_queued_with_the_approval_and_names_its_grounds(ctx, mailbox):
    request = request_in("release_pending")
    with MailServerDown(ctx):
        outcome = wf.fire(request.id, "approve_release", factories.user("supervisor"), 1)
    assert outcome.state == "released"
    assert outcome.notices == ["The release notice to the owner is queued but not delivered yet (the "
                               "mail server did not take it); it is retried automatically."]
    (message,) = [m for m in _messages(request.id) if m.kind == "release_notice"]
    assert "You consented to this use" in message.body_text
    assert message.id in outbox.deliver_due(utcnow() + timedelta(minutes=2)).sent
    assert len(mailbox.to(request.registration.owner.email)) == 1


def test_a_refused_trigger_queues_nothing(ctx, mailbox):
    request = request_in("consented", evidence=False)  # collect needs evidence: refused
    try:
        wf.fire(request.id, "collect", factories.user("investigator"), 1)
    except Exception:  # noqa: BLE001  (the refusal itself is tested elsewhere)
        pass
    assert _messages(request.id) == []
    assert outbox.deliver_due(utcnow() + timedelta(days=1)).sent == [] and mailbox.messages == []


def test_an_upload_link_the_server_did_not_take_is_said_and_sent_later(ctx, mailbox):
    from workflows import owner_upload

    request = request_in("consented", evidence=False)
    with MailServerDown(ctx):
        try:
            owner_upload.issue_link(request.id, factories.user("investigator"))
        except owner_upload.LinkNotDelivered as error:
            said = str(error)
    assert "queued but not delivered yet" in said and "retried automatically" in said
    (message,) = _messages(request.id)
    assert message.kind == "upload_link" and "/upload/" in message.body_text
    outbox.deliver_due(utcnow() + timedelta(minutes=2))
    assert len(mailbox.to(request.registration.owner.email)) == 1


def test_the_after_request_safety_net_sends_what_a_caller_left(ctx, mailbox):
    from backoffice.outbox import deliver_after_request

    assert deliver_after_request in ctx.after_request_funcs[None]
    message = outbox.queue("reminder", "net@example.net", "Subject", "Body")
    db.session.commit()  # a caller that forgot deliver_pending()
    deliver_after_request(None)
    assert [m["Message-ID"] for m in mailbox.to("net@example.net")] == [message.message_id]


def test_the_worker_sends_due_outbox_mail_every_30_seconds(ctx, mailbox, monkeypatch):
    from backoffice import worker

    header = outbox.queue("reminder", "worker@example.net", "Subject", "Body").message_id
    db.session.commit()
    db.session().info.clear()  # left for the worker
    intervals = []

    class Scheduler:
        def __init__(self, **_):
            self.jobs = {}

        def add_job(self, fn, trigger, args=(), id=None, **_):
            self.jobs[id] = (fn, trigger, args)

        def start(self):
            assert "map-summary" not in self.jobs  # the database keeps the map's summary current
            fn, trigger, args = self.jobs["outbox"]
            intervals.append(trigger.interval)
            fn(*args)

    monkeypatch.setattr("apscheduler.schedulers.blocking.BlockingScheduler", Scheduler)
    monkeypatch.setattr(worker, "missed", list)
    worker.serve()
    assert intervals == [timedelta(seconds=30)]
    assert [m["Message-ID"] for m in mailbox.to("worker@example.net")] == [header]


def test_two_workers_on_their_own_connections_send_a_message_once(app, mailbox):
    """Real concurrency: two threads, each with its own session and connection, deliver the
    same committed message at the same moment."""
    import threading

    from sqlalchemy import delete

    with app.app_context():
        message = outbox.queue("reminder", "two.workers@example.net", "Subject", "Body")
        db.session.commit()
        outbox_id = message.id
        db.session.remove()
    results = []
    barrier = threading.Barrier(2)

    def worker():
        with app.app_context():
            try:
                barrier.wait()
                results.append(outbox.deliver(outbox_id))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        with app.app_context():
            db.session.execute(delete(OutboxMessage).where(OutboxMessage.id == outbox_id))
            db.session.commit()
            db.session.remove()
    assert sorted(results, key=str) == sorted([None, True], key=str)
    assert len(mailbox.to("two.workers@example.net")) == 1


def test_finished_messages_forget_address_and_text_after_the_keep_period(ctx, mailbox):
    old = outbox.queue("reminder", "old@example.net", "Deadline", "Dear Ana, request 4 at 12 Oak St")
    waiting = outbox.queue("reminder", "down@example.net", "Deadline", "Dear Noe")
    db.session.commit()
    outbox.deliver_pending()
    db.session.execute(
        OutboxMessage.__table__.update().where(OutboxMessage.id == waiting.id).values(status="failing"))
    db.session.execute(OutboxMessage.__table__.update().values(created_at=utcnow() - timedelta(days=40)))
    assert outbox.prune(30) >= 1
    db.session.expire_all()
    forgotten = db.session.get(OutboxMessage, old.id)
    assert (forgotten.status, forgotten.to_address, forgotten.body_text) == ("sent", "", "")
    assert forgotten.kind == "reminder" and forgotten.sent_at is not None
    assert db.session.get(OutboxMessage, waiting.id).to_address == "down@example.net"  # still to send


def test_removing_an_owners_personal_data_forgets_the_emails_sent_to_them(ctx, mailbox):
    from backoffice.portal.services import remove_personal_data

    registration = factories.registration(status="withdrawn")
    address = registration.owner.email
    sent = outbox.queue("withdrawn", address, "Withdrawn", f"Dear {registration.owner.name}")
    db.session.commit()
    outbox.deliver_pending()
    remove_personal_data(registration)
    db.session.commit()
    db.session.expire_all()
    row = db.session.get(OutboxMessage, sent.id)
    assert (row.to_address, row.body_text) == ("", "")


class RefusingMailbox(Mailbox):
    """A real SMTP server that refuses one mailbox for good (550) and delays another (451)."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.startswith("gone@"):
            return "550 5.1.1 no such mailbox"
        if address.startswith("busy@"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_permanent_refusal_is_given_up_at_once_and_a_temporary_one_retried(ctx):
    box = RefusingMailbox()
    server = Controller(box, hostname="127.0.0.1", port=free_port())
    server.start()
    saved, ctx.config["MAIL_PORT"] = ctx.config["MAIL_PORT"], server.port
    try:
        gone = outbox.queue("reminder", "gone@example.net", "Deadline", "Hello")
        busy = outbox.queue("reminder", "busy@example.net", "Deadline", "Hello")
        db.session.commit()
        outbox.deliver_pending()
    finally:
        ctx.config["MAIL_PORT"] = saved
        server.stop()
    db.session.expire_all()
    refused, delayed = db.session.get(OutboxMessage, gone.id), db.session.get(OutboxMessage, busy.id)
    assert (refused.status, refused.attempts) == ("given_up", 1) and "550" in refused.last_error
    assert (delayed.status, delayed.attempts) == ("failing", 1) and "451" in delayed.last_error
    assert "@" not in refused.last_error + delayed.last_error  # no address kept with the failure
