"""What a map shows when there is no tile server: the county outline and the address points
with their house numbers, from data the registry holds (COUNTY_OUTLINE, address points).

Both are public county data: the same answers serve the backoffice's maps and the portal's.
"""
from __future__ import annotations

import json
import logging
import math
import re
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from shapely.geometry import mapping, shape
from shapely.validation import explain_validity

from . import spatial
from .camera_map import parse_bbox
from .errors import InvalidInputError
from .extensions import db
from .ids import get_by_id
from .models import Registration

log = logging.getLogger(__name__)

OUTLINE_TYPES = ("Polygon", "MultiPolygon")
MAX_ZOOM = 22
# A street-level view is about 0.05° wide on a wide screen at zoom 16: a box much bigger than
# that is not a street view, whatever zoom it claims.
MAX_BOX_DEG = 0.25
LOCAL_TILE_URL = "/tiles/{z}/{x}/{y}.png"
_EXTENSION_KEY = "backoffice.county_outline"
# "1302", "1302A", "12-14", "1302 1/2": the leading house number of an address line.
_NUMBER = re.compile(r"^(\d\S*(?:\s+\d+/\d+)?)\s+(.+)$")


class OutlineFileError(ValueError):
    """COUNTY_OUTLINE cannot be read as a county polygon; the message says why."""


def tile_url(app: Flask | None = None) -> str:
    """The tile URL the maps use: TILE_URL when set, else the local tiles of TILES_PATH, else
    "" (no background: the outline and address points give the context)."""
    config = (app or current_app).config
    if config.get("TILE_URL"):
        return config["TILE_URL"]
    return LOCAL_TILE_URL if config.get("TILES_PATH") else ""


def read_outline(path: str | Path) -> dict[str, Any]:
    """A FeatureCollection of the county's polygon(s) from a GeoJSON file (a geometry, a
    Feature or a FeatureCollection of Polygons/MultiPolygons in longitude/latitude)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise OutlineFileError(f"cannot read it ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise OutlineFileError("it is not GeoJSON text") from None
    if not isinstance(data, dict):
        raise OutlineFileError("it is not a GeoJSON object")
    if data.get("type") == "FeatureCollection":
        features = data.get("features")
    elif data.get("type") == "Feature":
        features = [data]
    else:
        features = [{"type": "Feature", "properties": {}, "geometry": data}]
    if not isinstance(features, list) or not features:
        raise OutlineFileError("it holds no polygon")
    outlines = []
    for index, feature in enumerate(features, start=1):
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geometry, dict) or geometry.get("type") not in OUTLINE_TYPES:
            raise OutlineFileError(f"feature {index} is not a Polygon or MultiPolygon")
        try:
            polygon = shape(geometry)
        except Exception:  # noqa: BLE001  shapely raises several types for broken coordinates
            raise OutlineFileError(f"feature {index} has broken coordinates") from None
        if polygon.is_empty:
            raise OutlineFileError(f"feature {index} is empty")
        min_lon, min_lat, max_lon, max_lat = polygon.bounds
        if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
            raise OutlineFileError(
                f"feature {index} is not in longitude/latitude (WGS 84); a projected export "
                "(State Plane, UTM) must be reprojected to EPSG:4326")
        if not polygon.is_valid:
            raise OutlineFileError(f"feature {index} is not a valid polygon ({explain_validity(polygon)})")
        properties = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
        name = properties.get("name")
        outlines.append({
            "type": "Feature",
            "properties": {"name": str(name)[:200]} if name else {},
            "geometry": mapping(polygon),
        })
    return {"type": "FeatureCollection", "features": outlines}


def county_outline() -> dict[str, Any]:
    """The county outline of COUNTY_OUTLINE as a FeatureCollection, read once per app; an
    empty collection when none is set or the file is unusable (logged: the maps still work)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is a proxy; typed as the app
    path = app.config.get("COUNTY_OUTLINE") or ""
    cached = app.extensions.get(_EXTENSION_KEY)
    if cached is not None and cached[0] == path:
        return cached[1]
    outline: dict[str, Any] = {"type": "FeatureCollection", "features": []}
    if path:
        try:
            outline = read_outline(path)
        except OutlineFileError as exc:
            log.error("COUNTY_OUTLINE %s: %s; the maps are drawn without it", path, exc)
    app.extensions[_EXTENSION_KEY] = (path, outline)
    return outline


def parse_zoom(raw: str | None) -> int:
    """The map's zoom level: a whole number from 0 to MAX_ZOOM."""
    if raw is None or raw == "":
        raise InvalidInputError("zoom is required: the map's zoom level, 0 to 22", field="zoom")
    try:
        zoom = float(raw)
    except ValueError:
        raise InvalidInputError("zoom must be a number from 0 to 22", field="zoom") from None
    if not math.isfinite(zoom) or not 0 <= zoom <= MAX_ZOOM:
        raise InvalidInputError("zoom must be a number from 0 to 22", field="zoom")
    return int(zoom)  # Leaflet's fractional zooms round down


def split_house_number(address: str) -> tuple[str, str]:
    """("1302 1/2", "North Chester Avenue") from "1302 1/2 North Chester Avenue"; ("", the
    line) when it does not start with a number."""
    found = _NUMBER.match(address.strip())
    return (found.group(1), found.group(2)) if found else ("", address.strip())


def address_points(args) -> dict[str, Any]:
    """The address points inside `bbox` at street `zoom` as a FeatureCollection: house number
    and street only (no owner data; address points are the county's public data).

    Below ADDRESS_POINTS_MIN_ZOOM: none (a county's worth of dots says nothing). At most
    ADDRESS_POINTS_MAX, nearest the middle of the view; `truncated` says when some were left.
    """
    box = parse_bbox(args.get("bbox"))
    zoom = parse_zoom(args.get("zoom"))
    config = current_app.config
    min_zoom, cap = config["ADDRESS_POINTS_MIN_ZOOM"], config["ADDRESS_POINTS_MAX"]
    answer: dict[str, Any] = {"type": "FeatureCollection", "features": [], "min_zoom": min_zoom,
                              "truncated": False}
    if zoom < min_zoom:
        return answer
    if box.max_lon - box.min_lon > MAX_BOX_DEG or box.max_lat - box.min_lat > MAX_BOX_DEG:
        raise InvalidInputError(
            f"bbox is wider than a street view (at most {MAX_BOX_DEG}° each way): zoom in",
            field="bbox")
    rows = spatial.address_points_in_box(db.session, box, cap + 1)
    answer["truncated"] = len(rows) > cap
    for row in rows[:cap]:
        number, street = split_house_number(row["address"])
        answer["features"].append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(row["lon"], 6), round(row["lat"], 6)]},
            "properties": {"number": number, "street": street},
        })
    return answer


def premises_map(registration: Registration | int | None) -> dict[str, Any] | None:
    """What the small map of a registration's page shows: the premises pin and its cameras'
    locations and view (None when there is no such registration or it has no location).
    Takes the registration or its id (Flask-AppBuilder's show page knows only the id; the row
    is already in the session)."""
    if not isinstance(registration, Registration):
        registration = get_by_id(Registration, registration)
    if registration is None or registration.lat is None:
        return None
    cameras = [
        {"label": camera.label, "lat": camera.lat, "lon": camera.lon,
         "direction_deg": camera.direction_deg, "fov_deg": camera.fov_deg, "range_m": camera.range_m}
        for camera in sorted(registration.cameras, key=lambda c: c.id)
        if camera.lat is not None
    ]
    return {
        "lat": registration.lat,
        "lon": registration.lon,
        "label": f"{registration.address}, {registration.city}",
        "cameras": cameras,
        "tile_url": tile_url(),
        "outline_url": "/api/v1/county/outline",
        "addresses_url": "/api/v1/address_points/",
    }


def init_app(app: Flask) -> None:
    """Templates ask `map_tile_url()` for the maps' background (see tile_url) and
    `premises_map(registration)` for a registration's small map."""
    app.jinja_env.globals["map_tile_url"] = tile_url
    app.jinja_env.globals["premises_map"] = premises_map
