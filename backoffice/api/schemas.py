"""Marshmallow schemas for the model APIs: locations as lat/lon, never WKT."""
import threading
from datetime import datetime
from typing import TYPE_CHECKING

from marshmallow import ValidationError, fields, missing, validate, validates_schema
from marshmallow_sqlalchemy import ModelConverter, SQLAlchemyAutoSchema

from ..domain import REGISTRATION_STATUSES
from ..extensions import db
from ..ids import get_by_id
from ..localtime import AmbiguousLocalTime, LocalTimeError, iso, parse_instant
from ..models.base import Instant
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
from ..models.validation import (
    CONTACT_METHODS,
    DIRECTION_RANGE,
    FOV_RANGE,
    LAT_RANGE,
    LON_RANGE,
    OWNER_KINDS,
    RANGE_M_RANGE,
    RECORDING_MODES,
    RETENTION_RANGE,
    SYSTEM_TYPES,
    FieldError,
    check_direction,
    check_email,
    check_fov,
    check_camera_placed,
    check_premises_placed,
    check_latitude,
    check_longitude,
    check_phone,
    check_postal_code,
    check_range_m,
    check_retention,
    check_state,
    check_confirmation_due,
)


class InstantField(fields.DateTime):
    """An instant as ISO 8601: read with any offset or `Z` (none = county local time),
    written in county time with its offset (SPEC §5, TIMEZONE)."""

    DESCRIPTION = (
        "ISO 8601 date and time. With an offset or Z it is that instant; without one it is "
        "county local time (TIMEZONE), and a time in the repeated hour of the autumn clock "
        "change then needs an offset. Returned in county time with its offset."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.metadata.setdefault("description", self.DESCRIPTION)

    def _serialize(self, value, attr, obj, **kwargs):
        return iso(value)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, datetime):
            value = value.isoformat()
        try:
            return parse_instant(value)
        except AmbiguousLocalTime as error:
            offsets = " or ".join(iso(choice)[-6:] for choice in error.choices)
            raise ValidationError(f"{error} Give the offset ({offsets}).") from None
        except LocalTimeError as error:
            raise ValidationError(str(error)) from None


class InstantConverter(ModelConverter):
    """Every Instant column travels as an InstantField."""

    SQLA_TYPE_MAPPING = {**ModelConverter.SQLA_TYPE_MAPPING, Instant: InstantField}


def _range(bounds):
    return validate.Range(min=bounds[0], max=bounds[1])


_INT32 = validate.Range(min=-(2**31), max=2**31 - 1, error="Out of range.")


class ModelSchema(SQLAlchemyAutoSchema):
    """Auto schema bound to our session, loading model instances, no geometry."""

    class Meta:
        load_instance = True
        include_fk = True
        sqla_session = db.session
        model_converter = InstantConverter

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("unknown", "raise")
        super().__init__(*args, **kwargs)
        # marshmallow-sqlalchemy keeps the instance being loaded on the schema object, and an
        # API holds one schema for all its requests: two edits at once would each write into
        # the other's row, or into a new one.
        self._loading = threading.RLock()
        for field in self.fields.values():
            if isinstance(field, fields.Integer) and not field.dump_only and _INT32 not in field.validators:
                # Out-of-range numbers would reach the database and fail there (500).
                field.validators.append(_INT32)

    def load(self, *args, **kwargs):
        """Load, reporting a model field rule (backoffice.models.validation) as a field error;
        one load at a time per schema object (see __init__)."""
        with self._loading:
            try:
                return super().load(*args, **kwargs)
            except FieldError as error:
                raise ValidationError({error.field: [error.message]}) from error


# mypy checks the mixins as the classes they are mixed into; at run time they stand alone.
if TYPE_CHECKING:
    _Field = fields.Field
else:
    _Field = object


class _Rule(_Field):
    """A schema field decided by a field rule (backoffice.models.validation): the rule reads
    what was sent (null included) and gives the value to store, or its message."""

    def __init__(self, check, *, value_required: bool = False, **kwargs):
        self.check = check
        self.value_required = value_required
        super().__init__(allow_none=not value_required, **kwargs)

    def deserialize(self, value, attr=None, data=None, **kwargs):
        if value is missing:
            return super().deserialize(value, attr, data, **kwargs)
        try:
            return self.check(value, field=self.name or attr or "", required=self.value_required)
        except FieldError as error:
            raise ValidationError(error.message) from None


class RuleString(_Rule, fields.String):
    """Text decided by a field rule."""


class RuleDate(_Rule, fields.Date):
    """A calendar date (YYYY-MM-DD) decided by a field rule."""


class RuleInteger(_Rule, fields.Integer):
    """A whole number decided by a field rule (bounds documented for the OpenAPI description)."""

    def __init__(self, check, bounds, **kwargs):
        super().__init__(check, validate=_range(bounds), **kwargs)


class RuleFloat(_Rule, fields.Float):
    """A decimal number decided by a field rule (bounds documented for the OpenAPI description)."""

    def __init__(self, check, bounds, **kwargs):
        super().__init__(check, validate=_range(bounds), **kwargs)


def lat_field(required: bool = True):
    """Latitude in decimal degrees (the latitude rule)."""
    return RuleFloat(check_latitude, LAT_RANGE, required=required, value_required=required)


def lon_field(required: bool = True):
    """Longitude in decimal degrees (the longitude rule)."""
    return RuleFloat(check_longitude, LON_RANGE, required=required, value_required=required)


class LocatedSchema(ModelSchema):
    """A schema whose model has a point location shown as lat/lon."""

    class Meta(ModelSchema.Meta):
        exclude: tuple[str, ...] = ("location",)

    lat = lat_field()
    lon = lon_field()

    @validates_schema
    def _both_or_neither(self, data, **_kwargs):
        if ("lat" in data) != ("lon" in data):
            raise ValidationError("lat and lon go together", "lat")


class AgencySchema(ModelSchema):
    class Meta(ModelSchema.Meta):
        model = Agency

    ori = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z]{2}[A-Za-z0-9]{7}$"))


class OwnerSchema(ModelSchema):
    class Meta(ModelSchema.Meta):
        model = Owner
        exclude = ("created_at", "updated_at")

    kind = fields.String(validate=validate.OneOf(OWNER_KINDS))
    preferred_contact = fields.String(validate=validate.OneOf(CONTACT_METHODS))
    email = RuleString(check_email)
    phone = RuleString(check_phone)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))


class RegistrationSchema(LocatedSchema):
    class Meta(LocatedSchema.Meta):
        model = Registration
        exclude = ("location", "created_at", "updated_at")

    status = fields.String(validate=validate.OneOf(REGISTRATION_STATUSES))
    address = fields.String(required=True, validate=validate.Length(min=1, max=300))
    city = fields.String(required=True, validate=validate.Length(min=1, max=100))
    state = RuleString(check_state, value_required=True)
    postal_code = RuleString(check_postal_code)
    next_confirmation_due = RuleDate(check_confirmation_due)

    @validates_schema
    def _in_county(self, data, **_kwargs):
        """The premises lie in the county (check_premises_placed)."""
        if data.get("lat") is None or data.get("lon") is None:
            return
        try:
            check_premises_placed(data["lat"], data["lon"])
        except FieldError as error:
            raise ValidationError(error.message, "lat") from None


class CameraSchema(LocatedSchema):
    class Meta(LocatedSchema.Meta):
        model = Camera
        exclude = ("location", "created_at", "updated_at")

    lat = lat_field(required=False)
    lon = lon_field(required=False)
    label = fields.String(required=True, validate=validate.Length(min=1, max=100))
    direction_deg = RuleInteger(check_direction, DIRECTION_RANGE)
    fov_deg = RuleInteger(check_fov, FOV_RANGE, value_required=True)
    range_m = RuleInteger(check_range_m, RANGE_M_RANGE, value_required=True)
    retention_days = RuleInteger(check_retention, RETENTION_RANGE, value_required=True)
    recording_mode = fields.String(validate=validate.OneOf(RECORDING_MODES))
    system_type = fields.String(validate=validate.OneOf(SYSTEM_TYPES))

    @validates_schema
    def _placed(self, data, **_kwargs):
        """Near its premises and in the county (check_camera_place); lat and lon both null:
        back at the premises."""
        lat, lon = data.get("lat"), data.get("lon")
        if lat is None or lon is None:
            return
        instance = getattr(self, "instance", None)
        registration_id = data.get("registration_id", getattr(instance, "registration_id", None))
        registration = get_by_id(Registration, registration_id) if registration_id else None
        premises = (registration.lat, registration.lon) if registration is not None else None
        try:
            check_camera_placed((lat, lon), premises)
        except FieldError as error:
            raise ValidationError(error.message, "lat") from None


class CaseSchema(LocatedSchema):
    class Meta(LocatedSchema.Meta):
        model = Case
        exclude = ("location", "created_at", "updated_at")
        dump_only = ("agency_id",)

    case_number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    incident_type = fields.String(required=True, validate=validate.Length(min=1, max=60))

    @validates_schema
    def _window_order(self, data, **_kwargs):
        start, end = data.get("occurred_from"), data.get("occurred_to")
        if start and end and end < start:
            raise ValidationError("must not be before occurred_from", "occurred_to")


class FootageRequestSchema(ModelSchema):
    class Meta(ModelSchema.Meta):
        model = FootageRequest
        exclude = ("created_at", "updated_at")
        dump_only = (
            "state",
            "version",
            "deadline",
            "consent_given_by",
            "consent_method",
            "consent_scope",
            "consent_at",
            "release_kind",
            "release_basis",
            "release_requested_by_id",
            "release_decided_by_id",
            "release_decision",
            "release_decided_at",
            "created_by_id",
        )

    camera_ids = fields.List(fields.Integer(), dump_only=True)


class EvidenceItemSchema(ModelSchema):
    class Meta(ModelSchema.Meta):
        model = EvidenceItem
        exclude = ("storage_location",)


class AuditEventSchema(ModelSchema):
    class Meta(ModelSchema.Meta):
        model = AuditEvent
