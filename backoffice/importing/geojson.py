"""GeoJSON points as county GIS tools write them: RFC 7946 plus the `crs` member of the 2008
format (QGIS, ArcGIS, ogr2ogr still write it), 3-D positions, and one-point MultiPoints (QGIS
exports every point layer as MultiPoint). Pure: no database access."""
import math
import re

# Geographic longitude/latitude in degrees. NAD83 and its realisations differ from WGS 84 by
# about a metre, well within what an address point or a camera position means.
_LONLAT_EPSG = {4326, 4979, 4269, 4152, 6318}
_LONLAT_OGC = {"CRS84", "CRS83"}


class GeoJSONError(ValueError):
    """A GeoJSON document or geometry that cannot be used; the message says why in one line."""


def _crs_name(crs) -> str | None:
    """The identifier a `crs` member gives ("urn:ogc:def:crs:EPSG::2229", "EPSG:4326"...)."""
    if not isinstance(crs, dict) or not isinstance(crs.get("properties"), dict):
        return None
    properties = crs["properties"]
    if crs.get("type") == "name" and isinstance(properties.get("name"), str):
        return properties["name"].strip()
    if crs.get("type") == "EPSG" and isinstance(properties.get("code"), (int, str)):
        return f"EPSG:{properties['code']}"
    return None


def check_crs(document: dict) -> None:
    """GeoJSONError unless the document's `crs` (if any) is longitude/latitude in degrees."""
    crs = document.get("crs")
    if crs is None:
        return
    name = _crs_name(crs)
    if name is None:
        raise GeoJSONError("the crs member cannot be read: give WGS 84 longitude/latitude")
    upper = name.upper()
    epsg = re.search(r"EPSG.*?(\d+)$", upper)
    if (epsg and int(epsg.group(1)) in _LONLAT_EPSG) or upper.rsplit(":", 1)[-1].rsplit("/", 1)[-1] in _LONLAT_OGC:
        return
    raise GeoJSONError(
        f"coordinates are in {name}, not WGS 84 longitude/latitude: "
        "export the layer in EPSG:4326"
    )


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def point_of(geometry) -> tuple[float, float]:
    """(lon, lat) of a Point, or of a MultiPoint holding one point; extra ordinates ignored.

    GeoJSONError naming what the geometry is otherwise (missing, a line, several points...).
    """
    if geometry is None:
        raise GeoJSONError("is missing: give a Point")
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if kind == "MultiPoint" and isinstance(coordinates, list):
        if len(coordinates) != 1:
            raise GeoJSONError(
                f"is a MultiPoint of {len(coordinates)} points: give one point per feature"
            )
        kind, coordinates = "Point", coordinates[0]
    if kind != "Point":
        raise GeoJSONError(f"must be a Point with [lon, lat], not {kind or 'unknown'}")
    if not isinstance(coordinates, list) or len(coordinates) < 2:
        raise GeoJSONError("must be a Point with [lon, lat]")
    lon, lat = coordinates[0], coordinates[1]
    if not (_number(lon) and _number(lat)):
        raise GeoJSONError("coordinates must be numbers [lon, lat]")
    return float(lon), float(lat)
