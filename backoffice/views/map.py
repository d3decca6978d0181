"""The investigator's map: cameras, view cones and the canvass list for a case."""
from flask import request
from flask_appbuilder import AppBuilder, BaseView, expose, has_access

from ..canvass.parse import DEFAULT_RADIUS_M, DEFAULT_WIDTH_M, MAX_RADIUS_M, MAX_ROUTE_VERTICES, MAX_WIDTH_M
from ..localtime import county_zone, iso
from ..extensions import db
from ..map_context import tile_url
from ..models import Case
from ..scoping import current_user, scope_to_agency
from .timefields import zone_label

# Where the map opens when no case is chosen (the demo county's seat).
DEFAULT_CENTRE = (35.3733, -119.0187)


def agency_cases(user, limit: int = 200) -> list[dict]:
    """The user's agency's most recent cases, for the case picker."""
    query = scope_to_agency(db.session.query(Case), Case, user)
    cases = query.order_by(Case.occurred_from.desc()).limit(limit).all()
    return [
        {
            "id": case.id,
            "case_number": case.case_number,
            "incident_type": case.incident_type,
            "lat": case.lat,
            "lon": case.lon,
            "since": iso(case.occurred_from),
            "until": iso(case.occurred_to),
        }
        for case in cases
    ]


class MapView(BaseView):
    """/map/: pick a case, search the canvass around a point or along a drawn route, reveal
    contacts, open footage requests."""

    route_base = "/map"
    class_permission_name = "Canvass"
    method_permission_name = {"index": "read"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        """The map page."""
        cases = agency_cases(current_user())
        chosen = request.args.get("case_id", type=int)
        if chosen not in {case["id"] for case in cases}:
            chosen = None
        return self.render_template(
            "map.html",
            cases=cases,
            chosen=chosen,
            tile_url=tile_url(),
            default_radius=DEFAULT_RADIUS_M,
            max_radius=MAX_RADIUS_M,
            default_width=DEFAULT_WIDTH_M,
            max_width=MAX_WIDTH_M,
            max_route_points=MAX_ROUTE_VERTICES,
            centre=DEFAULT_CENTRE,
            timezone=county_zone().key,
            zone_label=zone_label(),
        )


def register(appbuilder: AppBuilder) -> None:
    """Add the map under Investigations."""
    appbuilder.add_view(MapView, "Map", icon="fa-map", category="Investigations")
