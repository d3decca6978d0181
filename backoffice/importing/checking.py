"""Checking rows against the field rules (backoffice.models.validation): errors name the row
and column, never the value."""
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..domain import REGISTRATION_STATUSES
from ..models import Camera, Owner, Registration
from ..models.validation import (
    CONTACT_METHODS,
    OWNER_KINDS,
    RECORDING_MODES,
    SYSTEM_TYPES,
    FieldError,
    check_camera_placed,
    check_choice,
    check_direction,
    check_email,
    check_fov,
    check_latitude,
    check_longitude,
    check_phone,
    check_postal_code,
    check_range_m,
    check_retention,
    check_state,
)
from .reading import SourceRow

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
    "owner_name": Owner.name, "organisation": Owner.organisation,
    "address": Registration.address, "city": Registration.city, "camera_label": Camera.label,
    "make_model": Camera.make_model, "overlooks": Camera.overlooks,
}
# Blank numeric cells keep the model's default (or "unknown" for the direction).
CAMERA_NUMBERS = {"direction_deg": check_direction, "fov_deg": check_fov,
                  "range_m": check_range_m, "retention_days": check_retention}


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


def normalise(text: str) -> str:
    """Text compared case- and whitespace-insensitively."""
    return " ".join(text.split()).casefold()


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


def _rule(values: dict, name: str, check: Callable, *, required: bool = False):
    """A cell through its field rule, reported under the file's column name; None when blank."""
    return check(values.get(name, ""), field=name, required=required)


def _choice(values: dict, name: str, choices) -> str | None:
    """A cell that must be one of choices; None when blank."""
    value = values.get(name, "").lower()
    return check_choice(name, value, choices) if value else None


def _owner(values: dict, errors: list[FieldError]) -> dict:
    """The owner fields of a row (model attribute names), adding broken rules to errors."""
    found: dict[str, Any] = {}
    checks = {
        "owner_kind": lambda: _choice(values, "owner_kind", OWNER_KINDS),
        "owner_name": lambda: _text(values, "owner_name", required=True),
        "organisation": lambda: _text(values, "organisation"),
        "email": lambda: _rule(values, "email", check_email),
        "phone": lambda: _rule(values, "phone", check_phone),
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
    found: dict[str, Any] = {}
    checks = {
        "address": lambda: _text(values, "address", required=True),
        "city": lambda: _text(values, "city", required=True),
        "state": lambda: _rule(values, "state", check_state),
        "postal_code": lambda: _rule(values, "postal_code", check_postal_code),
        "status": lambda: _choice(values, "status", REGISTRATION_STATUSES),
    }
    _collect(checks, REGISTRATION_FIELDS, found, errors)
    return found


def _number_rule(values: dict, name: str, check) -> Callable[[], Any]:
    """The check of one optional number cell, to run later."""
    return lambda: _rule(values, name, check, required=False)


def _camera(values: dict, errors: list[FieldError]) -> dict:
    """The camera fields of a row, adding broken rules to errors."""
    found: dict[str, Any] = {}
    checks: dict[str, Callable[[], Any]] = {
        "camera_label": lambda: _text(values, "camera_label", required=True),
        "recording_mode": lambda: _choice(values, "recording_mode", RECORDING_MODES),
        "system_type": lambda: _choice(values, "system_type", SYSTEM_TYPES),
        "make_model": lambda: _text(values, "make_model"),
        "overlooks": lambda: _text(values, "overlooks"),
        **{
            name: _number_rule(values, name, check) for name, check in CAMERA_NUMBERS.items()
        },
    }
    _collect(checks, CAMERA_FIELDS, found, errors)
    if "direction_deg" in values and not values["direction_deg"]:
        found["direction_deg"] = None  # blank means unknown (or a 360° dome), not "keep"
    return found


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
    for name, check in ((lat, check_latitude), (lon, check_longitude)):
        try:
            pair.append(_rule(values, name, check, required=True))
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
    assert location is not None  # required: a missing point is among the errors
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
        premises = ((placed.premises if placed else None) or row.premises
                    or (first.location if first else row.location))
        try:
            check_camera_placed(row.location, premises)
        except FieldError as error:
            errors.append(error)
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
