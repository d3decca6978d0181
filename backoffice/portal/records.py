"""Queries the portal's commands share: duplicates, holds, current terms (no commits here)."""

from sqlalchemy import exists, select

from ..extensions import db
from ..geocoding.keys import search_key
from ..models import (
    EvidenceItem,
    FootageRequest,
    Owner,
    Registration,
    RegistrationLifecycle,
    TermsVersion,
)

CLOSED_REQUEST_STATES = ("closed", "cancelled")


def normalise_address(*parts: str | None) -> str:
    """A comparison key for an address: case, accents, punctuation and USPS abbreviations
    ignored (`geocoding.keys.search_key`)."""
    return search_key(*parts)


def current_terms() -> TermsVersion:
    """The latest published terms."""
    return db.session.execute(
        select(TermsVersion).order_by(TermsVersion.published_at.desc()).limit(1)
    ).scalar_one()


def find_duplicate(email: str, address: str, city: str, postal_code: str | None):
    """A live registration with the same owner email and the same address, or None."""
    key = normalise_address(address, city)
    candidates = db.session.execute(
        select(Registration)
        .join(Owner)
        .where(Owner.email == email, Registration.status != "withdrawn")
        .order_by(Registration.id)
    ).scalars()
    for registration in candidates:
        if normalise_address(registration.address, registration.city) == key:
            return registration
    return None


def merge_candidates(registration: Registration, limit: int = 20) -> list[Registration]:
    """Other live registrations that may be the same premises or owner."""
    key = normalise_address(registration.address, registration.city)
    email = registration.owner.email
    rows = db.session.execute(
        select(Registration)
        .join(Owner)
        .where(
            Registration.id != registration.id,
            Registration.status != "withdrawn",
            (Owner.email == email) | (Registration.city == registration.city),
        )
        .order_by(Registration.id)
    ).scalars()
    found = [
        r
        for r in rows
        if (email and r.owner.email == email)
        or normalise_address(r.address, r.city) == key
    ]
    return found[:limit]


def is_held(registration_id: int) -> bool:
    """True while an open footage request or any evidence refers to the registration."""
    open_request = exists().where(
        FootageRequest.registration_id == registration_id,
        FootageRequest.state.not_in(CLOSED_REQUEST_STATES),
    )
    evidence = exists().where(
        EvidenceItem.footage_request_id == FootageRequest.id,
        FootageRequest.registration_id == registration_id,
    )
    return bool(db.session.execute(select(open_request | evidence)).scalar())


def is_referenced(registration_id: int) -> bool:
    """True when any footage request, open or closed, or an area request that asked the
    premises refers to the registration (the case keeps who was asked)."""
    from ..models import AreaRecipient

    return bool(
        db.session.execute(
            select(exists().where(FootageRequest.registration_id == registration_id)
                   | exists().where(AreaRecipient.registration_id == registration_id))
        ).scalar()
    )


def lifecycle_of(registration: Registration) -> RegistrationLifecycle:
    """The registration's lifecycle row, created for registrations made outside the portal."""
    if registration.lifecycle is None:
        registration.lifecycle = RegistrationLifecycle(manage_key=1)
        db.session.flush()
    return registration.lifecycle


def link_stamp(registration: Registration) -> int:
    """When the registration began, in whole seconds since 1970: carried by every link e-mailed
    about it and checked when the link is used. A registration's number can be given again
    after it is deleted (SQLite reuses the highest row id); the stamp tells the new one from
    the old, so an old link never opens another person's registration."""
    lifecycle = lifecycle_of(registration)
    if lifecycle.submitted_at is None:
        db.session.flush()
    return int(lifecycle.submitted_at.timestamp())


def review_queue():
    """Verified registrations waiting for Registry Staff, oldest first."""
    return (
        select(Registration)
        .join(RegistrationLifecycle)
        .where(
            Registration.status == "pending",
            RegistrationLifecycle.verified_at.is_not(None),
            RegistrationLifecycle.review_decision.is_(None),
        )
        .order_by(RegistrationLifecycle.verified_at)
    )
