"""Offline geocoding: the county's address points, loaded from CSV and searched as the owner types."""
import csv
from dataclasses import dataclass
from typing import IO, Iterator

from sqlalchemy import select

from ..extensions import db
from ..models import AddressPoint
from ..models.validation import LAT_RANGE, LON_RANGE
from .records import normalise_address

# Accepted column names for each part (county exports differ).
COLUMNS = {
    "number": ("number", "house_number", "addr_number", "add_number"),
    "street": ("street", "street_name", "road"),
    "unit": ("unit", "apt", "suite"),
    "city": ("city", "place", "municipality", "community"),
    "state": ("state", "st"),
    "postal_code": ("postal_code", "zip", "zipcode", "postcode"),
    "lat": ("lat", "latitude", "y"),
    "lon": ("lon", "lng", "longitude", "x"),
}
BATCH = 1000


class AddressFileError(ValueError):
    """The file cannot be read as address points; says which line and why."""


@dataclass
class ImportSummary:
    """What an import did."""

    added: int = 0
    updated: int = 0
    skipped: int = 0


def _columns(header: list[str]) -> dict[str, str]:
    lowered = {name.strip().lower(): name for name in header}
    found = {}
    for part, names in COLUMNS.items():
        for name in names:
            if name in lowered:
                found[part] = lowered[name]
                break
    missing = [p for p in ("number", "street", "city", "lat", "lon") if p not in found]
    if missing:
        raise AddressFileError(f"missing column(s): {', '.join(missing)}")
    return found


def read_points(stream: IO[str]) -> Iterator[tuple[int, dict]]:
    """(line number, address point values) for each row; AddressFileError on a bad row."""
    reader = csv.DictReader(stream)
    columns = _columns(reader.fieldnames or [])
    for line, row in enumerate(reader, start=2):
        get = lambda part: (row.get(columns.get(part, ""), "") or "").strip()  # noqa: E731
        try:
            lat, lon = float(get("lat")), float(get("lon"))
        except ValueError:
            raise AddressFileError(f"line {line}: lat/lon must be numbers") from None
        if not (LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1]):
            raise AddressFileError(f"line {line}: lat/lon out of range")
        street = " ".join(p for p in (get("number"), get("street")) if p)
        if get("unit"):
            street += f" #{get('unit')}"
        if not get("street") or not get("city"):
            raise AddressFileError(f"line {line}: street and city are required")
        yield line, {
            "address": street[:300],
            "city": get("city")[:100],
            "state": (get("state") or "CA")[:2].upper(),
            "postal_code": get("postal_code")[:10],
            "lat": lat,
            "lon": lon,
        }


def import_points(stream: IO[str], step=lambda: None) -> ImportSummary:
    """Load or refresh address points from CSV in one transaction (all or nothing)."""
    summary = ImportSummary()
    existing = {
        (a, c, p): i
        for i, a, c, p in db.session.execute(
            select(AddressPoint.id, AddressPoint.address, AddressPoint.city, AddressPoint.postal_code)
        )
    }
    seen = set()
    try:
        for _line, values in read_points(stream):
            key = (values["address"], values["city"], values["postal_code"])
            if key in seen:
                summary.skipped += 1
                continue
            seen.add(key)
            values["search_key"] = normalise_address(values["address"], values["city"], values["postal_code"])
            if key in existing:
                point = db.session.get(AddressPoint, existing[key])
                for name, value in values.items():
                    setattr(point, name, value)
                summary.updated += 1
            else:
                db.session.add(AddressPoint(**values))
                summary.added += 1
            if (summary.added + summary.updated) % BATCH == 0:
                db.session.flush()
            step()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return summary


def _starts_with(key: str):
    """search_key LIKE 'key%' with the wildcards in key escaped."""
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return AddressPoint.search_key.like(f"{escaped}%", escape="\\")


def suggest(query: str, limit: int = 8) -> list[dict]:
    """Address points starting with what the owner typed (case and abbreviations ignored)."""
    key = normalise_address(query)[:100]
    if len(key) < 3:
        return []
    rows = db.session.execute(
        select(AddressPoint)
        .where(_starts_with(key))
        .order_by(AddressPoint.search_key)
        .limit(limit)
    ).scalars()
    return [
        {
            "label": f"{p.address}, {p.city} {p.postal_code}".strip(),
            "address": p.address,
            "city": p.city,
            "state": p.state,
            "postal_code": p.postal_code,
            "lat": p.lat,
            "lon": p.lon,
        }
        for p in rows
    ]


def locate(address: str, city: str) -> tuple[float, float] | None:
    """The point of an exactly known address, for owners who did not place a pin."""
    key = normalise_address(address, city)
    point = db.session.execute(
        select(AddressPoint).where(_starts_with(key)).limit(2)
    ).scalars().all()
    return (point[0].lat, point[0].lon) if len(point) == 1 else None
