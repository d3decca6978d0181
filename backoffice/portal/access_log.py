"""An owner's view of the audit log: which agency accessed their registration, when and why."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select

from ..extensions import db
from ..models import Agency, AuditEvent, FootageRequest, Registration

# Our own bookkeeping (the owner's and Registry Staff's steps) is not an access by an agency.
OWN_PREFIXES = ("portal.", "review.", "lifecycle.")


@dataclass
class AccessEntry:
    """One line of the access log: no officer names, no case details beyond the purpose."""

    at: datetime
    agency: str
    action: str
    purpose: str | None


def _describe(action: str) -> str:
    """An audit action in plain words."""
    return action.replace(".", " ").replace("_", " ").strip().capitalize()


def entries(registration: Registration) -> list[AccessEntry]:
    """Accesses by law-enforcement users to the registration, its owner and its footage requests."""
    request_ids = select(FootageRequest.id).where(FootageRequest.registration_id == registration.id)
    about = or_(
        and_(AuditEvent.object_type == "registration", AuditEvent.object_id == registration.id),
        and_(AuditEvent.object_type == "owner", AuditEvent.object_id == registration.owner_id),
        and_(AuditEvent.object_type == "footage_request", AuditEvent.object_id.in_(request_ids)),
    )
    rows = db.session.execute(
        select(AuditEvent.at, Agency.name, AuditEvent.action, AuditEvent.purpose)
        .join(Agency, Agency.id == AuditEvent.agency_id)
        .where(about, *[AuditEvent.action.not_like(f"{p}%") for p in OWN_PREFIXES])
        .order_by(AuditEvent.at.desc())
    )
    return [AccessEntry(at, agency, _describe(action), purpose) for at, agency, action, purpose in rows]
