"""What is waiting for someone: the rules behind each work list, stated once.

The list screens (Due for confirmation, Due within 24 h / 72 h, the approval queue), the
scheduled confirmation e-mails and each role's home page all ask these functions, so a count on
the home page and the list its link opens can never disagree.
"""
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.orm import aliased

from .domain import FOLLOWED_UP, WAITING_STATES  # WAITING_STATES: the lists filter by it
from .localtime import utcnow
from .models import AuditEvent, FootageRequest, Owner, Registration



def confirmation_due(today: date, statuses=FOLLOWED_UP) -> ColumnElement[bool]:
    """Registrations in `statuses` whose confirmation falls due within CONFIRMATION_LEAD_DAYS
    of `today` (a county-local date), or is overdue. Withdrawn and pending ones never are."""
    horizon = today + timedelta(days=current_app.config["CONFIRMATION_LEAD_DAYS"])
    return and_(
        Registration.status.in_(statuses),
        Registration.next_confirmation_due.is_not(None),
        Registration.next_confirmation_due <= horizon,
    )


# Owners reached by a call rather than an e-mail: no address, or they asked for phone or SMS.
CALLED_CONTACTS = ("phone", "sms")


def confirmation_by_phone(today: date) -> ColumnElement[bool]:
    """Active registrations due for confirmation whose owner has no e-mail address or prefers
    a call or a text: Registry Staff ring them (the e-mail run cannot reach them, or should
    not be the only way)."""
    owner = aliased(Owner)  # its own name: a list sorted by the owner's columns joins `owner`
    called = select(owner.id).where(
        or_(owner.email.is_(None), owner.email == "", owner.preferred_contact.in_(CALLED_CONTACTS))
    )
    return and_(confirmation_due(today, statuses=("active",)), Registration.owner_id.in_(called))


def confirmation_overdue(today: date) -> ColumnElement[bool]:
    """Followed-up registrations whose confirmation date has passed."""
    return and_(
        Registration.status.in_(FOLLOWED_UP),
        Registration.next_confirmation_due < today,
    )


def footage_due_within(hours: int) -> ColumnElement[bool]:
    """Requests still waiting for footage whose deadline falls within `hours` from now, or has
    passed (the footage may already be overwritten: the most urgent of all)."""
    return and_(
        FootageRequest.deadline.is_not(None),
        FootageRequest.deadline <= utcnow() + timedelta(hours=int(hours)),
        FootageRequest.state.in_(WAITING_STATES),
    )


def release_waiting() -> ColumnElement[bool]:
    """Release requests waiting for a supervisor's decision."""
    return FootageRequest.state == "release_pending"


# How far back the approval queue lists contacts shown without a search, for the supervisor.
JUSTIFIED_REVEAL_DAYS = 30


def justified_reveals(agency_id: int | None, *, county_wide: bool = False) -> ColumnElement[bool]:
    """Owner contacts shown for a case no search of which returned them (each with its written
    justification) in the last JUSTIFIED_REVEAL_DAYS, by the agency's users (all for Admin)."""
    return and_(
        AuditEvent.action == "owner.reveal_justified",
        AuditEvent.at >= utcnow() - timedelta(days=JUSTIFIED_REVEAL_DAYS),
        true() if county_wide else AuditEvent.agency_id == agency_id,
    )
