"""Deadline reminders: tell assignees whose requests' footage may soon be overwritten."""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app, render_template
from sqlalchemy import or_, select

from backoffice.extensions import db
from backoffice import outbox
from backoffice.models import AgencyUser, FootageRequest
from backoffice.models.base import utcnow
from backoffice.domain import WAITING_STATES

from .documents import stamp

@dataclass
class ReminderRun:
    """What one run did."""

    sent: list[int] = field(default_factory=list)  # request ids reminded
    failed: list[int] = field(default_factory=list)  # queued, not delivered yet: retried automatically
    no_email: list[int] = field(default_factory=list)


def due_for_reminder(now: datetime, within: timedelta) -> list[FootageRequest]:
    """Requests not yet collected whose deadline falls within the window and that were not reminded of it."""
    return list(
        db.session.scalars(
            select(FootageRequest)
            .where(
                FootageRequest.state.in_(WAITING_STATES),
                FootageRequest.assignee_id.is_not(None),
                FootageRequest.deadline.is_not(None),
                FootageRequest.deadline >= now,
                FootageRequest.deadline <= now + within,
                or_(
                    FootageRequest.reminded_deadline.is_(None),
                    FootageRequest.reminded_deadline != FootageRequest.deadline,
                ),
            )
            .order_by(FootageRequest.deadline)
        )
    )


def send_reminders(now: datetime | None = None, within_hours: int = 48) -> ReminderRun:
    """One email per assignee listing their requests; each request is reminded once per deadline
    (the reminder is queued with the mark, so one the mail server refused is retried, not redone)."""
    now = now or utcnow()
    run = ReminderRun()
    by_assignee: defaultdict[AgencyUser, list[FootageRequest]] = defaultdict(list)
    for request in due_for_reminder(now, timedelta(hours=within_hours)):
        assert request.assignee is not None  # due_for_reminder selects assigned requests only
        by_assignee[request.assignee].append(request)
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    queued: dict[int, list[int]] = {}  # outbox id -> the requests its reminder lists
    for assignee, requests in by_assignee.items():
        ids = [r.id for r in requests]
        if not assignee.email:
            run.no_email.extend(ids)
            continue
        message = outbox.queue(
            "reminder",
            assignee.email,
            f"Footage deadline within {within_hours} h: {len(requests)} request(s)",
            render_template("mail/deadline_reminder.txt", assignee=assignee, requests=requests, base=base,
                            stamp=stamp),
            about=("user", assignee.id),
        )
        for r in requests:
            r.reminded_deadline = r.deadline
        db.session.commit()
        queued[message.id] = ids
    for outbox_id in outbox.deliver_pending().failed:  # in the outbox: retried automatically
        run.failed.extend(queued.get(outbox_id, []))
    run.sent.extend(i for ids in queued.values() for i in ids if i not in run.failed)
    return run
