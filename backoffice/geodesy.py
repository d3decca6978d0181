"""Distances, bearings and offsets on the WGS 84 ellipsoid, by GeographicLib (Karney's
geodesics, accurate to nanometres): the one place the backoffice measures the earth.

The databases measure on the same ellipsoid (SpatiaLite's ST_Distance(..., 1), PostGIS's
geography), so a camera the canvass finds at 99.9 m is 99.9 m here too. The only degree
arithmetic left is spatial.radius_box(), the index pre-filter's deliberately generous box.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

from geographiclib.geodesic import Geodesic

WGS84 = Geodesic.WGS84


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Geodesic distance in metres between two points."""
    return WGS84.Inverse(lat1, lon1, lat2, lon2, Geodesic.DISTANCE)["s12"]


def bearing_deg(from_lat: float, from_lon: float, to_lat: float, to_lon: float) -> float:
    """Initial bearing of the geodesic from one point to another, degrees clockwise from north
    in [0, 360); 0 when the points coincide."""
    return WGS84.Inverse(from_lat, from_lon, to_lat, to_lon, Geodesic.AZIMUTH)["azi1"] % 360.0


def destination(lat: float, lon: float, bearing: float, distance: float) -> tuple[float, float]:
    """The point `distance` metres from lat/lon setting out on `bearing` (degrees from north)."""
    line = WGS84.Direct(lat, lon, bearing, distance, Geodesic.LATITUDE | Geodesic.LONGITUDE)
    return line["lat2"], line["lon2"]


def offset(lat: float, lon: float, north_m: float, east_m: float) -> tuple[float, float]:
    """The point north_m metres north and east_m metres east of lat/lon (straight along the
    bearing between them)."""
    return destination(lat, lon, math.degrees(math.atan2(east_m, north_m)), math.hypot(north_m, east_m))


def east_north_m(lat: float, lon: float, centre_lat: float, centre_lon: float) -> tuple[float, float]:
    """Metres east and north of the centre to lat/lon (azimuthal equidistant: distances and
    bearings from the centre are true), for drawing maps around a point."""
    found = WGS84.Inverse(centre_lat, centre_lon, lat, lon, Geodesic.DISTANCE | Geodesic.AZIMUTH)
    azimuth = math.radians(found["azi1"])
    return found["s12"] * math.sin(azimuth), found["s12"] * math.cos(azimuth)


def path_length_m(points: Sequence[Sequence[float]]) -> float:
    """Length in metres of a path given as (lon, lat) points (GeoJSON order), leg by leg."""
    return sum(distance_m(a[1], a[0], b[1], b[0]) for a, b in zip(points, points[1:], strict=False))
