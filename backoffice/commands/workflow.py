"""`flask workflow remind`: deadline reminders for footage requests; `flask workflow area-requests`:
reminders and closing of area requests."""
import click

from workflows.area_request import remind_and_close
from workflows.reminders import send_reminders

from ..cli import CommandGroup, fail

workflow_cli = CommandGroup("workflow", help="Footage-request workflow jobs.")


@workflow_cli.command("remind")
@click.option("--within-hours", default=48, show_default=True, help="Remind of deadlines this close.")
def remind(within_hours: int) -> None:
    """Email assignees whose requests' footage deadlines fall within the window (once per deadline)."""
    run = send_reminders(within_hours=within_hours)
    click.echo(f"reminded {len(run.sent)} request(s)")
    if run.no_email:
        click.echo(f"assignee without email for request(s): {', '.join(map(str, run.no_email))}")
    if run.failed:
        fail(f"{len(run.failed)} request(s) ({', '.join(map(str, run.failed))}): the reminder is queued, "
             "not delivered yet (the mail server did not take it); it is retried automatically")


@workflow_cli.command("area-requests")
@click.option("--within-hours", default=48, show_default=True,
              help="Remind owners who have not answered when their footage deadline is this close.")
def area_requests(within_hours: int) -> None:
    """Remind owners who have not answered an area request (once), close those past their last deadline."""
    run = remind_and_close(within_hours=within_hours)
    click.echo(f"reminded {len(run.reminded)} owner(s), closed {len(run.closed)} area request(s)")
