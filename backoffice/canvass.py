"""The canvass: which registered cameras may have recorded a case, most urgent first.

Purpose-bound: every search and every reveal of an owner's contact names the case it is for
and is written to the audit log. A search records which registrations it returned; an owner's
contact is shown for a case when a search of that case returned the registration or the case
has a footage request for it, otherwise only with a written justification, which is recorded
apart ("owner.reveal_justified") for the supervisor. Spatial SQL lives in spatial.py.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import lazyload

from . import audit, geodesy, snapshots, spatial
from .database import end_read_transaction
from .domain import CONTACTABLE
from .errors import InvalidInputError, NotFoundError
from .extensions import db
from .ids import as_id
from .models import AuditEvent, Case, FootageRequest, Owner, Registration
from .localtime import LocalTimeError, format_instant, iso, parse_instant, utcnow
from .models.validation import (
    MIN_WRITTEN_REASON, FieldError, check_latitude, check_longitude, format_phone, written_reason,
)
from .scoping import scoped_get

DEFAULT_RADIUS_M = 300
MAX_RADIUS_M = 2000
MAX_JUSTIFICATION = 1000  # characters
_VIEW_RANK = {"in_view": 0, "unknown": 1, "facing_away": 2, "too_far": 3}


class CanvassParameterError(InvalidInputError):
    """A missing or invalid search parameter (HTTP 400)."""


class CaseNotFoundError(NotFoundError):
    """No such case in the caller's agency (HTTP 404)."""


class RegistrationNotFoundError(NotFoundError):
    """No such registration (HTTP 404)."""


@dataclass
class CanvassQuery:
    """A validated search: the case it is for, where, how far and when."""

    case: Case
    case_id: int
    case_number: str
    lat: float
    lon: float
    radius_m: float
    since: datetime
    until: datetime


@dataclass
class CanvassResult:
    """The ranked cameras of one search."""

    query: CanvassQuery
    items: list[dict[str, Any]] = field(default_factory=list)


def case_for_user(case_id: Any, user) -> Case:
    """The case with this id if it belongs to the user's agency, else CaseNotFoundError."""
    try:
        if isinstance(case_id, (bool, float)):
            raise TypeError(case_id)
        number = int(case_id)
    except (TypeError, ValueError, OverflowError):
        raise CanvassParameterError(
            "case_id must be the id of one of your agency's cases", field="case_id"
        ) from None
    return scoped_get(Case, number, user, lambda: CaseNotFoundError(
        f"No such case in your agency (case {number}).", field="case_id"),
        load=(lazyload(Case.agency), lazyload(Case.lead_investigator)))


def _number(args: Mapping[str, Any], name: str, low: float, high: float) -> float | None:
    raw = args.get(name)
    if raw in (None, ""):
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError, OverflowError):
        raise CanvassParameterError(f"{name} must be a number", field=name) from None
    if not math.isfinite(value) or not low <= value <= high:
        raise CanvassParameterError(f"{name} must be between {low:g} and {high:g}", field=name)
    return value


def _coordinate(args: Mapping[str, Any], name: str, check) -> float | None:
    """lat or lon of the search point through its field rule; None when not given."""
    try:
        return check(args.get(name), field=name, required=False)
    except FieldError as error:
        raise CanvassParameterError(f"{name}: {error.message}", field=name) from None


def _datetime(args: Mapping[str, Any], name: str) -> datetime | None:
    raw = args.get(name)
    if raw in (None, ""):
        return None
    try:
        return parse_instant(str(raw), fold=None)
    except LocalTimeError as error:
        raise CanvassParameterError(f"{name}: {error}", field=name) from None


def parse_query(args: Mapping[str, Any], user) -> CanvassQuery:
    """Validate the search parameters; the point and window default to the case's."""
    if args.get("case_id") in (None, ""):
        raise CanvassParameterError("case_id is required: every search is for a case", field="case_id")
    case = case_for_user(args.get("case_id"), user)
    lat = _coordinate(args, "lat", check_latitude)
    lon = _coordinate(args, "lon", check_longitude)
    if (lat is None) != (lon is None):
        raise CanvassParameterError("lat and lon go together", field="lon" if lat is not None else "lat")
    if lat is None or lon is None:  # neither was given (they go together)
        lat, lon = case.lat, case.lon
    radius = _number(args, "radius_m", 1, MAX_RADIUS_M)
    since, until = parse_window(args, case)
    return CanvassQuery(
        case=case,
        case_id=case.id,
        case_number=case.case_number,
        lat=float(lat),
        lon=float(lon),
        radius_m=radius if radius is not None else DEFAULT_RADIUS_M,
        since=since,
        until=until,
    )


def parse_window(args: Mapping[str, Any], case: Case) -> tuple[datetime, datetime]:
    """since/until from args, defaulting to the case's time window."""
    since = _datetime(args, "since") or case.occurred_from
    until = _datetime(args, "until") or case.occurred_to
    if until < since:
        raise CanvassParameterError("until must not be before since", field="until")
    return since, until


def rank_key(item: Mapping[str, Any]):
    """Retained before lost, in view before unknown before facing away before too far,
    then the soonest deadline, then distance."""
    return (
        not item["retained"],
        _VIEW_RANK[item["view"]],
        item["_deadline"],
        item["distance_m"],
    )


def assess(
    row: Mapping[str, Any],
    query: CanvassQuery,
    now: datetime,
    deadlines: dict[int, tuple[datetime, str]] | None = None,
) -> dict[str, Any]:
    """One camera row turned into a canvass item (deadlines: a cache by retention days)."""
    distance = float(row["distance_m"])
    bearing = geodesy.bearing_deg(row["lat"], row["lon"], query.lat, query.lon)
    days = row["retention_days"]
    cached = deadlines.get(days) if deadlines is not None else None
    if cached is None:
        deadline = query.since + timedelta(days=days)
        cached = (deadline, iso(deadline))
        if deadlines is not None:
            deadlines[days] = cached
    deadline, deadline_text = cached
    sight = (row["direction_deg"], row["fov_deg"], row["range_m"], distance, bearing)
    return {
        "camera_id": row["camera_id"],
        "registration_id": row["registration_id"],
        "lat": row["lat"],
        "lon": row["lon"],
        "distance_m": round(distance, 1),
        "in_view": spatial.in_view(*sight),
        "view": spatial.view_of(*sight),
        "retained": deadline > now,
        "deadline": deadline_text,
        "retention_days": days,
        "label": row["label"],
        "address": f"{row['address']}, {row['city']}",
        "direction_deg": row["direction_deg"],
        "fov_deg": row["fov_deg"],
        "range_m": row["range_m"],
        "_deadline": deadline,
    }


def actor(user) -> SimpleNamespace:
    """Who is acting, as plain values that outlive the session's transaction."""
    return SimpleNamespace(
        id=getattr(user, "id", None),
        username=getattr(user, "username", None),
        agency_id=getattr(user, "agency_id", None),
    )


def search(
    query: CanvassQuery, user, *, now: datetime | None = None, commit: bool = True
) -> CanvassResult:
    """Run the search, rank it and audit it (commits the audit event unless told not to)."""
    now = now or utcnow()
    user = actor(user)
    rows = spatial.cameras_within(db.session, query.lat, query.lon, query.radius_m)
    deadlines: dict[int, tuple[datetime, str]] = {}
    items = sorted((assess(row, query, now, deadlines) for row in rows), key=rank_key)
    pictured = snapshots.cameras_with_pictures([item["camera_id"] for item in items])
    for item in items:
        del item["_deadline"]
        # The camera's picture, when it has one: a thumbnail for the list and the map popup.
        urls = snapshots.picture_urls(item["camera_id"]) if item["camera_id"] in pictured else {}
        item["thumbnail_url"] = urls.get("thumbnail_url")
        item["snapshot_url"] = urls.get("snapshot_url")
    end_read_transaction(db.session)
    audit.record(
        "canvass.search",
        user=user,
        object_type="case",
        object_id=query.case_id,
        purpose=query.case_number,
        detail={
            "lat": query.lat,
            "lon": query.lon,
            "radius_m": query.radius_m,
            # What the search returned: the registrations whose owners may be contacted for the case.
            "registration_ids": sorted({item["registration_id"] for item in items}),
        },
    )
    if commit:
        db.session.commit()
    return CanvassResult(query=query, items=items)


def returned_for_case(case_id: int, registration_id: int) -> bool:
    """True when a recorded search of the case returned the registration, or the case has a
    footage request for it."""
    requested = db.session.execute(
        select(FootageRequest.id).where(
            FootageRequest.case_id == case_id, FootageRequest.registration_id == registration_id
        ).limit(1)
    ).first()
    if requested is not None:
        return True
    searches = db.session.execute(
        select(AuditEvent.detail).where(
            AuditEvent.action == "canvass.search",
            AuditEvent.object_type == "case",
            AuditEvent.object_id == case_id,
            # not the searches of a deleted case that had the same number
            AuditEvent.at >= select(Case.created_at).where(Case.id == case_id).scalar_subquery(),
        )
    ).scalars()
    return any(registration_id in json.loads(detail or "{}").get("registration_ids", ()) for detail in searches)


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
) -> dict[str, Any]:
    """The owner's contact details for one registration, read for a case (audited, commits).

    Without a search of the case that returned the registration (or a footage request of the
    case for it) a written justification is required, and the reveal is flagged as justified.
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


def contact_fields(registration: Registration, owner: Owner) -> dict[str, Any]:
    """The contact details shown to an investigator."""
    return {
        "registration_id": registration.id,
        "owner_id": owner.id,
        "name": owner.name,
        "organisation": owner.organisation,
        "email": owner.email,
        "phone": format_phone(owner.phone),
        "preferred_contact": owner.preferred_contact,
        "language": owner.language,
        "address": f"{registration.address}, {registration.city}",
    }


def sheet_data(query: CanvassQuery, user, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything the canvass sheet shows; the search and every owner contact read are audited.

    Commits the audit events.
    """
    now = now or utcnow()
    user = actor(user)
    result = search(query, user, now=now, commit=False)
    registration_ids = sorted({item["registration_id"] for item in result.items})
    contacts: dict[int, dict[str, Any]] = {}
    if registration_ids:
        rows = db.session.execute(
            select(Registration, Owner)
            .join(Owner, Owner.id == Registration.owner_id)
            .where(Registration.id.in_(registration_ids))
        ).all()
        for registration, owner in rows:
            contacts[registration.id] = contact_fields(registration, owner)
            audit.record(
                "owner.reveal",
                user=user,
                object_type="owner",
                object_id=owner.id,
                purpose=query.case_number,
                detail={
                    "registration_id": registration.id,
                    "case_id": query.case_id,
                    "via": "canvass_sheet",
                },
            )
    db.session.commit()
    case = query.case
    items = []
    for item in result.items:
        items.append(
            {
                **item,
                "contact": contacts.get(item["registration_id"]),
                "deadline_text": format_instant(datetime.fromisoformat(item["deadline"]), "en"),
            }
        )
    return {
        "case": {
            "case_number": case.case_number,
            "incident_type": case.incident_type,
            "address": case.address,
            "agency": case.agency.name if case.agency else "",
            "since": format_instant(query.since, "en"),
            "until": format_instant(query.until, "en"),
            "lat": query.lat,
            "lon": query.lon,
        },
        "radius_m": query.radius_m,
        "generated_at": format_instant(now, "en"),
        "generated_by": getattr(user, "username", ""),
        "items": items,
    }
