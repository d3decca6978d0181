"""Spatial SQL for the map, and the geometry both the map and the canvass use: same answers on
SpatiaLite and PostGIS (the canvass's own searches are in backoffice/canvass/query.py).

Both databases are asked through their spatial index (SpatiaLite: the camera R*Tree joined
explicitly; PostGIS: `&&` against an envelope, which the GiST index serves), then the exact
geodesic distance in metres on the WGS 84 ellipsoid decides. View sectors are pure Python;
distances and bearings outside SQL are geodesy.py's.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from shapely.geometry import LineString, Point, Polygon
from sqlalchemy import Row, select, text
from sqlalchemy.orm import Session

from .domain import SHOWN_ON_MAP
from .models import AddressPoint

# The one place that turns metres into degrees (geodesy.py measures everything else): the
# index pre-filter's box must hold every point within the radius, so it errs on the large side.
# Metres per degree of latitude is at least this anywhere on the ellipsoid (at the equator).
_MIN_M_PER_DEG_LAT = 110_574.0
# Metres per degree of longitude is at least this × cos(latitude).
_MIN_M_PER_DEG_LON = 111_319.0
_MARGIN = 1.01

# Registrations whose cameras are shown on the map (withdrawn owners left the programme).


@dataclass(frozen=True)
class Box:
    """A lon/lat bounding box in degrees."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def params(self) -> dict[str, float]:
        """Bind parameters for the SQL below."""
        return {
            "minx": self.min_lon,
            "miny": self.min_lat,
            "maxx": self.max_lon,
            "maxy": self.max_lat,
        }


def radius_box(lat: float, lon: float, radius_m: float) -> Box:
    """A box that surely holds every point within radius_m of lat/lon (a little larger)."""
    dlat = radius_m / _MIN_M_PER_DEG_LAT * _MARGIN
    cos_lat = math.cos(math.radians(min(abs(lat) + dlat, 90.0)))
    if cos_lat < 1e-6:
        dlon = 180.0
    else:
        dlon = min(radius_m / (_MIN_M_PER_DEG_LON * cos_lat) * _MARGIN, 180.0)
    return Box(
        max(lon - dlon, -180.0),
        max(lat - dlat, -90.0),
        min(lon + dlon, 180.0),
        min(lat + dlat, 90.0),
    )


# --- pure geometry ---------------------------------------------------------------------


def angle_between(a: float, b: float) -> float:
    """The smaller angle between two bearings, in [0, 180]; wraps at 0/360."""
    diff = abs(a - b) % 360.0
    return 360.0 - diff if diff > 180.0 else diff


def in_view(
    direction_deg: float | None,
    fov_deg: float | None,
    range_m: float | None,
    distance_m: float,
    bearing_to_point: float | None,
) -> bool | None:
    """Whether a point lies in a camera's view sector (direction ± fov/2, within range_m).

    A 360° camera (dome) sees every point within range. With the direction unknown the
    answer is None. A point at the camera itself counts as seen.
    """
    within_range = range_m is None or distance_m <= range_m
    if fov_deg is not None and fov_deg >= 360:
        return within_range
    if direction_deg is None:
        return None
    if not within_range:
        return False
    if bearing_to_point is None or distance_m <= 0.5:
        return True
    half = (fov_deg if fov_deg is not None else 90) / 2.0
    return angle_between(direction_deg, bearing_to_point) <= half + 1e-9


VIEWS = ("in_view", "facing_away", "too_far", "unknown")


def view_of(
    direction_deg: float | None,
    fov_deg: float | None,
    range_m: float | None,
    distance_m: float,
    bearing_to_point: float | None,
) -> str:
    """What a camera can see of a point, in the canvass's words (SPEC §5 `view`).

    `too_far` when the point lies beyond the camera's range (whatever it faces), else
    `in_view`, `facing_away`, or `unknown` when the direction is not known (a dome sees all).
    """
    if range_m is not None and distance_m > range_m:
        return "too_far"
    seen = in_view(direction_deg, fov_deg, range_m, distance_m, bearing_to_point)
    return {True: "in_view", False: "facing_away", None: "unknown"}[seen]


# --- a camera and a route (a polyline), in metres on a plane tangent at the camera ----------

_A, _F = 6_378_137.0, 1 / 298.257223563  # the WGS 84 ellipsoid
_E2 = _F * (2 - _F)
_ARC_STEP_DEG = 5.0


def metres_per_degree(lat: float) -> tuple[float, float]:
    """Metres per degree of longitude and of latitude at lat (WGS 84 radii of curvature)."""
    phi = math.radians(lat)
    w = math.sqrt(1 - _E2 * math.sin(phi) ** 2)
    prime_vertical = _A / w
    meridional = _A * (1 - _E2) / w**3
    return math.radians(1) * prime_vertical * math.cos(phi), math.radians(1) * meridional


def route_around(lat: float, lon: float, route: Sequence[tuple[float, float]]) -> LineString:
    """The route (lon, lat pairs) in metres east and north of lat/lon (good within tens of km)."""
    per_lon, per_lat = metres_per_degree(lat)
    return LineString([((x - lon) * per_lon, (y - lat) * per_lat) for x, y in route])


def distance_to_route_m(line: LineString) -> float:
    """The distance in metres from the camera (the plane's origin) to the route."""
    return float(line.distance(Point(0.0, 0.0)))


def _sector(direction_deg: float, fov_deg: float, reach_m: float) -> Polygon:
    """A view sector from the origin; its arc drawn outside the true arc, never inside it."""
    steps = max(2, math.ceil(fov_deg / _ARC_STEP_DEG))
    step = math.radians(fov_deg / steps)
    outer = reach_m / math.cos(step / 2)  # chords of this circle touch the true arc
    start = math.radians(direction_deg - fov_deg / 2)
    arc = []
    for i in range(steps + 1):
        radius = reach_m if i in (0, steps) else outer
        angle = start + i * step
        arc.append((radius * math.sin(angle), radius * math.cos(angle)))
    return Polygon([(0.0, 0.0), *arc])


def route_in_view(
    direction_deg: float | None,
    fov_deg: float | None,
    range_m: float | None,
    distance_m: float,
    line: LineString,
) -> bool | None:
    """Whether any part of the route (around the camera) lies in the camera's view sector.

    Like in_view() for a point: a dome sees all within range, an unknown direction gives None,
    and a route through the camera counts as seen.
    """
    within_range = range_m is None or distance_m <= range_m
    if fov_deg is not None and fov_deg >= 360:
        return within_range
    if direction_deg is None:
        return None
    if not within_range:
        return False
    if distance_m <= 0.5:
        return True
    reach = range_m if range_m is not None else line.hausdorff_distance(Point(0.0, 0.0)) + 1.0
    return _sector(direction_deg, fov_deg if fov_deg is not None else 90, reach).intersects(line)


def route_view_of(
    direction_deg: float | None,
    fov_deg: float | None,
    range_m: float | None,
    distance_m: float,
    line: LineString,
) -> str:
    """What a camera can see of a route, in the canvass's words (as view_of() for a point)."""
    if range_m is not None and distance_m > range_m:
        return "too_far"
    seen = route_in_view(direction_deg, fov_deg, range_m, distance_m, line)
    return {True: "in_view", False: "facing_away", None: "unknown"}[seen]


# --- queries ---------------------------------------------------------------------------

# The index-backed bounding-box filter on camera c, per dialect (binds minx, miny, maxx, maxy).
BOX_FILTER = {
    "sqlite": """c.id IN (SELECT pkid FROM idx_camera_location
                 WHERE xmax >= :minx AND xmin <= :maxx AND ymax >= :miny AND ymin <= :maxy)""",
    "postgresql": "c.location && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326)",
}


def dialect(session: Session) -> str:
    """The session's database, "sqlite" or "postgresql" (RuntimeError for any other)."""
    name = session.get_bind().dialect.name
    if name not in BOX_FILTER:
        raise RuntimeError(f"no spatial SQL for {name}")
    return name


_STATUS_LIST = ", ".join(f"'{s}'" for s in SHOWN_ON_MAP)

_BOX_SQL = {
    # Joined (not IN) so that the R*Tree scan streams and stops at the LIMIT.
    "sqlite": f"""
SELECT c.id AS camera_id, c.registration_id, ST_Y(c.location) AS lat, ST_X(c.location) AS lon,
       c.direction_deg, c.fov_deg, c.range_m, c.label, r.status
FROM idx_camera_location i
JOIN camera c ON c.id = i.pkid
JOIN registration r ON r.id = c.registration_id
WHERE i.xmax >= :minx AND i.xmin <= :maxx AND i.ymax >= :miny AND i.ymin <= :maxy
  AND MbrIntersects(c.location, BuildMbr(:minx, :miny, :maxx, :maxy, 4326))
  AND r.status IN ({_STATUS_LIST})
LIMIT :limit
""",
    "postgresql": f"""
SELECT c.id AS camera_id, c.registration_id, ST_Y(c.location) AS lat, ST_X(c.location) AS lon,
       c.direction_deg, c.fov_deg, c.range_m, c.label, r.status
FROM camera c JOIN registration r ON r.id = c.registration_id
WHERE {BOX_FILTER['postgresql']}
  AND r.status IN ({_STATUS_LIST})
LIMIT :limit
""",
}

# Grid clusters: the R*Tree already holds each point's coordinates on SpatiaLite (as a
# degenerate box), so the geometry blobs need not be parsed at all.
_CLUSTER_SQL = {
    "sqlite": f"""
SELECT CAST((i.xmin - :minx) / :cell_w AS INTEGER) AS gx,
       CAST((i.ymin - :miny) / :cell_h AS INTEGER) AS gy,
       count(*) AS n, avg(i.xmin) AS lon, avg(i.ymin) AS lat,
       sum(CASE WHEN r.status = 'active' THEN 1 ELSE 0 END) AS active
FROM idx_camera_location i
JOIN camera c ON c.id = i.pkid
JOIN registration r ON r.id = c.registration_id
WHERE i.xmax >= :minx AND i.xmin <= :maxx AND i.ymax >= :miny AND i.ymin <= :maxy
  AND r.status IN ({_STATUS_LIST})
GROUP BY gx, gy
""",
    "postgresql": f"""
SELECT floor((ST_X(c.location) - :minx) / :cell_w)::int AS gx,
       floor((ST_Y(c.location) - :miny) / :cell_h)::int AS gy,
       count(*) AS n, avg(ST_X(c.location)) AS lon, avg(ST_Y(c.location)) AS lat,
       sum(CASE WHEN r.status = 'active' THEN 1 ELSE 0 END) AS active
FROM camera c JOIN registration r ON r.id = c.registration_id
WHERE {BOX_FILTER['postgresql']}
  AND r.status IN ({_STATUS_LIST})
GROUP BY gx, gy
""",
}


# Fixed grids over every shown camera, summed per cell, for map views wider than a street:
# camera_map_cell, coarser camera_map_block, finer camera_map_fine and camera_map_finest (kept
# current by the database's triggers, migration 0024).
SUMMARY_CELL_DEG = 0.01
SUMMARY_BLOCK_DEG = 0.04
SUMMARY_GRIDS = (("camera_map_cell", SUMMARY_CELL_DEG), ("camera_map_block", SUMMARY_BLOCK_DEG),
                 ("camera_map_fine", 0.0025), ("camera_map_finest", 0.000625))

# The same expressions as the triggers that keep camera_map_cell current (migration 0024), so
# that a recount gives the very same cells.
_SUMMARY_SQL = {
    "sqlite": f"""
SELECT CAST(floor(ST_X(c.location) / :cell) AS INTEGER) AS ix,
       CAST(floor(ST_Y(c.location) / :cell) AS INTEGER) AS iy,
       count(*) AS n, sum(CASE WHEN r.status = 'active' THEN 1 ELSE 0 END) AS active,
       sum(ST_X(c.location)) AS sum_lon, sum(ST_Y(c.location)) AS sum_lat
FROM camera c JOIN registration r ON r.id = c.registration_id
WHERE c.location IS NOT NULL AND r.status IN ({_STATUS_LIST})
GROUP BY ix, iy
""",
    "postgresql": f"""
SELECT floor(ST_X(c.location) / :cell)::int AS ix, floor(ST_Y(c.location) / :cell)::int AS iy,
       count(*) AS n, sum(CASE WHEN r.status = 'active' THEN 1 ELSE 0 END) AS active,
       sum(ST_X(c.location)) AS sum_lon, sum(ST_Y(c.location)) AS sum_lat
FROM camera c JOIN registration r ON r.id = c.registration_id
WHERE c.location IS NOT NULL AND r.status IN ({_STATUS_LIST})
GROUP BY ix, iy
""",
}


# Coarse views clustered from the stored summary (camera_map_cell, current in every transaction
# that changes a camera or a registration's status): each cell goes whole to the view cell its
# centroid falls in. A few thousand rows, read through the (ix, iy) key.
_SUMMARY_CLUSTER_SQL = {
    "sqlite": """
SELECT min(CAST(floor((sum_lon / n - :minx) / :cell_w) AS INTEGER), :last) AS gx,
       min(CAST(floor((sum_lat / n - :miny) / :cell_h) AS INTEGER), :last) AS gy,
       sum(n) AS n, sum(active) AS active, sum(sum_lon) / sum(n) AS lon, sum(sum_lat) / sum(n) AS lat
FROM {table}
WHERE ix BETWEEN :ix0 AND :ix1 AND iy BETWEEN :iy0 AND :iy1 AND n > 0
  AND sum_lon / n BETWEEN :minx AND :maxx AND sum_lat / n BETWEEN :miny AND :maxy
GROUP BY gx, gy
""",
    "postgresql": """
SELECT least(floor((sum_lon / n - :minx) / :cell_w)::int, :last) AS gx,
       least(floor((sum_lat / n - :miny) / :cell_h)::int, :last) AS gy,
       sum(n)::int AS n, sum(active)::int AS active, sum(sum_lon) / sum(n) AS lon, sum(sum_lat) / sum(n) AS lat
FROM {table}
WHERE ix BETWEEN :ix0 AND :ix1 AND iy BETWEEN :iy0 AND :iy1 AND n > 0
  AND sum_lon / n BETWEEN :minx AND :maxx AND sum_lat / n BETWEEN :miny AND :maxy
GROUP BY 1, 2
""",
}


def summary_grid(cell_w: float) -> tuple[str, float] | None:
    """The coarsest stored grid whose cells are no wider than a view cell of cell_w degrees
    (table, cell size), or None when even the finest is too coarse for that view. Each stored
    cell goes whole to the view cell its centroid is in, so a view reads at most about
    (4 × view cells)² rows."""
    fitting = [(table, size) for table, size in SUMMARY_GRIDS if size <= cell_w]
    return max(fitting, key=lambda grid: grid[1]) if fitting else None


def summary_clusters(session: Session, box: Box, cells: int) -> Sequence[Row]:
    """Grid clusters of box (cells × cells) summed in one statement from the coarsest stored
    grid that fits the view (see summary_grid; ValueError if none does): rows as
    camera_clusters gives."""
    cell_w = max((box.max_lon - box.min_lon) / cells, 1e-9)
    grid = summary_grid(cell_w)
    if grid is None:
        raise ValueError(f"no stored grid is fine enough for cells {cell_w}° wide")
    table, size = grid
    params = {
        **box.params(),
        "cell_w": cell_w,
        "cell_h": max((box.max_lat - box.min_lat) / cells, 1e-9),
        "last": cells - 1,
        "ix0": math.floor(box.min_lon / size), "ix1": math.floor(box.max_lon / size),
        "iy0": math.floor(box.min_lat / size), "iy1": math.floor(box.max_lat / size),
    }
    return session.execute(text(_SUMMARY_CLUSTER_SQL[dialect(session)].format(table=table)), params).all()


def camera_summary(session: Session, cell: float = SUMMARY_CELL_DEG) -> list[dict]:
    """Every shown camera summed on a grid of cell degrees: ix, iy, n, active, coordinate sums
    (counted now, not the stored cells)."""
    rows = session.execute(
        text(_SUMMARY_SQL[dialect(session)]), {"cell": cell}
    ).mappings()
    return [dict(row) for row in rows]


def rebuild_camera_cells(session: Session) -> int:
    """Recount every stored grid (SUMMARY_GRIDS) from the cameras, in the caller's transaction
    (no commit): a repair, never needed in operation. Returns the number of cameras counted."""
    for table, size in SUMMARY_GRIDS:
        session.execute(text(f"DELETE FROM {table}"))
        session.execute(
            text(f"INSERT INTO {table} (ix, iy, n, active, sum_lon, sum_lat) " + _SUMMARY_SQL[dialect(session)]),
            {"cell": size},
        )
    return int(session.execute(text("SELECT coalesce(sum(n), 0) FROM camera_map_cell")).scalar_one())


def camera_cells(session: Session) -> list[tuple]:
    """The stored camera_map_cell rows that hold cameras, as (n, active, sum_lon, sum_lat) tuples."""
    return [tuple(row) for row in session.execute(
        text("SELECT n, active, sum_lon, sum_lat FROM camera_map_cell WHERE n > 0"))]


def cameras_in_box(session: Session, box: Box, limit: int) -> Sequence[Row]:
    """Up to limit cameras inside box (registrations not withdrawn), for the map: rows with
    camera_id, registration_id, lat, lon, direction_deg, fov_deg, range_m, label, status."""
    return session.execute(text(_BOX_SQL[dialect(session)]), {**box.params(), "limit": limit}).all()


def camera_clusters(session: Session, box: Box, cells: int) -> Sequence[Row]:
    """Cameras inside box grouped on a cells × cells grid: rows with gx, gy, n (count), active
    (count), lon, lat (centroid)."""
    cell_w = max((box.max_lon - box.min_lon) / cells, 1e-9)
    cell_h = max((box.max_lat - box.min_lat) / cells, 1e-9)
    return session.execute(
        text(_CLUSTER_SQL[dialect(session)]),
        {**box.params(), "cell_w": cell_w, "cell_h": cell_h},
    ).all()


def explain(session: Session, sql: str, params: dict) -> str:
    """The database's query plan for sql, as one text (EXPLAIN QUERY PLAN / EXPLAIN)."""
    if dialect(session) == "sqlite":
        rows = session.execute(text("EXPLAIN QUERY PLAN " + sql), params).all()
        return "\n".join(str(row[-1]) for row in rows)
    rows = session.execute(text("EXPLAIN " + sql), params).all()
    return "\n".join(str(row[0]) for row in rows)


def address_points_in_box(session: Session, box: Box, limit: int) -> list[dict]:
    """Up to limit address points inside box, nearest the box's centre first (so that a capped
    answer keeps the middle of the view): id, address, city, lat, lon.

    Address points hold plain lat/lon columns; the (lat, lon) index serves the latitude range.
    """
    centre_lat = (box.min_lat + box.max_lat) / 2
    centre_lon = (box.min_lon + box.max_lon) / 2
    squeeze = math.cos(math.radians(centre_lat))  # for ordering only: a degree of longitude is shorter
    d_lat = AddressPoint.lat - centre_lat
    d_lon = (AddressPoint.lon - centre_lon) * squeeze
    rows = session.execute(
        select(AddressPoint.id, AddressPoint.address, AddressPoint.city,
               AddressPoint.lat, AddressPoint.lon)
        .where(AddressPoint.lat.between(box.min_lat, box.max_lat),
               AddressPoint.lon.between(box.min_lon, box.max_lon))
        .order_by(d_lat * d_lat + d_lon * d_lon, AddressPoint.id)
        .limit(limit)
    ).mappings()
    return [dict(row) for row in rows]
