"""Owner upload links: signed, expiring, single-use links that let an owner send footage."""
import secrets
from datetime import datetime, timedelta
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select, update
from werkzeug.datastructures import FileStorage

from backoffice import audit, outbox
from backoffice.domain import INTAKE_STATES
from backoffice.errors import GoneError
from backoffice.extensions import db
from backoffice.models import EvidenceItem, FootageRequest, UploadLink
from backoffice.models.base import utcnow
from backoffice.portal.notify import upload_link_mail
from backoffice.security import security_manager
from backoffice.security.roles import ACT_AS_INVESTIGATOR
from backoffice.tokens import TokenError, make_token, read_token

from . import declarations
from . import evidence as evidence_cmd
from .errors import InvalidInput, TransitionRefused, TriggerForbidden
from .footage_request import load_request
from .transaction import command

PURPOSE = "upload"
LINK_HOURS = 72


class LinkNotDelivered(RuntimeError):
    """The link exists (committed) but its e-mail is still in the outbox, retried later."""


class LinkRefused(GoneError):
    """The upload link is forged, expired or already used (410)."""


def issue_link(request_id: int, user, hours: int = LINK_HOURS) -> str:
    """Create a link for a consented request and queue its e-mail to the owner; returns the URL.
    Commits, then tries the e-mail: LinkNotDelivered when the mail server did not take it now."""
    with command():
        request = load_request(request_id, user)
        if not security_manager().may(user, ACT_AS_INVESTIGATOR):
            raise TriggerForbidden("Only investigators and supervisors may send upload links.")
        if request.state not in INTAKE_STATES:
            raise TransitionRefused("An upload link can be sent once the owner has consented.")
        owner = request.registration.owner
        if not owner.email:
            raise InvalidInput("The owner has no email address.")
        now = utcnow()
        link = UploadLink(
            footage_request_id=request.id,
            nonce=secrets.token_urlsafe(24),
            created_at=now,
            expires_at=now + timedelta(hours=hours),
            created_by_id=user.id,
        )
        db.session.add(link)
        db.session.flush()
        audit.record(
            "footage_request.upload_link",
            user=user,
            object_type="footage_request",
            object_id=request.id,
            purpose=request.case.case_number,
            detail={"link": link.id, "expires_at": link.expires_at.isoformat()},
        )
        token = make_token(PURPOSE, {"l": link.id, "n": link.nonce})
        url = f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/upload/{token}"
        if owner.language in current_app.config["PORTAL_LANGUAGES"]:
            url += f"?lang={owner.language}"  # the page opens in the owner's language
        subject, text = upload_link_mail(
            owner, agency=request.case.agency.name, address=request.registration.address, url=url,
            window_from=request.window_from, window_to=request.window_to, expires=link.expires_at,
            hours=hours,
        )
        message = outbox.queue("upload_link", owner.email, subject, text, about=("footage_request", request.id))
        link.outbox_message_id = message.id
    if not outbox.deliver_pending().sent:
        raise LinkNotDelivered("The link was created; the e-mail to the owner is queued but not "
                               "delivered yet (the mail server did not take it). It is retried "
                               "automatically.")
    return url


# Why a link can no longer be used: what the owner's page says, and what staff read of the
# e-mail that carries it.
CLOSED_LINK_WORDS = {
    "used": ("This link has already been used.", "the link in it was used"),
    "expired": ("This link has expired.", "the link in it has expired"),
    "not_intake": ("This request no longer takes uploads.", "the request no longer takes uploads"),
}


def why_closed(link: UploadLink) -> str | None:
    """"used", "expired" or "not_intake" (a key of CLOSED_LINK_WORDS); None while it can be used."""
    if link.used_at is not None:
        return "used"
    if link.expires_at < utcnow():
        return "expired"
    if link.footage_request.state not in INTAKE_STATES:
        return "not_intake"
    return None


@outbox.still_wanted("upload_link")
def link_still_open(message) -> str | None:
    """Why an upload-link e-mail should not be sent (again), in staff's words; None while its
    link can still be used."""
    link = db.session.scalar(select(UploadLink).where(UploadLink.outbox_message_id == message.id))
    closed = why_closed(link) if link is not None else None
    return CLOSED_LINK_WORDS[closed][1] if closed else None


def check_link(token: str) -> UploadLink:
    """The unused, unexpired link a token stands for, else LinkRefused saying why."""
    try:
        payload = read_token(PURPOSE, token, max_age_s=30 * 24 * 3600)
        link = db.session.get(UploadLink, int(payload["l"]))
    except (TokenError, KeyError, TypeError, ValueError):
        raise LinkRefused("This link is not valid.") from None
    if link is None or not secrets.compare_digest(link.nonce, str(payload.get("n"))):
        raise LinkRefused("This link is not valid.")
    closed = why_closed(link)
    if closed:
        raise LinkRefused(CLOSED_LINK_WORDS[closed][0])
    return link


def upload_with_link(
    token: str, stream: BinaryIO | FileStorage, file_name: str | None, description: str,
    declaration: declarations.DeclarationForm, *, received_at: datetime | None = None,
    language: str = "en",
) -> EvidenceItem:
    """Store the owner's file with their declaration and use up the link, in one transaction.
    The declaration is checked before anything is kept (InvalidInput naming its field);
    `received_at` is when the form arrived (default now), `language` the page's."""
    link = check_link(token)
    checked = declarations.check(declaration, link.footage_request, received_at or utcnow(), language)

    def claim(item: EvidenceItem) -> None:
        used = db.session.execute(
            update(UploadLink)
            .where(UploadLink.id == link.id, UploadLink.used_at.is_(None))
            .values(used_at=utcnow())
        )
        if used.rowcount != 1:
            raise LinkRefused("This link has already been used.")
        declarations.store(checked, item, db.session.get(FootageRequest, link.footage_request_id))
        queue_upload_notice(link.footage_request_id)

    item = evidence_cmd.add_evidence(
        link.footage_request_id, None, stream, file_name, description,
        via="owner", before_commit=claim,
    )
    outbox.deliver_pending()  # a notice the mail server did not take is retried by the worker
    return item


def queue_upload_notice(request_id: int) -> None:
    """Tell the request's assignee that the owner uploaded footage through the link, in the
    upload's transaction (workflows.effects.queue_staff_notice)."""
    from .effects import queue_staff_notice  # effects reads documents, which read footage_request

    request = db.session.get(FootageRequest, request_id)
    queue_staff_notice(request, "upload_notice",
                       f"Footage uploaded by the owner: request {request.id}, case {request.case.case_number}",
                       f"the owner of {request.registration.address} uploaded footage through the upload link; "
                       "check it on the request page")
