"""GeoJSON points as county GIS tools write them: RFC 7946 plus the `crs` member of the 2008
format (QGIS, ArcGIS, ogr2ogr still write it), 3-D positions, and one-point MultiPoints (QGIS
exports every point layer as MultiPoint). Pure: no database access."""
import json
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


def load_feature_collection(text: str) -> dict:
    """The FeatureCollection in `text` (its `crs` checked by check_crs); GeoJSONError in one
    line when it is not JSON, not usable JSON (a number of thousands of digits, nesting too
    deep), or not a FeatureCollection with a list of features."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise GeoJSONError(f"not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except (ValueError, RecursionError):
        raise GeoJSONError("not usable JSON (a number too long or nesting too deep)") from None
    if not (isinstance(document, dict) and document.get("type") == "FeatureCollection"
            and isinstance(document.get("features"), list)):
        raise GeoJSONError("not a GeoJSON FeatureCollection")
    check_crs(document)
    return document


def property_text(name: str, value) -> str:
    """A feature property's value as the text a CSV cell would hold: "" for null, numbers as
    written (93301, not 93301.0), true/false. GeoJSONError naming the property for a list or
    an object (one value is expected) and for a string that is not text: JSON's \\ud800
    escapes can spell half of a UTF-16 pair, which no database column can store."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, dict)):
        raise GeoJSONError(f"{_shown(name)} is a list or an object: give one value")
    text = str(value)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise GeoJSONError(f"{_shown(name)} holds an unpaired UTF-16 surrogate, not text") from None
    return text.strip()


def _shown(name: str) -> str:
    """A property name safe to print (unpaired surrogates replaced)."""
    return name.encode("utf-8", "replace").decode("utf-8")[:60]
