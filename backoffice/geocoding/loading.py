"""Writing read address points into the address_point table (the caller commits)."""
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import delete, select, update

from ..extensions import db
from ..models import AddressKey, AddressPoint
from .keys import lookup_keys, search_key
from .reading import AddressFile, PointValues, UnusableRow

BATCH = 1000
LISTED_PER_REASON = 10


@dataclass
class ImportSummary:
    """What an import did, and which rows it skipped."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    blank: int = 0
    unusable: list[UnusableRow] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        """Counts only (for the audit log)."""
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "duplicates": self.duplicates, "blank": self.blank,
                "unusable": len(self.unusable)}

    def lines(self) -> list[str]:
        """The summary a person reads: one line of counts, then unusable rows by reason."""
        counts = ", ".join(f"{name.replace('_', ' ')} {count}" for name, count in (
            ("added", self.added), ("updated", self.updated), ("unchanged", self.unchanged),
            ("duplicates_skipped", self.duplicates), ("blank_rows_skipped", self.blank),
            ("unusable_rows_skipped", len(self.unusable))))
        return [counts, *unusable_lines(self.unusable)]


def unusable_lines(rows: list[UnusableRow]) -> list[str]:
    """`  reason: line 4, line 9, ... and N more`, one line per reason, biggest first."""
    by_reason: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        by_reason[row.reason].append(row.where)
    lines = []
    for reason, places in sorted(by_reason.items(), key=lambda item: -len(item[1])):
        shown = ", ".join(places[:LISTED_PER_REASON])
        more = len(places) - LISTED_PER_REASON
        lines.append(f"  {reason}: {shown}" + (f" and {more} more" if more > 0 else ""))
    return lines


def _row(point: PointValues) -> dict:
    return {
        "address": point.address, "city": point.city, "state": point.state,
        "postal_code": point.postal_code, "lat": point.lat, "lon": point.lon,
        "search_key": search_key(point.address, point.city, point.postal_code),
    }


_COMPARED = ("address", "city", "state", "postal_code", "lat", "lon")


def _write_batch(batch: list[dict], summary: ImportSummary) -> None:
    """Insert new points and update changed ones, with their lookup keys: six statements at
    most per batch.

    A stored point with the same search key is the same place ("Ave" or "Avenue", "#2" or
    "Apt 2"): it is updated to the file's spelling, the exact spelling preferred if several.
    """
    stored: dict[str, list] = defaultdict(list)
    for row in db.session.execute(
        select(AddressPoint.id, AddressPoint.search_key, *(getattr(AddressPoint, name) for name in _COMPARED))
        .where(AddressPoint.search_key.in_([values["search_key"] for values in batch]))
        .order_by(AddressPoint.id)
    ):
        stored[row.search_key].append(row)
    new, changed, respelt = [], [], []
    for values in batch:
        candidates = stored.get(values["search_key"], [])
        old = next((row for row in candidates
                    if (row.address, row.city, row.postal_code)
                    == (values["address"], values["city"], values["postal_code"])),
                   candidates[0] if candidates else None)
        if old is None:
            new.append(values)
        elif tuple(getattr(old, name) for name in _COMPARED) != tuple(values[name] for name in _COMPARED):
            changed.append({"id": old.id, **values})
            if (old.address, old.city, old.postal_code) != (
                values["address"], values["city"], values["postal_code"]
            ):
                respelt.append(changed[-1])
        else:
            summary.unchanged += 1
    keyed = []
    if new:
        # Core statements: the ORM's bulk machinery costs more than the database here.
        points = AddressPoint.__table__
        ids = db.session.execute(
            points.insert().returning(points.c.id, sort_by_parameter_order=True), new
        ).scalars()
        keyed += [{**values, "id": id_} for id_, values in zip(ids, new, strict=True)]
    if changed:
        db.session.execute(update(AddressPoint), changed)  # by primary key, executemany
    if respelt:
        db.session.execute(
            delete(AddressKey).where(AddressKey.point_id.in_([values["id"] for values in respelt]))
        )
        keyed += respelt
    if keyed:
        db.session.execute(AddressKey.__table__.insert(), [
            {"key": key, "point_id": values["id"]}
            for values in keyed
            for key in lookup_keys(values["address"], values["city"], values["postal_code"])
        ])
    summary.added += len(new)
    summary.updated += len(changed)


def import_points(
    source: AddressFile, on_progress: Callable[[int], object] = lambda n: None
) -> ImportSummary:
    """Add the file's new points and refresh known ones (same address, city and ZIP code).

    A point repeated in the file (the same search key) is kept once, the first time. Writes
    in the caller's transaction and does not commit; on_progress(n) after n points handled.
    """
    summary = ImportSummary(blank=source.blank, unusable=list(source.unusable))
    seen: set[str] = set()
    batch: list[dict] = []
    for point in source.points:
        values = _row(point)
        if values["search_key"] in seen:
            summary.duplicates += 1
            on_progress(1)
            continue
        seen.add(values["search_key"])
        batch.append(values)
        if len(batch) == BATCH:
            _write_batch(batch, summary)
            on_progress(len(batch))
            batch = []
    if batch:
        _write_batch(batch, summary)
        on_progress(len(batch))
    return summary
