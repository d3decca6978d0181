"""`flask registry import-addresses FILE`: the county's address points for offline geocoding."""
import sys
from pathlib import Path

import click
from sqlalchemy.exc import IntegrityError

from ..audit import record
from ..cli import fail, registry_cli
from ..extensions import db
from ..geocoding import AddressFileError, import_points, read_address_file, unusable_lines


@registry_cli.command("import-addresses")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=True))
@click.option("--strict", is_flag=True,
              help="Refuse the whole file if any row is unusable (default: skip and list them).")
def import_addresses(file: Path, strict: bool) -> None:
    """Load or refresh address points from CSV (ours, OpenAddresses, NENA) or GeoJSON.

    Unusable rows are skipped and listed with their line numbers; a file that cannot be read
    changes nothing.
    """
    try:
        source = read_address_file(file)
    except AddressFileError as exc:
        fail(f"{file.name}: {exc}; nothing was imported")
    if strict and source.unusable:
        for line in unusable_lines(source.unusable):
            click.echo(line, err=True)
        fail(f"{file.name}: {len(source.unusable)} unusable rows (--strict); nothing was imported")
    try:
        stderr = sys.stderr  # click.get_text_stream is deprecated (gone in Click 9)
        label = f"{source.layout} ({source.encoding})"
        with click.progressbar(length=len(source.points), label=label, file=stderr) as bar:
            summary = import_points(source, on_progress=bar.update)
        # File name only: the path may say whose machine it came from.
        record("registry.import_addresses", detail={**summary.as_dict(), "file": file.name})
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        fail(f"{file.name}: address points changed during the import (another import?); "
             "nothing was imported, run it again")
    except Exception:
        db.session.rollback()
        raise
    for line in summary.lines():
        click.echo(line)
