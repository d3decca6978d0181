"""What a trigger causes besides its state change: the receipt and the e-mails to the owner.

The e-mails are queued in the outbox in the trigger's own transaction and delivered after its
commit (a mail server that is down delays them, never loses them). The receipt file is issued
after the commit: a failure there cannot undo the state change, so it is reported instead.
"""
import logging
from typing import Callable

from flask import current_app, render_template

from sqlalchemy import func, select

from backoffice import outbox
from backoffice.evidence_files import keep_bytes, receipt_path
from backoffice.extensions import db
from backoffice.models import EvidenceItem, FootageRequest
from backoffice.outbox import attachment_builder
from backoffice.portal.notify import receipt_mail, release_mail
from reports.receipt import render_receipt_pdf

from .documents import receipt_data
from .footage_request import release_record

log = logging.getLogger(__name__)


class EffectFailed(RuntimeError):
    """An after-commit step could not be completed (the transition stands)."""


def issue_receipt(request_id: int) -> bytes:
    """Render the receipt once and keep it read-only: later reads return the issued document."""
    request = db.session.get(FootageRequest, request_id)
    pdf = render_receipt_pdf(receipt_data(request))
    keep_bytes(receipt_path(request.id, request.receipt_issued_at), pdf)
    return pdf


def receipt_pdf(request: FootageRequest) -> bytes:
    """The receipt issued for a collected request (rendered now only if it was never stored)."""
    path = receipt_path(request.id, request.receipt_issued_at)
    if path.is_file():
        return path.read_bytes()
    return render_receipt_pdf(receipt_data(request))


def receipt_file_name(request: FootageRequest) -> str:
    """A file name that says which case and request the receipt is for."""
    safe_case = "".join(c if c.isalnum() or c in "-_" else "-" for c in request.case.case_number)
    return f"evidence-receipt-{safe_case}-request-{request.id}.pdf"


@attachment_builder("receipt")
def receipt_attachment(request_id: int) -> tuple[str, str, bytes]:
    """The receipt attached to its e-mail, read from the issued file when the message is sent."""
    request = db.session.get(FootageRequest, request_id)
    return receipt_file_name(request), "application/pdf", receipt_pdf(request)


def queue_receipt(request: FootageRequest) -> None:
    """Queue the evidence receipt e-mail to the owner, in the collection's transaction."""
    owner = request.registration.owner
    if not owner.email:
        raise EffectFailed("the owner has no email address: hand the printed receipt over")
    count = db.session.scalar(
        select(func.count()).select_from(EvidenceItem).where(EvidenceItem.footage_request_id == request.id)
    )
    subject, text = receipt_mail(owner, agency=request.case.agency.name, address=request.registration.address,
                                 case_number=request.case.case_number, count=count)
    outbox.queue("receipt", owner.email, subject, text, attachment="receipt",
                 about=("footage_request", request.id))


def queue_release_notice(request: FootageRequest) -> None:
    """Queue the notice telling the owner that their footage is being released, and on what
    grounds, in the approval's transaction (its grounds are read from the approval's audit event)."""
    owner = request.registration.owner
    if not owner.email:
        raise EffectFailed("the owner has no email address: tell them of the release")
    found = release_record(request) or {"grounds": "consent"}
    subject, text = release_mail(
        owner, agency=request.case.agency.name, address=request.registration.address,
        case_number=request.case.case_number, public=request.release_kind == "media_public",
        basis=request.release_basis, grounds=found["grounds"], court_order_ref=request.court_order_ref,
        override_reason=found.get("override_reason"),
    )
    outbox.queue("release_notice", owner.email, subject, text, about=("footage_request", request.id))


NOT_DELIVERED = {
    "receipt": "the receipt e-mail to the owner is queued but not delivered yet (the mail server "
               "did not take it); it is retried automatically",
    "release_notice": "the release notice to the owner is queued but not delivered yet (the mail "
                      "server did not take it); it is retried automatically",
}


def queue_messages(trigger: str, request: FootageRequest) -> list[str]:
    """Queue the e-mails a trigger sends, in its transaction; what could not be queued, in words."""
    try:
        if trigger in RELEASE_DECISIONS:
            queue_staff_notice(request, "release_decided",
                               f"Release {RELEASE_DECISIONS[trigger]}: request {request.id}, "
                               f"case {request.case.case_number}",
                               f"the release of the footage from {request.registration.address} was "
                               f"{RELEASE_DECISIONS[trigger]} by a supervisor")
        if trigger == "collect":
            queue_receipt(request)
        elif trigger == "approve_release" and request.release_kind in ("media_public", "court_order"):
            queue_release_notice(request)
    except EffectFailed as exc:
        return [str(exc)]
    return []


RELEASE_DECISIONS = {"approve_release": "approved", "deny_release": "denied"}
STAFF_NOTICES = ("upload_notice", "release_decided")  # news for the assignee (queue_staff_notice)


def queue_staff_notice(request: FootageRequest, kind: str, subject: str, what: str) -> None:
    """Tell the request's assignee (else the case's lead investigator) by e-mail what happened
    on it, in the caller's transaction, when they chose news by e-mail (their account page);
    it is on their home page either way. `what` completes "Hello <name>, on request N (case C), …"."""
    person = request.assignee or request.case.lead_investigator
    if person is None or not person.email or not person.notify_by_email:
        return
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    outbox.queue(
        kind, person.email, subject,
        render_template("mail/staff_notice.txt", person=person, request=request, what=what, base=base),
        about=("footage_request", request.id),
    )


def after(trigger: str, request_id: int) -> list[Callable[[], object]]:
    """The after-commit steps of a trigger (its e-mails are queued with it and delivered after)."""
    if trigger == "collect":
        return [lambda: issue_receipt(request_id)]
    return []
