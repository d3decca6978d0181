"""`flask evidence verify` and `flask evidence clean-incoming`."""
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import func, select

from workflows.fixity import verify_evidence

from ..cli import CommandGroup, fail
from ..evidence_files import remove_partial_uploads
from ..extensions import db
from ..models import EvidenceItem

evidence_cli = CommandGroup("evidence", help="Stored evidence files.")


def _folder() -> Path:
    return Path(current_app.config["EVIDENCE_DIR"])


@evidence_cli.command("verify")
def verify() -> None:
    """Re-hash every stored evidence file; one line per missing or changed file, exit 1 if any."""
    problems = 0
    for item, problem in verify_evidence():
        problems += 1
        click.echo(f"evidence item {item.id} ({item.storage_location}): {problem}")
    count = db.session.scalar(select(func.count(EvidenceItem.id)))
    if problems:
        fail(f"{problems} of {count} evidence file(s) missing or changed")
    click.echo(f"evidence OK: {count} file(s) match their SHA-256")


@evidence_cli.command("clean-incoming")
@click.option("--older-than", default=0, show_default=True, type=click.IntRange(min=0),
              help="Only those last written at least this many seconds ago.")
def clean_incoming(older_than: int) -> None:
    """Remove partial uploads left by dropped connections or killed workers (an upload still
    arriving holds a lock on its file and is kept)."""
    removed = remove_partial_uploads(_folder(), older_than)
    click.echo(f"removed {len(removed)} partial upload(s)")
