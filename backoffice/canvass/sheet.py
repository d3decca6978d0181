"""What the printable canvass sheet shows: the case, the ranked cameras and their owners."""
from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import select

from .. import audit, geodesy
from ..extensions import db
from ..localtime import format_instant, utcnow
from ..domain import CONTACTABLE
from ..models import AreaRecipient, AreaRequest, Owner, Registration
from .contact import OwnerContact, contact_fields
from .parse import CanvassQuery, RouteQuery
from .search import CanvassItem, actor, search, search_route


class SheetCase(TypedDict):
    """The case header of the sheet (times in county local time)."""

    case_number: str
    incident_type: str
    address: str | None
    agency: str
    since: str
    until: str
    lat: float
    lon: float


class SheetArea(TypedDict):
    """What an area request of the case asked the premises and what came back, as printed."""

    area_request_id: int
    emailed: bool  # False: no e-mail, to call or visit
    asked_at: str
    answer: str | None  # the answer in words; None while not answered
    answered_at: str | None
    reached_by: str | None  # "by phone", "at the door" when staff recorded it


class SheetItem(CanvassItem):
    """A canvass item with the owner's contact, the deadline as read on paper, and what the
    case's area request asked the premises (None when it was not asked)."""

    contact: OwnerContact | None
    deadline_text: str
    area: SheetArea | None


class SheetAsked(TypedDict):
    """A premises an area request of the case asked that this search did not find (asked
    from a wider search or along a route): where it is, whom to call or visit, what came back."""

    registration_id: int
    address: str
    contact: OwnerContact | None
    area: SheetArea


class SheetRoute(TypedDict):
    """The escape route searched along: a GeoJSON LineString and its length."""

    type: str
    coordinates: list[list[float]]
    length_m: float


class SheetData(TypedDict):
    """Everything the canvass sheet shows (reports.canvass.render_canvass_pdf's input): the
    radius of a search around a point, or the route and corridor width of one along a route."""

    case: SheetCase
    radius_m: float | None
    route: SheetRoute | None
    width_m: float | None
    generated_at: str
    generated_by: str
    items: list[SheetItem]
    asked_elsewhere: list[SheetAsked]


def sheet_data(query: CanvassQuery | RouteQuery, user, *, now: datetime | None = None) -> SheetData:
    """Everything the canvass sheet shows, around a point or along a route; the search and every
    owner contact read are audited.

    Commits the audit events.
    """
    now = now or utcnow()
    user = actor(user)
    if isinstance(query, RouteQuery):
        result = search_route(query, user, now=now, commit=False)
        lat, lon = query.case.lat, query.case.lon
        route: SheetRoute | None = SheetRoute(
            type="LineString",
            coordinates=[list(point) for point in query.route],
            length_m=geodesy.path_length_m(query.route),
        )
        radius, width = None, query.width_m
    else:
        result = search(query, user, now=now, commit=False)
        lat, lon, route, radius, width = query.lat, query.lon, None, query.radius_m, None
    found = {item["registration_id"] for item in result.items}
    every_ask = _area_asks(query.case_id)
    asked = {number: ask for number, ask in every_ask.items() if number in found}
    # Whoever the case asked is on its sheet, found by this search or not: the case page
    # sends staff here for the owners to call or visit.
    elsewhere = _contactable(sorted(set(every_ask) - found))
    contacts = _reveal_contacts(sorted(found) + [r.id for r in elsewhere], query.case_id, query.case_number, user)
    case = query.case
    items = [
        SheetItem(
            **item,
            contact=contacts.get(item["registration_id"]),
            deadline_text=format_instant(datetime.fromisoformat(item["deadline"]), "en"),
            area=asked.get(item["registration_id"]),
        )
        for item in result.items
    ]
    return SheetData(
        case=SheetCase(
            case_number=case.case_number,
            incident_type=case.incident_type,
            address=case.address,
            agency=case.agency.name if case.agency else "",
            since=format_instant(query.since, "en"),
            until=format_instant(query.until, "en"),
            lat=lat,
            lon=lon,
        ),
        radius_m=radius,
        route=route,
        width_m=width,
        generated_at=format_instant(now, "en"),
        generated_by=getattr(user, "username", ""),
        items=items,
        asked_elsewhere=[
            SheetAsked(registration_id=r.id, address=", ".join(filter(None, (r.address, r.city))),
                       contact=contacts.get(r.id), area=every_ask[r.id])
            for r in elsewhere
        ],
    )


def _area_asks(case_id: int) -> dict[int, SheetArea]:
    """For each premises an area request of the case asked, the latest ask: when and how it
    was asked, and what the owner answered (one query)."""
    from workflows.area_request import ANSWER_WORDS, REACHED_WORDS

    rows = db.session.scalars(
        select(AreaRecipient).join(AreaRequest)
        .where(AreaRequest.case_id == case_id)
        .order_by(AreaRecipient.asked_at, AreaRecipient.id)
    ).all()
    return {
        row.registration_id: SheetArea(
            area_request_id=row.area_request_id,
            emailed=row.channel == "email",
            asked_at=format_instant(row.asked_at, "en"),
            answer=ANSWER_WORDS[row.answer] if row.answer else None,
            answered_at=format_instant(row.answered_at, "en") if row.answered_at else None,
            reached_by=REACHED_WORDS[row.reached_by] if row.reached_by else None,
        )
        for row in rows  # the latest ask of a premises last, so it is the one kept
    }


def _contactable(registration_ids: list[int]) -> list[Registration]:
    """Those of the registrations whose owners may still be contacted (not withdrawn), by address."""
    if not registration_ids:
        return []
    return list(db.session.scalars(
        select(Registration).where(Registration.id.in_(registration_ids), Registration.status.in_(CONTACTABLE))
        .order_by(Registration.address, Registration.id)
    ))


def _reveal_contacts(
    registration_ids: list[int], case_id: int, case_number: str, user: Any
) -> dict[int, OwnerContact]:
    """The owners' contacts of the registrations, each read audited for the case (commits)."""
    contacts: dict[int, OwnerContact] = {}
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
                purpose=case_number,
                detail={"registration_id": registration.id, "case_id": case_id, "via": "canvass_sheet"},
            )
    db.session.commit()
    return contacts
