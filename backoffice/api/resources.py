"""Model APIs by resource name (SPEC §5), with the same permissions as the screens."""
from typing import Any

from flask import current_app
from flask_babel import get_locale
from flask_appbuilder import ModelRestApi
from flask_appbuilder.const import API_RESULT_RES_KEY, API_SELECT_COLUMNS_RIS_KEY
from sqlalchemy import bindparam, select
from sqlalchemy.orm import ColumnProperty, load_only

from ..extensions import db
from ..ids import as_id
from ..instant_filters import filter_problems

from ..models import (
    Agency,
    AuditEvent,
    Camera,
    Case,
    EvidenceItem,
    FootageRequest,
    Owner,
    Registration,
)
from ..audit import HASHED_FIELDS
from ..datamodel import RegistryInterface
from ..scoping import AgencyScope, refused_read, scope_request
from . import schemas
from .base import ApiConventions

API_READ_WRITE = {
    "get": "read",
    "get_list": "read",
    "info": "read",
    "post": "write",
    "put": "write",
    "delete": "delete",  # only Admin (and Registry Staff for cameras): backoffice.security.roles
}
READ_ONLY = {"get", "get_list", "info"}


class RegistryApi(ApiConventions, ModelRestApi):
    """Base for model APIs: read/write permissions and explicit schemas."""

    method_permission_name = API_READ_WRITE
    allow_browser_login = True
    page_size = 50
    schema: type[schemas.ModelSchema] | None = None
    add_columns: list[str]
    edit_columns: list[str]

    def __init__(self):
        schema = self.schema
        if schema is None:
            raise TypeError(f"{type(self).__name__} names no schema")
        # Dump exactly the selected columns: anything else would lazy-load per row.
        self.list_model_schema = schema(only=self.list_columns)
        self.show_model_schema = schema(only=self.show_columns)
        self.add_model_schema = schema()
        self.edit_model_schema = schema(partial=True)
        # _info describes the writable fields: the schema's, not every model column
        # (relationships the schema leaves out made _info fail with a server error).
        writable = [name for name, field in self.add_model_schema.fields.items() if not field.dump_only]
        self.add_columns = self.add_columns or writable
        self.edit_columns = self.edit_columns or writable
        super().__init__()
        self.model2schemaconverter = _ChosenColumns(schema, self.model2schemaconverter)  # type: ignore[has-type]  # FAB sets it untyped in __init__

    def info_headless(self, **kwargs):
        """FAB's _info, without the add or edit fields of an API that takes no POST or PUT
        (a client would offer a form whose fields are ignored)."""
        response = super().info_headless(**kwargs)
        routes = self.include_route_methods
        if routes is None or response.status_code != 200:
            return response
        body = response.get_json()
        for route, key in (("post", "add_columns"), ("put", "edit_columns")):
            if route not in routes:
                body.pop(key, None)
        return self.response(200, **body)

    def get_headless(self, pk, **kwargs):
        """One record. Without query arguments (the usual call) the row is read by one prepared
        statement, scoped like every read here; FAB built the same query anew on every request
        (filters, joins, load options: a fifth of the cheapest API read). When every shown
        field is a column of the table, the row is dumped as it comes, without building the
        record (another tenth). Chosen columns or keys, base filters, or related columns in the
        answer: FAB's own way."""
        one_row = self._one_row_statement()
        if kwargs.get("rison") or one_row is None:
            return super().get_headless(pk, **kwargs)
        statement, plain = one_row
        model = self.datamodel.obj
        number = as_id(pk)
        item = None
        if number is not None:
            scoped = scope_request(statement, model)
            result = db.session.execute(scoped, {"pk": number})
            item = result.first() if plain else result.scalars().first()
            if item is None:
                refused_read(model, number)  # another agency's record: audited, still not found
        if item is None:
            return self.response_404()
        response: dict[str, Any] = dict(self._show_keys())
        response["id"] = pk
        response[API_RESULT_RES_KEY] = self.show_model_schema.dump(item, many=False)
        self.pre_get(response)
        return self.response(200, **response)

    def _show_keys(self) -> dict[str, Any]:
        """The label and description keys of a show answer in the request's language, made
        once per language (FAB translated every label anew on every request)."""
        language = str(get_locale() or "")
        by_language = self.__dict__.setdefault("_show_keys_by_language", {})
        keys = by_language.get(language)
        if keys is None:
            keys = {}
            self.set_response_key_mappings(keys, self.get, {}, **{API_SELECT_COLUMNS_RIS_KEY: []})
            by_language[language] = keys
        return keys

    def _one_row_statement(self):
        """(SELECT of the show columns by primary key, whether its rows are dumped as they
        come), built once per API; None when FAB's query is needed (base filters, related or
        dotted columns)."""
        cached = self.__dict__.get("_one_row")
        if cached is None:
            statement = _one_row_select(self.datamodel.obj, self.show_select_columns) if not self.base_filters else False
            if statement is False:
                cached = False
            else:
                columns = set(self.show_select_columns)
                fields = self.show_model_schema.fields
                plain = set(self.show_columns) <= columns and all(
                    (field.attribute or name) in columns for name, field in fields.items())
                if plain:
                    key = self.datamodel.obj.__mapper__.primary_key[0]
                    statement = select(*(getattr(self.datamodel.obj, name) for name in self.show_select_columns)
                                       ).where(key == bindparam("pk"))
                cached = (statement, plain)
            self.__dict__["_one_row"] = cached
        return None if cached is False else cached

    def get_list_headless(self, **kwargs):
        """The list; 400 naming the filter when a date-time filter is not one instant."""
        response = super().get_list_headless(**kwargs)
        problems = filter_problems()
        return self.response_400(message=" ".join(problems)) if problems else response


class _ChosenColumns:
    """The answer's schema when a client chooses its columns (`?q=(columns:!(…))`): ours,
    limited to those columns. FAB made one from the model instead, which wrote instants in
    UTC where every other answer gives county time with its offset (SPEC §5)."""

    def __init__(self, schema: type[schemas.ModelSchema], fab_converter):
        self._schema, self._fab = schema, fab_converter
        self._made: dict[tuple, Any] = {}

    def convert(self, columns, **kwargs):
        key = tuple(columns)
        made = self._made.get(key)
        if made is None:
            fields = self._schema().fields
            if all(name in fields for name in columns):
                made = self._schema(only=list(columns))
            else:  # a related or dotted column: FAB's nested schema
                made = self._fab.convert(columns, **kwargs)
            self._made[key] = made
        return made


def _one_row_select(model, columns: list[str]):
    """select(model) of these plain columns where the primary key is :pk, or False when a
    column is dotted or not a column of the table (FAB joins or loads those)."""
    mapper = model.__mapper__
    if len(mapper.primary_key) != 1:
        return False
    attributes = []
    for name in columns:
        prop = mapper.attrs.get(name) if "." not in name else None
        if not isinstance(prop, ColumnProperty):
            return False
        attributes.append(getattr(model, name))
    key = mapper.primary_key[0]
    return select(model).options(load_only(*attributes)).where(key == bindparam("pk"))


def _located(columns: list[str]) -> dict:
    """List/show column settings for a model whose location is shown as lat/lon."""
    return {
        "list_columns": columns + ["lat", "lon"],
        "show_columns": columns + ["lat", "lon"],
        "list_select_columns": columns + ["location"],
        "show_select_columns": columns + ["location"],
    }


class AgencyApi(RegistryApi):
    resource_name = "agency"
    datamodel = RegistryInterface(Agency)
    class_permission_name = "Agency"
    schema = schemas.AgencySchema
    list_columns = show_columns = ["id", "name", "ori", "county_oversight"]
    search_columns = ["name", "ori"]


class OwnerApi(RegistryApi):
    resource_name = "owner"
    datamodel = RegistryInterface(Owner)
    class_permission_name = "Owner"
    schema = schemas.OwnerSchema
    include_route_methods = READ_ONLY | {"post", "put", "delete"}
    list_columns = show_columns = [
        "id",
        "kind",
        "name",
        "organisation",
        "email",
        "phone",
        "preferred_contact",
        "language",
    ]
    search_columns = ["name", "organisation", "email", "kind"]


_REGISTRATION_COLUMNS = [
    "id",
    "owner_id",
    "address",
    "city",
    "state",
    "postal_code",
    "status",
    "terms_version",
    "registered_at",
    "last_confirmed_at",
    "next_confirmation_due",
]


class RegistrationApi(RegistryApi):
    resource_name = "registration"
    datamodel = RegistryInterface(Registration)
    class_permission_name = "Registration"
    schema = schemas.RegistrationSchema
    include_route_methods = READ_ONLY | {"post", "put", "delete"}
    locals().update(_located(_REGISTRATION_COLUMNS))
    search_columns = ["address", "city", "status", "owner_id", "next_confirmation_due"]


_CAMERA_COLUMNS = [
    "id",
    "registration_id",
    "label",
    "direction_deg",
    "fov_deg",
    "range_m",
    "retention_days",
    "recording_mode",
    "system_type",
    "make_model",
    "overlooks",
]


class CameraApi(RegistryApi):
    resource_name = "camera"
    datamodel = RegistryInterface(Camera)
    class_permission_name = "Camera"
    schema = schemas.CameraSchema
    locals().update(_located(_CAMERA_COLUMNS))
    search_columns = ["registration_id", "label", "recording_mode", "system_type"]


_CASE_COLUMNS = [
    "id",
    "agency_id",
    "case_number",
    "incident_type",
    "address",
    "occurred_from",
    "occurred_to",
    "summary",
    "lead_investigator_id",
]


class CaseApi(RegistryApi):
    resource_name = "case"
    datamodel = RegistryInterface(Case)
    class_permission_name = "Case"
    schema = schemas.CaseSchema
    include_route_methods = READ_ONLY | {"post", "put", "delete"}
    base_filters = [["id", AgencyScope, None]]
    locals().update(_located(_CASE_COLUMNS))
    search_columns = ["case_number", "incident_type", "occurred_from"]

    def pre_add(self, item: Case) -> None:
        """A case belongs to the agency of the user who opens it."""
        user = current_app.appbuilder.sm.current_user  # type: ignore[attr-defined]  # FAB sets app.appbuilder
        item.agency_id = user.agency_id
        if item.lead_investigator_id is None:
            item.lead_investigator_id = user.id


class FootageRequestApi(RegistryApi):
    resource_name = "footage_request"
    datamodel = RegistryInterface(FootageRequest)
    class_permission_name = "FootageRequest"
    schema = schemas.FootageRequestSchema
    include_route_methods = READ_ONLY | {"delete"}  # Admin only, with a reason
    base_filters = [["id", AgencyScope, None]]
    list_columns = show_columns = [
        "id",
        "case_id",
        "registration_id",
        "camera_ids",
        "window_from",
        "window_to",
        "state",
        "version",
        "deadline",
        "assignee_id",
        "consent_scope",
        "release_kind",
        "release_decision",
    ]
    list_select_columns = show_select_columns = [
        c for c in list_columns if c != "camera_ids"
    ] + ["cameras"]
    search_columns = ["case_id", "registration_id", "state", "assignee_id", "deadline"]


class EvidenceItemApi(RegistryApi):
    resource_name = "evidence_item"
    datamodel = RegistryInterface(EvidenceItem)
    class_permission_name = "EvidenceItem"
    schema = schemas.EvidenceItemSchema
    include_route_methods = READ_ONLY | {"delete"}  # Admin only, with a reason; the file is kept
    base_filters = [["id", AgencyScope, None]]
    list_columns = show_columns = [
        "id",
        "footage_request_id",
        "description",
        "file_name",
        "size_bytes",
        "sha256",
        "collected_by_id",
        "collected_at",
        "clock_offset_s",
    ]
    search_columns = ["footage_request_id", "sha256", "collected_at"]


class AuditEventApi(RegistryApi):
    resource_name = "audit_event"
    datamodel = RegistryInterface(AuditEvent)
    class_permission_name = "AuditEvent"
    schema = schemas.AuditEventSchema
    include_route_methods = READ_ONLY
    base_order = ("id", "desc")
    # Everything the chain hashes, and the hash: enough to re-check an exported event.
    list_columns = show_columns = [*HASHED_FIELDS, "hash"]
    search_columns = ["action", "username", "object_type", "object_id", "purpose", "at"]


MODEL_APIS = [
    AgencyApi,
    OwnerApi,
    RegistrationApi,
    CameraApi,
    CaseApi,
    FootageRequestApi,
    EvidenceItemApi,
    AuditEventApi,
]
