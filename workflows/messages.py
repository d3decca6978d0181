"""The e-mails about a footage request, as staff read them, and sending one again."""
from dataclasses import dataclass


from backoffice import audit, outbox
from backoffice.labels import words
from backoffice.models import FootageRequest, OutboxMessage
from backoffice.security import security_manager
from backoffice.security.roles import ACT_AS_INVESTIGATOR

from .documents import stamp
from .errors import RequestNotFound, TransitionRefused, TriggerForbidden
from .footage_request import load_request
from .transaction import command

ABOUT = "footage_request"


@dataclass(frozen=True)
class MessageLine:
    """One message about a request: its number, what it is, and its status in words."""

    id: int
    kind: str
    status: str
    text: str
    may_send_again: bool


def status_text(message: OutboxMessage) -> str:
    """The message's status in words, times in county time with their zone."""
    return message_line(message).text


def message_line(message: OutboxMessage) -> MessageLine:
    """One message as the request page lists it: whether it may be sent again is decided once
    (outbox.why_not_send) and said in its words."""
    stopped = outbox.why_not_send(message)
    return MessageLine(message.id, message.kind, message.status, _words(message, stopped), stopped is None)


def _words(message: OutboxMessage, stopped: str | None) -> str:
    kind = words(message.kind, "message_kind")
    attempts = f"{message.attempts} attempt{'s' if message.attempts != 1 else ''}"
    if message.status == "sent":
        return f"{kind} e-mailed {stamp(message.sent_at)}"
    if message.status == "cancelled":
        return f"{kind} not sent: {message.last_error}"
    # Sent before and asked for again: the earlier delivery still counts for something.
    before = f"{kind} e-mailed {stamp(message.sent_at)}; sent again, " if message.sent_at else f"{kind} "
    if message.status == "given_up":
        return f"{before}not delivered: given up after {attempts}"
    if stopped is not None:  # cancelled at its next try, not sent
        return f"{before}will not be sent: {stopped}"
    if message.status == "failing":
        return f"{before}not yet delivered: {attempts}, next try {stamp(message.next_attempt_at)}"
    return f"{before}waiting to be sent (queued {stamp(message.created_at)})"


def messages_about(request: FootageRequest) -> list[MessageLine]:
    """The request's e-mails, oldest first."""
    return [message_line(m) for m in outbox.about(request)]


def send_again(request_id: int, message_id: int, user) -> bool:
    """Investigators and supervisors of the agency queue one of the request's e-mails again and
    try it now (audited); True when the mail server took it."""
    with command(request_id):
        request = load_request(request_id, user)
        if not security_manager().may(user, ACT_AS_INVESTIGATOR):
            raise TriggerForbidden("Only investigators and supervisors may send an e-mail again.")
        message = outbox.one_about(request, message_id)
        if message is None:
            raise RequestNotFound("There is no such e-mail on this request.")
        refused = outbox.why_not_send(message)
        if refused is not None:
            advice = " Send a new upload link instead." if message.kind == "upload_link" else ""
            raise TransitionRefused(f"This e-mail is not sent again: {refused}.{advice}")
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
