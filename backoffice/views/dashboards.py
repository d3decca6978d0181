"""The dashboards: a supervisor's view of their agency's footage requests, and Registry Staff's
view of the registry. Charts are drawn in the browser (Chart.js and Leaflet from our static
files) from the same figures the tables beside them print; the figures come from
backoffice.oversight and backoffice.registry_figures."""

from babel.dates import format_date
from flask_appbuilder import AppBuilder, BaseView, expose, has_access

from ..domain import REQUEST_STATES
from ..labels import words
from ..localtime import format_day, format_month
from ..map_context import tile_url
from ..oversight import AT_RISK_HOURS, Group, supervisor_figures
from ..registry_figures import COVERAGE_CELL_DEG, LAPSE_FORECAST_DAYS, registry_figures
from ..scoping import current_user
from .timefields import zone_label


def hours_words(hours: float | None) -> str:
    """A duration for people: "25 min" under an hour (consent given on the doorstep), "3.5 h",
    or "2.1 days" from two days on; "—" when unknown."""
    if hours is None:
        return "—"
    minutes = round(hours * 60)
    if minutes < 60:
        return "under 1 min" if minutes < 1 else f"{minutes} min"
    if hours >= 48:
        return f"{hours / 24:.1f} days"
    return f"{hours:.1f} h"


def percent(rate: float | None) -> str:
    """A fraction 0–1 as a whole percentage; "—" when undefined."""
    return "—" if rate is None else f"{rate * 100:.0f} %"


def _group_row(group: Group, month: bool = False) -> dict:
    return {
        "label": format_month(group.label) if month else group.label,
        "requests": group.requests,
        "contacted": group.contacted,
        "consented": group.consented,
        "collected": group.collected,
        "declined": group.declined,
        "contact_to_consent": group.median_contact_to_consent_h,
        "consent_to_collection": group.median_consent_to_collection_h,
        "collection_rate": group.collection_rate,
        "refusal_rate": group.refusal_rate,
    }


class AgencyDashboardView(BaseView):
    """/dashboard/agency: the supervisor's figures for their own agency."""

    route_base = "/dashboard"
    class_permission_name = "AgencyDashboard"
    method_permission_name = {"agency": "read"}
    default_view = "agency"

    @expose("/agency")
    @has_access
    def agency(self):
        """Requests by state, deadlines at risk, median times and rates, per investigator and
        per month."""
        figures = supervisor_figures(current_user())
        states = [{"state": state, "words": words(state, "state"), "count": figures.by_state[state]}
                  for state in REQUEST_STATES]
        chart = {
            "states": {"labels": [s["words"] for s in states], "counts": [s["count"] for s in states]},
            "months": [_group_row(group, month=True) for group in figures.by_month],
            "investigators": [_group_row(group) for group in figures.by_investigator],
        }
        return self.render_template(
            "dashboards/agency.html", figures=figures, states=states, chart=chart,
            overall=_group_row(figures.overall),
            months=chart["months"], investigators=chart["investigators"],
            at_risk_hours=AT_RISK_HOURS, hours_words=hours_words, percent=percent,
            zone_label=zone_label(),
        )


class RegistryDashboardView(BaseView):
    """/dashboard/registry: Registry Staff's figures for the whole registry."""

    route_base = "/dashboard"
    class_permission_name = "RegistryDashboard"
    method_permission_name = {"registry": "read"}
    default_view = "registry"

    @expose("/registry")
    @has_access
    def registry(self):
        """Review queue, confirmations, lapses forecast, growth per month, coverage map."""
        figures = registry_figures()
        lapsing = [{"day": format_day(day), "short": format_date(day, "d MMM", locale="en"),
                    "count": n} for day, n in figures.lapsing.items()]
        months = [{"month": format_month(month), "registrations": regs, "cameras": cams}
                  for month, (regs, cams) in figures.per_month.items()]
        chart = {"lapsing": lapsing, "months": months, "coverage": figures.coverage}
        return self.render_template(
            "dashboards/registry.html", figures=figures, chart=chart, lapsing=lapsing,
            lapsing_total=sum(figures.lapsing.values()), months=months,
            forecast_days=LAPSE_FORECAST_DAYS, cell_km=round(COVERAGE_CELL_DEG * 111, 1),
            tile_url=tile_url(),
        )


def register(appbuilder: AppBuilder) -> None:
    """The supervisor's dashboard under Footage, Registry Staff's under Registry."""
    appbuilder.add_view(AgencyDashboardView, "Agency dashboard", icon="fa-bar-chart",
                        category="Footage")
    appbuilder.add_view(RegistryDashboardView, "Registry dashboard", icon="fa-bar-chart",
                        category="Registry")
