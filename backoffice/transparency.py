"""The public transparency report's figures: how the registry is used, per agency and per month.

What is counted (each from the registry's own records, county-time calendar months):
- registrations and cameras: active registrations and their cameras now, and registrations
  registered per month;
- canvass searches and contact reveals: audit events `canvass.search` / `canvass.route_search`
  and `owner.reveal` /
  `owner.reveal_justified` of the agency's users;
- footage requests: requests opened for the agency's cases;
- consents and refusals: requests of the agency that moved into `consented` / `declined`;
- releases by kind: requests that moved into `released`, by their release kind.

Published figures carry no personal data, case numbers or addresses: only counts, agency
names and months. A count below SUPPRESS_BELOW (5) is published as "fewer than 5", zero
included, so that a small number cannot point at one person or incident (the small-cell rule
of public statistics; the threshold is the issue's). Auditors read the same figures unsuppressed.
"""
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Iterable

from sqlalchemy import func, select

from workflows.machine import RELEASE_KINDS

from .domain import CANVASS_SEARCH_ACTIONS
from .extensions import db
from .localtime import county_today, localize, to_local, utcnow
from .models import Agency, AuditEvent, Camera, Case, FootageRequest, Registration, RequestTransition

SUPPRESS_BELOW = 5
MONTHS = 12
SEARCH_ACTIONS = CANVASS_SEARCH_ACTIONS  # around a point or along a route
REVEAL_ACTIONS = ("owner.reveal", "owner.reveal_justified")
# The figures of each agency and month, in the order they are shown (codes; labels in views).
MEASURES = ("canvass_searches", "contact_reveals", "footage_requests", "consents", "refusals",
            *(f"releases_{kind}" for kind in RELEASE_KINDS))
# The audit events behind each measure an auditor can drill into.
AUDIT_ACTIONS = {
    "canvass_searches": SEARCH_ACTIONS,
    "contact_reveals": REVEAL_ACTIONS,
    "footage_requests": ("footage_request.open",),
    "consents": ("footage_request.record_consent",),
    "refusals": ("footage_request.record_refusal",),
}


@dataclass
class AgencyFigures:
    """One agency's counts: `months[month][measure]` and `totals[measure]` (unsuppressed)."""

    name: str
    agency_id: int
    months: dict[str, dict[str, int]]
    totals: dict[str, int]


@dataclass
class TransparencyReport:
    """The whole report: the months shown (oldest first, "2026-03"), the registry now, each
    agency's figures, and when it was computed (UTC)."""

    months: list[str]
    active_registrations: int
    cameras: int
    registrations_per_month: dict[str, int]
    agencies: list[AgencyFigures]
    county: dict[str, dict[str, int]]  # month -> measure -> all agencies together
    county_totals: dict[str, int]
    computed_at: datetime


def shown(count: int, suppress: bool = True) -> str | int:
    """A count as published: "fewer than 5" below SUPPRESS_BELOW when suppressing (a marker the
    page and the CSV translate), else the count itself."""
    return "fewer than 5" if suppress and count < SUPPRESS_BELOW else count


def last_months(today: date, count: int = MONTHS) -> list[str]:
    """The `count` county months up to today's, oldest first."""
    year, month, out = today.year, today.month, []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def month_start(month: str) -> datetime:
    """The first instant of a county month (aware, UTC)."""
    year, number = (int(part) for part in month.split("-"))
    return localize(datetime(year, number, 1))


def _month(at: datetime) -> str:
    return to_local(at).strftime("%Y-%m")


def _tally(rows: Iterable[tuple[int | None, datetime]], measure: str,
           counts: dict[int, dict[str, Counter]], months: set[str]) -> None:
    for agency_id, at in rows:
        month = _month(at)
        if agency_id in counts and month in months:
            counts[agency_id][month][measure] += 1


def transparency_report(today: date | None = None) -> TransparencyReport:
    """Compute the report for the MONTHS county months up to `today` (a handful of statements:
    one per measure, whatever the number of agencies)."""
    today = today or county_today()
    months = last_months(today)
    since = month_start(months[0])
    agencies = db.session.execute(select(Agency.id, Agency.name).order_by(Agency.name)).all()
    counts: dict[int, dict[str, Counter]] = {
        agency_id: {month: Counter() for month in months} for agency_id, _ in agencies
    }
    wanted = set(months)
    for measure, actions in (("canvass_searches", SEARCH_ACTIONS), ("contact_reveals", REVEAL_ACTIONS)):
        _tally(db.session.execute(
            select(AuditEvent.agency_id, AuditEvent.at)
            .where(AuditEvent.action.in_(actions), AuditEvent.at >= since)), measure, counts, wanted)
    _tally(db.session.execute(
        select(Case.agency_id, FootageRequest.created_at)
        .join(Case, Case.id == FootageRequest.case_id)
        .where(FootageRequest.created_at >= since)), "footage_requests", counts, wanted)
    moves = db.session.execute(
        select(Case.agency_id, RequestTransition.at, RequestTransition.to_state,
               FootageRequest.release_kind)
        .join(FootageRequest, FootageRequest.id == RequestTransition.footage_request_id)
        .join(Case, Case.id == FootageRequest.case_id)
        .where(RequestTransition.to_state.in_(("consented", "declined", "released")),
               RequestTransition.at >= since))
    for agency_id, at, state, kind in moves:
        measure = {"consented": "consents", "declined": "refusals"}.get(state) or f"releases_{kind}"
        if measure in MEASURES:
            _tally([(agency_id, at)], measure, counts, wanted)

    figures = []
    county: dict[str, dict[str, int]] = {month: dict.fromkeys(MEASURES, 0) for month in months}
    for agency_id, name in agencies:
        per_month = {month: {m: counts[agency_id][month][m] for m in MEASURES} for month in months}
        totals = {m: sum(per_month[month][m] for month in months) for m in MEASURES}
        for month in months:
            for m in MEASURES:
                county[month][m] += per_month[month][m]
        figures.append(AgencyFigures(name, agency_id, per_month, totals))
    county_totals = {m: sum(county[month][m] for month in months) for m in MEASURES}

    active = db.session.scalar(select(func.count()).select_from(Registration)
                               .where(Registration.status == "active")) or 0
    cameras = db.session.scalar(select(func.count()).select_from(Camera)
                                .join(Registration, Registration.id == Camera.registration_id)
                                .where(Registration.status == "active")) or 0
    registered = Counter(
        _month(at) for at in db.session.scalars(
            select(Registration.registered_at).where(Registration.registered_at >= since))
    )
    return TransparencyReport(
        months=months,
        active_registrations=active,
        cameras=cameras,
        registrations_per_month={month: registered.get(month, 0) for month in months},
        agencies=figures,
        county=county,
        county_totals=county_totals,
        computed_at=utcnow(),
    )


def month_range(month: str) -> tuple[datetime, datetime]:
    """The first instant of a county month and of the next (aware, UTC)."""
    start = month_start(month)
    following = (to_local(start) + timedelta(days=32)).strftime("%Y-%m")
    return start, month_start(following)
