"""`flask audit verify`: walk the hash chain and name the first broken event."""
import click
from sqlalchemy import func, select

from ..audit import verify_chain
from ..cli import audit_cli, fail
from ..extensions import db
from ..models import AuditEvent


@audit_cli.command("verify")
def verify() -> None:
    """Check every audit event against its hash and its predecessor; exit 1 on tampering."""
    problems = list(verify_chain())
    if problems:
        fail(f"audit chain broken: {problems[0]}")
    count, last = db.session.execute(
        select(func.count(AuditEvent.id), func.max(AuditEvent.id))
    ).one()
    click.echo(f"audit chain OK: {count} events, last event {last}")
