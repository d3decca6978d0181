"""Exporting the audit log as CSV (the export is itself audited)."""
import csv
import io
from datetime import datetime
from typing import Mapping

from sqlalchemy import select

from .audit import record
from .errors import InvalidInputError
from .extensions import db
from .ids import ID_MAX
from .models import AuditEvent

EXPORT_COLUMNS = [
    "id", "at", "username", "user_id", "agency_id", "action", "object_type", "object_id",
    "purpose", "ip", "detail", "prev_hash", "hash",
]
EXACT_FILTERS = ("action", "username", "object_type", "object_id", "purpose")
MAX_ROWS = 100_000


class ExportFilterError(InvalidInputError):
    """A filter value that cannot be used (message and field name the filter)."""


def export_csv(args: Mapping[str, str]) -> tuple[str, int]:
    """CSV of the events matching ?action=&username=&object_type=&object_id=&purpose=
    &since=&until= (ISO times), oldest first; records the export and commits."""
    query = select(AuditEvent).order_by(AuditEvent.id)
    used: dict[str, str] = {}
    for name in EXACT_FILTERS:
        value = (args.get(name) or "").strip()[:128]
        if not value:
            continue
        if name == "object_id":
            if not (value.isascii() and value.isdigit()) or int(value) > ID_MAX:
                raise ExportFilterError("object_id: not a record number", field="object_id")
            query = query.where(AuditEvent.object_id == int(value))
        else:
            query = query.where(getattr(AuditEvent, name) == value)
        used[name] = value
    for name in ("since", "until"):
        value = (args.get(name) or "").strip()
        if not value:
            continue
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            raise ExportFilterError(f"{name}: not an ISO date or time", field=name) from None
        query = query.where(AuditEvent.at >= when if name == "since" else AuditEvent.at <= when)
        used[name] = value
    rows = db.session.execute(query.limit(MAX_ROWS)).scalars().all()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for event in rows:
        writer.writerow([_cell(getattr(event, column)) for column in EXPORT_COLUMNS])
    record("audit_log_exported", object_type="audit_event", detail={"filters": used, "rows": len(rows)})
    db.session.commit()
    return out.getvalue(), len(rows)


def _cell(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
