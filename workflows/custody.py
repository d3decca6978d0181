"""The chain of custody of evidence items: who had each copy, when, and why.

Every entry is a CustodyEvent: `collected` when a copy is taken in (workflows.evidence),
`released` for each item of a request whose release is approved (workflows.footage_request),
and the entries an investigator records by hand (MANUAL_CUSTODY_ACTIONS). Where the files are
kept is backoffice.evidence_files; this module never touches them.
"""
from datetime import datetime

from sqlalchemy import select

from backoffice import audit, scoping
from backoffice.extensions import db
from backoffice.labels import words
from backoffice.localtime import utcnow
from backoffice.models import CustodyEvent, EvidenceItem, FootageRequest
from backoffice.security import security_manager
from backoffice.security.roles import ACT_AS_INVESTIGATOR

from .errors import InvalidInput, RequestNotFound, TriggerForbidden
from .transaction import command

# `collected` is written by intake and `released` by an approved release; these are recorded by hand.
MANUAL_CUSTODY_ACTIONS = ("transferred", "checked_out", "checked_in", "released")


def load_item(item_id: int, user) -> EvidenceItem:
    """An evidence item of the user's agency, else RequestNotFound."""
    return scoping.scoped_get(EvidenceItem, item_id, user,
                              lambda: RequestNotFound(f"Evidence item {item_id} was not found."))


def chain(item: EvidenceItem) -> list[CustodyEvent]:
    """An item's custody entries in order (by time, then as recorded)."""
    return list(db.session.scalars(
        select(CustodyEvent)
        .where(CustodyEvent.evidence_item_id == item.id)
        .order_by(CustodyEvent.at, CustodyEvent.id)
    ))


def record_collected(item: EvidenceItem, user, at: datetime, *, via: str) -> None:
    """The first entry of a copy just taken in (in the intake's transaction)."""
    db.session.add(CustodyEvent(
        evidence_item_id=item.id,
        action="collected",
        actor_id=getattr(user, "id", None),
        at=at,
        note="uploaded by the owner" if via == "owner" else None,
    ))


def record_released(request: FootageRequest, user, at: datetime, override: str | None = None) -> None:
    """A `released` entry for every evidence item of a request whose release was approved, in
    the approval's transaction (with the supervisor's override reason when the owner had not
    consented)."""
    note = f"{words(request.release_kind, 'release_kind')}: {request.release_basis}"
    if request.court_order_ref:
        note += f" (order {request.court_order_ref})"
    if override:
        note += f"; override of the owner's consent: {override}"
    items = db.session.scalars(select(EvidenceItem).where(EvidenceItem.footage_request_id == request.id))
    for item in items:
        db.session.add(CustodyEvent(evidence_item_id=item.id, action="released", actor_id=user.id, at=at, note=note))


def record_custody(
    item_id: int, user, action: str | None, note: str | None, to: str | None = None
) -> CustodyEvent:
    """Add an entry by hand (who = user, when = now, why = note); commits."""
    with command():
        item = load_item(item_id, user)
        if not security_manager().may(user, ACT_AS_INVESTIGATOR):
            raise TriggerForbidden("Only investigators and supervisors may record custody.")
        if action not in MANUAL_CUSTODY_ACTIONS:
            raise InvalidInput(f"action must be one of: {', '.join(MANUAL_CUSTODY_ACTIONS)}.", field="action")
        note = note.strip() if isinstance(note, str) else ""
        if not note:
            raise InvalidInput("Say why (note) for the custody log.", field="note")
        to = to.strip() if isinstance(to, str) else ""
        if action == "transferred":
            if not to:
                raise InvalidInput("A transfer needs the person or unit it goes to: fill in “To whom”.", field="to")
            note = f"to {to}: {note}"
        event = CustodyEvent(evidence_item_id=item.id, action=action, actor_id=user.id, at=utcnow(), note=note)
        db.session.add(event)
        db.session.flush()
        audit.record(
            f"evidence_item.{action}",
            user=user,
            object_type="evidence_item",
            object_id=item.id,
            purpose=item.footage_request.case.case_number,
            detail={"note": note},
        )
    return event
