"""The canvass request's parameters, checked: the case it is for, where (a point or a route),
how far and when."""
from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from datetime import datetime
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import lazyload

from ..errors import InvalidInputError, NotFoundError
from ..localtime import LocalTimeError, parse_instant
from ..models import Case
from ..models.validation import FieldError, check_latitude, check_longitude
from ..scoping import scoped_get
from ..geodesy import path_length_m

DEFAULT_RADIUS_M = 300
MAX_RADIUS_M = 2000


class CanvassParameterError(InvalidInputError):
    """A missing or invalid search parameter (HTTP 400)."""


class CaseNotFoundError(NotFoundError):
    """No such case in the caller's agency (HTTP 404)."""


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


# A search reads the case alone (its agency and lead investigator are not needed); the loader
# options are made once, not on every search.
_CASE_ALONE = (lazyload(Case.agency), lazyload(Case.lead_investigator))


def case_for_user(case_id: Any, user) -> Case:
    """The case with this id if it belongs to the user's agency.

    Raises:
        CanvassParameterError: case_id is not a number.
        CaseNotFoundError: no such case in the user's agency.
    """
    try:
        if isinstance(case_id, (bool, float)):
            raise TypeError(case_id)
        number = int(case_id)
    except (TypeError, ValueError, OverflowError):
        raise CanvassParameterError(
            "case_id must be the id of one of your agency's cases", field="case_id"
        ) from None
    return scoped_get(Case, number, user, lambda: CaseNotFoundError(
        f"No such case in your agency (case {number}).", field="case_id"), load=_CASE_ALONE)


def number(args: Mapping[str, Any], name: str, low: float, high: float) -> float | None:
    """args[name] as a number between low and high; None when not given.

    Raises:
        CanvassParameterError: not a number, or out of range.
    """
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


def _coordinate(args: Mapping[str, Any], name: str, check: Callable[..., Any]) -> float | None:
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


def required_case(args: Mapping[str, Any], user) -> Case:
    """The case a search is for: case_id is required.

    Raises:
        CanvassParameterError: case_id missing or not a number.
        CaseNotFoundError: no such case in the user's agency.
    """
    if args.get("case_id") in (None, ""):
        raise CanvassParameterError("case_id is required: every search is for a case", field="case_id")
    return case_for_user(args.get("case_id"), user)


def parse_query(args: Mapping[str, Any], user) -> CanvassQuery:
    """Validate the search parameters; the point and window default to the case's.

    Raises:
        CanvassParameterError: a parameter is missing or invalid (the field is named).
        CaseNotFoundError: no such case in the user's agency.
    """
    case = required_case(args, user)
    lat = _coordinate(args, "lat", check_latitude)
    lon = _coordinate(args, "lon", check_longitude)
    if (lat is None) != (lon is None):
        raise CanvassParameterError("lat and lon go together", field="lon" if lat is not None else "lat")
    if lat is None or lon is None:  # neither was given (they go together)
        lat, lon = case.lat, case.lon
    radius = number(args, "radius_m", 1, MAX_RADIUS_M)
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
    """since/until from args, defaulting to the case's time window.

    Raises:
        CanvassParameterError: a time is invalid, or until is before since.
    """
    since = _datetime(args, "since") or case.occurred_from
    until = _datetime(args, "until") or case.occurred_to
    if until < since:
        raise CanvassParameterError("until must not be before since", field="until")
    return since, until


# --- along a route ---------------------------------------------------------------------

DEFAULT_WIDTH_M = 100
MAX_WIDTH_M = 1000
MAX_ROUTE_VERTICES = 100
MAX_ROUTE_M = 50_000


@dataclass
class RouteQuery:
    """A validated search along an escape route: the case, the route (lon, lat pairs), the
    corridor's full width (cameras within half of it either side) and the window."""

    case: Case
    case_id: int
    case_number: str
    route: tuple[tuple[float, float], ...]
    width_m: float
    since: datetime
    until: datetime

    @property
    def half_width_m(self) -> float:
        """How far either side of the route the corridor reaches."""
        return self.width_m / 2

    def geojson(self) -> dict[str, Any]:
        """The route as a GeoJSON LineString."""
        return {"type": "LineString", "coordinates": [list(point) for point in self.route]}


def _route_error(message: str) -> CanvassParameterError:
    return CanvassParameterError(f"route: {message}", field="route")


def _position(value: Any) -> tuple[float, float]:
    """One GeoJSON position [lon, lat] (an altitude after them is ignored)."""
    if not isinstance(value, list) or len(value) not in (2, 3) or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value
    ):
        raise _route_error("each position must be [longitude, latitude] in decimal degrees")
    lon, lat = float(value[0]), float(value[1])
    if not -180 <= lon <= 180:
        raise _route_error(f"longitude {lon:g} must be between -180 and 180")
    if not -90 <= lat <= 90:
        raise _route_error(f"latitude {lat:g} must be between -90 and 90")
    return lon, lat


def parse_route(raw: Any) -> tuple[tuple[float, float], ...]:
    """A GeoJSON LineString (text or parsed) as (lon, lat) pairs, repeated points dropped.

    Raises:
        CanvassParameterError: missing, not a GeoJSON LineString, too many points, no length
            or too long (field "route").
    """
    if raw in (None, ""):
        raise _route_error("is required: a GeoJSON LineString of the escape route")
    if isinstance(raw, str):
        if len(raw) > 64 * MAX_ROUTE_VERTICES + 200:  # longer than any allowed route
            raise _route_error(f"at most {MAX_ROUTE_VERTICES} points")
        try:
            raw = json.loads(raw)
        except ValueError:
            raise _route_error("must be GeoJSON (JSON text)") from None
    if not isinstance(raw, dict) or raw.get("type") != "LineString":
        raise _route_error('must be a GeoJSON LineString: {"type": "LineString", "coordinates": [...]}')
    coordinates = raw.get("coordinates")
    if not isinstance(coordinates, list):
        raise _route_error("coordinates must be a list of [longitude, latitude] positions")
    if len(coordinates) > MAX_ROUTE_VERTICES:
        raise _route_error(f"at most {MAX_ROUTE_VERTICES} points ({len(coordinates)} given)")
    points: list[tuple[float, float]] = []
    for value in coordinates:
        point = _position(value)
        if not points or point != points[-1]:
            points.append(point)
    if len(points) < 2:
        raise _route_error(
            "needs at least two different points; to search around one place use the point canvass"
        )
    # A leg from 179.9° to -179.9° is a short hop on the earth but, in the longitude and
    # latitude the spatial search works in, a line round the whole globe: it would find cameras
    # half a world from the route. The 180th meridian is far from any county this serves.
    if any(abs(b[0] - a[0]) > 180 for a, b in itertools.pairwise(points)):
        raise _route_error("must not cross the 180th meridian (a leg from east of it to west of it)")
    length = path_length_m(points)
    if length > MAX_ROUTE_M:
        raise _route_error(f"must be at most {MAX_ROUTE_M / 1000:g} km long ({length / 1000:.1f} km given)")
    return tuple(points)


def parse_route_query(args: Mapping[str, Any], user) -> RouteQuery:
    """Validate a search along a route; the window defaults to the case's.

    Raises:
        CanvassParameterError: a parameter is missing or invalid (the field is named).
        CaseNotFoundError: no such case in the user's agency.
    """
    case = required_case(args, user)
    route = parse_route(args.get("route"))
    width = number(args, "width_m", 1, MAX_WIDTH_M)
    since, until = parse_window(args, case)
    return RouteQuery(
        case=case,
        case_id=case.id,
        case_number=case.case_number,
        route=route,
        width_m=width if width is not None else DEFAULT_WIDTH_M,
        since=since,
        until=until,
    )
