"""Workflow endpoints (SPEC §5): open requests, fire triggers, take in evidence, receipts.

Thin: check the permission, call a workflow command; its refusals carry their HTTP status
(workflows.errors) and are answered by the API error handler (backoffice.http_errors).
Bearer tokens only (no browser session): these endpoints are exempt from CSRF.
"""
from datetime import datetime

from flask import Response, g
from flask_appbuilder.api import expose
from marshmallow import ValidationError
from flask_appbuilder.security.decorators import protect

from workflows import custody
from workflows import evidence as evidence_cmd
from workflows import footage_request as wf
from workflows.documents import custody_data
from workflows.effects import receipt_file_name, receipt_pdf
from workflows.errors import InvalidInput, RequestNotFound
from workflows.machine import TRIGGERS
from reports.custody import render_custody_pdf

from ..downloads import evidence_download, send_download
from ..localtime import iso
from ..uploads import evidence_upload
from .base import RegistryBaseApi, json_body
from .schemas import InstantField


def _pdf(data: bytes, file_name: str) -> Response:
    return send_download(data, file_name, mimetype="application/pdf", inline=True)


def _datetime(payload: dict, name: str) -> datetime | None:
    value = payload.get(name)
    if value in (None, ""):
        return None
    try:
        return InstantField().deserialize(value)
    except ValidationError as error:
        raise InvalidInput(f"{name}: {' '.join(error.messages)}", field=name) from None


def _whole_number(payload: dict, name: str) -> int:
    value = payload.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInput(f"{name} is required (a number).", field=name)
    return value


class FootageWorkflowApi(RegistryBaseApi):
    """Open footage requests, fire their triggers, take in evidence, fetch the receipt."""

    resource_name = "footage_request"
    class_permission_name = "FootageRequest"
    method_permission_name = {
        "create": "write",
        "fire": "write",
        "evidence": "write",
        "receipt": "receipt",
    }
    openapi_spec_tag = "Footage request workflow"
    path_parameter_schemas = {"trigger": {"type": "string", "enum": sorted(TRIGGERS)}}

    @expose("/", methods=["POST"])
    @protect()
    def create(self):
        """Open a footage request.
        ---
        post:
          description: >-
            Open a footage request for a case of your agency and a registration; the
            cameras default to all of the registration's, the window to the case's.
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
                    camera_ids: {type: array, items: {type: integer}}
                    window_from: {type: string, format: date-time}
                    window_to: {type: string, format: date-time}
                    assignee_id: {type: integer}
          responses:
            201: {description: The request, with its id, state, version and deadline}
            400: {$ref: '#/components/responses/400'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            409: {description: The registration cannot be asked now}
        """
        payload = json_body()
        case_id = _whole_number(payload, "case_id")
        registration_id = _whole_number(payload, "registration_id")
        camera_ids = payload.get("camera_ids")
        if camera_ids is not None and not (
            isinstance(camera_ids, list)
            and all(isinstance(i, int) and not isinstance(i, bool) for i in camera_ids)
        ):
            raise InvalidInput("camera_ids must be a list of numbers.", field="camera_ids")
        item = wf.open_request(
            g.user,
            case_id=case_id,
            registration_id=registration_id,
            camera_ids=camera_ids,
            window_from=_datetime(payload, "window_from"),
            window_to=_datetime(payload, "window_to"),
            assignee_id=payload.get("assignee_id"),
        )
        return self.response(
            201,
            id=item.id,
            state=item.state,
            version=item.version,
            deadline=iso(item.deadline),
        )

    @expose("/<int:pk>/<trigger>", methods=["POST"])
    @protect()
    def fire(self, pk: int, trigger: str):
        """Fire a workflow trigger.
        ---
        post:
          description: >-
            Fire `trigger` on the request with the version you last saw and the guard data
            (contact_owner method, note; record_consent given_by, method, scope;
            request_release kind, basis; approve_release override_reason, required for a media
            release the owner consented to for evidence use only; record_refusal, deny_release,
            cancel reason).
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [version]
                  properties:
                    version: {type: integer}
                  additionalProperties: true
          responses:
            200: {description: 'The new state and version: {state, version, notices}'}
            400: {$ref: '#/components/responses/400'}
            401: {$ref: '#/components/responses/401'}
            403: {description: Your role may not fire this trigger}
            404: {$ref: '#/components/responses/404'}
            409: {description: The version is stale or the guard refuses (message says why)}
        """
        payload = json_body()
        data = {k: v for k, v in payload.items() if k != "version"}
        outcome = wf.fire(pk, trigger, g.user, payload.get("version"), data)
        return self.response(200, state=outcome.state, version=outcome.version, notices=outcome.notices)

    @expose("/<int:pk>/evidence", methods=["POST"])
    @protect()
    def evidence(self, pk: int):
        """Add an evidence item.
        ---
        post:
          description: >-
            Upload one collected copy of the footage (multipart); it is fingerprinted
            (SHA-256) while it streams in and never changed afterwards.
          requestBody:
            required: true
            content:
              multipart/form-data:
                schema:
                  type: object
                  required: [file, description]
                  properties:
                    file: {type: string, format: binary}
                    description: {type: string}
                    clock_offset_s: {type: integer}
          responses:
            201: {description: 'The item: {id, file_name, size_bytes, sha256, clock_offset_s}'}
            400: {$ref: '#/components/responses/400'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            409: {description: The request does not take evidence in its state}
        """
        evidence_cmd.check_intake(pk, g.user)  # before the body is read
        with evidence_upload() as (form, upload):
            if upload is None:
                raise InvalidInput("Attach the footage as the multipart field `file`.", field="file")
            item = evidence_cmd.add_evidence(
                pk,
                g.user,
                upload,
                upload.filename,
                form.get("description", ""),
                form.get("clock_offset_s"),
            )
        return self.response(
            201,
            id=item.id,
            file_name=item.file_name,
            size_bytes=item.size_bytes,
            sha256=item.sha256,
            clock_offset_s=item.clock_offset_s,
        )

    @expose("/<int:pk>/receipt.pdf", methods=["GET"])
    @protect()
    def receipt(self, pk: int):
        """The evidence receipt of a collected request.
        ---
        get:
          description: The evidence receipt PDF, issued when the footage was collected.
          responses:
            200:
              description: The receipt
              content:
                application/pdf: {}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
        """
        item = wf.load_request(pk, g.user)
        if item.receipt_issued_at is None:
            raise RequestNotFound("No receipt yet: it is issued when the footage is collected.")
        return _pdf(receipt_pdf(item), receipt_file_name(item))


class EvidenceCustodyApi(RegistryBaseApi):
    """The custody log of an evidence item: record entries, print the chain of custody."""

    resource_name = "evidence_item"
    class_permission_name = "EvidenceItem"
    method_permission_name = {"custody": "write", "custody_pdf": "read", "file": "download"}
    openapi_spec_tag = "Evidence custody"

    @expose("/<int:pk>/custody", methods=["POST"])
    @protect()
    def custody(self, pk: int):
        """Record a custody entry.
        ---
        post:
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [action, note]
                  properties:
                    action: {type: string, enum: [transferred, checked_out, checked_in, released]}
                    note: {type: string}
                    to: {type: string}
          responses:
            201: {description: 'The entry: {id, action, at, note}'}
            400: {$ref: '#/components/responses/400'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
        """
        payload = json_body()
        event = custody.record_custody(
            pk, g.user, payload.get("action"), payload.get("note"), payload.get("to")
        )
        return self.response(201, id=event.id, action=event.action, at=iso(event.at), note=event.note)

    @expose("/<int:pk>/custody.pdf", methods=["GET"])
    @protect()
    def custody_pdf(self, pk: int):
        """The chain-of-custody report of one item.
        ---
        get:
          responses:
            200:
              description: The chain-of-custody PDF
              content:
                application/pdf: {}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
        """
        item = custody.load_item(pk, g.user)
        return _pdf(render_custody_pdf(custody_data(item)), f"chain-of-custody-item-{item.id}.pdf")

    @expose("/<int:pk>/file", methods=["GET"])
    @protect()
    def file(self, pk: int):
        """The stored copy, under the name it was given (audited).
        ---
        get:
          responses:
            200:
              description: The file as an attachment, named as it was given
              content:
                application/octet-stream: {}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
        """
        item, path = evidence_cmd.open_evidence_file(pk, g.user)
        return evidence_download(item, path)


WORKFLOW_APIS = [FootageWorkflowApi, EvidenceCustodyApi]
