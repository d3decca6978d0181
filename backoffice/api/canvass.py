"""The investigator's map APIs: purpose-bound canvass, owner contact, camera layer, requests."""
from flask import current_app, make_response, request
from flask_appbuilder.api import BaseApi, expose, protect

from reports.canvass import render_canvass_pdf

from .. import camera_map, canvass
from workflows.canvass_requests import RequestCreationError, create_footage_requests

READ = {"search": "read", "reveal_contact": "read"}


def _user():
    """The signed-in user, from the session cookie or the bearer token."""
    return current_app.appbuilder.sm.current_user


def _bad_json():
    return "send a JSON object with Content-Type: application/json"


class CanvassApi(BaseApi):
    """GET /api/v1/canvass/ (SPEC §5) and POST /api/v1/canvass/contact."""

    resource_name = "canvass"
    class_permission_name = "Canvass"
    method_permission_name = READ
    allow_browser_login = True
    openapi_spec_tag = "Canvass"

    @expose("/", methods=["GET"])
    @protect()
    def search(self):
        """Cameras that may have recorded a case's point and window, most urgent first."""
        try:
            query = canvass.parse_query(request.args, _user())
        except canvass.CanvassParameterError as error:
            return self.response_400(str(error))
        except canvass.CaseNotFoundError:
            return self.response(404, message="No such case in your agency.")
        result = canvass.search(query, _user())
        return self.response(
            200,
            case_id=query.case_id,
            case_number=query.case_number,
            lat=query.lat,
            lon=query.lon,
            radius_m=query.radius_m,
            since=canvass.iso(query.since),
            until=canvass.iso(query.until),
            count=len(result.items),
            result=result.items,
        )

    @expose("/contact", methods=["POST"])
    @protect()
    def reveal_contact(self):
        """An owner's contact details, read for a case (JSON case_id, registration_id)."""
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            return self.response_400(_bad_json())
        try:
            if data.get("case_id") in (None, ""):
                raise canvass.CanvassParameterError("case_id is required: contacts are read for a case")
            case = canvass.case_for_user(data.get("case_id"), _user())
            contact = canvass.owner_contact(case, data.get("registration_id"), _user())
        except canvass.CanvassParameterError as error:
            return self.response_400(str(error))
        except (canvass.CaseNotFoundError, canvass.RegistrationNotFoundError) as error:
            return self.response(404, message=str(error))
        return self.response(200, result=contact)


class CanvassRequestsApi(BaseApi):
    """POST /api/v1/canvass/requests: footage requests for cameras picked from a canvass."""

    resource_name = "canvass"
    class_permission_name = "FootageRequest"
    method_permission_name = {"create_requests": "write"}
    allow_browser_login = True
    openapi_spec_tag = "Canvass"

    @expose("/requests", methods=["POST"])
    @protect()
    def create_requests(self):
        """JSON case_id, camera_ids (and optional since/until): one request per premises."""
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            return self.response_400(_bad_json())
        camera_ids = data.get("camera_ids")
        if not isinstance(camera_ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in camera_ids
        ):
            return self.response_400("camera_ids must be a list of camera ids")
        try:
            if data.get("case_id") in (None, ""):
                raise canvass.CanvassParameterError("case_id is required")
            case = canvass.case_for_user(data.get("case_id"), _user())
            window = canvass.parse_window(data, case)
            created, already = create_footage_requests(
                case, camera_ids, _user(), window_from=window[0], window_to=window[1]
            )
        except (canvass.CanvassParameterError, RequestCreationError) as error:
            return self.response_400(str(error))
        except canvass.CaseNotFoundError:
            return self.response(404, message="No such case in your agency.")
        return self.response(
            201,
            result=[
                {
                    "id": r.id,
                    "case_id": r.case_id,
                    "registration_id": r.registration_id,
                    "camera_ids": r.camera_ids,
                    "state": r.state,
                    "version": r.version,
                    "deadline": canvass.iso(r.deadline),
                }
                for r in created
            ],
            already_requested=already,
        )


class CameraMapApi(BaseApi):
    """GET /api/v1/cameras/geojson?bbox=minlon,minlat,maxlon,maxlat for the map."""

    resource_name = "cameras"
    class_permission_name = "Camera"
    method_permission_name = {"geojson": "read"}
    allow_browser_login = True
    openapi_spec_tag = "Camera map"

    @expose("/geojson", methods=["GET"])
    @protect()
    def geojson(self):
        """A FeatureCollection of cameras, or of grid clusters when too many are in view."""
        try:
            box = camera_map.parse_bbox(request.args.get("bbox"))
        except camera_map.BoxParameterError as error:
            return self.response_400(str(error))
        config = current_app.config
        return self.response(
            200,
            **camera_map.camera_geojson(
                box,
                config["GEOJSON_MAX_FEATURES"],
                config["GEOJSON_GRID_CELLS"],
                config["GEOJSON_SUMMARY_TTL_S"],
            ),
        )


class CanvassSheetApi(BaseApi):
    """GET /api/v1/case/<id>/canvass.pdf: the printable canvass sheet of a case."""

    resource_name = "case"
    class_permission_name = "Canvass"
    method_permission_name = {"canvass_sheet": "read"}
    allow_browser_login = True
    openapi_spec_tag = "Canvass"

    @expose("/<int:pk>/canvass.pdf", methods=["GET"])
    @protect()
    def canvass_sheet(self, pk: int):
        """The case's canvass (optional radius_m, lat, lon, since, until) as a PDF."""
        try:
            query = canvass.parse_query({**request.args.to_dict(), "case_id": pk}, _user())
        except canvass.CanvassParameterError as error:
            return self.response_400(str(error))
        except canvass.CaseNotFoundError:
            return self.response(404, message="No such case in your agency.")
        pdf = render_canvass_pdf(canvass.sheet_data(query, _user()))
        response = make_response(pdf)
        response.headers["Content-Type"] = "application/pdf"
        safe_number = "".join(c if c.isalnum() or c in "-_" else "_" for c in query.case_number)
        response.headers["Content-Disposition"] = (
            f'attachment; filename="canvass-{safe_number}.pdf"'
        )
        response.headers["Cache-Control"] = "no-store"
        return response


APIS = [CanvassApi, CanvassRequestsApi, CameraMapApi, CanvassSheetApi]
