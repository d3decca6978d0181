"""Registry Staff screens: owners, registrations and cameras."""

from flask import current_app, flash, g, jsonify, redirect, request, url_for
from flask_appbuilder import AppBuilder, expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.fieldwidgets import BS3TextAreaFieldWidget
from wtforms import StringField, TextAreaField
from wtforms.widgets import DateInput
from wtforms.validators import DataRequired, Length, Optional

from ..datamodel import RegistryInterface
from ..domain import REGISTRATION_STATUSES
from ..extensions import db
from ..portal import services
from ..pickers import pick_owners, pick_registrations
from ..labels import language_name, words
from ..localtime import county_today
from ..worklists import confirmation_by_phone, confirmation_due
from ..models import Camera, Owner, Registration
from ..models.validation import (
    CONTACT_METHODS,
    OWNER_KINDS,
    RECORDING_MODES,
    SYSTEM_TYPES,
    check_direction,
    check_email,
    check_fov,
    check_phone,
    check_postal_code,
    check_range_m,
    check_retention,
    check_state,
    check_confirmation_due,
    format_phone,
)
from ..form_rules import Rule
from .base import ScreenModelView
from .camera_pictures import PICTURE_PERMISSIONS, CameraPictureRoutes, camera_picture
from .display import ReadableColumns
from .forms import CameraPlace, PremisesPlace, choice_field, latlon_fields, reference_field, rule_field

READ_WRITE = {
    "list": "read",
    "show": "read",
    "download": "read",
    "add": "write",
    "edit": "write",
    "delete": "delete",  # Admin's, and Registry Staff's for cameras (backoffice.security.roles)
    "api_read": "read",
    "api_column_add": "write",
    "api_column_edit": "write",
    "api_readvalues": "read",
    "api_get": "read",
    "api": "read",
    "action": "write",
    "pick": "read",
}


class RegistryModelView(ReadableColumns, ScreenModelView):
    """Base for registry screens: read/write permissions per resource, times in county time."""

    method_permission_name = READ_WRITE
    exclude_route_methods = {"download"}  # no file columns; FAB's route would fail with 500
    page_size = 25


class CameraView(CameraPictureRoutes, RegistryModelView):
    """Cameras with where they point and how long they keep footage, and the picture of what
    each sees."""

    datamodel = RegistryInterface(Camera)
    class_permission_name = "Camera"
    method_permission_name = {**READ_WRITE, **PICTURE_PERMISSIONS}
    show_template = "registry/camera_show.html"
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
    # The number first: the forms ask for "the number shown on the registration's page".
    show_columns = ["id", "registration"] + _form[1:] + ["created_at", "updated_at"]
    # No relationship filters: FAB renders them as a drop-down of every related row.
    search_columns = ["label", "recording_mode", "system_type", "retention_days", "make_model"]
    label_columns = {
        "id": "No.",
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
        "lat": "Leave latitude and longitude empty to place the camera at the premises",
    }

    add_form_extra_fields = edit_form_extra_fields = {
        "registration_id": reference_field(
            "Registration number", Registration, "registration",
            "The number shown on the registration's page", pick_url="/registrationview/pick",
        ),
        **latlon_fields(required=False, place=CameraPlace()),
        "direction_deg": rule_field("Facing (° from north)", check_direction,
                                    description="0 = north, 90 = east; leave empty for unknown or a 360° dome"),
        "fov_deg": rule_field("Field of view (°)", check_fov, required=True, default=90,
                              description="Most cameras see about 90°; a dome up to 360°"),
        "range_m": rule_field("Range (m)", check_range_m, required=True, default=30,
                              description="How far away it can make out a person, 1–500 m"),
        "retention_days": rule_field("Keeps footage (days)", check_retention, required=True,
                                     default=14, description="From the recorder's settings; 14 is common"),
        "recording_mode": choice_field("Recording mode", RECORDING_MODES, "recording_mode"),
        "system_type": choice_field("System type", SYSTEM_TYPES, "system_type"),
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
    show_columns = ["id", "owner"] + _form[1:] + [
        "registered_at", "last_confirmed_at", "created_at", "updated_at"
    ]
    search_columns = ["address", "city", "postal_code", "status", "next_confirmation_due"]
    order_columns = ["address", "city", "status", "next_confirmation_due", "last_confirmed_at"]
    base_order = ("id", "desc")
    related_views = [CameraView]
    show_template = "registry/registration_show.html"  # FAB's show_cascade, plus the premises map
    label_columns = {
        "id": "No.",
        "owner_id": "Owner number",
        "postal_code": "ZIP code",
        "terms_version": "Terms accepted (version)",
        "registered_at": "Registered",
        "next_confirmation_due": "Confirmation due",
        "last_confirmed_at": "Last confirmed",
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "owner_id": reference_field(
            "Owner number", Owner, "owner", "The number shown on the owner's page",
            pick_url="/ownerview/pick",
        ),
        **latlon_fields(required=True, place=PremisesPlace()),
        "state": rule_field("State", check_state, required=True, description="Two-letter USPS code"),
        "postal_code": rule_field("ZIP code", check_postal_code, description="93301 or 93301-1234"),
        "status": choice_field("Status", REGISTRATION_STATUSES, "status"),
        "notes": TextAreaField("Notes", widget=BS3TextAreaFieldWidget(),
                               validators=[Optional(), Length(max=2000)],
                               description="For staff only; at most 2,000 characters"),
        "next_confirmation_due": StringField(
            "Confirmation due",
            widget=DateInput(),
            description="The date of the next yearly check",
            validators=[Rule(check_confirmation_due)],
        ),
    }


    @expose("/pick")
    @has_access
    def pick(self):
        """Registrations matching ?q= (number, address, city, owner name or e-mail), for the
        forms that link to one: JSON [{"id", "label"}], at most 10."""
        return jsonify(pick_registrations(request.args.get("q", "")))


class DueForConfirmation(BaseFilter):
    """Active or lapsed registrations whose yearly confirmation is due within the lead time
    (CONFIRMATION_LEAD_DAYS, when the e-mail goes out) or overdue; never withdrawn ones."""

    name = "Due for confirmation"

    def apply(self, query, value):
        return query.filter(confirmation_due(county_today()))


class DueRegistrationView(RegistrationView):
    """Registrations to chase: confirmation due soon or overdue."""

    list_title = "Due for confirmation"
    base_filters = [["id", DueForConfirmation, None]]
    base_order = ("next_confirmation_due", "asc")


class ToCallForConfirmation(BaseFilter):
    """Active registrations due for confirmation whose owner has no e-mail or prefers a call."""

    name = "To call for confirmation"

    def apply(self, query, value):
        return query.filter(confirmation_by_phone(county_today()))


class _CallListInterface(RegistryInterface):
    """Sorted by the registration's own columns only: the owner's columns are shown through a
    join that FAB's sort by a related column would not reuse."""

    def is_orderable(self, name: str) -> bool:
        return "." not in name and super().is_orderable(name)


class CallListView(RegistrationView):
    """The call list: owners the confirmation e-mail cannot reach, or who asked for a call.
    After the call, staff tick the owners who confirmed and choose "Confirmed by phone"."""

    datamodel = _CallListInterface(Registration)
    # A call list adds or deletes nothing; "add" gets a permission of its own that the view
    # never grants, so FAB's list shows no add button (it shares "write" with the action).
    exclude_route_methods = RegistryModelView.exclude_route_methods | {"add", "delete"}
    method_permission_name = {**READ_WRITE, "add": "add_registration", "confirmed_by_phone": "write"}
    list_title = "Confirmations to call"
    base_filters = [["id", ToCallForConfirmation, None]]
    base_order = ("next_confirmation_due", "asc")
    list_columns = ["id", "owner.name", "owner.phone", "owner.preferred_contact", "owner.language", "owner.email",
                    "address", "next_confirmation_due"]
    # What the caller needs on the record's page too: whom to ring, in which language.
    show_columns = ["id", "owner.name", "owner.phone", "owner.preferred_contact", "owner.language", "owner.email",
                    "address", "city", "status", "next_confirmation_due", "last_confirmed_at"]
    order_columns = ["address", "next_confirmation_due"]
    label_columns = {**RegistrationView.label_columns, "owner.name": "Owner",
                     "owner.phone": "Phone", "owner.preferred_contact": "Prefers",
                     "owner.email": "E-mail", "owner.language": "Speaks"}
    formatters_columns = {
        **(RegistrationView.formatters_columns or {}),
        "owner.phone": lambda value: format_phone(value) if value else "no phone: write to the premises",
        "owner.preferred_contact": lambda value: words(value, "contact_method"),
        "owner.language": language_name,
        # Owners with an address get the yearly e-mail too; one who confirms by it leaves the list.
        "owner.email": lambda value: "also e-mailed; leaves this list once confirmed" if value else "no e-mail",
    }

    @action("confirmed_by_phone", "Confirmed by phone",
            "Record that the chosen owners confirmed their details on the phone? Each is due again in a year.",
            "fa-phone")
    def confirmed_by_phone(self, items):
        """Record the confirmations of the chosen registrations (audited), back to the list."""
        items = items if isinstance(items, list) else [items]
        done = sum(services.confirm_by_phone(item, g.user) for item in items)
        db.session.commit()
        if done:
            flash(f"Confirmed by phone: {done} registration{'s' if done != 1 else ''}, due again in a year.",
                  "success")
        else:
            flash("Nothing recorded: the chosen registrations are no longer on the call list.", "warning")
        return redirect(url_for(".list"))


class OwnerView(RegistryModelView):
    """Owners and their confidential contact details."""

    datamodel = RegistryInterface(Owner)
    class_permission_name = "Owner"
    list_title = "Owners"
    list_columns = ["id", "name", "organisation", "kind", "email", "phone", "preferred_contact"]
    _form = ["kind", "name", "organisation", "email", "phone", "preferred_contact", "language"]
    add_columns = edit_columns = _form
    show_columns = ["id"] + _form + ["created_at", "updated_at"]
    search_columns = ["name", "organisation", "email", "phone", "kind"]
    formatters_columns = {"phone": format_phone}
    related_views = [RegistrationView]
    label_columns = {
        "id": "No.",
        "organisation": "Organisation",
        "preferred_contact": "Preferred contact",
    }
    @expose("/pick")
    @has_access
    def pick(self):
        """Owners matching ?q= (number, name, organisation or e-mail), for the forms that link
        to one: JSON [{"id", "label"}], at most 10."""
        return jsonify(pick_owners(request.args.get("q", "")))

    add_form_extra_fields = edit_form_extra_fields = {
        "kind": choice_field("Kind", OWNER_KINDS, "kind"),
        "preferred_contact": choice_field("Preferred contact", CONTACT_METHODS, "contact_method"),
        "language": choice_field("Language", ("en", "es"), "language"),
        "email": rule_field("Email", check_email),
        "phone": rule_field("Phone", check_phone, display=format_phone,
                            description="With the area code, e.g. 661-555-0142 ext. 23"),
        "name": StringField("Name", validators=[DataRequired(), Length(max=200)]),
    }


def register(appbuilder: AppBuilder) -> None:
    """Add the registry screens under the Registry menu."""
    current_app.add_template_global(camera_picture, "camera_picture")
    appbuilder.add_view(OwnerView, "Owners", icon="fa-user", category="Registry")
    appbuilder.add_view(RegistrationView, "Registrations", icon="fa-home", category="Registry")
    appbuilder.add_view(
        DueRegistrationView, "Due for confirmation", icon="fa-clock-o", category="Registry"
    )
    appbuilder.add_view(
        CallListView, "Confirmations to call", icon="fa-phone", category="Registry"
    )
    appbuilder.add_view(CameraView, "Cameras", icon="fa-video-camera", category="Registry")
