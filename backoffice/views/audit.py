"""Auditor screens: search the audit log (read-only) and export it as CSV."""
import csv
import io
from datetime import datetime

from flask import Response, request
from flask_appbuilder import AppBuilder, ModelView, expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from sqlalchemy import select

from ..audit import record
from ..extensions import db
from ..models import AuditEvent

EXPORT_COLUMNS = [
    "id", "at", "username", "user_id", "agency_id", "action", "object_type", "object_id",
    "purpose", "ip", "detail", "prev_hash", "hash",
]
EXPORT_FILTERS = ("action", "username", "object_type", "object_id", "purpose")
EXPORT_MAX_ROWS = 100_000


class AuditEventView(ModelView):
    """The hash-chained audit log, newest first. No add, edit or delete exists here."""

    datamodel = SQLAInterface(AuditEvent)
    class_permission_name = "AuditEvent"
    method_permission_name = {"list": "read", "show": "read", "export_csv": "read"}
    include_route_methods = {"list", "show", "export_csv"}
    list_title = "Audit log"
    show_title = "Audit event"
    list_template = "audit/list.html"
    page_size = 50
    base_order = ("id", "desc")
    list_columns = ["id", "at", "username", "action", "object_type", "object_id", "purpose", "ip"]
    show_columns = EXPORT_COLUMNS
    search_columns = ["action", "username", "object_type", "object_id", "purpose", "ip", "at"]
    order_columns = ["id", "at", "username", "action"]
    label_columns = {"at": "When (UTC)", "ip": "From", "purpose": "Purpose (case)"}

    @expose("/export.csv")
    @has_access
    def export_csv(self):
        """The log (filtered by ?action=&username=&object_type=&object_id=&purpose=&since=&until=)
        as CSV; the export itself is audited."""
        query = select(AuditEvent).order_by(AuditEvent.id)
        filters = {}
        for name in EXPORT_FILTERS:
            value = request.args.get(name, "").strip()
            if value:
                filters[name] = value[:128]
                query = query.where(getattr(AuditEvent, name) == (
                    int(value) if name == "object_id" and value.isdigit() else value))
        for name, op in (("since", "__ge__"), ("until", "__le__")):
            value = request.args.get(name, "").strip()
            if value:
                try:
                    when = datetime.fromisoformat(value)
                except ValueError:
                    return Response(f"{name}: not an ISO date or time\n", 400, mimetype="text/plain")
                filters[name] = value
                query = query.where(getattr(AuditEvent.at, op)(when))
        rows = db.session.execute(query.limit(EXPORT_MAX_ROWS)).scalars().all()
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(EXPORT_COLUMNS)
        for event in rows:
            writer.writerow([_cell(getattr(event, c)) for c in EXPORT_COLUMNS])
        record("audit_log_exported", object_type="audit_event",
               detail={"filters": filters, "rows": len(rows)})
        db.session.commit()
        stamp = datetime.utcnow().strftime("%Y%m%dT%H%M%SZ")
        return Response(
            out.getvalue(),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="audit-log-{stamp}.csv"'},
        )


def _cell(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def register(appbuilder: AppBuilder) -> None:
    """Add the audit log screen under Audit."""
    appbuilder.add_view(AuditEventView, "Audit log", icon="fa-list-alt", category="Audit")
