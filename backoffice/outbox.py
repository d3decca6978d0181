"""The outbox: e-mails are written with the change that causes them and delivered after it.

A caller queues a message in its own transaction (no commit), commits, then calls
`deliver_pending()`: the message is tried at once. A message the mail server did not take
stays in the table and is retried with back-off (1, 2, 4 … minutes, at most an hour apart)
by the worker's `deliver_due()`, until it is sent or, after about a day, given up. A change
that is rolled back takes its messages with it, so nothing is sent for it.

A sender claims a row with one conditional UPDATE (due, not sent, no live lease), so two
senders never send the same message; the Message-ID is fixed when the row is written and
sent on every attempt, so a retry is the same message to the recipient.
"""
import logging
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from .database import begin_write
from .extensions import db
from .ids import as_id
from .localtime import utcnow
from .mail import MailError, failure_reason, send_mail
from .models import OutboxMessage

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)  # longer than one SMTP attempt can take (15 s timeout, attachments)
MAX_DELAY = timedelta(hours=1)
MAX_ATTEMPTS = 30  # 1+2+4+…+32 minutes, then hourly: about a day of trying
_QUEUED = "outbox_queued"  # session.info: ids written in the open transaction
_READY = "outbox_ready"  # session.info: ids committed and not yet tried

# Attachments rebuilt when the message is sent: name -> builder(object_id) -> (file name, type, bytes).
ATTACHMENTS: dict[str, Callable[[int], tuple[str, str, bytes]]] = {}
# Per kind: why a message should no longer be sent (a few words for staff), or None to send it.
STILL_WANTED: dict[str, Callable[[OutboxMessage], str | None]] = {}
FINISHED = ("sent", "given_up", "cancelled")
FORGOTTEN = ""  # what an address and a body become once they need not be kept


def attachment_builder(name: str):
    """Register how an attachment is rebuilt from the message's object id."""

    def register(builder):
        ATTACHMENTS[name] = builder
        return builder

    return register


def still_wanted(kind: str):
    """Register the check made before each attempt of a kind of message (and before staff send
    it again): a message whose reason has passed, an upload link already used say, is cancelled
    instead of sent."""

    def register(check):
        STILL_WANTED[kind] = check
        return check

    return register


def why_not_send(message: OutboxMessage) -> str | None:
    """Why the message must not be sent (again) now, in a few words for staff; None to send it."""
    if message.to_address == FORGOTTEN:
        return "its address and text are no longer kept"
    check = STILL_WANTED.get(message.kind)
    return check(message) if check else None


def new_message_id() -> str:
    """A Message-ID unique to one message, kept across its retries."""
    return f"<{uuid.uuid4()}@{socket.getfqdn() or 'localhost'}>"


def queue(
    kind: str,
    to: str,
    subject: str,
    text: str,
    *,
    html: str | None = None,
    attachment: str | None = None,
    about: tuple[str, int] | None = None,
) -> OutboxMessage:
    """Write one message in the caller's transaction (no commit); delivered after the commit."""
    now = utcnow()
    message = OutboxMessage(
        message_id=new_message_id(),
        kind=kind,
        to_address=to,
        subject=str(subject)[:300],
        body_text=text,
        body_html=html,
        attachment=attachment,
        object_type=about[0] if about else None,
        object_id=about[1] if about else None,
        status="queued",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    db.session.add(message)
    db.session.flush()
    db.session().info.setdefault(_QUEUED, []).append(message.id)
    return message


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    """Messages of a committed transaction are ready to be tried."""
    queued = session.info.pop(_QUEUED, None)
    if queued:
        session.info.setdefault(_READY, []).extend(queued)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    """Messages of a rolled-back transaction never existed."""
    session.info.pop(_QUEUED, None)


@dataclass
class Delivery:
    """What one round of sending did, by outbox id."""

    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)  # not taken now: retried later (or given up)

    def __bool__(self) -> bool:
        return bool(self.sent or self.failed)


def deliver_pending() -> Delivery:
    """Try at once every message committed by this session and not tried yet."""
    ids = db.session().info.pop(_READY, [])
    result = Delivery()
    for outbox_id in ids:
        outcome = deliver(outbox_id)
        if outcome is True:
            result.sent.append(outbox_id)
        elif outcome is False:
            result.failed.append(outbox_id)
    return result


def has_pending() -> bool:
    """Whether this session committed messages that were not tried yet."""
    return bool(db.session().info.get(_READY))


def _claim(outbox_id: int, now: datetime) -> bool:
    """Take the message for one attempt: only one sender wins, and only when it is due."""
    db.session.commit()  # end what the caller read: the claim starts a fresh transaction
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == outbox_id,
            OutboxMessage.status.in_(("queued", "failing")),
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .values(claimed_until=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def backoff(attempts: int) -> timedelta:
    """The wait after the n-th failed attempt: 1, 2, 4 … minutes, at most an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_DELAY) if attempts < 12 else MAX_DELAY


def deliver(outbox_id: int, now: datetime | None = None) -> bool | None:
    """One attempt at one message: True sent, False not taken (retried later), None not ours
    (sent already, given up, not due, or another sender has it)."""
    now = now or utcnow()
    if not _claim(outbox_id, now):
        return None
    message = db.session.get(OutboxMessage, outbox_id, populate_existing=True)
    cancelled = why_not_send(message)
    if cancelled is not None:
        begin_write(db.session)
        _finish(outbox_id, message, {"status": "cancelled", "last_error": cancelled[:120], "claimed_until": None})
        return None
    error, permanent = None, False
    try:
        attachments: tuple[tuple[str, str, bytes], ...] = ()
        if message.attachment:
            attachments = (ATTACHMENTS[message.attachment](message.object_id),)
        send_mail(
            message.to_address,
            message.subject,
            message.body_text,
            html=message.body_html,
            attachments=attachments,
            message_id=message.message_id,
        )
    except MailError as exc:
        error, permanent = exc.reason, exc.permanent
    except Exception as exc:  # noqa: BLE001  (an attachment that cannot be built: retried too)
        error = failure_reason(exc)
    begin_write(db.session)
    if error is None:
        values = {"status": "sent", "sent_at": utcnow(), "claimed_until": None, "last_error": None,
                  "attempts": OutboxMessage.attempts + 1}
    else:
        attempts = message.attempts + 1
        given_up = permanent or attempts >= MAX_ATTEMPTS
        values = {
            "status": "given_up" if given_up else "failing",
            "attempts": attempts,
            "last_error": error[:120],
            "next_attempt_at": utcnow() + backoff(attempts),
            "claimed_until": None,
        }
        # The address is personal data: log the message's number and the failure only.
        log.warning("outbox message %s not sent (%s), attempt %s%s", outbox_id, error, attempts,
                    ", given up" if given_up else "")
    _finish(outbox_id, message, values)
    return error is None


def _finish(outbox_id: int, message: OutboxMessage, values: dict) -> None:
    """Write the attempt's outcome and commit; a finished message whose recipient's personal
    data was removed meanwhile keeps no address or text."""
    if message.forget_when_done and values["status"] in FINISHED:
        values = {**values, "to_address": FORGOTTEN, "body_text": FORGOTTEN, "body_html": None}
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == outbox_id).values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def deliver_due(now: datetime | None = None, limit: int = 100) -> Delivery:
    """Try every message that is due (the worker's round); oldest first."""
    now = now or utcnow()
    ids = list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.status.in_(("queued", "failing")), OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
    )
    result = Delivery()
    for outbox_id in ids:
        outcome = deliver(outbox_id, now)
        if outcome is True:
            result.sent.append(outbox_id)
        elif outcome is False:
            result.failed.append(outbox_id)
    return result


def about(record) -> list[OutboxMessage]:
    """The messages about one record (a model instance with `created_at`), oldest first.

    Only messages written since the record existed: a number freed by a deleted record may be
    given again (SQLite reuses the highest id), and the old record's e-mails are not the new one's.
    """
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(*_about(record))
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
        )
    )


def one_about(record, outbox_id: int) -> OutboxMessage | None:
    """Message `outbox_id` when it is one of `about(record)`, else None (also for a number that
    cannot be an id)."""
    if as_id(outbox_id) is None:
        return None
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.id == outbox_id, *_about(record))).first()


def _about(record) -> tuple:
    return (OutboxMessage.object_type == record.__tablename__, OutboxMessage.object_id == record.id,
            OutboxMessage.created_at >= record.created_at)


def requeue(message: OutboxMessage) -> None:
    """Make a message due now again (staff's "send again"), in the caller's transaction.

    A sent message is sent again with a new Message-ID (it is a new copy, asked for); one not
    yet delivered keeps its Message-ID and starts its tries afresh.
    """
    if message.status == "sent":
        message.message_id = new_message_id()
    message.status = "queued"
    message.attempts = 0
    message.next_attempt_at = utcnow()
    message.claimed_until = None
    db.session.flush()
    db.session().info.setdefault(_QUEUED, []).append(message.id)


def deliver_after_request(response):
    """Safety net: messages committed during a request and not tried yet are tried before it ends."""
    if has_pending():
        session = db.session()
        if not (session.new or session.dirty or session.deleted):
            try:
                deliver_pending()
            except Exception:  # the worker retries; the answer stands
                log.exception("outbox delivery after the request failed")
                db.session.rollback()
    return response


def forget(*where) -> int:
    """Clear the address and the text of finished messages (sent, given up or cancelled) that
    match `where`, keeping what, when and about which record; in the caller's transaction.
    Returns how many. Messages still to be sent are left alone."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status.in_(FINISHED), OutboxMessage.to_address != FORGOTTEN, *where)
        .values(to_address=FORGOTTEN, body_text=FORGOTTEN, body_html=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def forget_address(address: str | None) -> int:
    """Forget the finished messages to one address (an owner whose personal data is removed),
    and the others as soon as they are finished (the receipt of a withdrawal is still sent).
    Returns how many were forgotten now."""
    if not address:
        return 0
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status.not_in(FINISHED), OutboxMessage.to_address == address)
        .values(forget_when_done=True)
        .execution_options(synchronize_session=False)
    )
    return forget(OutboxMessage.to_address == address)


def prune(keep_days: int) -> int:
    """Forget the finished messages written more than keep_days ago (OUTBOX_KEEP_DAYS)."""
    return forget(OutboxMessage.created_at < utcnow() - timedelta(days=keep_days))
