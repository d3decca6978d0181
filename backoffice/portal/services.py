"""The owner's lifecycle, one command per step; each command owns its transaction.

Emails are queued in the outbox with the change and tried after the commit (a mail failure
never undoes a decision; the outbox retries it). Expired, forged and
reused links raise TokenError / LinkUsedError with a message fit for the owner.
"""
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext
from sqlalchemy import select

from .. import audit, outbox
from ..database import begin_write
from ..domain import FOLLOWED_UP
from ..errors import ConflictError, NotFoundError
from ..extensions import db
from ..ids import get_by_id
from ..models import Camera, Owner, Registration, RegistrationLifecycle, footage_request_camera
from ..localtime import add_year, county_today, utcnow
from ..models.validation import FieldError, check_camera_placed, check_email, check_premises_placed
from ..tokens import TokenError
from . import notify
from .links import CONFIRM, MANAGE, VERIFY, check_unused, read_link, use_once
from .records import (
    current_terms,
    find_duplicate,
    is_held,
    is_referenced,
    lifecycle_of,
    link_stamp,
)

OWNER_FIELDS = ("kind", "name", "organisation", "email", "phone", "preferred_contact", "language")
PREMISES_FIELDS = ("address", "city", "state", "postal_code")
CAMERA_FIELDS = (
    "label",
    "overlooks",
    "direction_deg",
    "fov_deg",
    "range_m",
    "retention_days",
    "recording_mode",
    "system_type",
    "make_model",
)
OPTIONAL_CAMERA_FIELDS = ("direction_deg", "overlooks", "make_model")
REMOVED = "Removed"


class PortalError(ConflictError):
    """A step the registration's state does not allow (409); the message is shown as is."""


class RegistrationNotFoundError(NotFoundError):
    """No such registration (or it has been deleted)."""


@dataclass
class Submission:
    """What an owner typed on the registration form, already checked by the form."""

    owner: dict[str, Any]
    premises: dict[str, Any]
    lat: float
    lon: float
    cameras: list[dict[str, Any]]
    terms_version: str | None  # as the form sent it; checked against the current terms
    language: str = "en"


@dataclass
class SubmitResult:
    """What became of a submission: new, merged into a pending one, or already registered."""

    registration_id: int
    outcome: str  # "created" | "merged" | "already_registered"
    mail_sent: bool = True
    notes: list[str] = field(default_factory=list)


def _get(registration_id: int) -> Registration:
    registration = get_by_id(Registration, registration_id)
    if registration is None:
        raise RegistrationNotFoundError("This registration no longer exists.")
    return registration


def _apply_owner(owner: Owner, values: dict[str, Any]) -> None:
    for name in OWNER_FIELDS:
        if name not in values:
            continue
        value = values[name]
        if name in ("organisation", "phone") and not value:
            value = None
        setattr(owner, name, value)


def _apply_premises(registration: Registration, premises: dict[str, Any]) -> None:
    for name in PREMISES_FIELDS:
        if name in premises:
            value = premises[name]
            if name == "postal_code" and not value:
                value = None
            setattr(registration, name, value)


def _requested_camera_ids(registration: Registration) -> set[int]:
    """Cameras of this registration that a footage request asked for."""
    if registration.id is None:
        return set()
    rows = db.session.execute(
        select(footage_request_camera.c.camera_id)
        .join(Camera, Camera.id == footage_request_camera.c.camera_id)
        .where(Camera.registration_id == registration.id)
    )
    return {row[0] for row in rows}


def _apply_cameras(
    registration: Registration, cameras: list[dict[str, Any]], moved_from: tuple | None = None
) -> list[str]:
    """Make the registration's cameras match the list (matched by id); returns notes for the owner."""
    notes = []
    by_id = {camera.id: camera for camera in registration.cameras}
    kept = set()
    for values in cameras:
        camera_id = values.get("id")
        camera = by_id.get(camera_id) if camera_id else None
        if camera is None:
            camera = Camera()
            registration.cameras.append(camera)
        for name in CAMERA_FIELDS:
            if name in values and (values[name] is not None or name in OPTIONAL_CAMERA_FIELDS):
                setattr(camera, name, values[name])
        if camera.id is None or (moved_from and (camera.lat, camera.lon) == moved_from):
            # New cameras, and those standing at the premises, follow the premises pin.
            camera.set_location(registration.lat, registration.lon)
        kept.add(camera.id)
    requested = _requested_camera_ids(registration)
    for camera_id, camera in by_id.items():
        if camera_id in kept:
            continue
        if camera_id in requested:
            notes.append(gettext("“%(label)s” is part of a footage request and was kept.",
                                 label=camera.label))
            continue
        registration.cameras.remove(camera)
    return notes


def submit_registration(submission: Submission) -> SubmitResult:
    """Register an owner's premises and cameras, or merge a resubmission; emails the owner."""
    terms = current_terms()
    if submission.terms_version != terms.version:
        raise FieldError("accept_terms", "The terms have changed: please read and accept them again.")
    if not submission.cameras:
        raise FieldError("cameras", "Add at least one camera.")
    check_premises_placed(submission.lat, submission.lon)
    email = check_email(submission.owner.get("email"), required=True)
    owner_values = {**submission.owner, "email": email, "language": submission.language}
    premises = submission.premises
    audit.serialise()  # a double tap sends the same form twice at once: merge, never duplicate
    duplicate = find_duplicate(email, premises["address"], premises["city"], premises.get("postal_code"))
    now = utcnow()
    if duplicate is not None and duplicate.status in ("active", "lapsed"):
        # An unverified submission must not change approved data: the owner gets the link instead.
        audit.record("portal.resubmitted", object_type="registration", object_id=duplicate.id)
        queued = notify.queue(notify.already_registered(duplicate), "already_registered", duplicate)
        db.session.commit()
        sent = notify.deliver_now(queued)
        return SubmitResult(duplicate.id, "already_registered", sent)
    if duplicate is not None:
        registration, outcome = duplicate, "merged"
        lifecycle = lifecycle_of(registration)
        lifecycle.verified_at = None
    else:
        registration = Registration(owner=Owner(), status="pending")
        registration.lifecycle = RegistrationLifecycle(manage_key=1)
        outcome = "created"
        lifecycle = registration.lifecycle
    _apply_owner(registration.owner, owner_values)
    _apply_premises(registration, premises)
    registration.set_location(submission.lat, submission.lon)
    registration.terms_version = terms.version
    lifecycle.terms_accepted_at = now
    lifecycle.submitted_at = now
    db.session.add(registration)
    db.session.flush()
    notes = _apply_cameras(registration, [{**c, "id": None} for c in submission.cameras]
                           if outcome == "created" else _match_by_label(registration, submission.cameras))
    db.session.flush()
    audit.record(
        "portal.submitted",
        object_type="registration",
        object_id=registration.id,
        detail={"outcome": outcome, "cameras": len(submission.cameras), "terms": terms.version},
    )
    queued = notify.queue(notify.verification(registration), "verification", registration)
    db.session.commit()
    sent = notify.deliver_now(queued)
    return SubmitResult(registration.id, outcome, sent, notes)


def _match_by_label(registration: Registration, cameras: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Resubmitted cameras update the pending ones with the same label; the rest are new."""
    by_label = {c.label.strip().lower(): c.id for c in registration.cameras}
    return [{**c, "id": by_label.get((c.get("label") or "").strip().lower())} for c in cameras]


def _registration_for(registration_id, act: bool) -> Registration | None:
    """The registration a link is for; to act on it, taken in a write transaction and locked,
    so that a link pressed twice at once acts once and the second press finds it done."""
    if not act:
        return db.session.get(Registration, registration_id)
    begin_write(db.session)
    db.session.execute(select(Registration.id).where(Registration.id == registration_id).with_for_update())
    return db.session.get(Registration, registration_id, populate_existing=True)


def _linked(
    purpose: str, token: str, statuses: tuple[str, ...], *, act: bool = False
) -> tuple[Registration, dict]:
    """The registration a single-use link is for, while the link is valid and unused."""
    payload = read_link(purpose, token)
    registration = _registration_for(payload["r"], act)
    if registration is None or registration.status not in statuses:
        raise TokenError("This link is not valid.")
    if payload.get("t") != link_stamp(registration):  # a later registration given the same number
        raise TokenError("This link is not valid.")
    check_unused(purpose, payload)
    return registration, payload


def check_verify_link(token: str) -> Registration:
    """The registration a verification link is for, changing nothing (TokenError if unusable)."""
    return _linked(VERIFY, token, ("pending",))[0]


def verify_email(token: str) -> Registration:
    """Follow the emailed verification link: the registration joins the review queue."""
    registration, payload = _linked(VERIFY, token, ("pending",), act=True)
    use_once(VERIFY, payload)
    lifecycle = lifecycle_of(registration)
    if lifecycle.verified_at is None:
        lifecycle.verified_at = utcnow()
    audit.record("portal.verified", object_type="registration", object_id=registration.id)
    db.session.commit()
    return registration


def _reviewable(registration_id: int) -> Registration:
    """A registration waiting for review, taken for the reviewer's decision (two at once: one
    decides, the other is told it has been reviewed)."""
    registration = _registration_for(_get(registration_id).id, act=True)
    if registration is None:  # deleted while this request waited for the lock
        raise RegistrationNotFoundError("This registration no longer exists.")
    lifecycle = lifecycle_of(registration)
    if registration.status != "pending" or lifecycle.review_decision is not None:
        raise PortalError("This registration has already been reviewed.")
    if lifecycle.verified_at is None:
        raise PortalError("The owner has not verified their email address yet.")
    return registration


def _decide(registration: Registration, reviewer, decision: str, reason: str | None) -> None:
    lifecycle = lifecycle_of(registration)
    lifecycle.reviewed_at = utcnow()
    lifecycle.reviewed_by_id = getattr(reviewer, "id", None)
    lifecycle.review_decision = decision
    lifecycle.review_reason = reason


def approve(registration_id: int, reviewer, *, today: date | None = None) -> Registration:
    """Registry Staff approve: active for a year; the owner gets the management link."""
    registration = _reviewable(registration_id)
    now = utcnow()
    registration.status = "active"
    registration.registered_at = now
    registration.last_confirmed_at = now
    registration.next_confirmation_due = add_year(today or county_today())
    _decide(registration, reviewer, "approved", None)
    audit.record("review.approved", user=reviewer, object_type="registration", object_id=registration.id)
    queued = notify.queue(notify.approved(registration), "approved", registration)
    db.session.commit()
    notify.deliver_now(queued)
    return registration


def reject(registration_id: int, reviewer, reason: str) -> None:
    """Registry Staff reject with a reason: the owner is told why and their details removed."""
    reason = (reason or "").strip()
    if not reason:
        raise FieldError("reason", "Give the reason the owner will read.")
    registration = _reviewable(registration_id)
    queued = notify.queue(notify.rejected(registration, reason), "rejected", registration)
    registration.status = "withdrawn"
    _decide(registration, reviewer, "rejected", reason)
    audit.record("review.rejected", user=reviewer, object_type="registration", object_id=registration.id)
    remove_personal_data(registration)
    db.session.commit()
    notify.deliver_now(queued)


def merge(registration_id: int, target_id: int, reviewer) -> Registration:
    """Registry Staff merge a new registration into an existing one: cameras move, the rest goes."""
    registration = _reviewable(registration_id)
    target = get_by_id(Registration, target_id)
    if target is None:
        raise RegistrationNotFoundError(f"There is no registration number {str(target_id)[:20]} to merge into.")
    if target.id == registration.id or target.status == "withdrawn":
        raise PortalError("Choose another registration that is not withdrawn.")
    for camera in registration.cameras:  # the same premises: its cameras must stand near the target's
        try:
            check_camera_placed((camera.lat, camera.lon), (target.lat, target.lon))
        except FieldError:
            raise PortalError(
                f"Registration #{target.id} is at {target.address}, {target.city}, too far from these "
                "cameras to be the same premises: merge only a duplicate of the same place."
            ) from None
    same_owner = (registration.owner.email or "") == (target.owner.email or "")
    for camera in list(registration.cameras):
        registration.cameras.remove(camera)
        camera.registration = target
        target.cameras.append(camera)
    db.session.flush()
    queued = notify.queue(notify.merged(registration, target, same_owner), "merged", registration)
    registration.status = "withdrawn"
    _decide(registration, reviewer, "merged", None)
    lifecycle_of(registration).merged_into_id = target.id
    audit.record(
        "review.merged",
        user=reviewer,
        object_type="registration",
        object_id=registration.id,
        detail={"into": target.id},
    )
    remove_personal_data(registration)
    db.session.commit()
    notify.deliver_now(queued)
    return target




def check_confirm_link(token: str) -> Registration:
    """The registration a confirmation link is for, changing nothing (TokenError if unusable)."""
    return _linked(CONFIRM, token, FOLLOWED_UP)[0]


def confirm(token: str, *, today: date | None = None) -> Registration:
    """The owner's one-click annual confirmation: details still correct, due again in a year."""
    registration, payload = _linked(CONFIRM, token, FOLLOWED_UP, act=True)
    use_once(CONFIRM, payload)
    _confirmed(registration, today)
    audit.record("portal.confirmed", object_type="registration", object_id=registration.id)
    db.session.commit()
    return registration


def confirm_by_phone(registration: Registration, user, *, today: date | None = None) -> bool:
    """Registry Staff record that the owner confirmed the registration's details on a call
    from the call list (backoffice.worklists.confirmation_by_phone): due again in a year,
    audited. In the caller's transaction; False, changing nothing, for a registration that
    is not (or no longer) on the call list."""
    from ..worklists import confirmation_by_phone

    on_list = select(Registration.id).where(
        Registration.id == registration.id, confirmation_by_phone(today or county_today()))
    if db.session.scalar(on_list) is None:
        return False
    _confirmed(registration, today)
    audit.record("lifecycle.confirmed_by_phone", user=user, object_type="registration",
                 object_id=registration.id)
    return True


def _confirmed(registration: Registration, today: date | None) -> None:
    registration.last_confirmed_at = utcnow()
    registration.next_confirmation_due = add_year(today or county_today())
    if registration.status == "lapsed":
        registration.status = "active"
        lifecycle_of(registration).lapsed_at = None


def open_management(token: str, *, act: bool = False) -> Registration:
    """The registration a management link is for, while the link is current (act: to change it)."""
    payload = read_link(MANAGE, token)
    registration = _registration_for(payload["r"], act)
    if registration is None or registration.status in ("withdrawn", "pending"):
        raise TokenError("This link is not valid.")
    if payload.get("t") != link_stamp(registration):  # a later registration given the same number
        raise TokenError("This link is not valid.")
    if payload.get("k") != lifecycle_of(registration).manage_key:
        raise TokenError("This link has been replaced by a newer one. Use the latest email we sent you.")
    return registration


def update_registration(
    token: str,
    owner: dict[str, Any],
    premises: dict[str, Any],
    lat: float,
    lon: float,
    cameras: list[dict[str, Any]],
    *,
    today: date | None = None,
) -> list[str]:
    """The owner updates details and cameras through the management link (counts as confirmed)."""
    registration = open_management(token, act=True)
    if not cameras:
        raise FieldError("cameras", "Keep at least one camera, or withdraw the registration.")
    email = check_email(owner.get("email"), required=True)
    old_email = registration.owner.email
    _apply_owner(registration.owner, {**owner, "email": email})
    _apply_premises(registration, premises)
    moved_from = (registration.lat, registration.lon)
    check_premises_placed(lat, lon)
    registration.set_location(lat, lon)
    notes = _apply_cameras(registration, cameras, moved_from)
    _confirmed(registration, today)
    audit.record("portal.updated", object_type="registration", object_id=registration.id)
    queued = None
    if old_email and old_email != email:
        queued = notify.queue(notify.email_changed(registration, old_email), "email_changed", registration)
    db.session.commit()
    notify.deliver_now(queued)
    return notes


def withdraw(token: str) -> bool:
    """The owner withdraws; personal data goes now unless a request or evidence holds it.

    Returns True when the data was removed at once.
    """
    registration = open_management(token, act=True)
    queued = notify.queue(notify.withdrawn(registration), "withdrawn", registration)
    lifecycle = lifecycle_of(registration)
    registration.status = "withdrawn"
    lifecycle.withdrawn_at = utcnow()
    lifecycle.manage_key += 1
    audit.record("portal.withdrawn", object_type="registration", object_id=registration.id)
    removed = False
    if not is_held(registration.id):
        remove_personal_data(registration)
        removed = True
    db.session.commit()
    notify.deliver_now(queued)
    return removed


def remove_personal_data(registration: Registration) -> str:
    """Delete an unreferenced registration outright; anonymise one that closed requests refer to.

    Runs in the caller's transaction. Returns "deleted" or "anonymised".
    """
    owner = registration.owner
    others_all = [r for r in owner.registrations if r.id != registration.id]
    others = [r for r in others_all if r.status != "withdrawn"]
    audit.record(
        "lifecycle.personal_data_removed", user=None, object_type="registration", object_id=registration.id
    )
    if not others:  # the owner goes, or is anonymised: so do the e-mails already sent to them
        outbox.forget_address(owner.email)
    if not is_referenced(registration.id):
        db.session.delete(owner if not others_all else registration)
        db.session.flush()
        return "deleted"
    registration.address, registration.postal_code, registration.notes = REMOVED, None, None
    # Keep the point only to the nearest ~100 m: enough for past case maps, not an address.
    registration.set_location(round(registration.lat, 3), round(registration.lon, 3))
    for camera in registration.cameras:
        camera.make_model = camera.overlooks = None
        camera.set_location(round(camera.lat, 3), round(camera.lon, 3))
    if not others:
        owner.name, owner.organisation, owner.email, owner.phone = REMOVED, None, None, None
    lifecycle_of(registration).pii_removed_at = utcnow()
    db.session.flush()
    return "anonymised"
