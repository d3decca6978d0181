"""The e-mails about a footage request, as staff read them, and sending one again."""
from dataclasses import dataclass

from backoffice import audit, outbox
from backoffice.extensions import db
from backoffice.labels import words
from backoffice.models import OutboxMessage

from .documents import stamp
from .errors import RequestNotFound, TriggerForbidden
from .footage_request import load_request, role_names
from .machine import ACTING_ROLES, INVESTIGATOR
from .transaction import command

ABOUT = "footage_request"


@dataclass(frozen=True)
class MessageLine:
    """One message about a request: its number, what it is, and its status in words."""

    id: int
    kind: str
    status: str
    text: str


def status_text(message: OutboxMessage) -> str:
    """The message's status in words, times in county time with their zone."""
    kind = words(message.kind, "message_kind")
    attempts = f"{message.attempts} attempt{'s' if message.attempts != 1 else ''}"
    if message.status == "sent":
        return f"{kind} e-mailed {stamp(message.sent_at)}"
    if message.status == "given_up":
        return f"{kind} not delivered: given up after {attempts}"
    if message.status == "failing":
        return f"{kind} not yet delivered: {attempts}, next try {stamp(message.next_attempt_at)}"
    return f"{kind} waiting to be sent (queued {stamp(message.created_at)})"


def messages_about(request_id: int) -> list[MessageLine]:
    """The request's e-mails, oldest first."""
    return [MessageLine(m.id, m.kind, m.status, status_text(m)) for m in outbox.about(ABOUT, request_id)]


def send_again(request_id: int, message_id: int, user) -> bool:
    """Investigators and supervisors of the agency queue one of the request's e-mails again and
    try it now (audited); True when the mail server took it."""
    with command(request_id):
        request = load_request(request_id, user)
        if not role_names(user) & ACTING_ROLES[INVESTIGATOR]:
            raise TriggerForbidden("Only investigators and supervisors may send an e-mail again.")
        message = db.session.get(OutboxMessage, message_id)
        if message is None or (message.object_type, message.object_id) != (ABOUT, request.id):
            raise RequestNotFound("There is no such e-mail on this request.")
        previous = message.status
        outbox.requeue(message)
        audit.record(
            "footage_request.message_resent",
            user=user,
            object_type=ABOUT,
            object_id=request.id,
            purpose=request.case.case_number,
            detail={"message": message.id, "kind": message.kind, "was": previous},
        )
    return message_id in outbox.deliver_pending().sent
