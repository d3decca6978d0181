"""/tiles/<z>/<x>/<y>.png: a county's own basemap, exported from its GIS, served by the app.

TILES_PATH is an MBTiles file (SQLite; rows in TMS order, y counted from the south) or a folder
of XYZ tiles (`z/x/y.png`, also `.jpg`/`.jpeg`/`.webp`). Raster tiles only. Public, like the
maps that use them (the portal's among them): a basemap holds no registry data.
"""
from __future__ import annotations

import hashlib
import logging
import sqlite3
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, request, send_file

log = logging.getLogger(__name__)

bp = Blueprint("tiles", __name__, url_prefix="/tiles")
MAX_ZOOM = 24
CACHE_SECONDS = 24 * 3600
MISSING_CACHE_SECONDS = 3600
FOLDER_EXTENSIONS = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                     ".webp": "image/webp"}
_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))


def _image_type(data: bytes) -> str | None:
    """The raster type of a tile's bytes, or None (vector or gzip tiles are not images)."""
    for magic, mimetype in _MAGIC:
        if data.startswith(magic):
            return mimetype
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _missing() -> Response:
    response = Response("No tile here.", status=404, mimetype="text/plain")
    response.headers["Cache-Control"] = f"public, max-age={MISSING_CACHE_SECONDS}"
    return response


def _cached(response: Response) -> Response:
    response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response


def mbtiles_tile(path: Path, z: int, x: int, y: int) -> bytes | None:
    """The tile's bytes from an MBTiles file (read-only), None when it holds none."""
    uri = path.resolve().as_uri() + "?mode=ro"
    connection = sqlite3.connect(uri, uri=True, timeout=5)
    try:
        row = connection.execute(
            "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
            (z, x, (1 << z) - 1 - y),  # TMS rows count from the south
        ).fetchone()
    finally:
        connection.close()
    return bytes(row[0]) if row and row[0] is not None else None


def folder_tile(folder: Path, z: int, x: int, y: int) -> Path | None:
    """The tile's file in a z/x/y folder, None when there is none."""
    for extension in FOLDER_EXTENSIONS:
        candidate = folder / str(z) / str(x) / f"{y}{extension}"
        if candidate.is_file():
            return candidate
    return None


@bp.route("/<int:z>/<int:x>/<int:y>.png")
def tile(z: int, x: int, y: int):
    """One tile of TILES_PATH, cached a day by browsers; 404 when there is none."""
    source = current_app.config.get("TILES_PATH") or ""
    if not source or z > MAX_ZOOM or x >= 1 << z or y >= 1 << z:
        return _missing()
    path = Path(source)
    try:
        if path.is_dir():
            found = folder_tile(path, z, x, y)
            if found is None:
                return _missing()
            response = send_file(found, mimetype=FOLDER_EXTENSIONS[found.suffix.lower()],
                                 conditional=True, etag=True, max_age=CACHE_SECONDS)
            return _cached(response)
        data = mbtiles_tile(path, z, x, y) if path.is_file() else None
    except (OSError, sqlite3.Error) as exc:
        log.error("TILES_PATH %s: %s", source, exc)
        return _missing()
    if data is None:
        return _missing()
    mimetype = _image_type(data)
    if mimetype is None:
        log.error("TILES_PATH %s: tile %s/%s/%s is not a PNG, JPEG or WebP image", source, z, x, y)
        return _missing()
    response = Response(data, mimetype=mimetype)
    response.set_etag(hashlib.sha256(data).hexdigest())
    response.make_conditional(request)
    return _cached(response)


def register_tiles(app: Flask) -> None:
    """Serve TILES_PATH at /tiles/ (answers 404 for every tile when it is not set)."""
    app.register_blueprint(bp)
    source = app.config.get("TILES_PATH") or ""
    if source and not Path(source).exists():
        log.error("TILES_PATH %s does not exist: the maps have no background", source)
