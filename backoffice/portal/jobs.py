"""Scheduled jobs over many registrations: annual confirmation emails, lapsing, purging."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable, Iterable

from flask import current_app
from sqlalchemy import func, select

from .. import audit
from ..extensions import db
from .. import outbox
from ..models import ConfirmationNotice, Registration, RegistrationLifecycle
from ..localtime import county_today, utcnow
from . import notify
from ..worklists import confirmation_by_phone, confirmation_due
from .records import is_held, lifecycle_of
from .services import remove_personal_data


@dataclass
class SendSummary:
    """What one confirmation run did."""

    sent: int = 0
    skipped: int = 0
    failed: int = 0
    to_call: int = 0  # due owners with no e-mail or who asked for a call: on the staff call list


def due_registrations(today: date) -> list[int]:
    """Ids of active registrations whose confirmation falls due within the lead time."""
    return list(
        db.session.execute(
            select(Registration.id)
            .where(confirmation_due(today, statuses=("active",)))
            .order_by(Registration.next_confirmation_due, Registration.id)
        ).scalars()
    )


def send_confirmation(registration_id: int) -> str:
    """Queue one registration's confirmation request once per due date and try it now: sent,
    skipped, or failed (queued, not delivered yet: the outbox retries it)."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.status != "active":
        return "skipped"
    due = registration.next_confirmation_due
    notice = db.session.execute(
        select(ConfirmationNotice).where(
            ConfirmationNotice.registration_id == registration_id,
            ConfirmationNotice.due_date == due,
        )
    ).scalar_one_or_none()
    if notice is not None and notice.sent_at is not None:
        return "skipped"
    if not registration.owner.email:
        return "skipped"
    if notice is None:
        notice = ConfirmationNotice(registration_id=registration_id, due_date=due, attempts=0)
        db.session.add(notice)
    notice.attempts += 1
    message = notify.queue(notify.confirmation_due(registration, due), "confirmation", registration)
    notice.sent_at, notice.last_error = utcnow(), None  # handed to the outbox, which retries it
    audit.record(
        "lifecycle.confirmation_sent",
        object_type="registration",
        object_id=registration_id,
        detail={"due": due.isoformat()},
    )
    db.session.commit()
    return "sent" if message is None or outbox.deliver_pending().sent else "failed"


def send_confirmations(
    today: date | None = None, ids: Iterable[int] | None = None, step: Callable[[], None] = lambda: None
) -> SendSummary:
    """Email every due registration not yet emailed for its due date (the outbox retries failures)."""
    today = today or county_today()
    summary = SendSummary()
    for registration_id in ids if ids is not None else due_registrations(today):
        outcome = send_confirmation(registration_id)
        setattr(summary, outcome, getattr(summary, outcome) + 1)
        step()
    summary.to_call = db.session.execute(
        select(func.count(Registration.id)).where(confirmation_by_phone(today))).scalar_one()
    return summary


@dataclass
class LapseSummary:
    """What one lapse run did."""

    lapsed: int = 0
    purged: int = 0
    held: int = 0
    removed_after_hold: int = 0
    unverified_deleted: int = 0
    messages_forgotten: int = 0  # finished e-mails whose address and text were cleared


def lapse_overdue(today: date) -> int:
    """Active registrations more than LAPSE_AFTER_DAYS past due become lapsed."""
    cutoff = today - timedelta(days=current_app.config["LAPSE_AFTER_DAYS"])
    overdue = db.session.execute(
        select(Registration).where(
            Registration.status == "active", Registration.next_confirmation_due < cutoff
        )
    ).scalars().all()
    now = utcnow()
    for registration in overdue:
        registration.status = "lapsed"
        lifecycle_of(registration).lapsed_at = now
        audit.record("lifecycle.lapsed", object_type="registration", object_id=registration.id)
    db.session.commit()
    return len(overdue)


def _remove_unless_held(registrations, summary: LapseSummary, counter: str) -> None:
    for registration in registrations:
        if is_held(registration.id):
            summary.held += 1
            continue
        remove_personal_data(registration)
        setattr(summary, counter, getattr(summary, counter) + 1)
    db.session.commit()


def lapse(today: date | None = None, now: datetime | None = None) -> LapseSummary:
    """Lapse overdue registrations, purge long-lapsed ones, finish withdrawals that were on hold."""
    today, now = today or county_today(), now or utcnow()
    summary = LapseSummary(lapsed=lapse_overdue(today))
    purge_before = now - timedelta(days=current_app.config["LAPSED_PURGE_DAYS"])
    long_lapsed = db.session.execute(
        select(Registration)
        .join(RegistrationLifecycle)
        .where(
            Registration.status == "lapsed",
            RegistrationLifecycle.lapsed_at < purge_before,
            RegistrationLifecycle.pii_removed_at.is_(None),
        )
    ).scalars().all()
    _remove_unless_held(long_lapsed, summary, "purged")
    on_hold = db.session.execute(
        select(Registration)
        .join(RegistrationLifecycle)
        .where(
            Registration.status == "withdrawn",
            RegistrationLifecycle.withdrawn_at.is_not(None),
            RegistrationLifecycle.pii_removed_at.is_(None),
        )
    ).scalars().all()
    _remove_unless_held(on_hold, summary, "removed_after_hold")
    summary.unverified_deleted = delete_unverified(now)
    summary.messages_forgotten = outbox.prune(current_app.config["OUTBOX_KEEP_DAYS"])
    db.session.commit()
    return summary


def delete_unverified(now: datetime) -> int:
    """Submissions whose email was never verified are deleted once their link has expired."""
    cutoff = now - timedelta(seconds=current_app.config["VERIFY_LINK_MAX_AGE_S"] + 24 * 3600)
    stale = db.session.execute(
        select(Registration)
        .join(RegistrationLifecycle)
        .where(
            Registration.status == "pending",
            RegistrationLifecycle.verified_at.is_(None),
            RegistrationLifecycle.submitted_at < cutoff,
        )
    ).scalars().all()
    for registration in stale:
        remove_personal_data(registration)
    db.session.commit()
    return len(stale)
