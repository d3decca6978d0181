"""`flask registry ...` and `flask audit ...` commands, and what every command group shares."""
import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy.exc import DBAPIError


class CommandGroup(AppGroup):
    """A command group whose commands fail with one line, not a traceback, when the database
    cannot be reached or is not migrated to this release (`flask db upgrade`)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except DBAPIError as error:
            problem = database_problem()
            if problem is None:
                raise  # the database is fine: a fault of the command, shown in full
            raise click.ClickException(problem) from error


def database_problem() -> str | None:
    """Why commands cannot use the configured database, in one line; None when it is reachable
    and at this release's migration."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from flask import current_app

    from .extensions import db

    try:
        with db.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except DBAPIError as error:
        return f"The database cannot be reached ({type(error.orig).__name__}); check DATABASE_URL."
    migrations = current_app.extensions["migrate"].directory
    head = ScriptDirectory(migrations).get_current_head()
    if current != head:
        return (f"The database is at migration {current or 'none'}, this release needs {head}: "
                f"run `flask db upgrade` (or `make run`).")
    return None


registry_cli = CommandGroup("registry", help="Camera registry data: demo data, imports, confirmations.")
audit_cli = CommandGroup("audit", help="The tamper-evident audit log.")


def register_cli(app: Flask) -> None:
    """Attach the command groups to the app."""
    from . import commands  # defines the commands on the groups

    app.cli.add_command(registry_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(commands.workflow.workflow_cli)
    app.cli.add_command(commands.evidence.evidence_cli)
    app.cli.add_command(commands.case.case_cli)
    app.cli.add_command(commands.worker.worker_cli)


def fail(message: str) -> None:
    """Stop a command with one line saying why and a non-zero exit."""
    raise click.ClickException(message)
