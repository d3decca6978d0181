"""What happens after a trigger is committed: receipts and emails to the owner.

These run outside the transaction: a failure here cannot undo the state change,
so each step reports what it could not do instead of raising into the caller's rollback.
"""
import logging
import os
from pathlib import Path
from typing import Callable

from flask import current_app

from backoffice.extensions import db
from backoffice.mail import MailError, send_mail
from backoffice.models import FootageRequest
from reports.receipt import render_receipt_pdf

from .documents import receipt_data
from .footage_request import release_record

log = logging.getLogger(__name__)


class EffectFailed(RuntimeError):
    """An after-commit step could not be completed (the transition stands)."""


def receipt_path(request: FootageRequest) -> Path:
    """Where the receipt issued at collection is kept (one file per issue)."""
    name = f"request-{request.id}-{request.receipt_issued_at:%Y%m%dT%H%M%S%f}.pdf"
    return Path(current_app.config["EVIDENCE_DIR"]) / "receipts" / name


def issue_receipt(request_id: int) -> bytes:
    """Render the receipt once and keep it read-only: later reads return the issued document."""
    request = db.session.get(FootageRequest, request_id)
    pdf = render_receipt_pdf(receipt_data(request))
    path = receipt_path(request)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_suffix(".part")
    temp.write_bytes(pdf)
    os.chmod(temp, 0o440)
    os.replace(temp, path)
    return pdf


def receipt_pdf(request: FootageRequest) -> bytes:
    """The receipt issued for a collected request (rendered now only if it was never stored)."""
    path = receipt_path(request)
    if path.is_file():
        return path.read_bytes()
    return render_receipt_pdf(receipt_data(request))


def receipt_file_name(request: FootageRequest) -> str:
    """A file name that says which case and request the receipt is for."""
    safe_case = "".join(c if c.isalnum() or c in "-_" else "-" for c in request.case.case_number)
    return f"evidence-receipt-{safe_case}-request-{request.id}.pdf"


def _deliver(failure: str, *args, **kwargs) -> None:
    """send_mail, with a failure said in the user's words (EffectFailed): the SMTP error itself
    goes to the log, which may hold an address but the screen should not show jargon."""
    try:
        send_mail(*args, **kwargs)
    except MailError as exc:
        log.warning("mail not sent (%s)", type(exc.__cause__ or exc).__name__)  # no addresses
        raise EffectFailed(failure) from None


def email_receipt(request_id: int) -> None:
    """Email the evidence receipt to the owner."""
    request = db.session.get(FootageRequest, request_id)
    owner = request.registration.owner
    if not owner.email:
        raise EffectFailed("the owner has no email address: hand the printed receipt over")
    pdf = receipt_pdf(request)
    agency = request.case.agency.name
    count = len(receipt_data(request)["items"])
    _deliver(
        "the receipt was not e-mailed to the owner (the mail server did not take it): "
        "download it from the request and send or hand it over",
        owner.email,
        f"Receipt for the footage collected by {agency}",
        (
            f"Dear {owner.name},\n\n"
            f"Thank you for providing footage from {request.registration.address}.\n"
            f"{agency} has collected {count} item(s) as evidence "
            f"for case {request.case.case_number}. The attached receipt lists each copy with "
            "its SHA-256 fingerprint; the code on it lets you check that the stored copies "
            "are unchanged.\n\nCamera Registry"
        ),
        attachments=((receipt_file_name(request), "application/pdf", pdf),),
    )


def release_grounds_text(request: FootageRequest) -> str:
    """The notice's sentence on what the release rests on: consent, court order or override."""
    found = release_record(request) or {"grounds": "consent"}
    if found["grounds"] == "court_order":
        return (f"This release is required by a court order (reference {request.court_order_ref or 'on file'}); "
                "it does not depend on your consent.")
    if found["grounds"] == "override":
        return ("You consented to the use of your footage as evidence only. A supervisor approved "
                f"this release without your consent, for this reason: {found.get('override_reason')}")
    return "You consented to this use of your footage when you provided it."


def email_media_release(request_id: int) -> None:
    """Tell the owner that their footage is being released, and on what grounds."""
    request = db.session.get(FootageRequest, request_id)
    owner = request.registration.owner
    if not owner.email:
        raise EffectFailed("the owner has no email address: tell them of the release")
    agency = request.case.agency.name
    public = request.release_kind == "media_public"
    _deliver(
        "the owner was not e-mailed about the release (the mail server did not take "
        "it): tell them yourself",
        owner.email,
        f"Your footage will be released {'to the public ' if public else ''}by {agency}",
        (
            f"Dear {owner.name},\n\n"
            f"The footage you provided from {request.registration.address} for case "
            f"{request.case.case_number} has been approved for release "
            + ("to the media or the public, to help identify a suspect.\n" if public
               else "as required by a court order.\n")
            + f"Reason: {request.release_basis}\n"
            f"{release_grounds_text(request)}\n\n"
            f"If you have questions, contact {agency}.\n\nCamera Registry"
        ),
    )


def after(trigger: str, request_id: int) -> list[Callable[[], None]]:
    """The after-commit steps of a trigger."""
    if trigger == "collect":
        return [lambda: issue_receipt(request_id), lambda: email_receipt(request_id)]
    if trigger == "approve_release":
        request = db.session.get(FootageRequest, request_id)
        db.session.refresh(request)
        if request.release_kind in ("media_public", "court_order"):
            return [lambda: email_media_release(request_id)]
    return []
