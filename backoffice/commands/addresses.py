"""`flask registry import-addresses FILE`: the county's address points for offline geocoding."""
import click

from ..cli import fail, registry_cli
from ..portal.addresses import AddressFileError, import_points


@registry_cli.command("import-addresses")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
def import_addresses(file) -> None:
    """Load address points (CSV: number, street, unit, city, state, zip, lat, lon)."""
    rows = 0
    if file.seekable():
        rows = max(sum(1 for _ in file) - 1, 0)
        file.seek(0)
    try:
        with click.progressbar(length=rows, label="Address points", show_pos=True) as bar:
            summary = import_points(file, step=lambda: bar.update(1))
    except AddressFileError as exc:
        fail(f"{file.name}: {exc}; nothing was imported")
    click.echo(f"added {summary.added}, updated {summary.updated}, duplicates skipped {summary.skipped}")
