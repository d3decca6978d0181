"""Bulk import of owners, registrations and cameras from CSV or GeoJSON (one camera per row).

Reading and checking are pure functions; `import_rows` writes through db.session in the
caller's transaction. Error messages name the row and the column, never the value, so they
can be shown and logged without repeating anybody's contact details.
"""
import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from .extensions import db
from .models import Camera, Owner, Registration
from .models.base import utcnow
from .models.validation import (
    CONTACT_METHODS,
    DIRECTION_RANGE,
    FOV_RANGE,
    LAT_RANGE,
    LON_RANGE,
    OWNER_KINDS,
    RANGE_M_RANGE,
    RECORDING_MODES,
    REGISTRATION_STATUSES,
    RETENTION_RANGE,
    SYSTEM_TYPES,
    FieldError,
    check_choice,
    check_email,
    check_phone,
    check_range,
)

COLUMNS = (
    "owner_kind", "owner_name", "organisation", "email", "phone", "preferred_contact",
    "address", "city", "state", "postal_code", "lat", "lon", "premises_lat", "premises_lon",
    "status", "camera_label", "direction_deg", "fov_deg", "range_m", "retention_days",
    "recording_mode", "system_type", "make_model", "overlooks",
)
REQUIRED_COLUMNS = ("owner_name", "address", "city", "lat", "lon", "camera_label")
STATE_RE = re.compile(r"^[A-Z]{2}$")
POSTAL_CODE_RE = re.compile(r"^[0-9]{5}(-[0-9]{4})?$")

# Field names in messages are the file's column names, not the model's attribute names.
OWNER_FIELDS = {"owner_kind": "kind", "owner_name": "name", "organisation": "organisation",
                "email": "email", "phone": "phone", "preferred_contact": "preferred_contact"}
REGISTRATION_FIELDS = {"address": "address", "city": "city", "state": "state",
                       "postal_code": "postal_code", "status": "status"}
CAMERA_FIELDS = {"camera_label": "label", "direction_deg": "direction_deg", "fov_deg": "fov_deg",
                 "range_m": "range_m", "retention_days": "retention_days",
                 "recording_mode": "recording_mode", "system_type": "system_type",
                 "make_model": "make_model", "overlooks": "overlooks"}
# Text cells are checked against their column's length (PostgreSQL would refuse longer ones).
TEXT_COLUMNS = {
    "owner_name": Owner.name, "organisation": Owner.organisation, "email": Owner.email,
    "address": Registration.address, "city": Registration.city, "camera_label": Camera.label,
    "make_model": Camera.make_model, "overlooks": Camera.overlooks,
}
WHOLE_NUMBERS = {"direction_deg": DIRECTION_RANGE, "fov_deg": FOV_RANGE,
                 "range_m": RANGE_M_RANGE, "retention_days": RETENTION_RANGE}


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message is one line saying why."""


@dataclass
class SourceRow:
    """One row or feature as read: where it is in the file and its cells as text."""

    where: str
    values: dict[str, str]
    problems: list[FieldError] = field(default_factory=list)


@dataclass
class RejectedRow:
    """A row that breaks at least one rule."""

    where: str
    errors: list[FieldError]

    def lines(self) -> list[str]:
        """One `line N: field: reason` line per broken rule."""
        return [f"{self.where}: {error.field}: {error.message}" for error in self.errors]


@dataclass
class CameraRow:
    """A checked row: the owner, registration and camera values it gives (blank cells left out)."""

    where: str
    owner: dict
    registration: dict
    camera: dict
    location: tuple[float, float]
    premises: tuple[float, float] | None

    @property
    def owner_key(self) -> tuple[str, str]:
        """Who the owner is: the e-mail address if given, else the name (case-insensitive)."""
        if self.owner.get("email"):
            return ("email", self.owner["email"])
        return ("name", normalise(self.owner["name"]))

    @property
    def premises_key(self) -> tuple:
        """Owner plus address and city: rows sharing it belong to one registration."""
        return (self.owner_key, normalise(self.registration["address"]),
                normalise(self.registration["city"]))


@dataclass
class ImportCounts:
    """What an import created and changed."""

    registrations_created: int = 0
    registrations_updated: int = 0
    cameras_created: int = 0
    cameras_updated: int = 0

    def summary(self) -> str:
        """The one-line report printed at the end of an import."""
        return (
            f"imported: {self.registrations_created} registrations created, "
            f"{self.registrations_updated} updated, {self.cameras_created} cameras created, "
            f"{self.cameras_updated} updated"
        )

    def as_dict(self) -> dict[str, int]:
        """The counts by name (for the audit log)."""
        return asdict(self)


def normalise(text: str) -> str:
    """Text compared case- and whitespace-insensitively."""
    return " ".join(text.split()).casefold()


# --- reading ----------------------------------------------------------------------------


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
        text = path.read_text(encoding="utf-8-sig")  # tolerate the BOM spreadsheets write
    except FileNotFoundError:
        raise ImportFileError(f"{path.name}: no such file") from None
    except UnicodeDecodeError:
        raise ImportFileError(f"{path.name}: not UTF-8 text") from None
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
        row.values.update({name: cell.strip() for name, cell in zip(header, cells)})
        if len(cells) > len(header):
            row.problems.append(FieldError("row", "has more cells than the header"))
        rows.append(row)
    if header is None:
        raise ImportFileError("the file is empty")
    return rows


def _cell(value) -> str:
    """A GeoJSON property value as the text a CSV cell would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value).strip()
    return json.dumps(value)


def _point(geometry) -> tuple[str, str] | None:
    """(lat, lon) text of a GeoJSON Point, or None if it is not one."""
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        return None
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or len(coordinates) < 2:
        return None
    lon, lat = coordinates[0], coordinates[1]
    if not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in (lat, lon)):
        return None
    return str(lat), str(lon)


def read_geojson(text: str) -> list[SourceRow]:
    """Rows of a FeatureCollection of Points; `where` is the feature number (from 1).

    The geometry is the camera's location (lat/lon properties, if any, are ignored).
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"not valid JSON (line {exc.lineno}: {exc.msg})") from None
    is_collection = isinstance(data, dict) and data.get("type") == "FeatureCollection"
    if not is_collection or not isinstance(data.get("features"), list):
        raise ImportFileError("not a GeoJSON FeatureCollection")
    rows, names = [], set()
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
        row.values = {
            str(key).strip().lower(): _cell(value) for key, value in properties.items()
        }
        names.update(row.values)
        # The geometry is authoritative: lat/lon properties must not stand in for a bad one.
        row.values.pop("lat", None)
        row.values.pop("lon", None)
        point = _point(feature.get("geometry"))
        if point is None:
            row.problems.append(FieldError("geometry", "must be a Point with [lon, lat]"))
        else:
            row.values["lat"], row.values["lon"] = point
    if rows:
        _check_columns(names | {"lat", "lon"}, REQUIRED_COLUMNS)
    return rows


# --- checking ---------------------------------------------------------------------------


def _text(values: dict, name: str, *, required: bool = False) -> str | None:
    """A text cell, checked against the column's length; None when blank."""
    value = " ".join(values.get(name, "").split())
    if not value:
        if required:
            raise FieldError(name, "is required")
        return None
    limit = TEXT_COLUMNS[name].type.length
    if len(value) > limit:
        raise FieldError(name, f"is longer than {limit} characters")
    return value


def _number(values: dict, name: str, bounds, *, whole: bool = False, required: bool = False):
    """A numeric cell within bounds (validation.py's ranges); None when blank."""
    text = values.get(name, "")
    if not text:
        return check_range(name, None, bounds, allow_none=not required)
    try:
        number = float(text)
    except ValueError:
        raise FieldError(name, "must be a number") from None
    if whole:
        if not number.is_integer():
            raise FieldError(name, "must be a whole number")
        number = int(number)
    return check_range(name, number, bounds)


def _choice(values: dict, name: str, choices) -> str | None:
    """A cell that must be one of choices; None when blank."""
    value = values.get(name, "").lower()
    return check_choice(name, value, choices) if value else None


def _owner(values: dict, errors: list[FieldError]) -> dict:
    """The owner fields of a row (model attribute names), adding broken rules to errors."""
    found = {}
    checks = {
        "owner_kind": lambda: _choice(values, "owner_kind", OWNER_KINDS),
        "owner_name": lambda: _text(values, "owner_name", required=True),
        "organisation": lambda: _text(values, "organisation"),
        "email": lambda: check_email("email", _text(values, "email")),
        "phone": lambda: check_phone("phone", values.get("phone", "")),
        "preferred_contact": lambda: _choice(values, "preferred_contact", CONTACT_METHODS),
    }
    _collect(checks, OWNER_FIELDS, found, errors)
    business = found.get("kind") == "business"
    if business and not found.get("organisation") and not _failed(errors, "organisation"):
        errors.append(FieldError("organisation", "is required for a business"))
    if not found.get("email") and not found.get("phone") and not _failed(errors, "email", "phone"):
        errors.append(FieldError("email", "an email or a phone number is required"))
    preferred = found.get("preferred_contact")
    if preferred == "email" and not found.get("email") and not _failed(errors, "email"):
        errors.append(FieldError("preferred_contact", "is email but no email is given"))
    if preferred in ("phone", "sms") and not found.get("phone") and not _failed(errors, "phone"):
        errors.append(FieldError("preferred_contact", f"is {preferred} but no phone is given"))
    return found


def _registration(values: dict, errors: list[FieldError]) -> dict:
    """The registration fields of a row, adding broken rules to errors."""
    found = {}
    checks = {
        "address": lambda: _text(values, "address", required=True),
        "city": lambda: _text(values, "city", required=True),
        "state": lambda: _pattern(values, "state", STATE_RE, "must be a two-letter state code"),
        "postal_code": lambda: _pattern(values, "postal_code", POSTAL_CODE_RE,
                                        "must be a ZIP code (12345 or 12345-6789)"),
        "status": lambda: _choice(values, "status", REGISTRATION_STATUSES),
    }
    _collect(checks, REGISTRATION_FIELDS, found, errors)
    return found


def _camera(values: dict, errors: list[FieldError]) -> dict:
    """The camera fields of a row, adding broken rules to errors."""
    found = {}
    checks = {
        "camera_label": lambda: _text(values, "camera_label", required=True),
        "recording_mode": lambda: _choice(values, "recording_mode", RECORDING_MODES),
        "system_type": lambda: _choice(values, "system_type", SYSTEM_TYPES),
        "make_model": lambda: _text(values, "make_model"),
        "overlooks": lambda: _text(values, "overlooks"),
        **{
            name: (lambda name=name, bounds=bounds: _number(values, name, bounds, whole=True))
            for name, bounds in WHOLE_NUMBERS.items()
        },
    }
    _collect(checks, CAMERA_FIELDS, found, errors)
    if "direction_deg" in values and not values["direction_deg"]:
        found["direction_deg"] = None  # blank means unknown (or a 360° dome), not "keep"
    return found


def _pattern(values: dict, name: str, pattern: re.Pattern, message: str) -> str | None:
    """A cell matching pattern (upper-cased); None when blank."""
    value = values.get(name, "").upper()
    if value and not pattern.match(value):
        raise FieldError(name, message)
    return value or None


def _collect(checks: dict, attributes: dict, found: dict, errors: list[FieldError]) -> None:
    """Run each column's check; keep given values under the model's attribute name."""
    for column, check in checks.items():
        try:
            value = check()
        except FieldError as exc:
            errors.append(exc)
            continue
        if value is not None:
            found[attributes[column]] = value


def _failed(errors: list[FieldError], *names: str) -> bool:
    """True if one of these columns already has an error (one complaint per column)."""
    return any(error.field in names for error in errors)


def _location(values: dict, lat: str, lon: str, errors: list[FieldError], *, required: bool):
    """A (lat, lon) pair from two cells; None when both are blank and not required."""
    if not required and not values.get(lat) and not values.get(lon):
        return None
    pair = []
    for name, bounds in ((lat, LAT_RANGE), (lon, LON_RANGE)):
        try:
            pair.append(_number(values, name, bounds, required=True))
        except FieldError as exc:
            errors.append(exc)
    return tuple(pair) if len(pair) == 2 else None


def check_row(row: SourceRow) -> CameraRow | RejectedRow:
    """A row checked against the model rules: the values to import, or every rule it breaks."""
    errors = list(row.problems)
    if _failed(errors, "feature", "properties"):
        return RejectedRow(row.where, errors)  # nothing else in it can be read
    values = row.values
    owner = _owner(values, errors)
    registration = _registration(values, errors)
    camera = _camera(values, errors)
    location = None
    if not _failed(errors, "geometry"):
        location = _location(values, "lat", "lon", errors, required=True)
    premises = _location(values, "premises_lat", "premises_lon", errors, required=False)
    if errors:
        return RejectedRow(row.where, errors)
    return CameraRow(row.where, owner, registration, camera, location, premises)


def _differences(earlier: dict, later: dict, names: dict, where: str, scope: str):
    """Rules broken where a later row gives another value than an earlier one for one thing."""
    for column, attribute in names.items():
        if attribute in earlier and attribute in later and earlier[attribute] != later[attribute]:
            yield FieldError(column, f"differs from {where} for the same {scope}")


class _FileState:
    """What earlier rows of the file said, so that rows about one owner or premises agree."""

    # Address and city are part of the key, so they cannot differ within one registration.
    REGISTRATION_ONLY = {
        k: v for k, v in REGISTRATION_FIELDS.items() if k not in ("address", "city")
    }

    def __init__(self) -> None:
        self.owners: dict[tuple, CameraRow] = {}
        self.registrations: dict[tuple, CameraRow] = {}
        self.premises: dict[tuple, CameraRow] = {}
        self.labels: dict[tuple, str] = {}

    def clashes(self, row: CameraRow) -> list[FieldError]:
        """Rules the row breaks against earlier accepted rows."""
        errors = []
        if owner := self.owners.get(row.owner_key):
            errors += _differences(owner.owner, row.owner, OWNER_FIELDS, owner.where, "owner")
        if first := self.registrations.get(row.premises_key):
            errors += _differences(first.registration, row.registration, self.REGISTRATION_ONLY,
                                   first.where, "registration")
        placed = self.premises.get(row.premises_key)
        if placed and row.premises and placed.premises != row.premises:
            errors.append(FieldError(
                "premises_lat", f"differs from {placed.where} for the same registration"
            ))
        if earlier := self.labels.get(self._label_key(row)):
            errors.append(FieldError(
                "camera_label", f"repeats {earlier} for the same registration"
            ))
        return errors

    def accept(self, row: CameraRow) -> None:
        """Remember an accepted row."""
        self.owners.setdefault(row.owner_key, row)
        self.registrations.setdefault(row.premises_key, row)
        if row.premises:
            self.premises.setdefault(row.premises_key, row)
        self.labels[self._label_key(row)] = row.where

    @staticmethod
    def _label_key(row: CameraRow) -> tuple:
        return (row.premises_key, normalise(row.camera["label"]))


def check_rows(rows: Iterable[SourceRow]) -> tuple[list[CameraRow], list[RejectedRow]]:
    """Check every row, and rows against each other: (rows to import, rejected rows)."""
    accepted: list[CameraRow] = []
    rejected: list[RejectedRow] = []
    state = _FileState()
    for source in rows:
        row = check_row(source)
        if isinstance(row, CameraRow) and (errors := state.clashes(row)):
            row = RejectedRow(row.where, errors)
        if isinstance(row, RejectedRow):
            rejected.append(row)
        else:
            state.accept(row)
            accepted.append(row)
    return accepted, rejected


# --- writing ----------------------------------------------------------------------------


def _assign(record, values: dict) -> bool:
    """Set the attributes that differ; True if any did."""
    changed = False
    for name, value in values.items():
        if getattr(record, name) != value:
            setattr(record, name, value)
            changed = True
    return changed


def _move(record, lat: float, lon: float) -> bool:
    """Place record at lat/lon unless already there (to about a centimetre); True if moved."""
    if record.location is not None:
        stored = (round(record.lat, 7), round(record.lon, 7))
        if stored == (round(lat, 7), round(lon, 7)):
            return False
    record.set_location(lat, lon)
    return True


def _one_year_after(day: date) -> date:
    """The same calendar day next year (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


class _Directory:
    """Stored owners and registrations by the keys an import matches on."""

    def __init__(self) -> None:
        self.owners: dict[tuple, int | Owner] = {}
        self.registrations: dict[tuple, int] = {}
        query = (
            select(Registration.id, Registration.address, Registration.city,
                   Owner.email, Owner.name)
            .join(Registration.owner)
            .order_by(Registration.id)
        )
        # Matching is case- and whitespace-insensitive, which SQL cannot do alike on both
        # databases, so the (small) key columns are compared here.
        for reg_id, address, city, email, name in db.session.execute(query):
            for key in self._owner_keys(email, name):
                self.registrations.setdefault((key, normalise(address), normalise(city)), reg_id)
        for owner_id, email, name in db.session.execute(
            select(Owner.id, Owner.email, Owner.name).order_by(Owner.id)
        ):
            for key in self._owner_keys(email, name):
                self.owners.setdefault(key, owner_id)

    @staticmethod
    def _owner_keys(email: str | None, name: str) -> list[tuple[str, str]]:
        """A stored owner is found by name, and by e-mail address when it has one."""
        keys = [("name", normalise(name))]
        if email:
            keys.append(("email", email.lower()))
        return keys

    def registration(self, row: CameraRow) -> Registration | None:
        """The stored registration of this row's owner at its address, if any."""
        reg_id = self.registrations.get(row.premises_key)
        return db.session.get(Registration, reg_id) if reg_id else None

    def owner(self, row: CameraRow) -> Owner | None:
        """The stored (or just created) owner this row names, if any."""
        found = self.owners.get(row.owner_key)
        if isinstance(found, int):
            found = self.owners[row.owner_key] = db.session.get(Owner, found)
        return found

    def remember(self, row: CameraRow, owner: Owner) -> None:
        """Make an owner created by this import findable by later rows."""
        self.owners[row.owner_key] = owner


def _grouped(rows: Iterable[CameraRow]) -> list[list[CameraRow]]:
    """Rows by registration, in the order each registration first appears."""
    groups: dict[tuple, list[CameraRow]] = {}
    for row in rows:
        groups.setdefault(row.premises_key, []).append(row)
    return list(groups.values())


def _merged(group: list[CameraRow], part: str) -> dict:
    """The values a group of rows gives for its owner or registration (first given wins)."""
    merged: dict = {}
    for row in group:
        for name, value in getattr(row, part).items():
            merged.setdefault(name, value)
    return merged


def _owner_for(row: CameraRow, values: dict, directory: _Directory) -> Owner:
    """The stored owner the row names (updated from values), or a new one."""
    owner = directory.owner(row)
    if owner is not None:
        _assign(owner, _without_key_spelling(row, values))
        return owner
    owner = Owner(**values)
    if "preferred_contact" not in values:
        owner.preferred_contact = "email" if owner.email else "phone"
    db.session.add(owner)
    directory.remember(row, owner)
    return owner


def _without_key_spelling(row: CameraRow, values: dict) -> dict:
    """Owner values minus a name that matched ignoring case and spacing (keep the stored one)."""
    if row.owner_key[0] == "name":
        return {name: value for name, value in values.items() if name != "name"}
    return values


def _create_registration(
    group: list[CameraRow], directory: _Directory, now: datetime
) -> Registration:
    """A new registration, due for confirmation a year from now."""
    first = group[0]
    owner = _owner_for(first, _merged(group, "owner"), directory)
    registration = Registration(
        owner=owner, status="active", state="CA", registered_at=now,
        next_confirmation_due=_one_year_after(now.date()),
    )
    _assign(registration, _merged(group, "registration"))
    registration.set_location(*_premises(group))
    db.session.add(registration)
    return registration


def _update_registration(group: list[CameraRow], registration: Registration) -> bool:
    """Bring a stored registration and its owner up to date; True if anything changed."""
    first = group[0]
    values = _merged(group, "registration")
    # Address and city matched ignoring case and spacing: keep the stored spelling.
    values = {name: value for name, value in values.items() if name not in ("address", "city")}
    changed = _assign(registration.owner, _without_key_spelling(first, _merged(group, "owner")))
    changed = _assign(registration, values) or changed
    return _move(registration, *_premises(group)) or changed


def _premises(group: list[CameraRow]) -> tuple[float, float]:
    """The premises location: the first premises_lat/lon given, else the first row's point."""
    return next((row.premises for row in group if row.premises), group[0].location)


def import_rows(
    rows: Iterable[CameraRow], on_row: Callable[[int], None] | None = None
) -> ImportCounts:
    """Create or update owners, registrations and cameras from checked rows (caller commits).

    A blank cell leaves a stored value as it is; when creating, the model's defaults apply.
    """
    counts = ImportCounts()
    directory = _Directory()
    now = utcnow()
    for group in _grouped(rows):
        registration = directory.registration(group[0])
        if registration is None:
            registration = _create_registration(group, directory, now)
            counts.registrations_created += 1
        else:
            counts.registrations_updated += _update_registration(group, registration)
        existing = {normalise(camera.label): camera for camera in registration.cameras}
        for row in group:
            camera = existing.get(normalise(row.camera["label"]))
            if camera is None:
                camera = Camera(**row.camera)
                camera.set_location(*row.location)
                registration.cameras.append(camera)
                counts.cameras_created += 1
            else:
                values = {name: value for name, value in row.camera.items() if name != "label"}
                changed = _assign(camera, values)
                counts.cameras_updated += _move(camera, *row.location) or changed
            if on_row:
                on_row(1)
    db.session.flush()
    return counts
