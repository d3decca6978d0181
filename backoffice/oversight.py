"""The supervisor's figures: how an agency's footage requests are going (issue "Oversight").

Everything is computed from the agency's own rows (footage requests and their state history,
`request_transition`), scoped through backoffice.scoping like every other read; nothing is
stored. Durations are in hours; months are county-time calendar months ("2026-03").

Definitions (the numbers on the dashboard, tested against raw SQL in tests):
- *contacted*: a request whose history has a move into ``contacted``; the first such move is
  its contact time. Likewise *consented* (first move into ``consented``) and *collected*
  (first move into ``collected``).
- *contact → consent*: hours from the contact time to the consent time, for requests with both;
  *consent → collection*: hours from consent to collection. The dashboard shows medians.
- *collection rate*: collected ÷ contacted; *refusal rate*: requests that reached ``declined``
  ÷ contacted. Undefined (shown as "—") when nothing was contacted.
- *deadlines at risk*: requests still waiting for footage whose deadline falls within the next
  24 h (or 72 h) or has passed: the rule of the "Due within 24 h / 72 h" lists
  (backoffice.worklists.footage_due_within), so the dashboard and the list agree; *overdue*
  are those whose deadline has passed.
"""
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload

from .domain import REQUEST_STATES, WAITING_STATES
from .extensions import db
from .localtime import to_local, utcnow
from .models import FootageRequest
from .models.case import RequestTransition
from .scoping import scope_to_agency

MILESTONES = ("contacted", "consented", "collected", "declined")
AT_RISK_HOURS = (24, 72)


@dataclass
class Group:
    """The figures of one investigator or one month.

    `contact_to_consent_h` and `consent_to_collection_h` are the individual durations in
    hours (their medians are what people read); rates are fractions 0–1 or None.
    """

    label: str
    requests: int = 0
    contacted: int = 0
    consented: int = 0
    collected: int = 0
    declined: int = 0
    contact_to_consent_h: list[float] = field(default_factory=list)
    consent_to_collection_h: list[float] = field(default_factory=list)

    @property
    def collection_rate(self) -> float | None:
        return self.collected / self.contacted if self.contacted else None

    @property
    def refusal_rate(self) -> float | None:
        return self.declined / self.contacted if self.contacted else None

    @property
    def median_contact_to_consent_h(self) -> float | None:
        return median(self.contact_to_consent_h) if self.contact_to_consent_h else None

    @property
    def median_consent_to_collection_h(self) -> float | None:
        return median(self.consent_to_collection_h) if self.consent_to_collection_h else None

    def add(self, milestones: dict[str, datetime]) -> None:
        """Count one request whose first moves into each milestone state are `milestones`."""
        self.requests += 1
        for name in MILESTONES:
            if name in milestones:
                setattr(self, name, getattr(self, name) + 1)
        contacted, consented = milestones.get("contacted"), milestones.get("consented")
        collected = milestones.get("collected")
        if contacted and consented and consented >= contacted:
            self.contact_to_consent_h.append(_hours(consented - contacted))
        if consented and collected and collected >= consented:
            self.consent_to_collection_h.append(_hours(collected - consented))


@dataclass
class AtRisk:
    """A request still waiting for footage and its deadline (UTC, aware)."""

    id: int
    case_number: str
    state: str
    deadline: datetime
    assignee: str


@dataclass
class SupervisorFigures:
    """Everything the supervisor dashboard shows, for one agency (or the county for Admin)."""

    by_state: dict[str, int]
    overall: Group
    by_investigator: list[Group]
    by_month: list[Group]
    overdue: list[AtRisk]
    at_risk: dict[int, list[AtRisk]]  # hours ahead (24, 72) -> requests due by then
    now: datetime


def _hours(delta: timedelta) -> float:
    return round(delta.total_seconds() / 3600, 2)


def _person(user) -> str:
    if user is None:
        return "Unassigned"
    name = f"{user.first_name or ''} {user.last_name or ''}".strip()
    return name or user.username


def supervisor_figures(user, now: datetime | None = None) -> SupervisorFigures:
    """The agency's figures as `user` may see them (their agency; county-wide for Admin).

    Two statements: the requests (with case and assignee) and their state history.
    """
    now = now or utcnow()
    query = scope_to_agency(db.session.query(FootageRequest), FootageRequest, user)
    requests = query.options(joinedload(FootageRequest.assignee),
                             lazyload(FootageRequest.registration)).all()
    ids = [item.id for item in requests]
    first: dict[int, dict[str, datetime]] = defaultdict(dict)
    if ids:
        rows = db.session.execute(
            select(RequestTransition.footage_request_id, RequestTransition.to_state,
                   RequestTransition.at)
            .where(RequestTransition.footage_request_id.in_(ids),
                   RequestTransition.to_state.in_(MILESTONES))
            .order_by(RequestTransition.at, RequestTransition.id)
        ).all()
        for request_id, state, at in rows:
            first[request_id].setdefault(state, at)

    by_state = Counter(item.state for item in requests)
    overall = Group("All")
    investigators: dict[str, Group] = {}
    months: dict[str, Group] = {}
    overdue: list[AtRisk] = []
    at_risk: dict[int, list[AtRisk]] = {hours: [] for hours in AT_RISK_HOURS}
    for item in requests:
        milestones = first.get(item.id, {})
        overall.add(milestones)
        who = _person(item.assignee)
        investigators.setdefault(who, Group(who)).add(milestones)
        month = to_local(item.created_at).strftime("%Y-%m")
        months.setdefault(month, Group(month)).add(milestones)
        if item.state in WAITING_STATES and item.deadline is not None:
            entry = AtRisk(item.id, item.case.case_number, item.state, item.deadline, who)
            if item.deadline < now:
                overdue.append(entry)
            for hours in AT_RISK_HOURS:
                if item.deadline <= now + timedelta(hours=hours):
                    at_risk[hours].append(entry)
    for entries in (overdue, *at_risk.values()):
        entries.sort(key=lambda entry: entry.deadline)
    return SupervisorFigures(
        by_state={state: by_state.get(state, 0) for state in REQUEST_STATES},
        overall=overall,
        by_investigator=sorted(investigators.values(), key=lambda g: (-g.requests, g.label)),
        by_month=[months[key] for key in sorted(months)],
        overdue=overdue,
        at_risk=at_risk,
        now=now,
    )
