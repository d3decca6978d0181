"""Finding a record to link to by what people know of it: an address, a name, a number.

Forms that link to a registration or an owner take its record number; these searches let staff
find that number by typing part of an address, an owner's name or e-mail instead. Each answer
is a short list of {"id", "label"} (at most PICK_LIMIT), labelled in words.
"""
from sqlalchemy import false, or_, select
from sqlalchemy.orm import contains_eager

from .extensions import db
from .labels import words
from .models import Owner, Registration

PICK_LIMIT = 10
MAX_QUERY = 100  # characters; longer input is cut, not refused


def _pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its own % and _ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _number(text: str) -> int | None:
    digits = text.lstrip("#")
    return int(digits) if digits.isascii() and digits.isdigit() and len(digits) <= 9 else None


def _terms(text: str | None) -> tuple[str, int | None] | None:
    """(LIKE pattern, record number or None) for what was typed; None when nothing was."""
    text = " ".join((text or "")[:MAX_QUERY].split())
    return (_pattern(text), _number(text)) if text else None


def registration_label(registration: Registration) -> str:
    """"#12 · 100 Oak St, Bakersfield · Ana Ruiz · Active"."""
    owner = registration.owner.name if registration.owner else "—"
    return (f"#{registration.id} · {registration.address}, {registration.city} · {owner} · "
            f"{words(registration.status, 'status')}")


def owner_label(owner: Owner) -> str:
    """"#7 · Ana Ruiz · ana@example.net"."""
    reach = owner.email or owner.phone or "—"
    return f"#{owner.id} · {owner.name} · {reach}"


def pick_registrations(text: str) -> list[dict]:
    """Registrations whose number is `text`, or whose address, city, owner name or e-mail
    contains it (case-insensitive), by address."""
    terms = _terms(text)
    if terms is None:
        return []
    like, number = terms
    found = db.session.execute(
        select(Registration).outerjoin(Owner, Registration.owner_id == Owner.id).where(or_(
            Registration.id == number if number is not None else false(),
            Registration.address.ilike(like, escape="\\"),
            Registration.city.ilike(like, escape="\\"),
            Owner.name.ilike(like, escape="\\"),
            Owner.email.ilike(like, escape="\\"),
        )).options(contains_eager(Registration.owner))
        .order_by(Registration.id != (number or 0), Registration.address, Registration.id)
        .limit(PICK_LIMIT)
    ).unique().scalars().all()
    return [{"id": item.id, "label": registration_label(item)} for item in found]


def pick_owners(text: str) -> list[dict]:
    """Owners whose number is `text`, or whose name, organisation or e-mail contains it."""
    terms = _terms(text)
    if terms is None:
        return []
    like, number = terms
    found = db.session.execute(
        select(Owner).where(or_(
            Owner.id == number if number is not None else false(),
            Owner.name.ilike(like, escape="\\"),
            Owner.organisation.ilike(like, escape="\\"),
            Owner.email.ilike(like, escape="\\"),
        )).order_by(Owner.id != (number or 0), Owner.name, Owner.id).limit(PICK_LIMIT)
    ).scalars().all()
    return [{"id": item.id, "label": owner_label(item)} for item in found]
