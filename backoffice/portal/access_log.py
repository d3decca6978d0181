"""An owner's view of the audit log: which agency accessed their registration, when and why."""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select

from ..extensions import db
from ..models import Agency, AuditEvent, Camera, FootageRequest, Owner, Registration

# Our own bookkeeping (the owner's and Registry Staff's steps) is not an access by an agency.
OWN_PREFIXES = ("portal.", "review.", "lifecycle.")
# What an agency did, in the owner's words (and language); never the stored action code.
WHAT = {
    "owner.reveal": _l("Looked up your contact details"),
    "footage_request.open": _l("Opened a request for your footage"),
    "footage_request.contact_owner": _l("Noted that they contacted you"),
    "footage_request.record_consent": _l("Noted your consent"),
    "footage_request.record_refusal": _l("Noted that you declined"),
    "footage_request.mark_no_response": _l("Noted that you did not answer"),
    "footage_request.collect": _l("Collected a copy of your footage"),
    "footage_request.upload_link": _l("Sent you a link to upload footage"),
    "footage_request.request_release": _l("Asked to release your footage"),
    "footage_request.approve_release": _l("Approved the release of your footage"),
    "footage_request.deny_release": _l("Refused the release of your footage"),
    "footage_request.close": _l("Closed the request for your footage"),
    "area_request.ask": _l("Asked whether your cameras recorded something near an incident"),
    "area_request.remind": _l("Reminded you of their question about your cameras"),
    "area_request.answer": _l("Received your answer about your cameras"),
    "area_request.answer_recorded": _l("Recorded the answer you gave about your cameras"),
    "footage_request.cancel": _l("Cancelled the request for your footage"),
    "snapshot.view": _l("Looked at the picture of what your camera sees"),
    "snapshot.add": _l("Attached a picture of what your camera sees"),
    "snapshot.remove": _l("Removed the picture of what your camera sees"),
}
# An action not listed above still reads as words, by what it was about.
WHAT_ABOUT = {
    "owner": _l("Looked at your contact details"),
    "registration": _l("Looked at your registration"),
    "footage_request": _l("Worked on a request for your footage"),
}


@dataclass
class AccessEntry:
    """One line of the access log: no officer names, no case details beyond the purpose."""

    at: datetime
    agency: str
    action: str
    purpose: str | None


def describe(action: str, object_type: str) -> str:
    """An audit action in the owner's words, in the page's language."""
    return str(WHAT.get(action) or WHAT_ABOUT.get(object_type) or WHAT_ABOUT["registration"])


def entries(registration: Registration) -> list[AccessEntry]:
    """Accesses by law-enforcement users to the registration, its owner and its footage requests.

    Only events since the registration (and its owner) existed: a number freed by a deleted
    registration may be given again (SQLite reuses the highest), and its history is not the
    new owner's.
    """
    request_ids = select(FootageRequest.id).where(FootageRequest.registration_id == registration.id)
    camera_ids = select(Camera.id).where(Camera.registration_id == registration.id)
    owner_since = select(Owner.created_at).where(Owner.id == registration.owner_id).scalar_subquery()
    since = registration.created_at
    about = or_(
        and_(AuditEvent.object_type == "registration", AuditEvent.object_id == registration.id,
             AuditEvent.at >= since),
        and_(AuditEvent.object_type == "owner", AuditEvent.object_id == registration.owner_id,
             AuditEvent.at >= owner_since),
        and_(AuditEvent.object_type == "footage_request", AuditEvent.object_id.in_(request_ids),
             AuditEvent.at >= since),
        # Of a camera, what was done with its picture (looked at, attached, removed).
        and_(AuditEvent.object_type == "camera", AuditEvent.object_id.in_(camera_ids),
             AuditEvent.action.like("snapshot.%"), AuditEvent.at >= since),
    )
    rows = db.session.execute(
        select(AuditEvent.at, Agency.name, AuditEvent.action, AuditEvent.object_type, AuditEvent.purpose)
        .join(Agency, Agency.id == AuditEvent.agency_id)
        .where(about, *[AuditEvent.action.not_like(f"{p}%") for p in OWN_PREFIXES])
        .order_by(AuditEvent.at.desc())
    )
    return [AccessEntry(at, agency, describe(action, kind), purpose) for at, agency, action, kind, purpose in rows]
