"""`flask registry ...` and `flask audit ...` commands."""
import click
from flask import Flask
from flask.cli import AppGroup

registry_cli = AppGroup("registry", help="Camera registry data: demo data, imports, confirmations.")
audit_cli = AppGroup("audit", help="The tamper-evident audit log.")


def register_cli(app: Flask) -> None:
    """Attach the command groups to the app."""
    from . import commands  # noqa: F401  (defines the commands on the groups)

    app.cli.add_command(registry_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(commands.workflow.workflow_cli)
    app.cli.add_command(commands.evidence.evidence_cli)
    app.cli.add_command(commands.worker.worker_cli)


def fail(message: str) -> None:
    """Stop a command with one line saying why and a non-zero exit."""
    raise click.ClickException(message)
