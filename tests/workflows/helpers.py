"""Building footage requests in any state, with the facts their guards need."""
import hashlib

from backoffice.extensions import db
from backoffice.models import ContactAttempt, CustodyEvent, EvidenceItem
from tests import factories
from workflows.declarations import DeclarationForm

# trigger -> (state to start from, guard data that satisfies it)
READY = {
    "contact_owner": ("open", {"method": "phone", "note": "left a voicemail"}),
    "record_consent": ("contacted", {"given_by": "Pat Owner", "method": "written", "scope": "evidence_only"}),
    "record_refusal": ("contacted", {"reason": "owner does not want to be involved"}),
    "mark_no_response": ("contacted", {}),
    "collect": ("consented", {}),
    "request_release": ("collected", {"kind": "agency_share", "basis": "joint investigation with BPD"}),
    "approve_release": ("release_pending", {}),
    "deny_release": ("release_pending", {"reason": "not needed yet"}),
    "close": ("collected", {}),
    "cancel": ("open", {"reason": "suspect arrested"}),
}


# What an owner's upload page sends for the declaration, when a test is not about it.
DECLARATION_FIELDS = {"clock_reading": "2026-12-01T10:41:05", "unaltered": "1", "consent_scope": "media_release"}


def declaration_for(request, **changes) -> DeclarationForm:
    """An owner's declaration that keeps the request's consent as it is (no narrowing)."""
    fields = {"clock_reading": "2026-12-01T10:41:05", "unaltered": True,
              "consent_scope": request.consent_scope or "evidence_only", **changes}
    return DeclarationForm(**fields)


def add_evidence_row(request, user, content: bytes = b"footage", name: str = "cam1.mp4"):
    """An evidence item row (no file) with its collected custody entry."""
    item = EvidenceItem(
        footage_request_id=request.id,
        description="front door camera, 14:00-15:00",
        file_name=name,
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        collected_by_id=user.id,
        storage_location=f"{request.id}/{name}",
        clock_offset_s=-42,
    )
    db.session.add(item)
    db.session.flush()
    db.session.add(CustodyEvent(evidence_item_id=item.id, action="collected", actor_id=user.id))
    db.session.flush()
    return item


def request_in(state: str, *, agency_index: int = 0, evidence: bool = True, **fields):
    """A footage request put directly into `state`, with an attempt, evidence and a release requester."""
    inv = factories.user("investigator" if agency_index == 0 else "investigator2")
    case = factories.case(agency_index)
    request = factories.footage_request(case, state=state, assignee_id=inv.id, **fields)
    if state != "open":
        db.session.add(ContactAttempt(footage_request_id=request.id, method="phone", by_id=inv.id))
    if state in ("consented", "collected", "release_pending", "released"):
        request.consent_given_by, request.consent_method = "Pat Owner", "written"
        request.consent_scope = "media_release"
    if evidence and state in ("consented", "collected", "release_pending", "released"):
        add_evidence_row(request, inv)
    if state in ("release_pending", "released"):
        request.release_kind, request.release_basis = "media_public", "identify the suspect"
        request.release_requested_by_id = inv.id
    db.session.commit()  # commands own their transaction: a refusal rolls back to here
    return request


def searched(case, *registrations, user=None) -> None:
    """A recorded canvass search of the case that found these registrations (the audit event
    the map's search writes), so that their owners may be contacted or asked for the case."""
    from backoffice import audit

    audit.record("canvass.search", user=user or factories.user("investigator"), object_type="case",
                 object_id=case.id, purpose=case.case_number,
                 detail={"registration_ids": sorted(r.id for r in registrations)})
    db.session.flush()
