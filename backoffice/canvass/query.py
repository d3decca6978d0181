"""The canvass's spatial SQL: cameras of active registrations near a point or along a route.

Both databases are asked through their spatial index (SpatiaLite: the camera R*Tree;
PostGIS: `&&` against an envelope, which the GiST index serves), then the exact geodesic
distance in metres on the WGS 84 ellipsoid decides. A point search also returns each camera's
bearing to the place, computed on the same ellipsoid by the database (SpatiaLite's ST_Azimuth
on SRID 4326, PostGIS's on geography: both agree with GeographicLib to 1e-9 degree) rather than
once per camera in Python.
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TypedDict, cast

from sqlalchemy import text
from sqlalchemy.orm import Session

from ..spatial import BOX_FILTER, dialect, distance_to_route_m, radius_box, route_around


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
    has_picture: bool  # a view picture is kept for the camera (backoffice.snapshots)
    distance_m: float
    bearing_deg: float | None  # point searches: from the camera to the place, on the ellipsoid


_CAMERA_COLUMNS = """
    c.id AS camera_id, c.registration_id, ST_Y(c.location) AS lat, ST_X(c.location) AS lon,
    c.direction_deg, c.fov_deg, c.range_m, c.retention_days, c.label,
    r.address, r.city, r.status,
    EXISTS (SELECT 1 FROM camera_snapshot s WHERE s.camera_id = c.id) AS has_picture"""

_NEAR_SQL = {
    "sqlite": """
SELECT * FROM (
  SELECT {columns},
         ST_Distance(c.location, MakePoint(:lon, :lat, 4326), 1) AS distance_m,
         Degrees(ST_Azimuth(c.location, MakePoint(:lon, :lat, 4326))) AS bearing_deg
  FROM camera c JOIN registration r ON r.id = c.registration_id
  WHERE {prefilter} r.status = 'active'
) WHERE distance_m <= :radius
""",
    "postgresql": """
SELECT {columns},
       ST_Distance(c.location::geography,
                   ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography) AS distance_m,
       degrees(ST_Azimuth(c.location::geography,
                          ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography)) AS bearing_deg
FROM camera c JOIN registration r ON r.id = c.registration_id
WHERE {prefilter} r.status = 'active'
  AND ST_DWithin(c.location::geography,
                 ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, :radius)
""",
}


def _rows(session: Session, sql: str, params: Mapping[str, object]) -> list[CameraRow]:
    result = session.execute(text(sql), params)
    keys = list(result.keys())
    # all() fetches every row at once: iterating fetched them one by one from the driver.
    return [cast(CameraRow, dict(zip(keys, row, strict=True))) for row in result.all()]


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


# --- along a route ---------------------------------------------------------------------
#
# The index narrows the cameras to boxes around each leg of the route (SpatiaLite: the R*Tree
# searched once per leg's box, the boxes first: CROSS JOIN keeps that order; PostGIS: ST_DWithin on the geometry, which the GiST index
# serves), then the distance in degrees to the route keeps a corridor sure to hold every
# camera within the width; route_cameras() measures each in metres.

_ROUTE_SQL = {
    "sqlite": """
SELECT {columns},
       ST_Distance(c.location, (SELECT GeomFromText(:route, 4326))) AS distance_deg
FROM camera c JOIN registration r ON r.id = c.registration_id
WHERE {prefilter} r.status = 'active'
  AND ST_Distance(c.location, (SELECT GeomFromText(:route, 4326))) <= :reach_deg
""",
    "postgresql": """
SELECT {columns},
       ST_Distance(c.location, ST_GeomFromText(:route, 4326)) AS distance_deg
FROM camera c JOIN registration r ON r.id = c.registration_id
WHERE r.status = 'active' AND {near}
""",
}

_ROUTE_PREFILTER = """c.id IN (
    SELECT i.pkid FROM json_each(:boxes) b CROSS JOIN idx_camera_location i
    ON i.xmax >= json_extract(b.value, '$[0]') AND i.xmin <= json_extract(b.value, '$[2]')
   AND i.ymax >= json_extract(b.value, '$[1]') AND i.ymin <= json_extract(b.value, '$[3]')) AND"""

_ROUTE_NEAR = {
    True: "ST_DWithin(c.location, ST_GeomFromText(:route, 4326), :reach_deg)",
    False: "ST_Distance(c.location, ST_GeomFromText(:route, 4326)) <= :reach_deg",
}


def route_wkt(route: Sequence[tuple[float, float]]) -> str:
    """The route's (lon, lat) pairs as WKT."""
    return "LINESTRING(" + ", ".join(f"{lon!r} {lat!r}" for lon, lat in route) + ")"


def cameras_along_route_sql(session: Session, *, use_index: bool = True) -> str:
    """The SQL text cameras_along_route() runs (for EXPLAIN and the benchmark)."""
    name = dialect(session)
    if name == "sqlite":
        prefilter = _ROUTE_PREFILTER if use_index else ""
        return _ROUTE_SQL[name].format(columns=_CAMERA_COLUMNS, prefilter=prefilter)
    return _ROUTE_SQL[name].format(columns=_CAMERA_COLUMNS, near=_ROUTE_NEAR[use_index])


def cameras_along_route_params(
    route: Sequence[tuple[float, float]], half_width_m: float
) -> dict[str, float | str]:
    """Bind parameters for cameras_along_route_sql(): the route, a box around each leg, and
    a distance in degrees no camera within half_width_m of the route is beyond."""
    boxes = []
    reach = 0.0
    for (lon1, lat1), (lon2, lat2) in zip(route, route[1:], strict=False):
        margins = [radius_box(lat, lon, half_width_m) for lon, lat in ((lon1, lat1), (lon2, lat2))]
        dlon = max(max(lon - box.min_lon, box.max_lon - lon) for box, lon in zip(margins, (lon1, lon2), strict=True))
        dlat = max(max(lat - box.min_lat, box.max_lat - lat) for box, lat in zip(margins, (lat1, lat2), strict=True))
        boxes.append([min(lon1, lon2) - dlon, min(lat1, lat2) - dlat,
                      max(lon1, lon2) + dlon, max(lat1, lat2) + dlat])
        reach = max(reach, dlon, dlat)
    return {"route": route_wkt(route), "boxes": json.dumps(boxes), "reach_deg": reach}


def cameras_along_route(
    session: Session,
    route: Sequence[tuple[float, float]],
    half_width_m: float,
    *,
    use_index: bool = True,
) -> list[CameraRow]:
    """Cameras of active registrations within half_width_m metres of the route (lon, lat
    pairs), unordered, distance_m measured to the nearest point of the route."""
    rows = session.execute(
        text(cameras_along_route_sql(session, use_index=use_index)),
        cameras_along_route_params(route, half_width_m),
    ).mappings()
    found = []
    for row in rows:
        camera = {key: value for key, value in row.items() if key != "distance_deg"}
        camera["bearing_deg"] = None
        line = route_around(camera["lat"], camera["lon"], route)
        camera["distance_m"] = distance_to_route_m(line)
        if camera["distance_m"] <= half_width_m:
            found.append(cast(CameraRow, camera))
    return found
