"""An owner's contact details, revealed to an investigator for a case (audited)."""
from __future__ import annotations

import json
from typing import Any, TypedDict

from sqlalchemy import select

from .. import audit
from ..database import end_read_transaction
from ..domain import CANVASS_SEARCH_ACTIONS, CONTACTABLE
from ..errors import NotFoundError
from ..extensions import db
from ..ids import as_id
from ..models import AuditEvent, Case, FootageRequest, Owner, Registration
from ..models.validation import MIN_WRITTEN_REASON, format_phone, written_reason
from .parse import CanvassParameterError
from .search import actor

MAX_JUSTIFICATION = 1000  # characters


class RegistrationNotFoundError(NotFoundError):
    """No such registration (HTTP 404)."""


class OwnerContact(TypedDict):
    """The contact details shown to an investigator."""

    registration_id: int
    owner_id: int
    name: str
    organisation: str | None
    email: str | None
    phone: str | None
    preferred_contact: str | None
    language: str | None
    address: str


def returned_for_case(case_id: int, registration_id: int) -> bool:
    """True when a recorded search of the case (around a point or along a route) returned the
    registration, or the case has a footage request for it."""
    return registration_id in returned_ids_for_case(case_id)


def returned_ids_for_case(case_id: int) -> set[int]:
    """The registrations the case's recorded searches (around a point or along a route)
    returned, and those it has footage requests for: whose owners may be contacted for it."""
    requested = set(db.session.scalars(
        select(FootageRequest.registration_id).where(FootageRequest.case_id == case_id)))
    searches = db.session.execute(
        select(AuditEvent.detail).where(
            AuditEvent.action.in_(CANVASS_SEARCH_ACTIONS),
            AuditEvent.object_type == "case",
            AuditEvent.object_id == case_id,
            # not the searches of a deleted case that had the same number
            AuditEvent.at >= select(Case.created_at).where(Case.id == case_id).scalar_subquery(),
        )
    ).scalars()
    found = {number for detail in searches
             for number in json.loads(detail or "{}").get("registration_ids", ())}
    return requested | found


def _justification(value: Any, case_number: str) -> str:
    """The written reason for a reveal no search of the case supports; 400 when missing."""
    text = written_reason(value)
    if not text:
        raise CanvassParameterError(
            f"justification is required: no search of case {case_number} returned this registration "
            "and the case has no footage request for it; say in a sentence (at least "
            f"{MIN_WRITTEN_REASON} characters) why you need the owner's contact",
            field="justification",
        )
    if len(text) > MAX_JUSTIFICATION:
        raise CanvassParameterError(
            f"justification must be at most {MAX_JUSTIFICATION} characters", field="justification"
        )
    return text


def owner_contact(
    case: Case, registration_id: Any, user, justification: Any = None
) -> OwnerContact:
    """The owner's contact details for one registration, read for a case (audited, commits).

    Without a search of the case that returned the registration (or a footage request of the
    case for it) a written justification is required, and the reveal is flagged as justified.

    Raises:
        CanvassParameterError: registration_id is not a number, or the justification needed is
            missing or too long.
        RegistrationNotFoundError: no active registration with this id.
    """
    try:
        if isinstance(registration_id, (bool, float)):
            raise TypeError(registration_id)
        number = int(registration_id)
    except (TypeError, ValueError, OverflowError):
        raise CanvassParameterError("registration_id must be a number", field="registration_id") from None
    if as_id(number) is None:
        raise RegistrationNotFoundError(f"no active registration {number}")
    row = db.session.execute(
        select(Registration, Owner)
        .join(Owner, Owner.id == Registration.owner_id)
        .where(Registration.id == number, Registration.status.in_(CONTACTABLE))
    ).one_or_none()
    if row is None:
        # Owners who withdrew, or whose registration lapsed or is unverified, are not canvassed.
        raise RegistrationNotFoundError(f"no active registration {number}")
    user = actor(user)
    registration, owner = row
    details = contact_fields(registration, owner)
    owner_id, case_number, case_id = owner.id, case.case_number, case.id
    detail: dict[str, Any] = {"registration_id": details["registration_id"], "case_id": case_id}
    action = "owner.reveal"
    if not returned_for_case(case_id, number):
        action = "owner.reveal_justified"
        detail["justification"] = _justification(justification, case_number)
    end_read_transaction(db.session)
    audit.record(
        action,
        user=user,
        object_type="owner",
        object_id=owner_id,
        purpose=case_number,
        detail=detail,
    )
    db.session.commit()
    return details


def contact_fields(registration: Registration, owner: Owner) -> OwnerContact:
    """The contact details shown to an investigator."""
    return OwnerContact(
        registration_id=registration.id,
        owner_id=owner.id,
        name=owner.name,
        organisation=owner.organisation,
        email=owner.email,
        phone=format_phone(owner.phone),
        preferred_contact=owner.preferred_contact,
        language=owner.language,
        address=f"{registration.address}, {registration.city}",
    )
