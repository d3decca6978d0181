"""Reading import files (CSV, GeoJSON) into rows of text cells: pure, no database access."""
import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..models.validation import FieldError
from .geojson import GeoJSONError, load_feature_collection, point_of, property_text
from .text import NotTextError, decode_text

COLUMNS = (
    "owner_kind", "owner_name", "organisation", "email", "phone", "preferred_contact",
    "address", "city", "state", "postal_code", "lat", "lon", "premises_lat", "premises_lon",
    "status", "camera_label", "direction_deg", "fov_deg", "range_m", "retention_days",
    "recording_mode", "system_type", "make_model", "overlooks",
)
REQUIRED_COLUMNS = ("owner_name", "address", "city", "lat", "lon", "camera_label")


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message is one line saying why."""


@dataclass
class SourceRow:
    """One row or feature as read: where it is in the file and its cells as text."""

    where: str
    values: dict[str, str]
    problems: list[FieldError] = field(default_factory=list)



def read_file(path: str | Path) -> list[SourceRow]:
    """Rows of a .csv or .geojson/.json file, or ImportFileError saying why it cannot be read."""
    path = Path(path)
    readers = {".csv": read_csv, ".geojson": read_geojson, ".json": read_geojson}
    reader = readers.get(path.suffix.lower())
    if reader is None:
        kind = repr(path.suffix) if path.suffix else "(no extension)"
        raise ImportFileError(
            f"{path.name}: unknown file type {kind}: use .csv, .geojson or .json"
        )
    try:
        # UTF-8 with or without the BOM spreadsheets write, or Excel's Windows-1252
        text, _encoding = decode_text(path.read_bytes())
    except FileNotFoundError:
        raise ImportFileError(f"{path.name}: no such file") from None
    except NotTextError as exc:
        raise ImportFileError(f"{path.name}: {exc}") from None
    except OSError as exc:
        raise ImportFileError(f"{path.name}: cannot be read ({exc.strerror})") from None
    try:
        rows = reader(text)
    except ImportFileError as exc:
        raise ImportFileError(f"{path.name}: {exc}") from None
    if not rows:
        raise ImportFileError(f"{path.name}: no rows to import")
    return rows


def _check_columns(names: Iterable[str], required: Iterable[str]) -> None:
    """Refuse a file that lacks required columns or has unknown ones (a misspelt column would
    otherwise be dropped without a word)."""
    names = set(names)
    missing = [name for name in required if name not in names]
    if missing:
        raise ImportFileError(f"missing required column(s): {', '.join(missing)}")
    unknown = sorted(names - set(COLUMNS) - {""})  # a blank header cell holds nothing
    if unknown:
        raise ImportFileError(f"unknown column(s): {', '.join(unknown)}")


def read_csv(text: str) -> list[SourceRow]:
    """Rows of CSV text with a header row; `where` is the line number (the header is line 1)."""
    # strict: a stray or unclosed quote is an error, not a row that swallows the file
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    rows = []
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ImportFileError(f"line {start}: not valid CSV ({exc})") from None
        if not any(cell.strip() for cell in cells):
            continue
        if header is None:
            header = [cell.strip().lower() for cell in cells]
            duplicates = sorted({name for name in header if name and header.count(name) > 1})
            if duplicates:
                raise ImportFileError(f"duplicate column(s): {', '.join(duplicates)}")
            _check_columns(header, REQUIRED_COLUMNS)
            continue
        row = SourceRow(f"line {start}", {name: "" for name in header})
        row.values.update({name: cell.strip() for name, cell in zip(header, cells, strict=False)})
        if len(cells) > len(header):
            row.problems.append(FieldError("row", "has more cells than the header"))
        rows.append(row)
    if header is None:
        raise ImportFileError("the file is empty")
    return rows


def read_geojson(text: str) -> list[SourceRow]:
    """Rows of a FeatureCollection of Points; `where` is the feature number (from 1).

    The geometry is the camera's location (lat/lon properties, if any, are ignored): a Point
    or a MultiPoint of one point, 2-D or 3-D, in WGS 84 (a `crs` member naming another
    system refuses the file).
    """
    try:
        data = load_feature_collection(text)
    except GeoJSONError as exc:
        raise ImportFileError(str(exc)) from None
    rows, names = [], set[str]()
    for number, feature in enumerate(data["features"], start=1):
        row = SourceRow(f"feature {number}", {})
        rows.append(row)
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            row.problems.append(FieldError("feature", "is not a GeoJSON Feature"))
            continue
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            row.problems.append(FieldError("properties", "must be an object"))
            continue
        for key, value in properties.items():
            name = str(key).strip().lower()
            try:
                row.values[name] = property_text(name, value)
            except GeoJSONError as exc:
                row.values[name] = ""
                row.problems.append(FieldError("properties", str(exc)))
        names.update(row.values)
        # The geometry is authoritative: lat/lon properties must not stand in for a bad one.
        row.values.pop("lat", None)
        row.values.pop("lon", None)
        try:
            lon, lat = point_of(feature.get("geometry"))
        except GeoJSONError as exc:
            row.problems.append(FieldError("geometry", str(exc)))
        else:
            row.values["lat"], row.values["lon"] = str(lat), str(lon)
    if rows:
        _check_columns(names | {"lat", "lon"}, REQUIRED_COLUMNS)
    return rows
