"""Every download goes through send_download (flask.send_file): the name people gave travels
exactly as RFC 8187 `filename*`, with an ASCII `filename` beside it that keeps its meaning."""
from pathlib import Path
from urllib.parse import unquote

import pytest
from werkzeug.http import parse_options_header

from backoffice.downloads import send_download

BACKOFFICE = Path(__file__).resolve().parents[2] / "backoffice"


def disposition(response) -> tuple[str, str, str | None]:
    """(inline/attachment, the ASCII filename, the decoded filename* or None)."""
    header = response.headers["Content-Disposition"]
    kind, options = parse_options_header(header.partition("; filename*=")[0])
    star = header.partition("filename*=UTF-8''")[2] or None
    return kind, options["filename"], unquote(star, encoding="utf-8") if star else None


@pytest.mark.parametrize("name, fallback, plain", [
    ("audit-log-20261201T104500-0800.csv", None, "audit-log-20261201T104500-0800.csv"),
    ("Grabación cámara 2.mp4", "evidence-7", "Grabacion camara 2.mp4"),
    ("監視器錄影 2.mp4", "evidence-7", "evidence-7.mp4"),
    ("🎥 porch.mp4", "evidence-7", "evidence-7.mp4"),
    ("監" * 296 + ".mp4", "evidence-7", "evidence-7.mp4"),
    ("canvass-Ñ-2026-1.pdf", None, "canvass-N-2026-1.pdf"),
])
def test_names_in_any_script_and_length(app, name, fallback, plain):
    with app.test_request_context():
        response = send_download(b"data", name, fallback=fallback)
        response.direct_passthrough = False
        assert response.get_data() == b"data"
    kind, ascii_name, exact = disposition(response)
    assert kind == "attachment" and ascii_name == plain and ascii_name.isascii()
    assert exact == (None if name.isascii() else name)


def test_pdfs_open_in_the_browser_and_stored_files_stream(app, tmp_path):
    stored = tmp_path / "x.bin"
    stored.write_bytes(b"%PDF-1.7 ...")
    with app.test_request_context():
        response = send_download(stored, "receipt.pdf", inline=True)
        response.direct_passthrough = False
        assert response.mimetype == "application/pdf"
        assert disposition(response) == ("inline", "receipt.pdf", None)
        assert response.get_data() == b"%PDF-1.7 ..."


def test_no_header_is_written_by_hand():
    """Content-Disposition is send_file's to write (downloads.py only mends its ASCII name)."""
    for path in BACKOFFICE.rglob("*.py"):
        if path.name != "downloads.py":
            assert "Content-Disposition" not in path.read_text(encoding="utf-8"), path
