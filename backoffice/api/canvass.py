"""The investigator's map APIs: purpose-bound canvass, owner contact, camera layer, requests.

Refusals (bad parameters 400, another agency's case 404) are raised by the commands and
answered by the API error handler (backoffice.http_errors).
"""
from flask import current_app, request
from flask_appbuilder.api import expose, protect

from reports.canvass import render_canvass_pdf

from .. import camera_map
from ..canvass import parse
from ..canvass.contact import owner_contact
from ..canvass.search import search as canvass_search
from ..canvass.search import search_route
from ..canvass.sheet import sheet_data
from ..downloads import send_download
from ..localtime import iso
from workflows.canvass_requests import create_footage_requests
from .base import RegistryBaseApi, json_body

READ = {"search": "read", "route_search": "read", "reveal_contact": "read"}


def _user():
    """The signed-in user, from the session cookie or the bearer token."""
    return current_app.appbuilder.sm.current_user  # type: ignore[attr-defined]  # FAB sets app.appbuilder


def _case_id(data: dict):
    if data.get("case_id") in (None, ""):
        raise parse.CanvassParameterError("case_id is required: contacts and requests are for a case",
                                            field="case_id")
    return data.get("case_id")


class CanvassApi(RegistryBaseApi):
    """GET /api/v1/canvass/, GET /api/v1/canvass/route/ (SPEC §5) and POST /api/v1/canvass/contact."""

    resource_name = "canvass"
    class_permission_name = "Canvass"
    method_permission_name = READ
    allow_browser_login = True
    openapi_spec_tag = "Canvass"

    @expose("/", methods=["GET"])
    @protect()
    def search(self):
        """Cameras that may have recorded a case's point and window, most urgent first.
        ---
        get:
          description: >-
            Registered cameras of active registrations within radius_m of the point (default:
            the case's location), ranked by urgency. Every search is audited with the case.
          parameters:
          - {in: query, name: case_id, required: true, schema: {type: integer, minimum: 1, maximum: 2147483647}}
          - {in: query, name: lat, schema: {type: number, minimum: -90, maximum: 90}}
          - {in: query, name: lon, schema: {type: number, minimum: -180, maximum: 180}}
          - {in: query, name: radius_m, schema: {type: number, minimum: 1, maximum: 2000}}
          - {in: query, name: since, schema: {type: string, format: date-time},
             description: 'Start of the time window (default: the case''s)'}
          - {in: query, name: until, schema: {type: string, format: date-time},
             description: 'End of the time window (default: the case''s)'}
          responses:
            200: {description: 'The ranked cameras: {count, result: [...]}'}
            400: {$ref: '#/components/responses/400'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
        """
        query = parse.parse_query(request.args, _user())
        result = canvass_search(query, _user())
        return self.response(
            200,
            case_id=query.case_id,
            case_number=query.case_number,
            lat=query.lat,
            lon=query.lon,
            radius_m=query.radius_m,
            since=iso(query.since),
            until=iso(query.until),
            count=len(result.items),
            result=result.items,
        )

    @expose("/route/", methods=["GET"])
    @protect()
    def route_search(self):
        """Cameras whose view may cover any part of an escape route, most urgent first.
        ---
        get:
          description: >-
            Registered cameras of active registrations within half of width_m either side of
            the route, ranked like the point canvass (retained, in view, deadline, distance to
            the route). A camera is in view when any part of the route lies in its view sector.
            Every search is audited with the case and the route.
          parameters:
          - {in: query, name: case_id, required: true, schema: {type: integer, minimum: 1, maximum: 2147483647}}
          - {in: query, name: route, required: true, schema: {type: string},
             description: 'A GeoJSON LineString in lon/lat, at most 100 points and 50 km'}
          - {in: query, name: width_m, schema: {type: number, minimum: 1, maximum: 1000},
             description: 'The corridor''s full width in metres (default 100)'}
          - {in: query, name: since, schema: {type: string, format: date-time},
             description: 'Start of the time window (default: the case''s)'}
          - {in: query, name: until, schema: {type: string, format: date-time},
             description: 'End of the time window (default: the case''s)'}
          responses:
            200: {description: 'The ranked cameras: {count, result: [...]}'}
            400: {$ref: '#/components/responses/400'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
        """
        query = parse.parse_route_query(request.args, _user())
        result = search_route(query, _user())
        return self.response(
            200,
            case_id=query.case_id,
            case_number=query.case_number,
            route=query.geojson(),
            width_m=query.width_m,
            since=iso(query.since),
            until=iso(query.until),
            count=len(result.items),
            result=result.items,
        )

    @expose("/contact", methods=["POST"])
    @protect()
    def reveal_contact(self):
        """An owner's contact details, read for a case (audited).
        ---
        post:
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [case_id, registration_id]
                  properties:
                    case_id: {type: integer}
                    registration_id: {type: integer}
                    justification:
                      type: string
                      description: Why the contact is needed; required unless a search of
                        the case returned the registration or the case has a footage request for it
          responses:
            200: {description: 'The contact details: {result: {...}}'}
            400: {$ref: '#/components/responses/400'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
        """
        data = json_body()
        case = parse.case_for_user(_case_id(data), _user())
        contact = owner_contact(
            case, data.get("registration_id"), _user(), justification=data.get("justification")
        )
        return self.response(200, result=contact)


class CanvassRequestsApi(RegistryBaseApi):
    """POST /api/v1/canvass/requests: footage requests for cameras picked from a canvass."""

    resource_name = "canvass"
    class_permission_name = "FootageRequest"
    method_permission_name = {"create_requests": "write"}
    allow_browser_login = True
    openapi_spec_tag = "Canvass"

    @expose("/requests", methods=["POST"])
    @protect()
    def create_requests(self):
        """Footage requests for cameras picked from a canvass: one request per premises.
        ---
        post:
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [case_id, camera_ids]
                  properties:
                    case_id: {type: integer}
                    camera_ids: {type: array, items: {type: integer}}
                    since: {type: string, format: date-time}
                    until: {type: string, format: date-time}
          responses:
            201: {description: 'The requests opened, and the registrations already asked'}
            400: {$ref: '#/components/responses/400'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            409: {description: The workflow refuses (the message says why)}
        """
        data = json_body()
        camera_ids = data.get("camera_ids")
        if not isinstance(camera_ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in camera_ids
        ):
            raise parse.CanvassParameterError("camera_ids must be a list of camera ids", field="camera_ids")
        case = parse.case_for_user(_case_id(data), _user())
        window = parse.parse_window(data, case)
        created, already = create_footage_requests(
            case, camera_ids, _user(), window_from=window[0], window_to=window[1]
        )
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
                    "deadline": iso(r.deadline),
                }
                for r in created
            ],
            already_requested=already,
        )


class CameraMapApi(RegistryBaseApi):
    """GET /api/v1/cameras/geojson?bbox=minlon,minlat,maxlon,maxlat for the map."""

    resource_name = "cameras"
    class_permission_name = "Camera"
    method_permission_name = {"geojson": "read"}
    allow_browser_login = True
    openapi_spec_tag = "Camera map"

    @expose("/geojson", methods=["GET"])
    @protect()
    def geojson(self):
        """A FeatureCollection of cameras, or of grid clusters when too many are in view.
        ---
        get:
          parameters:
          - in: query
            name: bbox
            required: true
            description: minlon,minlat,maxlon,maxlat in decimal degrees
            schema: {type: string}
          responses:
            200: {description: A GeoJSON FeatureCollection}
            400: {$ref: '#/components/responses/400'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
        """
        box = camera_map.parse_bbox(request.args.get("bbox"))
        config = current_app.config
        return self.response(
            200,
            **camera_map.camera_geojson(
                box,
                config["GEOJSON_MAX_FEATURES"],
                config["GEOJSON_GRID_CELLS"],
            ),
        )


class CanvassSheetApi(RegistryBaseApi):
    """GET /api/v1/case/<id>/canvass.pdf: the printable canvass sheet of a case."""

    resource_name = "case"
    class_permission_name = "Canvass"
    method_permission_name = {"canvass_sheet": "read"}
    allow_browser_login = True
    openapi_spec_tag = "Canvass"

    @expose("/<int:pk>/canvass.pdf", methods=["GET"])
    @protect()
    def canvass_sheet(self, pk: int):
        """The case's canvass as a printable PDF (audited like a search and contact reveals):
        around a point, or along a route when route is given.
        ---
        get:
          parameters:
          - {in: query, name: route, schema: {type: string},
             description: 'A GeoJSON LineString in lon/lat: the sheet of a search along it'}
          - {in: query, name: width_m, schema: {type: number, minimum: 1, maximum: 1000},
             description: 'The corridor''s full width in metres, with route (default 100)'}
          - {in: query, name: lat, schema: {type: number, minimum: -90, maximum: 90}}
          - {in: query, name: lon, schema: {type: number, minimum: -180, maximum: 180}}
          - {in: query, name: radius_m, schema: {type: number, minimum: 1, maximum: 2000}}
          - {in: query, name: since, schema: {type: string, format: date-time},
             description: 'Start of the time window (default: the case''s)'}
          - {in: query, name: until, schema: {type: string, format: date-time},
             description: 'End of the time window (default: the case''s)'}
          responses:
            200:
              description: The canvass sheet
              content:
                application/pdf: {}
            400: {$ref: '#/components/responses/400'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
        """
        args = {**request.args.to_dict(), "case_id": pk}
        query = parse.parse_route_query(args, _user()) if "route" in args else parse.parse_query(args, _user())
        pdf = render_canvass_pdf(sheet_data(query, _user()))
        safe_number = "".join(c if c.isalnum() or c in "-_" else "_" for c in query.case_number)
        response = send_download(pdf, f"canvass-{safe_number}.pdf", mimetype="application/pdf")
        response.headers["Cache-Control"] = "no-store"
        return response


APIS = [CanvassApi, CanvassRequestsApi, CameraMapApi, CanvassSheetApi]
