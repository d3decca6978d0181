"""`flask registry send-confirmations` and `flask registry lapse`: the annual cycle."""
from datetime import datetime

import click

from ..cli import fail, registry_cli
from ..localtime import county_today, localize_leniently, to_local, utcnow
from ..portal import jobs


@registry_cli.command("send-confirmations")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Run as if today were this date (YYYY-MM-DD).")
def send_confirmations(today) -> None:
    """Email every registration whose annual confirmation is due (safe to run again)."""
    day = today.date() if today else county_today()
    ids = jobs.due_registrations(day)
    with click.progressbar(length=len(ids), label="Confirmation emails") as bar:
        summary = jobs.send_confirmations(day, ids=ids, step=lambda: bar.update(1))
    click.echo(f"sent {summary.sent}, skipped {summary.skipped}, not delivered yet {summary.failed}, "
               f"to call {summary.to_call} (Registry → Confirmations to call)")
    if summary.failed:  # a delivery that failed now fails the job, as `workflow remind` does
        fail(f"{summary.failed} confirmation e-mail(s) queued, not delivered yet (the mail server did "
             "not take them); they are retried automatically")


@registry_cli.command("lapse")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Run as if today were this date (YYYY-MM-DD).")
def lapse(today) -> None:
    """Lapse registrations 30 days overdue; purge long-lapsed, withdrawn and unverified data."""
    day = today.date() if today else county_today()
    # Run as if it were this time of day on that county date.
    now = localize_leniently(datetime.combine(day, to_local(utcnow()).time())) if today else None
    summary = jobs.lapse(day, now)
    click.echo(
        f"lapsed {summary.lapsed}, purged {summary.purged}, "
        f"removed after a hold ended {summary.removed_after_hold}, still held {summary.held}, "
        f"unverified submissions deleted {summary.unverified_deleted}, "
        f"e-mails forgotten {summary.messages_forgotten}"
    )
