"""POST /api/v1/area-requests/: ask every owner of a canvass's result (workflows.area_request)."""
from flask import current_app
from flask_appbuilder.api import expose, protect

from workflows import area_request as area_cmd

from ..canvass import parse as canvass
from ..localtime import iso
from .base import RegistryBaseApi, json_body


class AreaRequestsApi(RegistryBaseApi):
    """Area requests: one description and window, every premises of a canvass asked at once."""

    resource_name = "area-requests"
    class_permission_name = "FootageRequest"
    method_permission_name = {"ask": "write"}
    allow_browser_login = True
    openapi_spec_tag = "Canvass"

    @expose("/", methods=["POST"])
    @protect()
    def ask(self):
        """Ask the owners of the registrations a canvass returned (point or route).
        ---
        post:
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [case_id, registration_ids, description]
                  properties:
                    case_id: {type: integer}
                    registration_ids: {type: array, items: {type: integer}}
                    description: {type: string, maxLength: 1000}
                    since: {type: string, format: date-time}
                    until: {type: string, format: date-time}
          responses:
            201: {description: 'The area request: who was e-mailed, who is to be called or visited, who was already asked'}
            400: {$ref: '#/components/responses/400'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            429: {description: Too many area requests from the agency in the last hour}
        """
        data = json_body()
        user = current_app.appbuilder.sm.current_user  # type: ignore[attr-defined]  # FAB sets app.appbuilder
        if data.get("case_id") in (None, ""):
            raise canvass.CanvassParameterError("case_id is required", field="case_id")
        case = canvass.case_for_user(data.get("case_id"), user)
        window = canvass.parse_window(data, case)
        done = area_cmd.ask_area(case.id, data.get("registration_ids"), user,  # type: ignore[arg-type]  # checked there
                                 description=data.get("description") or "",
                                 window_from=window[0], window_to=window[1])
        area = done.area_request
        assert area is not None  # ask_area refuses when nobody is asked
        return self.response(
            201, id=area.id, case_id=case.id, closes_at=iso(area.closes_at), emailed=done.emailed,
            follow_up=done.follow_up, already_asked={str(k): v for k, v in done.merged.items()},
            not_active=done.not_active,
        )


APIS = (AreaRequestsApi,)
