"""The canvass sheet: a case header, a vector map inset and the camera table (no DB writes)."""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from backoffice.geodesy import east_north_m

from .render import LANDSCAPE, render_pdf

MAP_SIZE = 320  # SVG user units (points) for the square map inset


def _cone_path(x: float, y: float, direction: float, fov: float, reach: float) -> str:
    """An SVG path for a view sector starting at x/y (SVG y grows downwards)."""
    start, end = math.radians(direction - fov / 2), math.radians(direction + fov / 2)
    x1, y1 = x + reach * math.sin(start), y - reach * math.cos(start)
    x2, y2 = x + reach * math.sin(end), y - reach * math.cos(end)
    large = 1 if fov > 180 else 0
    return f"M{x:.1f},{y:.1f} L{x1:.1f},{y1:.1f} A{reach:.1f},{reach:.1f} 0 {large} 1 {x2:.1f},{y2:.1f} Z"


def map_inset(lat: float, lon: float, radius_m: float, cameras: list[dict[str, Any]]) -> dict:
    """Shapes for the SVG inset: incident point, radius circle, numbered cameras, scale bar."""
    half = MAP_SIZE / 2
    scale = (half - 14) / max(radius_m, 1.0)  # SVG units per metre
    points = []
    for number, camera in enumerate(cameras, start=1):
        east, north = east_north_m(camera["lat"], camera["lon"], lat, lon)
        x, y = half + east * scale, half - north * scale
        cone = None
        if camera.get("direction_deg") is not None and (camera.get("fov_deg") or 0) < 360:
            reach = min(camera.get("range_m") or 30, radius_m * 1.2) * scale
            cone = _cone_path(x, y, camera["direction_deg"], camera.get("fov_deg") or 90, reach)
        points.append({"number": number, "x": round(x, 1), "y": round(y, 1), "cone": cone})
    bar_m = _nice_length(radius_m / 2)
    return {
        "size": MAP_SIZE,
        "centre": half,
        "radius": round(radius_m * scale, 1),
        "cameras": points,
        "bar_m": bar_m,
        "bar": round(bar_m * scale, 1),
    }


def route_inset(
    route: list[list[float]], width_m: float, cameras: list[dict[str, Any]]
) -> dict:
    """Shapes for the SVG inset of a route search: the route (lon, lat pairs) and its corridor,
    numbered cameras, scale bar; the whole corridor fits the square."""
    lons, lats = [p[0] for p in route], [p[1] for p in route]
    centre_lat, centre_lon = (min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2
    projected = [east_north_m(lat, lon, centre_lat, centre_lon) for lon, lat in route]
    extent = max(max(abs(e), abs(n)) for e, n in projected) + width_m / 2
    inset = map_inset(centre_lat, centre_lon, extent, cameras)
    half = MAP_SIZE / 2
    scale = (half - 14) / max(extent, 1.0)
    path = " ".join(
        f"{'M' if i == 0 else 'L'}{half + e * scale:.1f},{half - n * scale:.1f}"
        for i, (e, n) in enumerate(projected)
    )
    bar_m = _nice_length(extent / 2)
    return {**inset, "radius": None, "route": path, "corridor": round(max(width_m * scale, 1.0), 1),
            "bar_m": bar_m, "bar": round(bar_m * scale, 1)}


def _nice_length(metres: float) -> int:
    """A round scale-bar length not above metres (1, 2, 5 × 10^n)."""
    if metres < 1:
        return 1
    power = 10 ** int(math.floor(math.log10(metres)))
    for step in (5, 2, 1):
        if step * power <= metres:
            return int(step * power)
    return int(power)


def render_canvass_pdf(data: Mapping[str, Any]) -> bytes:
    """The canvass sheet as PDF bytes.

    data: case (case_number, incident_type, agency, since, until, lat, lon), radius_m,
    generated_at, generated_by, items (label, address, distance_m, in_view, retained,
    deadline, lat, lon, direction_deg, fov_deg, range_m, contact dict or None); for a search
    along a route also route (GeoJSON LineString, length_m) and width_m, radius_m then None;
    asked_elsewhere (address, contact, area) for premises the case's area requests asked
    outside this search (none when absent).
    """
    data = {"asked_elsewhere": [], **data}
    case = data["case"]
    route = data.get("route")
    if route:
        inset = route_inset(route["coordinates"], data["width_m"], data["items"])
    else:
        inset = map_inset(case["lat"], case["lon"], data["radius_m"], data["items"])
    return render_pdf("canvass.html", LANDSCAPE, **data, inset=inset)
