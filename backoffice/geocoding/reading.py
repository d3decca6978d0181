"""Reading a county's address point file (CSV or GeoJSON) into checked rows: pure, no database.

Whole-file problems (not text, no recognised header, broken CSV quoting or JSON, no usable
row) raise AddressFileError with one line. A row that cannot be an address point is kept as an
UnusableRow saying where and why; blank rows (a spreadsheet's trailing ",,,,") are counted.
"""
import csv
import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path


from ..importing.geojson import GeoJSONError, load_feature_collection, point_of, property_text
from ..importing.text import NotTextError, decode_text
from ..models import AddressPoint
from ..models.validation import LAT_RANGE, LON_RANGE, FieldError, check_state
from .layouts import Layout, column_name, recognise

DELIMITERS = (",", ";", "\t", "|")
ZIP_RE = re.compile(r"^[0-9]{5}(-[0-9]{4})?$")
# Where ZIP codes start with 0 (USPS national area 0: New England, New Jersey, Puerto Rico,
# the Virgin Islands, two New York offices, APO/FPO Europe), which spreadsheets drop.
ZERO_ZIP_STATES = {"CT", "MA", "ME", "NH", "NJ", "NY", "PR", "RI", "VT", "VI", "AE"}
MAX_ADDRESS = AddressPoint.address.type.length
MAX_CITY = AddressPoint.city.type.length


class AddressFileError(ValueError):
    """The file as a whole cannot be read as address points; the message is one line."""


@dataclass(slots=True)
class PointValues:
    """One usable address point, as it will be stored."""

    where: str
    address: str
    city: str
    state: str
    postal_code: str
    lat: float
    lon: float


@dataclass(slots=True)
class UnusableRow:
    """A row that cannot be an address point: where it is ("line 7", "feature 3") and why."""

    where: str
    reason: str


@dataclass
class AddressFile:
    """What a file holds: its layout and encoding, usable points, unusable and blank rows."""

    layout: str
    encoding: str
    points: list[PointValues] = field(default_factory=list)
    unusable: list[UnusableRow] = field(default_factory=list)
    blank: int = 0


class _Unusable(Exception):
    pass


def _state(text: str) -> str:
    """A two-letter state code from a code or a name ("California", "Calif."); "" if blank."""
    try:
        return check_state(text) or ""
    except FieldError:
        raise _Unusable("state is not a US state") from None


def _zip(text: str, state: str) -> str:
    """ZIP or ZIP+4; spreadsheets' damage undone ("93301.0", 9 digits, and the leading zeros
    of the states whose ZIP codes start with 0)."""
    text = text.strip()
    if re.fullmatch(r"[0-9]{5}\.0+", text):
        text = text[:5]
    elif re.fullmatch(r"[0-9]{3,4}", text) and state in ZERO_ZIP_STATES:
        text = text.zfill(5)
    elif re.fullmatch(r"[0-9]{9}", text):
        text = f"{text[:5]}-{text[5:]}"
    if text and not ZIP_RE.match(text):
        raise _Unusable("ZIP code is not 12345 or 12345-6789")
    return text


def _coordinates(lat_text: str, lon_text: str) -> tuple[float, float]:
    if not lat_text or not lon_text:
        raise _Unusable("no coordinates")
    # European spreadsheets write decimal commas ("35,5941") in semicolon-separated files.
    lat_text, lon_text = (re.sub(r"^(-?[0-9]+),([0-9]+)$", r"\1.\2", t) for t in (lat_text, lon_text))
    try:
        lat, lon = float(lat_text), float(lon_text)
    except ValueError:
        raise _Unusable("coordinates are not numbers") from None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise _Unusable("coordinates are not numbers")
    if not (LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1]):
        raise _Unusable("coordinates out of range (not WGS 84 latitude/longitude)")
    if lat == 0 and lon == 0:
        raise _Unusable("coordinates are 0, 0 (no location)")
    return lat, lon


def _whole(text: str) -> str:
    """An address number as written ("1200.0", a spreadsheet's number, is "1200")."""
    return text[: text.index(".")] if re.fullmatch(r"[0-9]+\.0+", text) else text


def point_values(where: str, parts: dict[str, str]) -> PointValues:
    """Checked values of one row's parts; _Unusable saying why it cannot be a point."""
    number, street, unit = _whole(parts["number"]), parts["street"], parts["unit"]
    if not number:
        raise _Unusable("no house number")
    if not street:
        raise _Unusable("no street name")
    city, state = parts["city"], _state(parts["state"])
    postal_code = _zip(parts["postal_code"], state)
    if not city and not postal_code:
        raise _Unusable("neither city nor ZIP code")
    lat, lon = _coordinates(parts["lat"], parts["lon"])
    address = f"{number} {street}" + (f" #{unit.lstrip('#').strip()}" if unit else "")
    if len(address) > MAX_ADDRESS:
        raise _Unusable(f"address longer than {MAX_ADDRESS} characters")
    if len(city) > MAX_CITY:
        raise _Unusable(f"city longer than {MAX_CITY} characters")
    return PointValues(where, address, city, state, postal_code, lat, lon)


def _clean(text: str) -> str:
    return " ".join(text.split())


def _delimiter(first_line: str) -> str:
    """The delimiter a header line uses: the most frequent of , ; TAB | (comma on a tie)."""
    return max(DELIMITERS, key=lambda d: (first_line.count(d), d == ","))


def _csv_rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of CSV text; AddressFileError for broken quoting."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise AddressFileError(f"line {start}: not valid CSV ({exc})") from None
        yield start, cells


def read_csv(text: str, encoding: str = "utf-8") -> AddressFile:
    """Address points of CSV text with a header row; lines counted from 1 (the header's)."""
    lines = text.splitlines()
    skip_sep = bool(lines) and re.fullmatch(r"sep=.", lines[0].strip()) is not None
    header_line = next((line for line in lines[skip_sep:] if line.strip(" ,;\t|")), "")
    delimiter = lines[0].strip()[4] if skip_sep else _delimiter(header_line)
    source: AddressFile | None = None
    layout: Layout | None = None
    names: list[str] = []
    name_set: set[str] = set()
    for line, cells in _csv_rows(text, delimiter):
        if (skip_sep and line == 1) or not any(cell.strip() for cell in cells):
            if source is not None:
                source.blank += 1
            continue
        if source is None or layout is None:  # the header (both are set from it)
            names = [column_name(cell) for cell in cells]
            duplicates = sorted({n for n in names if n and names.count(n) > 1})
            if duplicates:
                raise AddressFileError(f"line {line}: duplicate column(s): {', '.join(duplicates)}")
            name_set = set(names)
            try:
                layout = recognise(name_set)
            except ValueError as exc:
                raise AddressFileError(f"line {line}: {exc}") from None
            source = AddressFile(layout.name, encoding)
            continue
        where = f"line {line}"
        if len(cells) > len(names) and any(cell.strip() for cell in cells[len(names):]):
            source.unusable.append(UnusableRow(where, "more cells than the header"))
            continue
        row = dict(zip(names, cells, strict=False))  # a short row: its last cells are empty
        try:
            source.points.append(point_values(where, layout.parts(
                lambda name: _clean(row.get(name, "")), name_set)))  # noqa: B023  called at once
        except _Unusable as exc:
            source.unusable.append(UnusableRow(where, str(exc)))
    if source is None:
        raise AddressFileError("the file is empty")
    return source


def read_geojson(text: str, encoding: str = "utf-8") -> AddressFile:
    """Address points of a GeoJSON FeatureCollection; features counted from 1.

    Points come from each feature's geometry (a Point, or a MultiPoint of one point; a third
    ordinate is ignored), the other parts from its properties in one of the layouts.
    """
    try:
        document = load_feature_collection(text)
    except GeoJSONError as exc:
        raise AddressFileError(str(exc)) from None
    features = []
    names: set[str] = set()
    for feature in document["features"]:
        properties = feature.get("properties") if isinstance(feature, dict) else None
        lowered = ({column_name(str(k)): v for k, v in properties.items()}
                   if isinstance(properties, dict) else None)
        features.append((feature, lowered))
        names.update(lowered or ())
    if not features:
        raise AddressFileError("no address points in the file (no features)")
    try:
        layout = recognise(names, coordinates=False)
    except ValueError as exc:
        raise AddressFileError(f"feature properties: {exc}") from None
    source = AddressFile(layout.name, encoding)
    for number, (feature, properties) in enumerate(features, start=1):
        where = f"feature {number}"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            source.unusable.append(UnusableRow(where, "not a GeoJSON Feature"))
            continue
        if properties is None:
            source.unusable.append(UnusableRow(where, "no properties"))
            continue
        try:
            lon, lat = point_of(feature.get("geometry"))
        except GeoJSONError as exc:
            source.unusable.append(UnusableRow(where, f"geometry {exc}"))
            continue
        try:
            parts = layout.parts(
                lambda name: _clean(property_text(name, properties.get(name))),  # noqa: B023  called at once
                names)
            parts["lat"], parts["lon"] = repr(lat), repr(lon)
            source.points.append(point_values(where, parts))
        except (GeoJSONError, _Unusable) as exc:
            source.unusable.append(UnusableRow(where, str(exc)))
    return source


def read_text(text: str, name: str, encoding: str = "utf-8") -> AddressFile:
    """Address points of a file's text; GeoJSON by extension or by a leading "{"."""
    is_json = Path(name).suffix.lower() in (".geojson", ".json") or text.lstrip().startswith("{")
    source = (read_geojson if is_json else read_csv)(text, encoding)
    if not source.points:
        if source.unusable:
            first = source.unusable[0]
            raise AddressFileError(
                f"no usable address point: {len(source.unusable)} unusable rows "
                f"(first: {first.where}: {first.reason})"
            )
        raise AddressFileError("no address points in the file (only a header)")
    return source


def read_address_file(path: str | Path) -> AddressFile:
    """Address points of a CSV or GeoJSON file; AddressFileError (one line) if unreadable."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise AddressFileError("no such file") from None
    except OSError as exc:
        raise AddressFileError(f"cannot be read ({exc.strerror})") from None
    try:
        text, encoding = decode_text(data)
    except NotTextError as exc:
        raise AddressFileError(str(exc)) from None
    return read_text(text, path.name, encoding)
