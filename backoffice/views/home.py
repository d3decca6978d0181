"""The landing page after sign-in: each role's work, counted, with links to the lists.

A panel appears when the user may open the list it links to (the security manager's
permission check, the same one the list itself makes), and its count comes from the rule that
list uses (backoffice.worklists), so the number on the home page is the number of rows the
link shows. Case data is counted within the user's agency (backoffice.scoping).
"""
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app, g
from flask_appbuilder import IndexView, expose
from sqlalchemy import and_, func, select

from workflows.effects import RELEASE_DECISIONS

from ..domain import WAITING_STATES
from ..extensions import db
from ..localtime import county_today, format_day, utcnow
from ..models import (
    AuditEvent,
    Case,
    EvidenceItem,
    FootageRequest,
    JobRun,
    Registration,
    RegistrationLifecycle,
    RequestTransition,
)
from ..models.security import UserSecurity
from ..portal.records import review_queue
from ..scoping import scope_request, scope_to_agency
from ..security.roles import DECIDE_RELEASE
from ..worklists import (
    confirmation_by_phone,
    confirmation_due,
    confirmation_overdue,
    footage_due_within,
    release_waiting,
)
from ..worker import BY_NAME
from .timefields import zone_label

SHOWN = 5  # rows listed in a panel; the link opens the whole list


@dataclass
class Row:
    """One item of a panel: its words, where it opens, and a time to show beside it."""

    text: str
    url: str
    at: object = None
    warning: str = ""
    note: str = ""  # said beside it, not as a warning


@dataclass
class Panel:
    """A piece of work: how many, in words, the list it opens, and the first few items."""

    title: str
    count: int | None  # None: nothing waits, the panel only informs
    summary: str
    url: str
    link: str
    rows: list[Row] = field(default_factory=list)
    urgent: bool = False
    empty: str = "Nothing waiting."


@dataclass
class Action:
    """A button for the first step of a role's usual work."""

    text: str
    url: str


def _count(query) -> int:
    return db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()


def _requests(user, condition):
    query = db.session.query(FootageRequest).filter(condition)
    return scope_to_agency(query, FootageRequest, user)


def _request_row(item: FootageRequest, received: set[int] | frozenset[int] = frozenset()) -> Row:
    """A request in a panel; one whose files arrived (`received`) says so, since it then waits
    only for the investigator to mark the footage collected, whatever its deadline."""
    row = Row(f"#{item.id} · case {item.case.case_number} · {item.registration.address}",
              f"/footage/{item.id}", item.deadline)
    if item.id in received:
        row.note = "file received: mark the footage collected"
    elif item.deadline is not None and item.deadline < utcnow():
        row.warning = "deadline passed: the footage may already be overwritten"
    return row


def _received(requests: list[FootageRequest]) -> set[int]:
    """Those of the requests with an evidence file already stored (one statement)."""
    ids = [r.id for r in requests]
    if not ids:
        return set()
    return set(db.session.scalars(
        select(EvidenceItem.footage_request_id).where(EvidenceItem.footage_request_id.in_(ids)).distinct()))


def _registry_panels() -> list[Panel]:
    waiting = db.session.execute(
        review_queue().add_columns(RegistrationLifecycle.verified_at).limit(SHOWN)).all()
    waiting_count = _count(review_queue())
    today = county_today()
    due_count = db.session.execute(
        select(func.count(Registration.id)).where(confirmation_due(today))).scalar_one()
    overdue_count = db.session.execute(
        select(func.count(Registration.id)).where(confirmation_overdue(today))).scalar_one()
    call_count = db.session.execute(
        select(func.count(Registration.id)).where(confirmation_by_phone(today))).scalar_one()
    due = db.session.execute(
        select(Registration).where(confirmation_due(today))
        .order_by(Registration.next_confirmation_due, Registration.id).limit(SHOWN)).scalars().all()
    return [
        Panel("Review queue", waiting_count,
              f"{waiting_count} registration{'s'[:waiting_count != 1]} waiting for a decision",
              "/review/", "Open the review queue",
              [Row(f"{r.address}, {r.city}", f"/review/{r.id}", verified_at)
               for r, verified_at in waiting]),
        Panel("Confirmations due", due_count,
              f"{due_count} due within the lead time, {overdue_count} of them overdue",
              "/dueregistrationview/list/", "Open Due for confirmation",
              [Row(f"{r.address}, {r.city} — due {format_day(r.next_confirmation_due)}",
                   f"/registrationview/show/{r.id}",
                   warning="overdue" if r.next_confirmation_due < today else "") for r in due],
              urgent=overdue_count > 0, empty="None due."),
        Panel("Confirmations to call", call_count,
              f"{call_count} owner{'s'[:call_count != 1]} due for confirmation with no e-mail "
              "or who asked for a call or a text", "/calllistview/list/", "Open the call list",
              empty="Nobody to call."),
    ]


def _footage_panels(user, approve: bool) -> list[Panel]:
    panels = []
    due = _requests(user, footage_due_within(24))
    due_count = _count(due)
    rows = due.order_by(FootageRequest.deadline).limit(SHOWN).all()
    mine = _requests(user, and_(FootageRequest.assignee_id == user.id,
                                FootageRequest.state.in_(WAITING_STATES)))
    mine_count = _count(mine)
    mine_rows = mine.order_by(FootageRequest.deadline.is_(None), FootageRequest.deadline).limit(SHOWN).all()
    received = _received(rows + mine_rows)
    panels.append(Panel(
        "Footage due within 24 h", due_count,
        f"{due_count} request{'s'[:due_count != 1]} whose footage may be overwritten within a day",
        "/due24view/list/", "Open Due within 24 h", [_request_row(r, received) for r in rows],
        urgent=due_count > 0, empty="No footage at risk in the next 24 hours."))
    panels.append(Panel(
        "Your open requests", mine_count,
        f"{mine_count} request{'s'[:mine_count != 1]} assigned to you, footage not yet collected",
        f"/footagerequestview/list/?_flt_0_assignee={user.id}", "Open the footage requests",
        [_request_row(r, received) for r in mine_rows], empty="None assigned to you."))
    panels.append(_news_panel(user))
    if approve:
        waiting = _requests(user, release_waiting())
        waiting_count = _count(waiting)
        rows = waiting.order_by(FootageRequest.updated_at).limit(SHOWN).all()
        panels.append(Panel(
            "Releases waiting for approval", waiting_count,
            f"{waiting_count} release{'s'[:waiting_count != 1]} waiting for a supervisor",
            "/footage/approvals", "Open the approval queue",
            [Row(f"#{r.id} · case {r.case.case_number}", f"/footage/{r.id}", r.updated_at)
             for r in rows]))
    return panels


NEWS_DAYS = 7


def _shortened(text: str, most: int = 60) -> str:
    """Text for a panel row: at most `most` characters, the cut marked."""
    return text if len(text) <= most else text[:most - 1] + "…"


def _news_panel(user) -> Panel:
    """What happened in the last NEWS_DAYS days on the user's requests (assigned to them, or
    unassigned on a case they lead) without them: an owner's upload through a link, an owner's
    "I have footage" answer to an area request, a release approved or denied. The same news is e-mailed to those who chose it."""
    since = utcnow() - timedelta(days=NEWS_DAYS)
    theirs = select(FootageRequest.id).join(Case, Case.id == FootageRequest.case_id).where(
        (FootageRequest.assignee_id == user.id)
        | (FootageRequest.assignee_id.is_(None) & (Case.lead_investigator_id == user.id)))
    theirs = scope_to_agency(theirs, FootageRequest, user)
    uploads = db.session.execute(
        select(EvidenceItem.footage_request_id, EvidenceItem.collected_at, EvidenceItem.file_name)
        .where(EvidenceItem.footage_request_id.in_(theirs), EvidenceItem.collected_by_id.is_(None),
               EvidenceItem.collected_at >= since)
        .order_by(EvidenceItem.collected_at.desc()).limit(SHOWN)).all()
    decisions = db.session.execute(
        select(RequestTransition.footage_request_id, RequestTransition.at, RequestTransition.trigger,
               RequestTransition.note)
        .where(RequestTransition.footage_request_id.in_(theirs),
               RequestTransition.trigger.in_(RELEASE_DECISIONS)
               | ((RequestTransition.trigger == "record_consent") & RequestTransition.actor_id.is_(None)),
               RequestTransition.at >= since)
        .order_by(RequestTransition.at.desc()).limit(SHOWN)).all()
    news = sorted([(at, request_id, f"the owner uploaded {_shortened(name)}") for request_id, at, name in uploads]
                  + [(at, request_id, "the owner has footage (answer to an area request)"
                      if trigger == "record_consent" else f"release {RELEASE_DECISIONS[trigger]}"
                      + (f": {_shortened(note)}" if note and trigger == "deny_release" else ""))
                     for request_id, at, trigger, note in decisions],
                  key=lambda entry: entry[0], reverse=True)[:SHOWN]
    rows = [Row(f"#{request_id} · {what}", f"/footage/{request_id}", at) for at, request_id, what in news]
    return Panel("News on your requests", None,
                 f"Uploads by owners and release decisions of the last {NEWS_DAYS} days",
                 "/footagerequestview/list/?_flt_0_assignee={}".format(user.id), "Open your requests",
                 rows, empty="Nothing new.")


def _audit_panels() -> list[Panel]:
    since = utcnow() - timedelta(days=7)
    events = scope_request(select(func.count(AuditEvent.id)), AuditEvent)  # the events the reader may see
    reveals = db.session.execute(
        events.where(AuditEvent.action == "owner.reveal", AuditEvent.at >= since)).scalar_one()
    recent = db.session.execute(
        events.where(AuditEvent.at >= utcnow() - timedelta(days=1))
    ).scalar_one()
    return [Panel("Audit log", None, f"{recent} events in the last 24 hours; "
                  f"{reveals} owner contact reveal{'s'[:reveals != 1]} in the last 7 days",
                  "/auditeventview/list/", "Open the audit log", empty="")]


def _last_line(output: str | None) -> str:
    lines = (output or "").strip().splitlines()
    return lines[-1] if lines else "no output"


def _jobs_panel() -> list[Panel]:
    """The scheduled jobs whose latest run (in the last 8 days) failed, with its last line."""
    runs = db.session.scalars(
        select(JobRun).where(JobRun.started_at >= utcnow() - timedelta(days=8))
        .order_by(JobRun.job, JobRun.id.desc())
    ).all()
    latest: dict[str, JobRun] = {}
    for run in runs:
        latest.setdefault(run.job, run)
    failed = [run for run in latest.values() if run.exit_code not in (0, None)]
    rows = [Row(f"{BY_NAME[run.job].title if run.job in BY_NAME else run.job} failed: {_last_line(run.output)}",
                "/audit/checkpoints/", run.started_at, "failed") for run in failed]
    summary = (f"{len(failed)} scheduled job{'s'[:len(failed) != 1]} failed on its last run"
               if failed else f"The last run of each of {len(latest)} scheduled jobs succeeded")
    return [Panel("Scheduled checks", len(failed), summary, "/audit/checkpoints/",
                  "Open the audit checkpoints", rows=rows, urgent=bool(failed), empty="")]


def _admin_panels() -> list[Panel]:
    locked = db.session.execute(
        select(func.count()).select_from(UserSecurity).where(UserSecurity.locked_until > utcnow())
    ).scalar_one()
    return [Panel("Accounts", locked, f"{locked} account{'s'[:locked != 1]} locked out now",
                  "/users/list/", "Open the user list", urgent=locked > 0, empty="")]


def work_for(user) -> tuple[list[Panel], list[Action]]:
    """The panels and first-step buttons for `user`, by what their roles may open."""
    security = current_app.appbuilder.sm  # type: ignore[attr-defined]  # FAB sets app.appbuilder

    def may(permission: str, view: str) -> bool:
        return security.has_access(permission, view)

    panels: list[Panel] = []
    actions: list[Action] = []
    if may("can_read", "RegistrationReview"):
        panels += _registry_panels()
        actions.append(Action("Find a registration", "/registrationview/list/"))
    if may("can_read", "FootageRequest") and may("can_read", "Canvass"):
        panels += _footage_panels(user, approve=security.may(user, DECIDE_RELEASE))
        actions += [Action("Open a case", "/caseview/add"), Action("Search the map", "/map/"),
                    Action("Footage requests", "/footagerequestview/list/")]
    if may("can_read", "AuditEvent"):
        panels += _audit_panels()
    if may("can_read", "AuditCheckpoint"):
        panels += _jobs_panel()
    if may("can_list", "AgencyUserView"):
        panels += _admin_panels()
    return panels, actions


class HomeView(IndexView):
    """Shows each role its work: what is waiting, how urgent, and where to start."""

    index_template = "home.html"

    @expose("/")
    def index(self):
        """The home page (public: it shows the sign-in link to anonymous visitors)."""
        user = g.user if getattr(g, "user", None) and g.user.is_authenticated else None
        panels, actions = work_for(user) if user is not None else ([], [])
        return self.render_template(self.index_template, appbuilder=self.appbuilder, user=user,
                                    panels=panels, actions=actions, zone_label=zone_label())
