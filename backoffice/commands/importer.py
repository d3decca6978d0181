"""`flask registry import FILE`: owners, registrations and cameras from CSV or GeoJSON."""
import sys
from pathlib import Path

import click

from ..audit import record
from ..cli import fail, registry_cli
from ..extensions import db
from ..importing import ImportFileError, check_rows, import_rows, read_file


@registry_cli.command("import")
@click.argument("file")
def import_file(file: str) -> None:
    """Import a .csv or .geojson file, one camera per row; all rows or none."""
    try:
        source = read_file(file)
    except ImportFileError as exc:
        fail(str(exc))
    rows, rejected = check_rows(source)
    if rejected:
        for row in rejected:
            for line in row.lines():
                click.echo(line, err=True)
        fail(f"import refused: {len(rejected)} of {len(source)} rows rejected, nothing written")
    try:
        stderr = sys.stderr  # click.get_text_stream is deprecated (gone in Click 9)
        with click.progressbar(length=len(rows), label="Importing cameras", file=stderr) as bar:
            counts = import_rows(rows, on_row=bar.update)
        # File name only: the path may say whose machine it came from.
        record("registry.import", detail={**counts.as_dict(), "file": Path(file).name})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    click.echo(counts.summary())
