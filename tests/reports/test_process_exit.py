"""A program that rendered a PDF exits cleanly: once the app had loaded SpatiaLite, it ended
with a segmentation fault (status 139) after its last line, in the clean-up of the thread's
font configuration (`make bench` failed after printing its figures)."""
import subprocess
import sys
from pathlib import Path

PROGRAM = """
import sys
import config
from backoffice import create_app
from reports.render import _font_config
from weasyprint import HTML
create_app({"DATABASE_URL": config.sqlite_url(sys.argv[1])})
assert HTML(string="<p>Receipt</p>").write_pdf(font_config=_font_config()).startswith(b"%PDF")
print("rendered")
"""


def test_a_process_that_rendered_a_pdf_exits_with_status_0(tmp_path):
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", PROGRAM, str(tmp_path / "exit.db")],
                            cwd=root, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, (result.returncode, result.stderr[-2000:])
    assert "rendered" in result.stdout
