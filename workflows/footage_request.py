"""Commands on footage requests: open one, fire a trigger, list what a user may fire now.

Each command validates (ability, agency, version, guard) before it changes anything, applies the
change with an optimistic-concurrency UPDATE, writes history and audit in the same
transaction (the e-mails it causes are queued in the outbox there too), commits, and only
then issues receipts and tries to deliver the e-mails.
"""
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Mapping

from sqlalchemy import func, select, update
from sqlalchemy.exc import DBAPIError

from backoffice import audit, outbox, scoping
from backoffice.database import is_conflict, retry_on_conflict
from backoffice.domain import CONCLUDED_STATES, CONTACTABLE
from backoffice.errors import InvalidInputError
from backoffice.extensions import db
from backoffice.labels import words
from backoffice.ids import as_id, get_by_id
from backoffice.models import (
    AgencyUser,
    AuditEvent,
    Camera,
    Case,
    ContactAttempt,
    EvidenceItem,
    FootageRequest,
    OutboxMessage,
    Registration,
    RequestTransition,
)
from backoffice.localtime import LocalTimeError, parse_instant, utcnow
from backoffice.models.validation import format_phone
from backoffice.security import security_manager
from backoffice.security.roles import ACT_AS_INVESTIGATOR

from . import custody
from .errors import (
    InvalidInput,
    RequestChanged,
    RequestNotFound,
    TransitionRefused,
    TriggerForbidden,
)
from .transaction import begin_command, command
from .machine import (
    INVESTIGATOR,
    RULES_BY_TRIGGER,
    TRIGGERS,
    Facts,
    State,
    ability_for,
    move,
    needs_override,
    possible_now,
    release_grounds,
    triggers_from,
)

log = logging.getLogger(__name__)



def load_request(request_id: int, user) -> FootageRequest:
    """The request if the user's agency may see it, else RequestNotFound (also for a number
    that cannot be an id)."""
    return scoping.scoped_get(
        FootageRequest, request_id, user, lambda: RequestNotFound(f"Footage request {request_id} was not found."),
        populate_existing=True,
    )


def deadline_for(window_from: datetime, cameras: list[Camera]) -> datetime | None:
    """When footage starts being overwritten: window start + the shortest retention asked for.

    The camera that keeps footage the shortest loses it first; collecting after that date
    loses that camera's copy, so the request is due then.
    """
    if not cameras:
        return None
    return window_from + timedelta(days=min(camera.retention_days for camera in cameras))


def _facts(request: FootageRequest, user, data: Mapping[str, Any]) -> Facts:
    """Everything the guards need, read from the database once."""
    attempts = db.session.scalar(
        select(func.count()).select_from(ContactAttempt).where(
            ContactAttempt.footage_request_id == request.id
        )
    )
    evidence = db.session.scalar(
        select(func.count()).select_from(EvidenceItem).where(
            EvidenceItem.footage_request_id == request.id, EvidenceItem.sha256.is_not(None)
        )
    )
    return Facts(
        state=request.state,
        data=data,
        actor_id=getattr(user, "id", None),
        contact_attempts=attempts or 0,
        hashed_evidence=evidence or 0,
        release_requested_by_id=request.release_requested_by_id,
        consent_scope=request.consent_scope,
        release_kind=request.release_kind,
    )


def available_triggers(request: FootageRequest, user) -> list[str]:
    """Triggers this user may fire now (guards that need form data are checked on submit)."""
    security = security_manager()
    return [trigger for trigger in possible_now(_facts(request, user, {}))
            if security.may(user, ability_for(trigger))]


@dataclass
class Outcome:
    """What a fired trigger did, and what must happen once it is committed."""

    request_id: int
    trigger: str
    from_state: str
    state: str
    version: int
    after_commit: list[Callable[[], object]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def _note(trigger: str, data: Mapping[str, Any]) -> str | None:
    """The history note for a trigger: its reason, note or basis."""
    parts = [
        str(data[key]).strip()
        for key in ("reason", "note", "basis", "court_order_ref")
        if isinstance(data.get(key), str) and data[key].strip()
    ]
    if trigger == "request_release":
        parts.insert(0, words(str(data.get("kind")), "release_kind"))
    return " — ".join(parts) or None


def _release_note(request: FootageRequest, data: Mapping[str, Any]) -> str:
    """The history note of an approved release: what it rests on, with an override's reason."""
    grounds = release_grounds(request.consent_scope, request.release_kind, _override(request, data) or "")
    text = words(grounds, "release_grounds")
    return f"{text}: {_override(request, data)}" if grounds == "override" else text


def release_record(request: FootageRequest) -> dict[str, Any] | None:
    """How the request's release was approved: {"grounds", "override_reason"?} from the audit
    event of the approval, or None when it was not approved."""
    if request.release_decision != "approved":
        return None
    detail = db.session.scalar(
        select(AuditEvent.detail)
        .where(AuditEvent.action == "footage_request.approve_release", AuditEvent.object_id == request.id,
               AuditEvent.at >= request.created_at)  # not a deleted request's that had its number
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    found = json.loads(detail or "{}")
    grounds = found.get("grounds") or release_grounds(request.consent_scope, request.release_kind, "")
    return {"grounds": grounds or "consent", "override_reason": found.get("override_reason")}


def _override(request: FootageRequest, data: Mapping[str, Any]) -> str | None:
    """The supervisor's override reason, kept only when the release needs one."""
    reason = data.get("override_reason")
    reason = reason.strip() if isinstance(reason, str) else ""
    return reason or None if needs_override(request.consent_scope, request.release_kind) else None


def _changes(trigger: str, request: FootageRequest, user, data: Mapping[str, Any], now) -> dict:
    """Column updates that go with the state change."""
    text = lambda key: (data.get(key) or "").strip() or None  # noqa: E731
    if trigger == "record_consent":
        return {
            "consent_given_by": text("given_by"),
            "consent_method": text("method"),
            "consent_scope": text("scope"),
            "consent_at": now,
        }
    if trigger == "collect":
        return {"receipt_issued_at": now}
    if trigger == "request_release":
        return {
            "release_kind": text("kind"),
            "release_basis": text("basis"),
            "court_order_ref": text("court_order_ref") if text("kind") == "court_order" else None,
            "release_requested_by_id": user.id,
            "release_decision": None,
            "release_decided_by_id": None,
            "release_decided_at": None,
        }
    if trigger in ("approve_release", "deny_release"):
        return {
            "release_decision": "approved" if trigger == "approve_release" else "denied",
            "release_decided_by_id": user.id,
            "release_decided_at": now,
        }
    return {}


def fire(
    request_id: int,
    trigger: str,
    user,
    version: int | str | None,  # a form sends it as text
    data: Mapping[str, Any] | None = None,
) -> Outcome:
    """Fire one trigger on one request for one user; commits, then runs side effects."""
    data = dict(data or {})
    if trigger not in TRIGGERS:
        raise RequestNotFound(f"There is no action called {trigger[:40]!r}.")
    if as_id(request_id) is None:
        raise RequestNotFound(f"Footage request {request_id} was not found.")
    def attempt() -> Outcome:
        try:
            applied = _apply(request_id, trigger, user, version, data)
            db.session.commit()
            return applied
        except BaseException:
            db.session.rollback()
            raise

    try:
        # SQLite refuses a write whose snapshot is stale, even when the other writer touched
        # another request: try again, and let the version check decide.
        outcome = retry_on_conflict(attempt)
    except DBAPIError as exc:
        if is_conflict(exc):
            raise RequestChanged() from None
        raise
    from .effects import NOT_DELIVERED, STAFF_NOTICES, EffectFailed  # effects reads documents, which read this module

    outcome.notices = [f"{text[:1].upper()}{text[1:]}." for text in outcome.notices]
    for effect in outcome.after_commit:
        try:
            effect()
        except EffectFailed as exc:  # the transition stands; say what did not happen
            text = str(exc)
            outcome.notices.append(f"{text[:1].upper()}{text[1:]}.")
        except Exception as exc:  # noqa: BLE001
            log.warning("after-commit step of %s failed: %s", trigger, type(exc).__name__)
            outcome.notices.append("The change is recorded, but a follow-up step (receipt or "
                                   "e-mail) did not complete: see the server log.")
    for outbox_id in outbox.deliver_pending().failed:
        kind = db.session.get(OutboxMessage, outbox_id).kind
        if kind in STAFF_NOTICES:  # the colleague's own news: on their home page anyway
            continue
        text = NOT_DELIVERED.get(kind, "an e-mail is queued but not delivered yet; it is retried automatically")
        outcome.notices.append(f"{text[:1].upper()}{text[1:]}.")
    return outcome


def _apply(request_id, trigger, user, version, data) -> Outcome:
    """Validate and change the request in a new transaction (no commit)."""
    begin_command(request_id)
    request = load_request(request_id, user)
    if not security_manager().may(user, ability_for(trigger)):
        who = "a supervisor" if RULES_BY_TRIGGER[trigger].who != INVESTIGATOR else "an investigator"
        raise TriggerForbidden(f"Only {who} may {trigger.replace('_', ' ')}.")
    if version is None:
        raise InvalidInput("version is required (the version of the request you are looking at).",
                           field="version")
    try:
        version = int(version)
    except (TypeError, ValueError, OverflowError):
        raise InvalidInput("version must be a whole number.", field="version") from None
    if version != request.version:
        raise RequestChanged()
    if trigger not in triggers_from(request.state):
        raise TransitionRefused(
            f"A request that is {request.state.replace('_', ' ')} cannot be "
            f"moved with {trigger.replace('_', ' ')}."
        )
    dest, refused = move(trigger, _facts(request, user, data))
    if dest is None:
        raise TransitionRefused(refused.message if refused else "This move is not allowed now.")

    now = utcnow()
    from_state = request.state
    values = {"state": dest.value, "version": version + 1, "updated_at": now}
    values.update(_changes(trigger, request, user, data, now))
    result = db.session.execute(
        update(FootageRequest)
        .where(FootageRequest.id == request.id, FootageRequest.version == version)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise RequestChanged()

    if trigger == "contact_owner":
        db.session.add(
            ContactAttempt(
                footage_request_id=request.id,
                method=data["method"].strip(),
                at=_when(data.get("at"), now, data.get("at__fold")),
                note=(data.get("note") or "").strip() or None,
                by_id=user.id,
            )
        )
    detail = {"from": from_state, "to": dest.value, "version": version + 1}
    note = _note(trigger, data)
    if trigger == "approve_release":
        override = _override(request, data)
        detail["grounds"] = release_grounds(request.consent_scope, request.release_kind, override or "")
        if override:
            detail["override_reason"] = override
        note = _release_note(request, data)
        custody.record_released(request, user, now, override)
    db.session.add(
        RequestTransition(
            footage_request_id=request.id,
            from_state=from_state,
            to_state=dest.value,
            trigger=trigger,
            actor_id=user.id,
            at=now,
            note=note,
        )
    )
    audit.record(
        f"footage_request.{trigger}",
        user=user,
        object_type="footage_request",
        object_id=request.id,
        purpose=request.case.case_number,
        detail=detail,
    )
    db.session.flush()
    outcome = Outcome(request.id, trigger, from_state, dest.value, version + 1)
    from . import effects

    db.session.refresh(request)  # the e-mails read the values the UPDATE above wrote
    outcome.notices.extend(effects.queue_messages(trigger, request))
    outcome.after_commit.extend(effects.after(trigger, request.id))
    return outcome


def _when(value, default: datetime, fold=None) -> datetime:
    """A contact attempt's time from ISO text (no offset: county time; `fold` "0" or "1"
    chooses the first or second of the fall-back night's repeated hour), else now."""
    if not value:
        return default
    if isinstance(value, datetime):
        return value
    try:
        when = parse_instant(str(value), {"0": 0, "1": 1}.get(str(fold)) if fold is not None else None)
    except LocalTimeError as error:
        raise InvalidInput(f"When you reached the owner: {error}", field="at") from None
    if when > default + timedelta(minutes=10):
        raise InvalidInput("When you reached the owner: a contact cannot be in the future.", field="at")
    return when


def open_request(user, **fields) -> FootageRequest:
    """Open a footage request for a case of the user's agency (see open_in_transaction); commits."""
    with command():
        return open_in_transaction(user, **fields)


# A window may end a little after the server's now (the clock of the browser it was typed in).
WINDOW_END_SLACK = timedelta(minutes=15)


def check_window_past(window_from: datetime, window_to: datetime,
                      refused: type[InvalidInputError] = InvalidInput) -> None:
    """`refused` naming the field when a footage window starts, or ends, in the future: no
    recorder holds footage of a time still to come, and an owner asked for it can only answer
    "nothing" or send the wrong file. The end may be up to WINDOW_END_SLACK ahead of now."""
    now = utcnow()
    if window_from > now:
        raise refused("The window starts in the future: no recorder has footage of that time yet.", field="window_from")
    if window_to > now + WINDOW_END_SLACK:
        raise refused("The window ends in the future: end it now at the latest.", field="window_to")


def open_in_transaction(
    user,
    *,
    case_id: int,
    registration_id: int,
    camera_ids: list[int] | None = None,
    window_from: datetime | None = None,
    window_to: datetime | None = None,
    assignee_id: int | None = None,
    at: datetime | None = None,
) -> FootageRequest:
    """open_request's work inside the caller's command() (for opening several at once); `at`:
    the instant it is opened, when the caller's later steps are stamped with it too."""
    if not security_manager().may(user, ACT_AS_INVESTIGATOR):
        raise TriggerForbidden("Only investigators and supervisors may open footage requests.")
    case = scoping.scoped_get(Case, case_id, user, lambda: RequestNotFound(f"Case {case_id} was not found."))
    registration = get_by_id(Registration, registration_id)
    if registration is None:
        raise InvalidInput(f"Registration {registration_id} was not found.", field="registration_id")
    if registration.status not in CONTACTABLE:
        raise TransitionRefused(
            f"Registration {registration_id} is {registration.status}; footage cannot be requested."
        )
    cameras = list(registration.cameras)
    if camera_ids:
        wanted = set(camera_ids)
        cameras = [camera for camera in cameras if camera.id in wanted]
        if len(cameras) != len(wanted):
            raise InvalidInput("camera_ids must be cameras of the registration.", field="camera_ids")
    if not cameras:
        raise InvalidInput("The registration has no cameras to request footage from.", field="registration_id")
    window_from = window_from or case.occurred_from
    window_to = window_to or case.occurred_to
    if window_to < window_from:
        raise InvalidInput("window_to must not be before window_from.", field="window_to")
    check_window_past(window_from, window_to)
    assignee = get_by_id(AgencyUser, assignee_id or user.id)
    if assignee is None or assignee.agency_id != case.agency_id:
        raise InvalidInput("The assignee must be a user of the case's agency.", field="assignee_id")
    assignee_id = assignee.id
    existing = db.session.scalar(
        select(FootageRequest.id).where(
            FootageRequest.case_id == case.id,
            FootageRequest.registration_id == registration.id,
            FootageRequest.state.not_in(CONCLUDED_STATES),
        )
    )
    if existing:
        raise TransitionRefused(
            f"Footage request {existing} already asks this registration for this case."
        )
    request = FootageRequest(
        case_id=case.id,
        registration_id=registration.id,
        window_from=window_from,
        window_to=window_to,
        state=State.open.value,
        assignee_id=assignee_id,
        deadline=deadline_for(window_from, cameras),
        version=1,
        created_by_id=user.id,
    )
    if at is not None:
        request.created_at = request.updated_at = at
    request.cameras = cameras
    db.session.add(request)
    db.session.flush()
    db.session.add(
        RequestTransition(
            footage_request_id=request.id,
            from_state="",
            to_state=State.open.value,
            trigger="open",
            actor_id=user.id,
            at=at or utcnow(),
            note=None,
        )
    )
    audit.record(
        "footage_request.open",
        user=user,
        object_type="footage_request",
        object_id=request.id,
        purpose=case.case_number,
        detail={"registration_id": registration.id, "cameras": [c.id for c in cameras]},
    )
    return request


def reveal_owner_contact(request_id: int, user) -> dict[str, str | None]:
    """The owner's contact details for a request's case; the read is audited; commits."""
    with command():
        request = load_request(request_id, user)
        if not security_manager().may(user, ACT_AS_INVESTIGATOR):
            raise TriggerForbidden("Only investigators and supervisors may see owner contact details.")
        owner = request.registration.owner
        audit.record(
            "owner.reveal",
            user=user,
            object_type="owner",
            object_id=owner.id,
            purpose=request.case.case_number,
            detail={"footage_request_id": request.id},
        )
    return {
        "name": owner.name,
        "organisation": owner.organisation,
        "email": owner.email,
        "phone": format_phone(owner.phone),
        "preferred_contact": owner.preferred_contact,
    }
