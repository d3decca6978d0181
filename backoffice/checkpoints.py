"""Signed checkpoints of the audit chain: statements of its head that live outside the database.

A checkpoint is a JSON file:

    {"statement": {"kind": "audit-checkpoint", "count": 1234, "last_event_id": 1234,
                   "last_hash": "<64 hex>", "taken_at": "2026-11-30T15:04:05-08:00"},
     "key_id": "<16 hex>", "signature": "<base64 Ed25519 signature>"}

signed with the registry's Ed25519 key (backoffice/signing.py). The chain *extends* a
checkpoint when it is intact, holds at least `count` events, and its event `last_event_id` still
has the hash the checkpoint states. Anything else means the chain was truncated (fewer events),
rewritten (the event is there with another hash: edited history, or a fork re-chained from an
earlier event), or the checkpoint itself is not genuine. Checkpoints are written on demand
(`flask audit checkpoint`) and on a schedule into AUDIT_CHECKPOINT_DIR, a second location.
"""
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import current_app

from .audit import ChainWalk, walk_chain
from .localtime import format_instant, to_local, utcnow
from .signing import SignatureInvalid, sign, verify

KIND = "audit-checkpoint"
FILE_GLOB = "checkpoint-*.json"


class CheckpointError(Exception):
    """The chain does not extend a checkpoint, or the checkpoint is unreadable or not genuine."""


def unreadable(error: Exception) -> str:
    """Why a file could not be read, in words (for one-line command errors)."""
    if isinstance(error, FileNotFoundError):
        return "no such file"
    if isinstance(error, IsADirectoryError):
        return "a folder, not a file"
    if isinstance(error, PermissionError):
        return "not readable (permission denied)"
    if isinstance(error, (UnicodeDecodeError, ValueError)):
        return "not a checkpoint file (not JSON text)"
    return f"cannot be read ({getattr(error, 'strerror', None) or 'input/output error'})"


@dataclass
class Checkpoint:
    """A verified checkpoint statement and where it came from."""

    count: int
    last_event_id: int | None
    last_hash: str
    taken_at: datetime
    source: str

    @classmethod
    def from_document(cls, document: Any, source: str, public_key: Ed25519PublicKey | None = None):
        """Check the signature and shape of a parsed checkpoint file; CheckpointError if bad."""
        if not isinstance(document, dict):
            raise CheckpointError(f"{source}: not a checkpoint file")
        try:
            statement = verify(document, public_key)
        except SignatureInvalid as error:
            raise CheckpointError(f"{source}: not a genuine checkpoint: {error}") from error
        try:
            if statement["kind"] != KIND:
                raise ValueError(statement["kind"])
            return cls(
                count=int(statement["count"]),
                last_event_id=statement["last_event_id"],
                last_hash=str(statement["last_hash"]),
                taken_at=datetime.fromisoformat(statement["taken_at"]),
                source=source,
            )
        except (KeyError, TypeError, ValueError) as error:
            raise CheckpointError(f"{source}: not a checkpoint statement") from error

    @classmethod
    def load(cls, path: str | os.PathLike, public_key: Ed25519PublicKey | None = None):
        """Read and check one checkpoint file; CheckpointError names the file and the fault."""
        try:
            document = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise CheckpointError(f"{path}: {unreadable(error)}") from error
        return cls.from_document(document, str(path), public_key)

    def taken_at_text(self) -> str:
        """When it was taken, in county local time with the zone."""
        return format_instant(self.taken_at, "en")

    def problem_with(self, walk: ChainWalk) -> str | None:
        """Why the walked chain does not extend this checkpoint, or None when the part of the
        chain it covers is intact (a break after it is the walk's own problem)."""
        if self.count == 0:
            return None
        if self.last_event_id in walk.hashes:
            if walk.hashes[self.last_event_id] != self.last_hash:
                return (
                    f"rewritten: event {self.last_event_id} no longer has the hash the checkpoint"
                    f" of {self.taken_at_text()} states (history edited, or the chain forked before it)"
                )
            return None
        if walk.problems:  # the walk broke before reaching the checkpoint's last event
            return walk.problems[0]
        return (
            f"truncated: the chain ends at event {walk.last_event_id} ({walk.count} events)"
            f" but the checkpoint of {self.taken_at_text()} covers {self.count} events up to"
            f" event {self.last_event_id}"
        )


def check(checkpoints: list[Checkpoint]) -> tuple[ChainWalk, list[tuple[Checkpoint, str]]]:
    """Walk the chain once and test every checkpoint: (the walk, [(checkpoint, problem)])."""
    walk = walk_chain(wanted={c.last_event_id for c in checkpoints if c.last_event_id})
    failures = [(c, problem) for c in checkpoints if (problem := c.problem_with(walk))]
    return walk, failures


def checkpoint_dir() -> Path:
    """AUDIT_CHECKPOINT_DIR as a path (not created)."""
    return Path(current_app.config["AUDIT_CHECKPOINT_DIR"])


def stored() -> list[Path]:
    """The checkpoint files in AUDIT_CHECKPOINT_DIR, oldest first (names sort by time)."""
    folder = checkpoint_dir()
    return sorted(folder.glob(FILE_GLOB)) if folder.is_dir() else []


def load_stored() -> tuple[list[Checkpoint], list[str]]:
    """Every stored checkpoint that reads and verifies, and one line for each that does not."""
    good, bad = [], []
    for path in stored():
        try:
            good.append(Checkpoint.load(path))
        except CheckpointError as error:
            bad.append(str(error))
    return good, bad


def take(out: str | os.PathLike | None = None) -> tuple[Path, ChainWalk]:
    """Sign a statement of the chain's head and write it (default: into AUDIT_CHECKPOINT_DIR).

    Refuses (CheckpointError) to sign a chain that is broken or no longer extends a stored
    checkpoint: a new signature must never launder a truncated or rewritten history.
    """
    previous, bad_files = load_stored()
    if bad_files:
        raise CheckpointError(bad_files[0])
    walk, failures = check(previous)
    if failures:
        checkpoint, problem = failures[0]
        raise CheckpointError(f"not signing: the chain does not extend {checkpoint.source}: {problem}")
    now = utcnow()
    document = sign(
        {
            "kind": KIND,
            "count": walk.count,
            "last_event_id": walk.last_event_id,
            "last_hash": walk.last_hash,
            "taken_at": to_local(now).isoformat(timespec="seconds"),
        }
    )
    if out is None:
        folder = checkpoint_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"checkpoint-{now:%Y%m%dT%H%M%S%fZ}-{walk.last_event_id or 0}.json"
    else:
        path = Path(out)
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    temporary = path.with_name(f".{path.name}.part")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
    return path, walk
