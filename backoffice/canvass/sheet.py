"""What the printable canvass sheet shows: the case, the ranked cameras and their owners."""
from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import select

from .. import audit, geodesy
from ..extensions import db
from ..localtime import format_instant, utcnow
from ..models import Owner, Registration
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


class SheetItem(CanvassItem):
    """A canvass item with the owner's contact and the deadline as read on paper."""

    contact: OwnerContact | None
    deadline_text: str


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
    contacts = _reveal_contacts(result.items, query.case_id, query.case_number, user)
    case = query.case
    items = [
        SheetItem(
            **item,
            contact=contacts.get(item["registration_id"]),
            deadline_text=format_instant(datetime.fromisoformat(item["deadline"]), "en"),
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
    )


def _reveal_contacts(
    items: list[CanvassItem], case_id: int, case_number: str, user: Any
) -> dict[int, OwnerContact]:
    """The owners' contacts of the items, each read audited for the case (commits)."""
    registration_ids = sorted({item["registration_id"] for item in items})
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
