"""Every file the backoffice hands out, through flask.send_file, offered under the name people
gave, in any script (RFC 6266 with RFC 8187).

send_file writes Content-Disposition itself: `filename*` (UTF-8, percent-encoded) for a name
that is not plain ASCII, and beside it an ASCII `filename` for clients without RFC 8187 (curl
-J among them). Werkzeug makes that one by dropping what is not ASCII, which leaves " 2.mp4" of
"監視器錄影 2.mp4"; where letters would be lost we name the file by its fallback instead
("evidence-12.mp4"), keeping send_file's `filename*` as it wrote it.
"""
import io
import mimetypes
import unicodedata
from pathlib import Path
from typing import BinaryIO

from flask import Response, send_file
from werkzeug.http import parse_options_header


def ascii_file_name(name: str, fallback: str) -> str:
    """An ASCII stand-in for name: accents dropped ("Grabación.mp4" gives "Grabacion.mp4"), or
    fallback with name's extension when letters of another script would be lost."""
    decomposed = unicodedata.normalize("NFKD", name)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = "".join(c for c in kept if c.isascii() and c.isprintable() and c not in '"\\')
    if folded == kept and any(c.isalnum() for c in folded.rpartition(".")[0] or folded):
        return folded
    _, dot, extension = folded.rpartition(".")
    return f"{fallback}.{extension}" if dot and extension.isalnum() else fallback


def send_download(
    data: bytes | Path | BinaryIO,
    name: str,
    *,
    mimetype: str | None = None,
    fallback: str | None = None,
    inline: bool = False,
    **options,
) -> Response:
    """data (bytes, a stored file's path, or an open binary file) offered as name: an attachment, or shown in the
    browser when inline (PDFs). fallback names the file for clients that only read the ASCII
    `filename` when name is in another script (without it: what werkzeug keeps of name).
    Other options go to send_file (etag=, max_age=)."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    if mimetype is None:
        mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = send_file(source, mimetype=mimetype, download_name=name, as_attachment=not inline, **options)
    if fallback is not None and not name.isascii():
        kind, _ = parse_options_header(response.headers["Content-Disposition"])
        encoded = response.headers["Content-Disposition"].rpartition("filename*=")[2]
        response.headers.set("Content-Disposition", kind,
                             **{"filename": ascii_file_name(name, fallback), "filename*": encoded})
    return response


def evidence_download(item, path: Path) -> Response:
    """An evidence item's stored copy as an attachment named as it was given (ETag: its SHA-256)."""
    return send_download(path, item.file_name, fallback=f"evidence-{item.id}", etag=item.sha256, max_age=0)
