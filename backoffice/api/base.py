"""What every JSON API class here shares, our own and Flask-AppBuilder's security APIs alike.

- Errors keep their status: FAB's @safe answers every exception with 500, so response_500
  looks at the exception being handled and answers a refusal (backoffice.errors) or an HTTP
  error with its own status (backoffice.http_errors.api_answer); only the unexpected stays a
  500, without internals.
- Model APIs take a JSON object as body (FAB crashed on `[]`, `null` and non-JSON bodies).
- The OpenAPI description declares every path parameter, with the type and range its URL
  rule accepts (FAB only lists those written in docstrings, so the schema fuzzer skipped
  the others).
"""
import re
import sys
from typing import TYPE_CHECKING, Any

from flask import request
from flask_appbuilder.api import BaseApi

from ..errors import InvalidInputError
from ..extensions import db
from ..security.audit_hooks import delete_reason, deleting_with_reason
from ..http_errors import UNEXPECTED, api_answer, json_error
from ..ids import ID_MAX, ID_MIN

_RULE_ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
_PATH_ARGUMENT = re.compile(r"{(\w+)}")
ID_SCHEMA = {"type": "integer", "minimum": ID_MIN, "maximum": ID_MAX}
# URL converter -> the schema of what it accepts.
CONVERTER_SCHEMAS = {
    "int": ID_SCHEMA,
    "string": {"type": "string", "minLength": 1, "pattern": "^[^/]+$"},
    None: {"type": "string", "minLength": 1, "pattern": "^[^/]+$"},
}
ID_NAMES = {"pk", "role_id"}


def json_body() -> dict[str, Any]:
    """The request's body as a JSON object, else InvalidInputError (400)."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise InvalidInputError("Send a JSON object with Content-Type: application/json.")
    return payload


# mypy checks the mixins as the classes they are mixed into; at run time they stand alone.
if TYPE_CHECKING:
    from flask_appbuilder.api import BaseApi as _Api
else:
    _Api = object


class ApiConventions(_Api):
    """Mixin for BaseApi / ModelRestApi subclasses (put it first among the bases)."""

    # Per API class: path parameter name -> OpenAPI schema, for parameters beyond ids.
    path_parameter_schemas: dict[str, dict] = {}

    def response_404(self, message: str | None = None):
        """404 {"message": ...}; FAB's own APIs call it with a message its signature lacks."""
        return BaseApi.response(404, message=message or "Not found")

    def response_500(self, message: str | None = None):
        """Called by FAB's @safe for any exception: keep a refusal's or HTTP error's status."""
        db.session.rollback()  # whatever failed, nothing of it is kept (PostgreSQL: usable again)
        error = sys.exc_info()[1]
        if error is not None:
            return api_answer(error)
        return json_error(500, UNEXPECTED)

    def post_headless(self):
        """FAB's create, for a body that is a JSON object (else 400)."""
        json_body()
        return super().post_headless()

    def put_headless(self, pk):
        """FAB's update, for a body that is a JSON object (else 400)."""
        json_body()
        return super().put_headless(pk)

    def delete_headless(self, pk):
        """FAB's delete, with the written reason the audit log keeps: `reason` in the query
        string or the JSON body, else 400 naming the field."""
        if self.datamodel.get(pk, self._base_filters) is None:
            return self.response_404()
        body = request.get_json(silent=True)
        text = request.args.get("reason") or (body.get("reason") if isinstance(body, dict) else None)
        reason = delete_reason(text)
        with deleting_with_reason(db.session, reason):
            return super().delete_headless(pk)

    # --- OpenAPI ------------------------------------------------------------------------

    def path_helper(self, path: str | None = None, operations=None, **kwargs) -> str:
        """FAB's path, remembering each argument's URL converter for operation_helper."""
        converters = {name: converter for converter, name in _RULE_ARGUMENT.findall(path or "")}
        result = super().path_helper(path=path, operations=operations, **kwargs)
        self.__dict__.setdefault("_path_converters", {})[result] = converters
        return result

    def operation_helper(self, path=None, operations=None, methods=None, func=None, **kwargs) -> None:
        """FAB's operations, with every path parameter declared, typed and bounded."""
        super().operation_helper(path=path, operations=operations, methods=methods, func=func, **kwargs)
        converters = self.__dict__.get("_path_converters", {}).get(path, {})
        for operation in operations.values():
            parameters = operation.setdefault("parameters", [])
            for name in _PATH_ARGUMENT.findall(path or ""):
                declared = next((p for p in parameters if p.get("in") == "path" and p.get("name") == name), None)
                schema = self._path_schema(name, converters.get(name, ""))
                if declared is None:
                    parameters.append({"in": "path", "name": name, "required": True, "schema": schema})
                else:
                    declared["required"] = True
                    declared_schema = declared.setdefault("schema", {})
                    if declared_schema.get("type") == "integer" or name in ID_NAMES:
                        declared["schema"] = {**declared_schema, **ID_SCHEMA}

    def _path_schema(self, name: str, converter: str) -> dict:
        if name in self.path_parameter_schemas:
            return dict(self.path_parameter_schemas[name])
        if name in ID_NAMES and converter in ("", "string"):
            return dict(ID_SCHEMA)
        return dict(CONVERTER_SCHEMAS.get(converter or None, CONVERTER_SCHEMAS[None]))


class RegistryBaseApi(ApiConventions, BaseApi):
    """Base for our non-model endpoints (workflow, canvass, map)."""
