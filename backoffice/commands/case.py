"""`flask case package` and `flask case verify-package`: the prosecutor's evidence package."""
import click

from workflows import discovery

from ..cli import CommandGroup, fail
from ..errors import RegistryError
from .audit import _public_key

case_cli = CommandGroup("case", help="Cases: the prosecutor's signed evidence package.")


@case_cli.command("package")
@click.argument("case_number")
@click.option("--out", required=True, type=click.Path(), help="Where to write the ZIP.")
@click.option("--to", "recipient", required=True,
              help="Whom the package is for (recorded in every item's custody log).")
@click.option("--agency", "agency_ori", default=None,
              help="The agency's ORI, when several agencies use this case number.")
def package(case_number: str, out: str, recipient: str, agency_ori: str | None) -> None:
    """Write CASE_NUMBER's evidence, receipts, custody reports and signed manifest to one ZIP;
    every item's custody log records the release, and the export is audited."""
    try:
        made = discovery.build(case_number, None, recipient, out, agency_ori=agency_ori)
    except RegistryError as error:
        fail(error.message)
    click.echo(f"evidence package of case {made.case_number} ({len(made.item_ids)} evidence item(s)) "
               f"written to {made.path}, SHA-256 {made.sha256}")


@case_cli.command("verify-package")
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("--public-key", "public_key_file", type=click.Path(dir_okay=False),
              help="Check the signature with this PEM public key instead of the registry's own.")
def verify_package(file: str, public_key_file: str | None) -> None:
    """Check a package offline: its manifest's signature and every file's size and SHA-256,
    nothing missing or added; one line per problem and exit 1 if any."""
    key = _public_key(public_key_file)
    try:
        result = discovery.verify(file, key)
    except RegistryError as error:
        fail(error.message)
    for problem in result.problems[:-1]:
        click.echo(problem)
    if result.problems:
        fail(result.problems[-1])
    manifest = result.manifest or {}
    click.echo(f"package OK: case {manifest['case']['case_number']}, {result.files_checked} file(s) match "
               f"the signed manifest (key {manifest['key_id']})")
