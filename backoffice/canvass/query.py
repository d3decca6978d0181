"""The canvass's spatial SQL: cameras of active registrations near a point.

Both databases are asked through their spatial index (SpatiaLite: the camera R*Tree;
PostGIS: `&&` against an envelope, which the GiST index serves), then the exact geodesic
distance in metres on the WGS 84 ellipsoid decides.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict, cast

from sqlalchemy import text
from sqlalchemy.orm import Session

from ..spatial import BOX_FILTER, dialect, radius_box


class CameraRow(TypedDict):
    """One camera found by a canvass query, with its distance to the searched place."""

    camera_id: int
    registration_id: int
    lat: float
    lon: float
    direction_deg: float | None
    fov_deg: float | None
    range_m: float | None
    retention_days: int
    label: str | None
    address: str
    city: str
    status: str
    distance_m: float


_CAMERA_COLUMNS = """
    c.id AS camera_id, c.registration_id, ST_Y(c.location) AS lat, ST_X(c.location) AS lon,
    c.direction_deg, c.fov_deg, c.range_m, c.retention_days, c.label,
    r.address, r.city, r.status"""

_NEAR_SQL = {
    "sqlite": """
SELECT * FROM (
  SELECT {columns},
         ST_Distance(c.location, MakePoint(:lon, :lat, 4326), 1) AS distance_m
  FROM camera c JOIN registration r ON r.id = c.registration_id
  WHERE {prefilter} r.status = 'active'
) WHERE distance_m <= :radius
""",
    "postgresql": """
SELECT {columns},
       ST_Distance(c.location::geography,
                   ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography) AS distance_m
FROM camera c JOIN registration r ON r.id = c.registration_id
WHERE {prefilter} r.status = 'active'
  AND ST_DWithin(c.location::geography,
                 ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, :radius)
""",
}


def _rows(session: Session, sql: str, params: Mapping[str, object]) -> list[CameraRow]:
    result = session.execute(text(sql), params)
    keys = list(result.keys())
    return [cast(CameraRow, dict(zip(keys, row, strict=True))) for row in result]


def cameras_within_sql(session: Session, *, use_index: bool = True) -> str:
    """The SQL text cameras_within() runs (for EXPLAIN and the benchmark)."""
    name = dialect(session)
    prefilter = BOX_FILTER[name] + " AND" if use_index else ""
    return _NEAR_SQL[name].format(columns=_CAMERA_COLUMNS, prefilter=prefilter)


def cameras_within_params(lat: float, lon: float, radius_m: float) -> dict[str, float]:
    """Bind parameters for cameras_within_sql()."""
    return {"lat": lat, "lon": lon, "radius": radius_m, **radius_box(lat, lon, radius_m).params()}


def cameras_within(
    session: Session, lat: float, lon: float, radius_m: float, *, use_index: bool = True
) -> list[CameraRow]:
    """Cameras of active registrations within radius_m metres of lat/lon, unordered."""
    return _rows(
        session, cameras_within_sql(session, use_index=use_index), cameras_within_params(lat, lon, radius_m)
    )
