"""The map's camera layer as GeoJSON, bounded in size at any zoom."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from . import spatial
from .errors import InvalidInputError
from .extensions import db
from .models.validation import FieldError, check_latitude, check_longitude


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


def rebuild_summary(session: Session) -> int:
    """Recount the stored county summary (camera_map_cell) from the cameras, in the session's
    transaction (no commit): a repair, never needed in operation, since the database keeps
    the cells current in every transaction that adds, moves or removes a camera or changes a
    registration's status (migration 0024). Returns the number of cameras counted."""
    return spatial.rebuild_camera_cells(session)


def camera_geojson(
    box: spatial.Box, max_features: int, cells: int
) -> dict[str, Any]:
    """Cameras in box as features, or grid clusters when there are more than max_features.

    The clusters come first, since they tell how many cameras are in view: views whose grid
    cells are much larger than the summary's are clustered from the stored summary (current:
    the database keeps it in the writers' transactions), closer views from the cameras; one
    statement either way.
    Only a view of max_features cameras or fewer then reads the cameras themselves.
    """
    clusters = _clusters(box, cells)
    if sum(row.n for row in clusters) <= max_features:
        rows = spatial.cameras_in_box(db.session, box, max_features + 1)
        if len(rows) <= max_features:  # else a summary cell's centroid stands outside the box
            return {"type": "FeatureCollection", "clustered": False, "features": [
                {
                    "type": "Feature",
                    "id": row.camera_id,
                    "geometry": _point(row.lon, row.lat),
                    "properties": {
                        "camera_id": row.camera_id,
                        "registration_id": row.registration_id,
                        "label": row.label,
                        "status": row.status,
                        "direction_deg": row.direction_deg,
                        "fov_deg": row.fov_deg,
                        "range_m": row.range_m,
                    },
                }
                for row in rows
            ]}
    return {"type": "FeatureCollection", "clustered": True, "features": [
        {
            "type": "Feature",
            "geometry": _point(row.lon, row.lat),
            "properties": {"cluster": True, "count": int(row.n), "active": int(row.active)},
        }
        for row in clusters
    ]}


def _clusters(box: spatial.Box, cells: int) -> Sequence[Row]:
    if spatial.summary_grid((box.max_lon - box.min_lon) / cells) is not None:
        return spatial.summary_clusters(db.session, box, cells)
    return spatial.camera_clusters(db.session, box, cells)
