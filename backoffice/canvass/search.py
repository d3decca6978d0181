"""The canvass search: each camera found assessed (view, footage kept), ranked and audited."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import TypedDict

from .. import audit, snapshots, spatial
from ..database import end_read_transaction
from ..extensions import db
from ..localtime import iso, utcnow
from .parse import CanvassQuery, RouteQuery
from .query import CameraRow, cameras_along_route, cameras_within

_VIEW_RANK = {"in_view": 0, "unknown": 1, "facing_away": 2, "too_far": 3}


class CanvassItem(TypedDict):
    """One camera of a canvass, as the API returns it (SPEC §5)."""

    camera_id: int
    registration_id: int
    lat: float
    lon: float
    distance_m: float
    in_view: bool | None
    view: str
    retained: bool
    deadline: str
    retention_days: int
    label: str | None
    address: str
    direction_deg: float | None
    fov_deg: float | None
    range_m: float | None
    thumbnail_url: str | None  # the camera's view picture (backoffice.snapshots), when it has one
    snapshot_url: str | None


@dataclass
class CanvassResult:
    """The ranked cameras of one search."""

    query: CanvassQuery | RouteQuery
    items: list[CanvassItem] = field(default_factory=list)


@dataclass(frozen=True)
class Assessed:
    """A canvass item and the deadline instant it is ranked by."""

    item: CanvassItem
    deadline: datetime


def rank_key(assessed: Assessed) -> tuple[bool, int, datetime, float]:
    """Retained before lost, in view before unknown before facing away before too far,
    then the soonest deadline, then distance."""
    item = assessed.item
    return (not item["retained"], _VIEW_RANK[item["view"]], assessed.deadline, item["distance_m"])


def assess(
    row: CameraRow,
    query: CanvassQuery,
    now: datetime,
    deadlines: dict[int, tuple[datetime, str]] | None = None,
) -> Assessed:
    """One camera row turned into a canvass item (deadlines: a cache by retention days)."""
    distance = float(row["distance_m"])
    bearing = row.get("bearing_deg")
    # The database's azimuth; none where camera and place coincide (GeographicLib says 0 there).
    bearing = 0.0 if bearing is None else float(bearing) % 360.0
    return _assessed(row, distance, bearing, query, now, deadlines)


def assess_along(
    row: CameraRow,
    query: RouteQuery,
    now: datetime,
    deadlines: dict[int, tuple[datetime, str]] | None = None,
) -> Assessed:
    """One camera row found along a route turned into a canvass item: in view when any part
    of the route lies in its view sector."""
    line = spatial.route_around(row["lat"], row["lon"], query.route)
    distance = float(row["distance_m"])
    sight = (row["direction_deg"], row["fov_deg"], row["range_m"], distance, line)
    assessed = _assessed(row, distance, None, query, now, deadlines)
    assessed.item["in_view"] = spatial.route_in_view(*sight)
    assessed.item["view"] = spatial.route_view_of(*sight)
    return assessed


def _assessed(
    row: CameraRow,
    distance: float,
    bearing: float | None,
    query: CanvassQuery | RouteQuery,
    now: datetime,
    deadlines: dict[int, tuple[datetime, str]] | None,
) -> Assessed:
    """The item of a camera row whose distance and bearing to the searched place are known;
    its picture links name the case searched (the purpose of looking)."""
    since = query.since
    days = row["retention_days"]
    cached = deadlines.get(days) if deadlines is not None else None
    if cached is None:
        end = since + timedelta(days=days)
        cached = (end, iso(end) or "")
        if deadlines is not None:
            deadlines[days] = cached
    deadline, deadline_text = cached
    sight = (row["direction_deg"], row["fov_deg"], row["range_m"], distance, bearing)
    pictures = snapshots.picture_urls(row["camera_id"], query.case_id) if row["has_picture"] else {}
    item = CanvassItem(
        camera_id=row["camera_id"],
        registration_id=row["registration_id"],
        lat=row["lat"],
        lon=row["lon"],
        distance_m=round(distance, 1),
        in_view=spatial.in_view(*sight),
        view=spatial.view_of(*sight),
        retained=deadline > now,
        deadline=deadline_text,
        retention_days=days,
        label=row["label"],
        address=f"{row['address']}, {row['city']}",
        direction_deg=row["direction_deg"],
        fov_deg=row["fov_deg"],
        thumbnail_url=pictures.get("thumbnail_url"),  # None for a camera with no view picture
        snapshot_url=pictures.get("snapshot_url"),
        range_m=row["range_m"],
    )
    return Assessed(item, deadline)


def actor(user) -> SimpleNamespace:
    """Who is acting, as plain values that outlive the session's transaction."""
    return SimpleNamespace(
        id=getattr(user, "id", None),
        username=getattr(user, "username", None),
        agency_id=getattr(user, "agency_id", None),
    )


def _ranked_and_audited(query: CanvassQuery | RouteQuery, user, assessed: list[Assessed], action: str,
                        detail: dict, commit: bool) -> CanvassResult:
    """The assessed cameras ranked, with their pictures, and the search audited with what it
    returned: the registrations whose owners may then be contacted for the case."""
    items = [entry.item for entry in sorted(assessed, key=rank_key)]
    end_read_transaction(db.session)
    audit.record(
        action,
        user=user,
        object_type="case",
        object_id=query.case_id,
        purpose=query.case_number,
        detail={**detail, "registration_ids": sorted({item["registration_id"] for item in items})},
    )
    if commit:
        db.session.commit()
    return CanvassResult(query=query, items=items)


def search(
    query: CanvassQuery, user, *, now: datetime | None = None, commit: bool = True
) -> CanvassResult:
    """Run the search, rank it and audit it (commits the audit event unless told not to)."""
    now = now or utcnow()
    user = actor(user)  # plain values: the read transaction ends before the audit event
    rows = cameras_within(db.session, query.lat, query.lon, query.radius_m)
    deadlines: dict[int, tuple[datetime, str]] = {}
    assessed = [assess(row, query, now, deadlines) for row in rows]
    return _ranked_and_audited(query, user, assessed, "canvass.search",
                               {"lat": query.lat, "lon": query.lon, "radius_m": query.radius_m}, commit)


def search_route(
    query: RouteQuery, user, *, now: datetime | None = None, commit: bool = True
) -> CanvassResult:
    """Search along a route, rank it like the point canvass and audit it ("canvass.route_search",
    with the route; commits the audit event unless told not to)."""
    now = now or utcnow()
    user = actor(user)  # plain values: the read transaction ends before the audit event
    rows = cameras_along_route(db.session, query.route, query.half_width_m)
    deadlines: dict[int, tuple[datetime, str]] = {}
    assessed = [assess_along(row, query, now, deadlines) for row in rows]
    return _ranked_and_audited(query, user, assessed, "canvass.route_search",
                               {"route": query.geojson(), "width_m": query.width_m}, commit)
