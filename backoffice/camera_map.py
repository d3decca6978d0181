"""The map's camera layer as GeoJSON, bounded in size at any zoom."""
from __future__ import annotations

import logging
import threading
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from . import spatial
from .database import begin_write
from .localtime import utcnow
from .models import CameraMapSummary
from .errors import InvalidInputError
from .extensions import db
from .models.validation import FieldError, check_latitude, check_longitude

_summary_lock = threading.Lock()
# This process's copy of the stored summary, as arrays, and the stamp it was read at.
_summary: dict[str, Any] = {"key": None, "built_at": None, "cells": None, "refreshing": None}
log = logging.getLogger(__name__)


class BoxParameterError(InvalidInputError):
    """A missing or malformed bbox (HTTP 400)."""


def parse_bbox(raw: str | None) -> spatial.Box:
    """minlon,minlat,maxlon,maxlat in decimal degrees (each through the longitude or latitude rule)."""
    if not raw:
        raise BoxParameterError("bbox is required: minlon,minlat,maxlon,maxlat", field="bbox")
    parts = raw.split(",")
    if len(parts) != 4:
        raise BoxParameterError("bbox must be four numbers: minlon,minlat,maxlon,maxlat", field="bbox")
    checks = (check_longitude, check_latitude, check_longitude, check_latitude)
    try:
        min_lon, min_lat, max_lon, max_lat = (check(part) for check, part in zip(checks, parts, strict=True))
    except FieldError as error:
        raise BoxParameterError(f"bbox: {error.message}", field="bbox") from None
    if min_lon > max_lon or min_lat > max_lat:
        raise BoxParameterError("bbox must be minlon,minlat,maxlon,maxlat with min <= max", field="bbox")
    return spatial.Box(min_lon, min_lat, max_lon, max_lat)


def _point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}


def _arrays(cells: list[tuple]) -> dict[str, np.ndarray]:
    """Column arrays of (n, active, sum_lon, sum_lat) rows, with each cell's centroid."""
    table = np.array(cells, dtype=np.float64).reshape(-1, 4)
    n = table[:, 0].astype(np.int64)
    arrays: dict[str, np.ndarray] = {"n": n, "active": table[:, 1].astype(np.int64), "sum_lon": table[:, 2], "sum_lat": table[:, 3]}
    safe = np.maximum(n, 1)
    arrays["lon"] = arrays["sum_lon"] / safe
    arrays["lat"] = arrays["sum_lat"] / safe
    return arrays


def rebuild_summary(session: Session) -> int:
    """Recompute the stored county summary (camera_map_cell) and stamp it, in the session's
    transaction (no commit). Returns the number of cameras counted."""
    cameras = spatial.rebuild_camera_cells(session)
    stamp = session.get(CameraMapSummary, 1)
    if stamp is None:
        session.add(CameraMapSummary(id=1, built_at=utcnow(), cameras=cameras))
    else:
        stamp.built_at, stamp.cameras = utcnow(), cameras
    session.flush()
    return cameras


def refresh_summary(engine: Engine) -> int:
    """rebuild_summary in a transaction of its own, committed: the worker's round (every
    minute) and the background refresh of a web process. Returns the cameras counted."""
    with Session(bind=engine) as session:
        begin_write(session)
        cameras = rebuild_summary(session)
        session.commit()
    return cameras


def _refresh_in_background(engine: Engine) -> threading.Thread:
    """Refresh the stored summary on a connection of its own; requests meanwhile get the old one."""

    def run() -> None:
        try:
            refresh_summary(engine)
        except Exception:  # logged; the old summary stays; tried again by a later request
            log.exception("rebuilding the camera map summary failed")
        finally:
            with _summary_lock:
                _summary["refreshing"] = None

    thread = threading.Thread(target=run, name="camera-map-summary", daemon=True)
    thread.start()
    return thread


def _summary_arrays(ttl_s: float) -> dict[str, np.ndarray]:
    """The fine-grid summary of all shown cameras as column arrays, never computed in a request.

    The summary is stored in the database (camera_map_cell), computed by the worker every
    minute (and by the migration that made the table); a process reads it once per new stamp
    (a few thousand rows) and keeps it. A stored summary older than ttl_s (no worker running)
    is refreshed in a background thread while requests go on with it. Only a database where
    it was never computed counts the cameras in the request, once.
    """
    key = str(db.engine.url)
    stamp = db.session.execute(select(CameraMapSummary.built_at).where(CameraMapSummary.id == 1)).scalar()
    with _summary_lock:
        ours = _summary["key"] == key and stamp is not None and _summary["built_at"] == stamp
        cached = _summary["cells"] if ours else None
        stale = stamp is None or (utcnow() - stamp).total_seconds() >= ttl_s
        if stale and _summary["refreshing"] is None:
            _summary["refreshing"] = _refresh_in_background(db.engine)
    if cached is not None:
        return cached
    if stamp is None:
        counted = spatial.camera_summary(db.session)
        return _arrays([(c["n"], c["active"], c["sum_lon"], c["sum_lat"]) for c in counted])
    arrays = _arrays(spatial.camera_cells(db.session))
    with _summary_lock:
        _summary.update(key=key, built_at=stamp, cells=arrays)
    return arrays


def forget_summary() -> None:
    """Drop this process's copy of the summary (tests), after any refresh under way."""
    with _summary_lock:
        thread = _summary["refreshing"]
    if thread is not None:
        thread.join()
    with _summary_lock:
        _summary.update(key=None, built_at=None, cells=None, refreshing=None)


def _clusters_from_summary(box: spatial.Box, cells: int, ttl_s: float) -> list[dict]:
    """Grid clusters for box, summed from the fine-grid summary (cells placed by centroid)."""
    summary = _summary_arrays(ttl_s)
    lon, lat = summary["lon"], summary["lat"]
    inside = (
        (lon >= box.min_lon) & (lon <= box.max_lon) & (lat >= box.min_lat) & (lat <= box.max_lat)
    )
    if not inside.any():
        return []
    cell_w = max((box.max_lon - box.min_lon) / cells, 1e-9)
    cell_h = max((box.max_lat - box.min_lat) / cells, 1e-9)
    gx = np.minimum(((lon[inside] - box.min_lon) / cell_w).astype(np.int64), cells - 1)
    gy = np.minimum(((lat[inside] - box.min_lat) / cell_h).astype(np.int64), cells - 1)
    keys, slot = np.unique(gx * cells + gy, return_inverse=True)
    size = len(keys)
    n = np.bincount(slot, weights=summary["n"][inside], minlength=size)
    active = np.bincount(slot, weights=summary["active"][inside], minlength=size)
    sum_lon = np.bincount(slot, weights=summary["sum_lon"][inside], minlength=size)
    sum_lat = np.bincount(slot, weights=summary["sum_lat"][inside], minlength=size)
    return [
        {"n": int(n[k]), "active": int(active[k]), "lon": sum_lon[k] / n[k], "lat": sum_lat[k] / n[k]}
        for k in range(size)
    ]


def camera_geojson(
    box: spatial.Box, max_features: int, cells: int, summary_ttl_s: float = 0
) -> dict[str, Any]:
    """Cameras in box as features, or grid clusters when there are more than max_features.

    Views whose grid cells are much larger than the summary's are clustered from the stored
    summary (counts may lag by a minute with the worker running, else by summary_ttl_s);
    closer views are clustered live.
    """
    rows = spatial.cameras_in_box(db.session, box, max_features + 1)
    if len(rows) <= max_features:
        features = [
            {
                "type": "Feature",
                "id": row["camera_id"],
                "geometry": _point(row["lon"], row["lat"]),
                "properties": {
                    "camera_id": row["camera_id"],
                    "registration_id": row["registration_id"],
                    "label": row["label"],
                    "status": row["status"],
                    "direction_deg": row["direction_deg"],
                    "fov_deg": row["fov_deg"],
                    "range_m": row["range_m"],
                },
            }
            for row in rows
        ]
        return {"type": "FeatureCollection", "clustered": False, "features": features}
    features = [
        {
            "type": "Feature",
            "geometry": _point(row["lon"], row["lat"]),
            "properties": {"cluster": True, "count": row["n"], "active": row["active"]},
        }
        for row in _clusters(box, cells, summary_ttl_s)
    ]
    return {"type": "FeatureCollection", "clustered": True, "features": features}


def _clusters(box: spatial.Box, cells: int, summary_ttl_s: float) -> list[dict]:
    coarse = (box.max_lon - box.min_lon) / cells >= 2 * spatial.SUMMARY_CELL_DEG
    if coarse and summary_ttl_s > 0:
        return _clusters_from_summary(box, cells, summary_ttl_s)
    return spatial.camera_clusters(db.session, box, cells)
