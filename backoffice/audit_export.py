"""Exporting the audit log as CSV (the export is itself audited).

Cells go through defusedcsv, which puts an apostrophe before a cell a spreadsheet would run as
a formula (=, +, -, @, |, %; plain numbers such as -5 stay numbers). It leaves a leading tab or
carriage return alone, which OWASP also lists and some spreadsheets strip before reading a
formula: csv_cell() adds the apostrophe to those.
"""
import io
from typing import Mapping

from defusedcsv import csv
from sqlalchemy import select

from .audit import record
from .database import begin_write
from .errors import InvalidInputError
from .extensions import db
from .localtime import LocalTimeError, parse_instant, to_local, to_utc
from .ids import ID_MAX
from .models import AuditEvent
from .scoping import scope_request

EXPORT_COLUMNS = [
    "id", "at", "username", "user_id", "agency_id", "action", "object_type", "object_id",
    "purpose", "ip", "detail", "prev_hash", "hash",
]
# The CSV: `at` in county time with its zone ("2026-11-29 22:30:05 PST"), `at_utc` the instant.
CSV_COLUMNS = ["id", "at", "at_utc", *EXPORT_COLUMNS[2:]]
EXACT_FILTERS = ("action", "username", "object_type", "object_id", "purpose")
MAX_ROWS = 100_000


class ExportFilterError(InvalidInputError):
    """A filter value that cannot be used (message and field name the filter)."""


def export_csv(args: Mapping[str, str], within=None, shown: Mapping[str, list] | None = None) -> tuple[str, int]:
    """CSV of the events matching ?action=&username=&object_type=&object_id=&purpose=
    &since=&until= (ISO times) and, when given, whose ids are in `within` (the audit screen's
    own filters; `shown` describes them for the record), oldest first; records the export and
    commits."""
    query = scope_request(select(AuditEvent), AuditEvent).order_by(AuditEvent.id)  # the reader's scope
    if within is not None:
        query = query.where(AuditEvent.id.in_(within))
    used: dict[str, object] = {}
    if shown:
        used["screen"] = dict(shown)
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
            when = parse_instant(value)
        except LocalTimeError as error:
            raise ExportFilterError(f"{name}: {error}", field=name) from None
        query = query.where(AuditEvent.at >= when if name == "since" else AuditEvent.at <= when)
        used[name] = value
    rows = db.session.execute(query.limit(MAX_ROWS)).scalars().all()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for event in rows:
        writer.writerow(
            [
                csv_cell(event.id),
                to_local(event.at).strftime("%Y-%m-%d %H:%M:%S %Z"),
                to_utc(event.at).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                *(csv_cell(getattr(event, column)) for column in EXPORT_COLUMNS[2:]),
            ]
        )
    begin_write(db.session)  # the rows are read: the audit event waits its turn to be written
    record("audit_log_exported", object_type="audit_event", detail={"filters": used, "rows": len(rows)})
    db.session.commit()
    return out.getvalue(), len(rows)


def csv_cell(value) -> str:
    """A cell's text, with an apostrophe before a leading tab or carriage return (defusedcsv
    sees to the formula characters)."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text[:1] in ("\t", "\r") else text
