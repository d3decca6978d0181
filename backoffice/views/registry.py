"""Registry Staff screens: owners, registrations and cameras."""
from datetime import date, timedelta

from flask_appbuilder import AppBuilder
from flask_appbuilder.models.sqla.filters import FilterSmaller
from wtforms import StringField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from ..datamodel import RegistryInterface
from ..models import Camera, Owner, Registration
from ..models.validation import (
    CONTACT_METHODS,
    DIRECTION_RANGE,
    FOV_RANGE,
    OWNER_KINDS,
    PHONE_RE,
    RANGE_M_RANGE,
    RECORDING_MODES,
    REGISTRATION_STATUSES,
    RETENTION_RANGE,
    SYSTEM_TYPES,
)
from .base import ScreenModelView
from .forms import choice_field, latlon_fields, number_field, reference_field

READ_WRITE = {
    "list": "read",
    "show": "read",
    "download": "read",
    "add": "write",
    "edit": "write",
    "delete": "write",
    "api_read": "read",
    "api_column_add": "write",
    "api_column_edit": "write",
    "api_readvalues": "read",
    "api_get": "read",
    "api": "read",
    "action": "write",
}


class RegistryModelView(ScreenModelView):
    """Base for registry screens: read/write permissions per resource."""

    method_permission_name = READ_WRITE
    exclude_route_methods = {"download"}  # no file columns; FAB's route would fail with 500
    page_size = 25


class CameraView(RegistryModelView):
    """Cameras with where they point and how long they keep footage."""

    datamodel = RegistryInterface(Camera)
    class_permission_name = "Camera"
    list_title = "Cameras"
    list_columns = [
        "label",
        "registration",
        "direction_deg",
        "fov_deg",
        "range_m",
        "retention_days",
        "recording_mode",
        "system_type",
    ]
    _form = [
        "registration_id",
        "label",
        "lat",
        "lon",
        "direction_deg",
        "fov_deg",
        "range_m",
        "retention_days",
        "recording_mode",
        "system_type",
        "make_model",
        "overlooks",
    ]
    add_columns = edit_columns = _form
    show_columns = ["registration"] + _form[1:] + ["created_at", "updated_at"]
    # No relationship filters: FAB renders them as a drop-down of every related row.
    search_columns = ["label", "recording_mode", "system_type", "retention_days", "make_model"]
    label_columns = {
        "direction_deg": "Facing (° from north)",
        "fov_deg": "Field of view (°)",
        "range_m": "Range (m)",
        "retention_days": "Keeps footage (days)",
        "make_model": "Make / model",
        "registration_id": "Registration number",
        "lat": "Latitude",
        "lon": "Longitude",
    }
    description_columns = {
        "direction_deg": "0 = north, 90 = east; leave empty for unknown or a 360° dome",
        "lat": "Leave empty to use the premises location",
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "registration_id": reference_field(
            "Registration number", Registration, "registration",
            "The number shown on the registration's page",
        ),
        **latlon_fields(required=False),
        "direction_deg": number_field("Facing (° from north)", DIRECTION_RANGE, required=False),
        "fov_deg": number_field("Field of view (°)", FOV_RANGE),
        "range_m": number_field("Range (m)", RANGE_M_RANGE),
        "retention_days": number_field("Keeps footage (days)", RETENTION_RANGE),
        "recording_mode": choice_field("Recording mode", RECORDING_MODES),
        "system_type": choice_field("System type", SYSTEM_TYPES),
    }


class RegistrationView(RegistryModelView):
    """Registered premises: status, confirmation schedule and cameras."""

    datamodel = RegistryInterface(Registration)
    class_permission_name = "Registration"
    list_title = "Registrations"
    list_columns = [
        "id", "address", "city", "owner", "status", "next_confirmation_due", "last_confirmed_at"
    ]
    _form = [
        "owner_id",
        "address",
        "city",
        "state",
        "postal_code",
        "lat",
        "lon",
        "status",
        "terms_version",
        "next_confirmation_due",
        "notes",
    ]
    add_columns = edit_columns = _form
    show_columns = ["owner"] + _form[1:] + [
        "registered_at", "last_confirmed_at", "created_at", "updated_at"
    ]
    search_columns = ["address", "city", "postal_code", "status", "next_confirmation_due"]
    order_columns = ["address", "city", "status", "next_confirmation_due", "last_confirmed_at"]
    base_order = ("id", "desc")
    related_views = [CameraView]
    show_template = "appbuilder/general/model/show_cascade.html"
    label_columns = {
        "id": "No.",
        "owner_id": "Owner number",
        "next_confirmation_due": "Confirmation due",
        "last_confirmed_at": "Last confirmed",
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "owner_id": reference_field(
            "Owner number", Owner, "owner", "The number shown on the owner's page"
        ),
        **latlon_fields(required=True),
        "status": choice_field("Status", REGISTRATION_STATUSES),
    }


class DueRegistrationView(RegistrationView):
    """Registrations whose confirmation is due within 30 days or overdue."""

    list_title = "Due for confirmation"
    base_filters = [
        ["next_confirmation_due", FilterSmaller, lambda: date.today() + timedelta(days=30)]
    ]
    base_order = ("next_confirmation_due", "asc")


class OwnerView(RegistryModelView):
    """Owners and their confidential contact details."""

    datamodel = RegistryInterface(Owner)
    class_permission_name = "Owner"
    list_title = "Owners"
    list_columns = ["id", "name", "organisation", "kind", "email", "phone", "preferred_contact"]
    _form = ["kind", "name", "organisation", "email", "phone", "preferred_contact", "language"]
    add_columns = edit_columns = _form
    show_columns = _form + ["created_at", "updated_at"]
    search_columns = ["name", "organisation", "email", "phone", "kind"]
    related_views = [RegistrationView]
    label_columns = {
        "id": "No.",
        "organisation": "Organisation",
        "preferred_contact": "Preferred contact",
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "kind": choice_field("Kind", OWNER_KINDS),
        "preferred_contact": choice_field("Preferred contact", CONTACT_METHODS),
        "language": choice_field("Language", ("en", "es")),
        "email": StringField("Email", validators=[Optional(), Email(), Length(max=320)]),
        "phone": StringField(
            "Phone", validators=[Optional(), Regexp(PHONE_RE, message="Not a valid phone number")]
        ),
        "name": StringField("Name", validators=[DataRequired(), Length(max=200)]),
    }


def register(appbuilder: AppBuilder) -> None:
    """Add the registry screens under the Registry menu."""
    appbuilder.add_view(OwnerView, "Owners", icon="fa-user", category="Registry")
    appbuilder.add_view(RegistrationView, "Registrations", icon="fa-home", category="Registry")
    appbuilder.add_view(
        DueRegistrationView, "Due for confirmation", icon="fa-clock-o", category="Registry"
    )
    appbuilder.add_view(CameraView, "Cameras", icon="fa-video-camera", category="Registry")
