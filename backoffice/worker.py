"""The background worker: runs the registry's scheduled jobs so that no cron is needed.

`flask worker run` keeps an APScheduler scheduler in county time (`TIMEZONE`; its cron triggers
handle the DST nights) and, at each due time, runs the job's own `flask` command in a child
process, exactly as an operator would. Before running, a worker claims the job's *slot* (the
county date, hour or ISO week it runs for) by inserting a `job_run` row; the unique
(job, slot) key lets only one of several workers run it, and the row keeps the outcome: exit
code and the command's last lines. A job missed while no worker ran (a restart at the due time)
is run when a worker starts, if its slot has not been run yet. Every OUTBOX_SECONDS the worker
also sends the outbox's due e-mails in-process (new ones the request could not deliver, retries).
"""
import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from . import outbox
from .extensions import db
from .localtime import county_zone, to_local, utcnow
from .models import JobRun

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]
OUTBOX_SECONDS = 30  # how often the worker sends the e-mails that are due (queued or retried)
OUTPUT_LINES = 5  # what a run keeps of its command's output (counts and totals, no personal data)


def _day(now: datetime) -> str:
    return now.strftime("%Y-%m-%d")


def _hour(now: datetime) -> str:
    return now.strftime("%Y-%m-%dT%H")


def _week(now: datetime) -> str:
    year, week, _ = now.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class Job:
    """A scheduled command: its name, the `flask` arguments, when (cron fields, county time)
    and the slot a run at a given county time belongs to."""

    name: str
    title: str  # in people's words (the home page's failed-check panel)
    command: tuple[str, ...]
    cron: dict
    slot: Callable[[datetime], str]

    @property
    def when(self) -> str:
        """When it runs, in words: "hourly at :05", "daily at 2:30 AM", "Sundays at 4:00 AM"
        (county time; only the cron fields used above are described)."""
        minute = int(self.cron.get("minute", 0))
        if "hour" not in self.cron:
            return f"hourly at :{minute:02d}"
        hour = int(self.cron["hour"])
        clock = f"{(hour % 12) or 12}:{minute:02d} {'AM' if hour < 12 else 'PM'}"
        day = self.cron.get("day_of_week")
        return f"{WEEKDAYS[day]}s at {clock}" if day else f"daily at {clock}"


WEEKDAYS = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday", "fri": "Friday",
            "sat": "Saturday", "sun": "Sunday"}
JOBS = (
    Job("remind", "Deadline reminders", ("workflow", "remind"), {"minute": 5}, _hour),
    Job("area-requests", "Area request reminders and closing", ("workflow", "area-requests"), {"minute": 20}, _hour),
    Job("audit-checkpoint", "Audit checkpoint", ("audit", "checkpoint"), {"hour": 0, "minute": 15}, _day),
    Job("lapse", "Registration lapse run", ("registry", "lapse"), {"hour": 2, "minute": 30}, _day),
    Job("clean-incoming", "Partial upload sweep", ("evidence", "clean-incoming"), {"hour": 3, "minute": 0}, _day),
    Job("send-confirmations", "Confirmation e-mails", ("registry", "send-confirmations"), {"hour": 6, "minute": 0}, _day),
    Job("evidence-verify", "Evidence fixity check", ("evidence", "verify"), {"day_of_week": "sun", "hour": 4, "minute": 0}, _week),
)
BY_NAME = {job.name: job for job in JOBS}


def claim(job: Job, slot: str) -> JobRun | None:
    """Insert the run of `job` for `slot`; None when another worker (or an earlier run) has it."""
    run = JobRun(job=job.name, slot=slot, started_at=utcnow())
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return run


def run_command(job: Job, env: dict | None = None) -> tuple[int, str]:
    """Run the job's `flask` command in a child process: (exit code, what it said).

    What it said is the last OUTPUT_LINES lines of its standard output when it succeeded
    (warnings a library writes to standard error must not push the command's own report out),
    and of its standard output followed by its standard error when it failed (the error last).
    """
    completed = subprocess.run(
        [sys.executable, "-m", "flask", *job.command],
        cwd=ROOT,
        env=env if env is not None else os.environ.copy(),
        capture_output=True,
        text=True,
        check=False,
    )
    said, complained = completed.stdout.strip().splitlines(), completed.stderr.strip().splitlines()
    lines = said if completed.returncode == 0 and said else said + complained
    return completed.returncode, "\n".join(lines[-OUTPUT_LINES:])


def run_job(job: Job, now: datetime | None = None, env: dict | None = None) -> JobRun | None:
    """Claim this slot of the job and run it; the finished run, or None if it was not ours."""
    local_now = to_local(now or utcnow())
    run = claim(job, job.slot(local_now))
    if run is None:
        return None
    code, output = run_command(job, env)
    run.exit_code, run.output, run.finished_at = code, output, utcnow()
    db.session.commit()
    if code:
        log.error("job %s (%s) failed with exit %s: %s", job.name, run.slot, code, output)
    else:
        log.info("job %s (%s) done", job.name, run.slot)
    return run


def missed(now: datetime | None = None) -> list[Job]:
    """Jobs whose current slot has no run yet and whose time today (or this week) has passed."""
    from apscheduler.triggers.cron import CronTrigger

    local_now = to_local(now or utcnow())
    due = []
    for job in JOBS:
        slot = job.slot(local_now)
        if db.session.scalar(select(JobRun.id).where(JobRun.job == job.name, JobRun.slot == slot)):
            continue
        trigger = CronTrigger(timezone=county_zone(), **job.cron)
        start_of_slot = _slot_start(job, local_now)
        fire = trigger.get_next_fire_time(None, start_of_slot)
        if fire is not None and fire <= local_now and job.slot(fire) == slot:
            due.append(job)
    return due


def _slot_start(job: Job, local_now: datetime) -> datetime:
    """The first instant of the slot `local_now` falls in (county time)."""
    midnight = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    if job.slot is _hour:
        return local_now.replace(minute=0, second=0, microsecond=0)
    if job.slot is _week:
        from datetime import timedelta

        return midnight - timedelta(days=local_now.weekday())
    return midnight


def serve() -> None:
    """Run the schedule until stopped (SIGINT/SIGTERM); missed slots first."""
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is a proxy; typed as the app

    def fire(job: Job) -> None:
        with app.app_context():
            try:
                run_job(job)
            finally:
                db.session.remove()

    for job in missed():
        fire(job)

    def send_mail_due() -> None:
        with app.app_context():
            try:
                outbox.deliver_due()
            except Exception:  # the next round tries again
                log.exception("outbox round failed")
            finally:
                db.session.remove()

    scheduler = BlockingScheduler(timezone=county_zone())
    scheduler.add_job(send_mail_due, IntervalTrigger(seconds=OUTBOX_SECONDS), id="outbox",
                      coalesce=True, max_instances=1)
    for job in JOBS:
        scheduler.add_job(
            fire, CronTrigger(timezone=county_zone(), **job.cron), args=[job], id=job.name,
            coalesce=True, max_instances=1, misfire_grace_time=3600,
        )
    log.info("worker started: %s, outbox every %s s", ", ".join(job.name for job in JOBS), OUTBOX_SECONDS)
    db.session.remove()
    scheduler.start()
