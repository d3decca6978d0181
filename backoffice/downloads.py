"""File names on downloads: the name people gave, in any script (RFC 6266 with RFC 8187)."""
import mimetypes
import unicodedata
from pathlib import Path
from urllib.parse import quote

from flask import Response, send_file
from werkzeug.http import dump_options_header

# RFC 8187 attr-char: what may stand unencoded in filename*.
_ATTR_CHARS = "!#$&+-.^_`|~"


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


def content_disposition(name: str, *, fallback: str, inline: bool = False) -> str:
    """The Content-Disposition header offering a file under name.

    Every client gets `filename` in ASCII (RFC 6266 §4.3); when name is not plain ASCII it
    also travels exactly, UTF-8 percent-encoded, as `filename*` (RFC 8187, formerly RFC 5987),
    which current browsers prefer.
    """
    plain = ascii_file_name(name, fallback)
    options = {"filename": plain}
    if plain != name:
        options["filename*"] = "UTF-8''" + quote(name, safe=_ATTR_CHARS)
    return dump_options_header("inline" if inline else "attachment", options)


def evidence_download(item, path: Path) -> Response:
    """An evidence item's stored copy as an attachment named as it was given (ETag: its SHA-256)."""
    mimetype = mimetypes.guess_type(item.file_name)[0] or "application/octet-stream"
    response = send_file(path, mimetype=mimetype, etag=item.sha256, max_age=0)
    response.headers["Content-Disposition"] = content_disposition(
        item.file_name, fallback=f"evidence-{item.id}"
    )
    return response
