"""`flask worker run`, `flask worker jobs` and `flask worker run-job NAME`."""
import click
from sqlalchemy import select

from ..cli import CommandGroup, fail
from ..extensions import db
from ..localtime import format_instant
from ..models import JobRun
from ..worker import BY_NAME, JOBS, run_job, serve

worker_cli = CommandGroup("worker", help="The background worker that runs the scheduled jobs.")


@worker_cli.command("run")
def run() -> None:
    """Run the schedule until stopped (start one or more beside the web server)."""
    serve()


@worker_cli.command("jobs")
def jobs() -> None:
    """Each job, when it runs (county time) and its last run."""
    for job in JOBS:
        last = db.session.scalars(
            select(JobRun).where(JobRun.job == job.name).order_by(JobRun.id.desc()).limit(1)
        ).first()
        when = f"{job.when} county time"
        if last is None:
            outcome = "never run"
        else:
            state = "running" if last.exit_code is None else ("ok" if last.exit_code == 0 else f"failed ({last.exit_code})")
            outcome = f"last run {format_instant(last.started_at, 'en')}: {state}"
        click.echo(f"{job.name:20} {when:34} {outcome}")


@worker_cli.command("run-job")
@click.argument("name", type=click.Choice(sorted(BY_NAME)))
def run_one(name: str) -> None:
    """Run one job now for its current slot (nothing if this slot has already run)."""
    run = run_job(BY_NAME[name])
    if run is None:
        click.echo(f"{name}: this slot has already run")
        return
    click.echo(run.output or "")
    if run.exit_code:
        fail(f"{name} failed (exit {run.exit_code})")
