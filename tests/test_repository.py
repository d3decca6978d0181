"""The repository itself: no file carries a merge's conflict markers (a template renders them
as text, so only this check finds them)."""
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(rb"^(<<<<<<< |>>>>>>> |=======$)", re.M)


def test_no_file_has_conflict_markers():
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, check=False)
    names = listed.stdout.decode().split() if listed.returncode == 0 else [
        str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file() and ".venv" not in p.parts]
    marked = [name for name in names
              if (ROOT / name).is_file() and (ROOT / name).stat().st_size < 2_000_000
              and MARKER.search((ROOT / name).read_bytes())]
    assert marked == []
