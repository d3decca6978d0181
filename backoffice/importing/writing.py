"""Writing checked rows to the database through db.session, in the caller's transaction."""
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select

from ..extensions import db
from ..models import Camera, Owner, Registration
from ..localtime import add_year, to_local
from ..models.base import utcnow
from .checking import CameraRow, normalise


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
    """A new registration, due for confirmation a year from today on the county's calendar
    (as the owner portal counts it)."""
    first = group[0]
    owner = _owner_for(first, _merged(group, "owner"), directory)
    registration = Registration(
        owner=owner, status="active", state="CA", registered_at=now,
        next_confirmation_due=add_year(to_local(now).date()),
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
    rows: Iterable[CameraRow], on_row: Callable[[int], None] | None = None, *, now: datetime | None = None
) -> ImportCounts:
    """Create or update owners, registrations and cameras from checked rows (caller commits).

    A blank cell leaves a stored value as it is; when creating, the model's defaults apply.
    """
    counts = ImportCounts()
    directory = _Directory()
    now = now or utcnow()
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
