"""The map's camera layer as GeoJSON, bounded in size at any zoom."""
from __future__ import annotations

import threading
from typing import Any

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from . import spatial
from .models import CameraMapSummary
from .errors import InvalidInputError
from .extensions import db
from .models.validation import FieldError, check_latitude, check_longitude

_summary_lock = threading.Lock()
# This process's copy of the stored summary, as arrays, and the version it was read at.
_summary: dict[str, Any] = {"key": None, "version": None, "cells": None}


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
    """Recount the stored county summary (camera_map_cell) from the cameras, in the session's
    transaction (no commit): a repair, never needed in operation, since the database keeps
    the cells current in every transaction that adds, moves or removes a camera or changes a
    registration's status (migration 0023). Returns the number of cameras counted."""
    cameras = spatial.rebuild_camera_cells(session)
    session.execute(update(CameraMapSummary).where(CameraMapSummary.id == 1)
                    .values(version=CameraMapSummary.version + 1))
    return cameras


def _summary_arrays() -> dict[str, np.ndarray]:
    """The fine-grid summary of all shown cameras as column arrays, never computed in a request.

    The database keeps the cells current and counts every committed change in
    camera_map_summary.version; a process reads the cells (a few thousand rows) when that
    count moved and keeps them: one primary-key read per request otherwise.
    """
    key = str(db.engine.url)
    version = db.session.execute(select(CameraMapSummary.version).where(CameraMapSummary.id == 1)).scalar()
    with _summary_lock:
        if _summary["key"] == key and _summary["version"] == version:
            return _summary["cells"]
    arrays = _arrays(spatial.camera_cells(db.session))
    with _summary_lock:
        _summary.update(key=key, version=version, cells=arrays)
    return arrays


def forget_summary() -> None:
    """Drop this process's copy of the summary (tests)."""
    with _summary_lock:
        _summary.update(key=None, version=None, cells=None)


def _clusters_from_summary(box: spatial.Box, cells: int) -> list[dict]:
    """Grid clusters for box, summed from the fine-grid summary (cells placed by centroid)."""
    summary = _summary_arrays()
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
    box: spatial.Box, max_features: int, cells: int
) -> dict[str, Any]:
    """Cameras in box as features, or grid clusters when there are more than max_features.

    The clusters come first, since they tell how many cameras are in view: views whose grid
    cells are much larger than the summary's are clustered from the stored summary (current:
    the database keeps it in the writers' transactions), closer views live, in one statement.
    Only a view of max_features cameras or fewer then reads the cameras themselves.
    """
    clusters = _clusters(box, cells)
    if sum(row["n"] for row in clusters) <= max_features:
        rows = spatial.cameras_in_box(db.session, box, max_features + 1)
        if len(rows) <= max_features:  # else a summary cell's centroid stands outside the box
            return {"type": "FeatureCollection", "clustered": False, "features": [
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
            ]}
    return {"type": "FeatureCollection", "clustered": True, "features": [
        {
            "type": "Feature",
            "geometry": _point(row["lon"], row["lat"]),
            "properties": {"cluster": True, "count": row["n"], "active": row["active"]},
        }
        for row in clusters
    ]}


def _clusters(box: spatial.Box, cells: int) -> list[dict]:
    coarse = (box.max_lon - box.min_lon) / cells >= 2 * spatial.SUMMARY_CELL_DEG
    if coarse:
        return _clusters_from_summary(box, cells)
    return spatial.camera_clusters(db.session, box, cells)
