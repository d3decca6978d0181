"""The emails owners receive, in their language, with the signed links they act through."""
import logging
from dataclasses import dataclass
from datetime import date

from flask import render_template
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l

from .. import outbox
from ..models import OutboxMessage, Registration
from .links import CONFIRM, MANAGE, VERIFY, link_url
from .records import lifecycle_of, link_stamp

log = logging.getLogger(__name__)


@dataclass
class Message:
    """One email ready to send (built before personal data may be removed)."""

    to: str | None  # None: the owner has no address (queue() then sends nothing)
    subject: str
    text: str


def _message(registration: Registration, template: str, subject, **context) -> Message:
    owner = registration.owner
    with force_locale(owner.language or "en"):
        return Message(
            to=owner.email,
            subject=str(subject),
            text=render_template(
                f"portal/mail/{template}.txt", owner=owner, registration=registration, **context
            ),
        )


def _owner_mail(owner, template: str, subject, **context) -> tuple[str, str]:
    """(subject, text) of an e-mail about a footage request, in the owner's language;
    `subject` is called inside that language."""
    with force_locale(owner.language or "en"):
        return subject(), render_template(f"portal/mail/{template}.txt", owner=owner, **context)


def receipt_mail(owner, *, agency: str, address: str, case_number: str, count: int) -> tuple[str, str]:
    """The e-mail that carries the evidence receipt."""
    return _owner_mail(
        owner, "receipt", lambda: gettext("Receipt for the footage collected by %(agency)s", agency=agency),
        agency=agency, address=address, case_number=case_number, count=count,
    )


def release_mail(owner, *, agency: str, address: str, case_number: str, public: bool, basis: str | None,
                 grounds: str, court_order_ref: str | None, override_reason: str | None) -> tuple[str, str]:
    """The notice that the owner's footage is released, and on what grounds (consent,
    court_order or override)."""
    def subject() -> str:
        if public:
            return gettext("Your footage will be released to the public by %(agency)s", agency=agency)
        return gettext("Your footage will be released by %(agency)s", agency=agency)

    return _owner_mail(owner, "release_notice", subject, agency=agency, address=address,
                       case_number=case_number, public=public, basis=basis, grounds=grounds,
                       court_order_ref=court_order_ref, override_reason=override_reason)


def upload_link_mail(owner, *, agency: str, address: str, url: str, window_from, window_to,
                     expires, hours: int) -> tuple[str, str]:
    """The single-use link to upload footage; times in county time, in the owner's language."""
    from ..localtime import format_instant

    language = owner.language or "en"
    return _owner_mail(
        owner, "upload_link", lambda: gettext("Upload your footage for %(agency)s", agency=agency),
        address=address, url=url, hours=hours, window_from=format_instant(window_from, language),
        window_to=format_instant(window_to, language), expires=format_instant(expires, language),
    )


def area_request_mail(owner, template: str, kind: str, *, agency: str, address: str, description: str,
                      window_from, window_to, expires, url: str) -> tuple[str, str]:
    """An area request (`kind` "ask") or its reminder ("remind"): did your cameras record the
    window? Answered once through `url`; times in county time, in the owner's language."""
    from ..localtime import format_instant

    language = owner.language or "en"

    def subject() -> str:
        if kind == "remind":
            return gettext("Reminder: %(agency)s asks whether your cameras recorded something", agency=agency)
        return gettext("%(agency)s asks whether your cameras recorded something", agency=agency)

    return _owner_mail(
        owner, template, subject, agency=agency, address=address, description=description, url=url,
        window_from=format_instant(window_from, language), window_to=format_instant(window_to, language),
        expires=format_instant(expires, language),
    )


def manage_link(registration: Registration) -> str:
    """The current management link of a registration."""
    return link_url(MANAGE, {"r": registration.id, "t": link_stamp(registration),
                             "k": lifecycle_of(registration).manage_key},
                    language=registration.owner.language)


def verification(registration: Registration) -> Message:
    """Please confirm your email address."""
    link = link_url(VERIFY, {"r": registration.id, "t": link_stamp(registration)}, single_use=True,
                    language=registration.owner.language)
    return _message(registration, "verify", _l("Confirm your email for the Camera Registry"), link=link)


def already_registered(registration: Registration) -> Message:
    """A second registration of the same premises: here is your management link."""
    return _message(
        registration, "already_registered", _l("You are already registered"), link=manage_link(registration)
    )


def approved(registration: Registration) -> Message:
    """Welcome: approved, with the management link."""
    return _message(
        registration, "approved", _l("Your cameras are registered"), link=manage_link(registration)
    )


def rejected(registration: Registration, reason: str) -> Message:
    """Not accepted, and why."""
    return _message(registration, "rejected", _l("Your Camera Registry registration"), reason=reason)


def merged(registration: Registration, target: Registration, same_owner: bool) -> Message:
    """Joined to an existing registration."""
    link = manage_link(target) if same_owner else None
    return _message(
        registration, "merged", _l("Your Camera Registry registration"), target=target, link=link
    )


def withdrawn(registration: Registration) -> Message:
    """Withdrawal receipt."""
    return _message(registration, "withdrawn", _l("Your registration has been withdrawn"))


def email_changed(registration: Registration, old_address: str) -> Message:
    """Tell the previous address that the email was changed (sent to the old address)."""
    message = _message(registration, "email_changed", _l("Your Camera Registry email was changed"))
    message.to = old_address
    return message


def confirmation_due(registration: Registration, due: date) -> Message:
    """The annual check: confirm in one click, or update."""
    confirm = link_url(CONFIRM, {"r": registration.id, "t": link_stamp(registration),
                                 "due": due.isoformat()}, single_use=True,
                       language=registration.owner.language)
    return _message(
        registration,
        "confirmation_due",
        _l("Please confirm your Camera Registry details"),
        confirm_link=confirm,
        link=manage_link(registration),
        due=due,
    )


def queue(message: Message | None, kind: str, registration: Registration) -> OutboxMessage | None:
    """Write the message to the outbox in the caller's transaction (None when there is no address)."""
    if message is None or not message.to:
        return None
    return outbox.queue(kind, message.to, message.subject, message.text,
                        about=("registration", registration.id))


def deliver_now(queued: OutboxMessage | None) -> bool:
    """After the commit: try the queued messages now; True when this one was delivered (one the
    mail server did not take stays in the outbox and is retried automatically)."""
    delivered = outbox.deliver_pending().sent
    if queued is not None and queued.id not in delivered:
        log.warning("portal email queued, not delivered yet (outbox message %s)", queued.id)
        return False
    return queued is not None
