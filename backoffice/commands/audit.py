"""`flask audit verify`, `flask audit checkpoint` and `flask audit public-key`."""
from pathlib import Path

import click

from ..checkpoints import Checkpoint, CheckpointError, check, load_stored, take, unreadable
from ..cli import audit_cli, fail
from ..signing import load_public_key, public_key_pem


def _public_key(path: str | None):
    """The key named by --public-key, else None (the registry's own)."""
    if path is None:
        return None
    try:
        pem = Path(path).read_bytes()
    except OSError as error:
        fail(f"{path}: {unreadable(error)}")
    try:
        return load_public_key(pem)
    except (ValueError, TypeError):
        fail(f"{path}: not an Ed25519 public key in PEM form (export one with `flask audit public-key`)")


@audit_cli.command("verify")
@click.option(
    "--checkpoint",
    "checkpoint_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="A signed checkpoint file the chain must extend (repeatable).",
)
@click.option(
    "--public-key",
    "public_key_file",
    type=click.Path(dir_okay=False),
    help="Check checkpoint signatures with this PEM public key instead of the registry's own.",
)
def verify(checkpoint_files: tuple[str, ...], public_key_file: str | None) -> None:
    """Check every event against its keyed hash and its predecessor, and that the chain extends
    each checkpoint given and each stored in AUDIT_CHECKPOINT_DIR; exit 1 naming what broke."""
    key = _public_key(public_key_file)
    try:
        given = [Checkpoint.load(path, key) for path in checkpoint_files]
    except CheckpointError as error:
        fail(str(error))
    stored, bad_files = load_stored()
    if bad_files:
        fail(f"stored checkpoint {bad_files[0]}")
    walk, failures = check(given + stored)
    if walk.problems:
        fail(f"audit chain broken: {walk.problems[0]}")
    if failures:
        checkpoint, problem = failures[0]
        fail(f"audit chain does not extend checkpoint {checkpoint.source}: {problem}")
    checked = len(given) + len(stored)
    suffix = f"; extends {checked} checkpoint{'s' if checked != 1 else ''}" if checked else ""
    click.echo(f"audit chain OK: {walk.count} events, last event {walk.last_event_id}{suffix}")


@audit_cli.command("checkpoint")
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    help="Where to write the signed statement (default: a new file in AUDIT_CHECKPOINT_DIR).",
)
def checkpoint(out: str | None) -> None:
    """Sign a statement of the chain's head (count, last hash, time) with the Ed25519 key."""
    try:
        path, walk = take(out)
    except CheckpointError as error:
        fail(str(error))
    except OSError as error:
        fail(f"cannot write the checkpoint: {error.strerror or error} ({out or 'AUDIT_CHECKPOINT_DIR'})")
    click.echo(f"checkpoint of {walk.count} events up to event {walk.last_event_id} written to {path}")


@audit_cli.command("public-key")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the PEM here instead of printing it.")
def public_key(out: str | None) -> None:
    """Print (or write) the public key that checks checkpoints, for whoever verifies them."""
    pem = public_key_pem()
    if out is None:
        click.echo(pem, nl=False)
        return
    try:
        Path(out).write_text(pem, encoding="ascii")
    except OSError as error:
        fail(f"cannot write {out}: {error.strerror or error}")
    click.echo(f"public key written to {out}")
