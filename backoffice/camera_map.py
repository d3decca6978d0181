"""The map's camera layer as GeoJSON, bounded in size at any zoom."""
from __future__ import annotations

from typing import Any

from . import spatial
from .extensions import db


class BoxParameterError(ValueError):
    """A missing or malformed bbox (HTTP 400)."""


def parse_bbox(raw: str | None) -> spatial.Box:
    """minlon,minlat,maxlon,maxlat in decimal degrees."""
    if not raw:
        raise BoxParameterError("bbox is required: minlon,minlat,maxlon,maxlat")
    try:
        values = [float(part) for part in raw.split(",")]
    except ValueError:
        raise BoxParameterError("bbox must be four numbers: minlon,minlat,maxlon,maxlat") from None
    if len(values) != 4:
        raise BoxParameterError("bbox must be four numbers: minlon,minlat,maxlon,maxlat")
    min_lon, min_lat, max_lon, max_lat = values
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
        raise BoxParameterError("bbox longitudes must be between -180 and 180")
    if not (-90 <= min_lat <= 90 and -90 <= max_lat <= 90):
        raise BoxParameterError("bbox latitudes must be between -90 and 90")
    if min_lon > max_lon or min_lat > max_lat:
        raise BoxParameterError("bbox must be minlon,minlat,maxlon,maxlat with min <= max")
    return spatial.Box(min_lon, min_lat, max_lon, max_lat)


def _point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}


def camera_geojson(box: spatial.Box, max_features: int, cells: int) -> dict[str, Any]:
    """Cameras in box as features, or grid clusters when there are more than max_features."""
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
        for row in spatial.camera_clusters(db.session, box, cells)
    ]
    return {"type": "FeatureCollection", "clustered": True, "features": features}
