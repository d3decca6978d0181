"""`flask evidence verify` re-hashes stored files; partial uploads are swept at start-up and by command."""
import os
import time
from pathlib import Path

from backoffice import create_app
from backoffice.extensions import db
from tests import factories
from tests.workflows.helpers import add_evidence_row, request_in


def stored(ctx, content: bytes, name: str):
    """An evidence item with its real file in EVIDENCE_DIR."""
    request = request_in("consented", evidence=False)
    item = add_evidence_row(request, factories.user("investigator"), content, name)
    db.session.commit()
    path = Path(ctx.config["EVIDENCE_DIR"]) / item.storage_location
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return item, path


def test_verify_reports_missing_and_changed_files(ctx, runner):
    good, _ = stored(ctx, b"intact footage", "good.mp4")
    changed, changed_path = stored(ctx, b"original footage", "changed.mp4")
    missing, missing_path = stored(ctx, b"lost footage", "missing.mp4")
    changed_path.write_bytes(b"edited footage")
    missing_path.unlink()

    result = runner.invoke(args=["evidence", "verify"])

    assert result.exit_code != 0
    assert f"evidence item {changed.id} ({changed.storage_location}): changed" in result.output
    assert f"evidence item {missing.id} ({missing.storage_location}): missing" in result.output
    assert f"evidence item {good.id} " not in result.output


def test_verify_all_matching_is_one_line_and_exit_zero(ctx, runner):
    stored(ctx, b"intact footage", "good.mp4")
    stored(ctx, b"more footage", "other.mp4")

    result = runner.invoke(args=["evidence", "verify"])

    assert result.exit_code == 0, result.output
    assert result.output == "evidence OK: 2 file(s) match their SHA-256\n"


def leftover(folder: Path, relative: str, age_s: float) -> Path:
    """A partial upload as a dropped connection leaves it, last written age_s ago."""
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"half of a video")
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path


def test_start_up_removes_dead_partial_uploads_and_keeps_live_ones(app, tmp_path):
    """A partial upload nobody holds is dead however fresh; one still being written is kept."""
    from backoffice.evidence_files import IncomingFile

    folder = tmp_path / "evidence"
    dropped = leftover(folder, ".incoming/abc.part", 2 * 3600)
    just_dropped = leftover(folder, ".incoming/fresh.part", 1)
    dropped_stream = leftover(folder, "7/.incoming-def", 2 * 3600)
    arriving = IncomingFile(folder / ".incoming")  # another worker, still receiving
    arriving.write(b"the first part of a video")
    kept = leftover(folder, "7/stored.mp4", 2 * 3600)

    create_app({**{k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI",)}, "EVIDENCE_DIR": str(folder)})

    assert not dropped.exists() and not just_dropped.exists() and not dropped_stream.exists()
    assert arriving.path.exists() and kept.exists()
    arriving.discard()
    assert not arriving.path.exists()


def test_clean_incoming_command(ctx, runner):
    folder = Path(ctx.config["EVIDENCE_DIR"])
    dropped = leftover(folder, ".incoming/old.part", 2 * 3600)
    result = runner.invoke(args=["evidence", "clean-incoming"])
    assert result.exit_code == 0, result.output
    assert not dropped.exists()
