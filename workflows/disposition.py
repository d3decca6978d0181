"""Evidence retention and disposition: what may be disposed of, legal holds, and disposal.

The rule (decided here, one place):
- A case's evidence is kept for its incident type's retention period (RetentionRule, in
  days; DEFAULT_RETENTION_DAYS when the type has no rule), counted from the moment the last of
  the case's footage requests reached a final state (closed or cancelled). While any request
  of the case is not final, nothing of it is due.
- A case on legal hold keeps everything, whatever the dates.
- Nothing is disposed of automatically: the disposition list shows supervisors what is due,
  and a supervisor's disposal (with a reason) removes the stored copy. The evidence item's
  row, its SHA-256 and its custody log stay, with a `disposed` custody entry and an
  `evidence_item.disposed` audit event; the owner's receipt link then says the copy was
  disposed of and when.

Commands raise RequestNotFound (another agency's or no such record), TriggerForbidden (not a
supervisor) and InvalidInput (no reason, an item not due or on hold).
"""
import logging
from dataclasses import dataclass
from functools import partial
from datetime import datetime, timedelta, timezone
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from backoffice import audit, scoping
from backoffice.domain import FINAL_STATES
from backoffice.evidence_files import stored_path
from backoffice.extensions import db
from backoffice.localtime import utcnow
from backoffice.models import Case, CustodyEvent, EvidenceItem, FootageRequest, RequestTransition, RetentionRule
from backoffice.security import security_manager
from backoffice.security.roles import DISPOSE_EVIDENCE, PLACE_LEGAL_HOLD

from .errors import InvalidInput, RequestNotFound, TriggerForbidden
from .transaction import command

log = logging.getLogger(__name__)

# The permissions behind these commands (declared in backoffice/security/roles.py).
MAX_REASON = 2000


def _reason(text: str | None, what: str) -> str:
    reason = text.strip() if isinstance(text, str) else ""
    if not reason:
        raise InvalidInput(f"Say why {what} (the reason is kept in the audit log).", field="reason")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"Keep the reason under {MAX_REASON:,} characters.", field="reason")
    return reason


def retention_days(incident_type: str | None) -> int:
    """Days evidence of this incident type is kept after the case's requests are final."""
    rule = db.session.get(RetentionRule, (incident_type or "").strip().lower())
    return rule.retain_days if rule else int(current_app.config["DEFAULT_RETENTION_DAYS"])


@dataclass
class Retention:
    """Where a case stands: `concluded_at` (UTC) is when its last request became final, None
    while any is still open; `due_at` when its evidence may be disposed of."""

    case: Case
    days: int
    concluded_at: datetime | None
    due_at: datetime | None
    has_requests: bool = True  # False: nothing asked yet, so nothing kept and nothing open

    @property
    def on_hold(self) -> bool:
        return bool(self.case.legal_hold)

    def disposable(self, now: datetime) -> bool:
        return not self.on_hold and self.due_at is not None and self.due_at <= now


def _concluded(case_ids: list[int]) -> dict[int, datetime | None]:
    """For each case: when its last request reached a final state; None if any is not final
    (or it has none)."""
    if not case_ids:
        return {}
    open_cases = set(db.session.scalars(
        select(FootageRequest.case_id).where(FootageRequest.case_id.in_(case_ids),
                                             FootageRequest.state.not_in(FINAL_STATES))))
    last = dict(db.session.execute(
        select(FootageRequest.case_id, func.max(RequestTransition.at))
        .join(RequestTransition, RequestTransition.footage_request_id == FootageRequest.id)
        .where(FootageRequest.case_id.in_(case_ids), RequestTransition.to_state.in_(FINAL_STATES))
        .group_by(FootageRequest.case_id)).all())
    return {case_id: None if case_id in open_cases else last.get(case_id) for case_id in case_ids}


def _instant(value) -> datetime | None:
    """An instant read by an aggregate (SQLite hands back the stored text), as aware UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value


def retention_of(case: Case) -> Retention:
    """One case's retention."""
    days = retention_days(case.incident_type)
    concluded = _instant(_concluded([case.id]).get(case.id))
    asked = concluded is not None or db.session.scalar(
        select(FootageRequest.id).where(FootageRequest.case_id == case.id).limit(1)) is not None
    return Retention(case, days, concluded, concluded + timedelta(days=days) if concluded else None, asked)


@dataclass
class DueItem:
    """An evidence item whose case's retention has ended (its case not on hold)."""

    item: EvidenceItem
    retention: Retention


def disposition_list(user, now: datetime | None = None, limit: int = 500) -> list[DueItem]:
    """Evidence items of the user's agency that may be disposed of now, oldest due first: the
    stored copy kept, the case's requests all final, its retention ended, no legal hold."""
    now = now or utcnow()
    query = scoping.scope_to_agency(
        select(EvidenceItem).join(FootageRequest, FootageRequest.id == EvidenceItem.footage_request_id)
        .join(Case, Case.id == FootageRequest.case_id)
        .where(EvidenceItem.disposed_at.is_(None), Case.legal_hold.is_(False))
        .order_by(EvidenceItem.collected_at), EvidenceItem, user)
    items = list(db.session.scalars(query))
    cases = {item.footage_request.case.id: item.footage_request.case for item in items}
    concluded = _concluded(list(cases))
    rules = {rule.incident_type: rule.retain_days for rule in db.session.scalars(select(RetentionRule))}
    default = int(current_app.config["DEFAULT_RETENTION_DAYS"])
    due: list[DueItem] = []
    for item in items:
        case = item.footage_request.case
        days = rules.get((case.incident_type or "").strip().lower(), default)
        ended = _instant(concluded.get(case.id))
        retention = Retention(case, days, ended, ended + timedelta(days=days) if ended else None)
        if retention.disposable(now):
            due.append(DueItem(item, retention))
    due.sort(key=lambda entry: (entry.retention.due_at, entry.item.id))
    return due[:limit]


def set_legal_hold(case_id: int, user, hold: bool, reason: str | None) -> Case:
    """Put a case on legal hold or lift it, with a reason; audited (`case.legal_hold` /
    `case.legal_hold_lifted`); commits."""
    reason = _reason(reason, "the hold is placed" if hold else "the hold is lifted")
    with command():
        case = scoping.scoped_get(Case, case_id, user,
                                  lambda: RequestNotFound(f"Case {case_id} was not found."),
                                  populate_existing=True)
        if not security_manager().may(user, PLACE_LEGAL_HOLD):
            raise TriggerForbidden("Only supervisors may place or lift a legal hold.")
        if bool(case.legal_hold) == hold:
            raise InvalidInput("The case is already on legal hold." if hold
                               else "The case is not on legal hold.", field="hold")
        case.legal_hold = hold
        case.legal_hold_reason = reason if hold else None
        case.legal_hold_at = utcnow() if hold else None
        audit.record("case.legal_hold" if hold else "case.legal_hold_lifted", user=user,
                     object_type="case", object_id=case.id, purpose=case.case_number,
                     detail={"reason": reason})
    return case


def _item_not_found(item_id: int) -> RequestNotFound:
    return RequestNotFound(f"Evidence item {item_id} was not found.")


def dispose(item_ids: list[int], user, reason: str | None, now: datetime | None = None) -> list[int]:
    """Dispose of evidence items due for disposal (all or none): each is marked disposed with
    the reason, gets a `disposed` custody entry and an `evidence_item.disposed` audit event,
    and once that is committed its stored copy is deleted. Returns the ids disposed of."""
    reason = _reason(reason, "the evidence is disposed of")
    if not item_ids:
        raise InvalidInput("Choose at least one evidence item to dispose of.", field="items")
    now = now or utcnow()
    with command():
        if not security_manager().may(user, DISPOSE_EVIDENCE):
            raise TriggerForbidden("Only supervisors may dispose of evidence.")
        due = {entry.item.id: entry for entry in disposition_list(user, now, limit=100_000)}
        paths: list[Path] = []
        for item_id in dict.fromkeys(item_ids):
            item = scoping.scoped_get(EvidenceItem, item_id, user,
                                      partial(_item_not_found, item_id))
            if item.id not in due:
                raise InvalidInput(
                    f"Evidence item {item.id} is not due for disposal (already disposed of, its case "
                    "still open or on legal hold, or its retention not yet ended).", field="items")
            item.disposed_at, item.disposal_reason = now, reason
            db.session.add(CustodyEvent(evidence_item_id=item.id, action="disposed", actor_id=user.id,
                                        at=now, note=reason))
            case = item.footage_request.case
            audit.record("evidence_item.disposed", user=user, object_type="evidence_item",
                         object_id=item.id, purpose=case.case_number,
                         detail={"reason": reason, "sha256": item.sha256,
                                 "retention_days": due[item.id].retention.days})
            paths.append(stored_path(item.storage_location))
    for path in paths:  # only once the record of the disposal is committed
        try:
            path.unlink(missing_ok=True)
        except OSError as error:  # the record stands; the file is found by the fixity check
            log.error("disposed evidence file %s could not be deleted: %s", path.name, error)
    return list(dict.fromkeys(item_ids))
