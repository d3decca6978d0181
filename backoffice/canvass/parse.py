"""The canvass request's parameters, checked: the case it is for, where, how far and when."""
from __future__ import annotations

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
        f"No such case in your agency (case {number}).", field="case_id"),
        load=(lazyload(Case.agency), lazyload(Case.lead_investigator)))


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
