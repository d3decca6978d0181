"""Workflow endpoints (SPEC §5): open requests, fire triggers, take in evidence, receipts.

Thin: check the permission, call a workflow command, map its exception to HTTP here.
Bearer tokens only (no browser session): these endpoints are exempt from CSRF.
"""
from datetime import datetime

from flask import Response, g, request
from marshmallow import ValidationError
from flask_appbuilder.api import BaseApi, expose
from flask_appbuilder.security.decorators import protect

from workflows import evidence as evidence_cmd
from workflows import footage_request as wf
from workflows.documents import custody_data
from workflows.effects import receipt_file_name, receipt_pdf
from workflows.errors import (
    InvalidInput,
    RequestChanged,
    RequestNotFound,
    TransitionRefused,
    TriggerForbidden,
    WorkflowError,
)
from reports.custody import render_custody_pdf

from ..downloads import evidence_download
from ..localtime import iso
from ..uploads import evidence_upload
from .schemas import InstantField

# The one place where a refusal becomes an HTTP status.
HTTP_STATUS: dict[type[WorkflowError], int] = {
    InvalidInput: 400,
    TriggerForbidden: 403,
    RequestNotFound: 404,
    RequestChanged: 409,
    TransitionRefused: 409,
}


def error_response(error: WorkflowError) -> Response:
    """JSON {"message": ...} with the status of the refusal."""
    status = next(code for kind, code in HTTP_STATUS.items() if isinstance(error, kind))
    return BaseApi.response(status, message=error.message)


def _pdf(data: bytes, file_name: str) -> Response:
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{file_name}"'},
    )


def _datetime(payload: dict, name: str) -> datetime | None:
    value = payload.get(name)
    if value in (None, ""):
        return None
    try:
        return InstantField().deserialize(value)
    except ValidationError as error:
        raise InvalidInput(f"{name}: {' '.join(error.messages)}") from None


class FootageWorkflowApi(BaseApi):
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

    @expose("/", methods=["POST"])
    @protect()
    def create(self):
        """Open a footage request: {case_id, registration_id, camera_ids?, window_from?, window_to?}."""
        payload = request.get_json(silent=True)
        if not isinstance(payload, dict):
            return self.response_400(message="Send a JSON object.")
        try:
            for name in ("case_id", "registration_id"):
                if not isinstance(payload.get(name), int):
                    raise InvalidInput(f"{name} is required (a number).")
            camera_ids = payload.get("camera_ids")
            if camera_ids is not None and not (
                isinstance(camera_ids, list) and all(isinstance(i, int) for i in camera_ids)
            ):
                raise InvalidInput("camera_ids must be a list of numbers.")
            item = wf.open_request(
                g.user,
                case_id=payload["case_id"],
                registration_id=payload["registration_id"],
                camera_ids=camera_ids,
                window_from=_datetime(payload, "window_from"),
                window_to=_datetime(payload, "window_to"),
                assignee_id=payload.get("assignee_id"),
            )
        except WorkflowError as error:
            return error_response(error)
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
        """Fire a trigger: {"version": n, ...guard data} -> {state, version}."""
        payload = request.get_json(silent=True)
        if not isinstance(payload, dict):
            return self.response_400(message='Send a JSON object with "version".')
        data = {k: v for k, v in payload.items() if k != "version"}
        try:
            outcome = wf.fire(pk, trigger, g.user, payload.get("version"), data)
        except WorkflowError as error:
            return error_response(error)
        return self.response(200, state=outcome.state, version=outcome.version, notices=outcome.notices)

    @expose("/<int:pk>/evidence", methods=["POST"])
    @protect()
    def evidence(self, pk: int):
        """Add an evidence item: multipart `file`, `description`, optional `clock_offset_s`."""
        try:
            evidence_cmd.check_intake(pk, g.user)  # before the body is read
            with evidence_upload() as (form, upload):
                if upload is None:
                    raise InvalidInput("Attach the footage as the multipart field `file`.")
                item = evidence_cmd.add_evidence(
                    pk,
                    g.user,
                    upload,
                    upload.filename,
                    form.get("description", ""),
                    form.get("clock_offset_s"),
                )
        except WorkflowError as error:
            return error_response(error)
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
        """The evidence receipt of a collected request."""
        try:
            item = wf.load_request(pk, g.user)
            if item.receipt_issued_at is None:
                raise RequestNotFound("No receipt yet: it is issued when the footage is collected.")
        except WorkflowError as error:
            return error_response(error)
        return _pdf(receipt_pdf(item), receipt_file_name(item))


class EvidenceCustodyApi(BaseApi):
    """The custody log of an evidence item: record entries, print the chain of custody."""

    resource_name = "evidence_item"
    class_permission_name = "EvidenceItem"
    method_permission_name = {"custody": "write", "custody_pdf": "read", "file": "download"}
    openapi_spec_tag = "Evidence custody"

    @expose("/<int:pk>/custody", methods=["POST"])
    @protect()
    def custody(self, pk: int):
        """Record {action: transferred|checked_out|checked_in|released, note, to?}."""
        payload = request.get_json(silent=True)
        if not isinstance(payload, dict):
            return self.response_400(message="Send a JSON object.")
        try:
            event = evidence_cmd.record_custody(
                pk, g.user, payload.get("action"), payload.get("note"), payload.get("to")
            )
        except WorkflowError as error:
            return error_response(error)
        return self.response(201, id=event.id, action=event.action, at=iso(event.at), note=event.note)

    @expose("/<int:pk>/custody.pdf", methods=["GET"])
    @protect()
    def custody_pdf(self, pk: int):
        """The chain-of-custody report of one item."""
        try:
            item = evidence_cmd.load_item(pk, g.user)
        except WorkflowError as error:
            return error_response(error)
        return _pdf(render_custody_pdf(custody_data(item)), f"chain-of-custody-item-{item.id}.pdf")

    @expose("/<int:pk>/file", methods=["GET"])
    @protect()
    def file(self, pk: int):
        """The stored copy, under the name it was given (audited)."""
        try:
            item, path = evidence_cmd.open_evidence_file(pk, g.user)
        except WorkflowError as error:
            return error_response(error)
        return evidence_download(item, path)


WORKFLOW_APIS = [FootageWorkflowApi, EvidenceCustodyApi]
