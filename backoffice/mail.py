"""Sending email through the configured SMTP server (MAIL_SERVER, MAIL_PORT)."""
import logging
import smtplib
from email.message import EmailMessage

from email_validator import EmailNotValidError, validate_email
from flask import current_app

log = logging.getLogger(__name__)


class MailError(RuntimeError):
    """The SMTP server could not be reached or refused the message.

    `reason` names the failure without personal data: the exception class and SMTP code.
    """

    def __init__(self, message: str, reason: str = "MailError", permanent: bool = False):
        super().__init__(message)
        self.reason = reason
        self.permanent = permanent  # the server refused for good (5xx): trying again cannot help


def is_permanent(exc: BaseException) -> bool:
    """True for a refusal no retry can change: every recipient refused, or a 5xx reply
    (RFC 5321 §4.2.1: 5yz is a permanent negative completion reply)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _text in exc.recipients.values())
    code = getattr(exc, "smtp_code", None)
    return isinstance(code, int) and 500 <= code < 600


def failure_reason(exc: BaseException) -> str:
    """The exception class and SMTP code of a failure: never the text (it may hold an address)."""
    code = getattr(exc, "smtp_code", None)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):  # one code per refused recipient
        code = ",".join(str(c) for c in sorted({c for c, _text in exc.recipients.values()}))
    return f"{type(exc).__name__} {code}" if code else type(exc).__name__


def deliverable_address(address: str) -> str:
    """The address as any SMTP server takes it: an internationalised domain in its ASCII
    (IDNA) form. An address whose mailbox name is not ASCII stays as it is (SMTPUTF8)."""
    try:
        checked = validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return address
    return checked.ascii_email or checked.normalized


def send_mail(
    to: str,
    subject: str,
    text: str,
    *,
    html: str | None = None,
    attachments: tuple[tuple[str, str, bytes], ...] = (),
    message_id: str | None = None,
) -> None:
    """Send one message; attachments are (file name, MIME type, bytes). Raises MailError."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = deliverable_address(to)
    message["Subject"] = subject
    if message_id:
        message["Message-ID"] = message_id
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    for file_name, mime_type, data in attachments:
        maintype, subtype = mime_type.split("/", 1)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=file_name)
    server, port = current_app.config["MAIL_SERVER"], int(current_app.config["MAIL_PORT"])
    try:
        with smtplib.SMTP(server, port, timeout=15) as smtp:
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        # The address is personal data: log the failure, not the recipient.
        log.warning("mail to one recipient failed: %s", type(exc).__name__)
        raise MailError(str(exc), failure_reason(exc), is_permanent(exc)) from exc
