"""/transparency: the public report of how the registry is used (no login; English and
Spanish; HTML, PDF and CSV), and the auditors' copy of the same figures, unsuppressed, with a
link from each count to the audit events behind it.

The public pages show counts, agency names and months only (backoffice.transparency says what
is counted and how small counts are published)."""
import io
from datetime import timedelta
from typing import Any

from defusedcsv import csv
from flask import Blueprint, Flask, current_app, render_template, request, url_for
from flask_appbuilder import AppBuilder, BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from reports.render import render_pdf

from ..audit_export import csv_cell
from ..downloads import send_download
from ..localtime import format_instant, format_month, iso
from ..portal.records import current_terms
from ..scoping import current_user, is_county_wide
from ..transparency import AUDIT_ACTIONS, MEASURES, TransparencyReport, month_range, shown, transparency_report

bp = Blueprint("transparency", __name__, url_prefix="/transparency")

# The measures in the public's words (codes in backoffice.transparency.MEASURES).
MEASURE_WORDS = {
    "canvass_searches": _l("Canvass searches"),
    "contact_reveals": _l("Owner contacts looked up"),
    "footage_requests": _l("Footage requests"),
    "consents": _l("Owners who consented"),
    "refusals": _l("Owners who declined"),
    "releases_agency_share": _l("Footage shared with another agency"),
    "releases_media_public": _l("Footage released to the media or public"),
    "releases_court_order": _l("Footage released under a court order"),
}
FEWER_THAN_5 = _l("fewer than 5")


def language() -> str:
    """The report's language: ?lang=, else the browser's preference, else English."""
    languages = current_app.config["PORTAL_LANGUAGES"]
    asked = request.args.get("lang")
    if asked and asked in languages:
        return asked
    return request.accept_languages.best_match(languages) or "en"


def month_words(month: str, locale: str) -> str:
    """"2026-03" as people of `locale` write it ("Mar 2026", "mar 2026")."""
    return format_month(month, locale)


def published(count: int, suppress: bool = True) -> str:
    """A count as the public reads it: "fewer than 5" (translated) or the number."""
    value = shown(count, suppress)
    return str(FEWER_THAN_5) if isinstance(value, str) else f"{value:,}"


def _context(report: TransparencyReport, locale: str) -> dict:
    terms = current_terms()
    return {
        "report": report,
        "measures": [(code, str(MEASURE_WORDS[code])) for code in MEASURES],
        "month_words": lambda month: month_words(month, locale),
        "published": published,
        "computed_at": format_instant(report.computed_at, locale),
        "terms": terms,
        "terms_text": terms.body(locale),
        "portal_url": url_for("portal.register", lang=locale, _external=True),
        "lang": locale,
        "chart": {
            "labels": [month_words(month, locale) for month in report.months],
            "series": [
                {"label": str(MEASURE_WORDS[code]),
                 "data": [None if isinstance(shown(report.county[month][code]), str)
                          else report.county[month][code] for month in report.months]}
                for code in ("canvass_searches", "footage_requests")
            ],
        },
    }


@bp.route("/")
def report():
    """The report as a page, in the visitor's language."""
    locale = language()
    return render_template("transparency/report.html",
                           **_context(transparency_report(), locale))


@bp.route("/report.pdf")
def report_pdf():
    """The same report as a PDF."""
    locale = language()
    data = _context(transparency_report(), locale)
    pdf = render_pdf("transparency.html", language=locale,
                     **{k: v for k, v in data.items() if k != "chart"})
    return send_download(pdf, f"transparency-report-{locale}.pdf")


def report_rows(report: TransparencyReport, locale: str, suppress: bool = True) -> list[list[str]]:
    """The report as table rows: agency, month, one column per measure (then the totals)."""
    header = [_("Agency"), _("Month")] + [str(MEASURE_WORDS[code]) for code in MEASURES]
    rows = [header]
    for agency in report.agencies:
        for month in report.months:
            rows.append([agency.name, month]
                        + [published(agency.months[month][code], suppress) for code in MEASURES])
        rows.append([agency.name, _("All months")]
                    + [published(agency.totals[code], suppress) for code in MEASURES])
    rows.append([_("All agencies"), _("All months")]
                + [published(report.county_totals[code], suppress) for code in MEASURES])
    return rows


@bp.route("/report.csv")
def report_csv():
    """The same figures as CSV, one row per agency and month."""
    locale = language()
    out = io.StringIO()
    writer = csv.writer(out)  # an agency named "=…" (or tab, "=…") is text, not a formula
    writer.writerows([csv_cell(cell) for cell in row] for row in report_rows(transparency_report(), locale))
    return send_download(out.getvalue().encode("utf-8-sig"), f"transparency-report-{locale}.csv",
                         mimetype="text/csv")


class TransparencyFiguresView(BaseView):
    """/oversight/transparency: the report's figures unsuppressed, for auditors, each count
    linked to the audit events behind it."""

    route_base = "/oversight"
    class_permission_name = "TransparencyFigures"
    method_permission_name = {"transparency": "read"}
    default_view = "transparency"

    @expose("/transparency")
    @has_access
    def transparency(self):
        """Every agency's figures, per month, as counted; audit log links where the figure
        comes from audit events."""
        report = transparency_report()
        user = current_user()
        if not is_county_wide(user):  # an agency's own auditors: their agency's rows only
            report.agencies = [a for a in report.agencies if a.agency_id == user.agency_id]

        def drill(code: str, agency_id: int, month: str | None = None) -> str | None:
            """The audit log filtered to what this count was counted from: the agency, the month
            and the measure's main action (the list filters one action at a time: a measure of
            two actions, such as searches around a point and along a route, opens the first)."""
            actions = AUDIT_ACTIONS.get(code)
            if not actions:
                return None
            args: dict[str, Any] = {"_flt_0_action": actions[0],
                                    "_flt_0_agency_id": agency_id}
            if month:
                start, end = month_range(month)
                # Greater than the instant before the month begins, smaller than the next month.
                args.update({"_flt_1_at": iso(start - timedelta(microseconds=1)),
                             "_flt_2_at": iso(end)})
            return url_for("AuditEventView.list", **args)

        return self.render_template(
            "transparency/audit.html", report=report,
            measures=[(code, str(MEASURE_WORDS[code])) for code in MEASURES],
            month_words=lambda month: month_words(month, "en"), drill=drill,
            computed_at=format_instant(report.computed_at, "en"),
        )


def register(app: Flask, appbuilder: AppBuilder) -> None:
    """The public report's pages, and the auditors' screen under Audit."""
    app.register_blueprint(bp)
    appbuilder.add_view(TransparencyFiguresView, "Transparency figures", icon="fa-table",
                        category="Audit")
