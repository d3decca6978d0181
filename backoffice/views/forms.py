"""Form fields shared by the screens, built from the model field rules."""
from flask import has_request_context, request
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget, Select2Widget
from wtforms import IntegerField, SelectField, StringField
from flask_babel import gettext
from wtforms.validators import DataRequired, InputRequired, Optional, StopValidation, ValidationError

from ..form_rules import Rule
from ..ids import get_by_id
from ..labels import choices as labelled
from ..models import Registration
from ..models.validation import (
    FieldError,
    check_camera_placed,
    check_latitude,
    check_longitude,
    check_premises_placed,
)


def choice_field(label: str, choices, kind: str, *, required: bool = True) -> SelectField:
    """A drop-down of fixed values, shown in the users' words (backoffice.labels, `kind`)."""
    options = labelled(choices, kind)
    if not required:
        options = [("", "—")] + options
    return SelectField(
        label,
        choices=options,
        widget=Select2Widget(),
        validators=[DataRequired()] if required else [Optional()],
        coerce=lambda v: v or None,
    )


class RuleField(StringField):
    """A text input decided by a field rule; a stored value is shown through `display`."""

    def __init__(self, *args, display=str, **kwargs):
        super().__init__(*args, **kwargs)
        self.display = display

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]  # what was typed, kept when the form is shown again
        return self.display(self.data) if self.data is not None else ""


def rule_field(label: str, check, *, required: bool = False, description: str = "", display=str,
               default=None):
    """A text input decided by a field rule (backoffice.models.validation); `default` fills
    it on an add form."""
    return RuleField(
        label,
        default=default,
        description=description,
        widget=BS3TextFieldWidget(),
        validators=[Rule(check, required=required)],
        display=display,
    )


def latlon_fields(required: bool = True, place=None) -> dict:
    """lat/lon inputs that write the model's point location; `place`, a validator run on the
    longitude once both are read, checks the point itself (CameraPlace, PremisesPlace)."""
    fields = {
        "lat": rule_field("Latitude", check_latitude, required=required,
                          description="Decimal degrees, e.g. 35.3733"),
        "lon": rule_field("Longitude", check_longitude, required=required,
                          description="Decimal degrees, e.g. -119.0187"),
    }
    if place is not None:
        fields["lon"].kwargs["validators"] = [*fields["lon"].kwargs["validators"], place]
    return fields


def reference_field(label: str, model, relation: str, description: str = "",
                    pick_url: str | None = None) -> IntegerField:
    """A record number input for a many-to-one link.

    FAB's default is a drop-down of every related row, which does not scale to a county's
    registry; staff type the number shown on the record, or find it by typing part of an
    address or a name into the search box static/registry.js adds beside an input with
    `data-pick-url` (backoffice.pickers answers). Opening the form from the parent record's
    page (FAB passes `_flt_0_<relation>=<id>`) fills it in.
    """

    def exists(_form, field):
        if field.data is not None and get_by_id(model, field.data) is None:
            raise ValidationError(f"There is no {model.__name__.lower()} number {field.data}.")

    def from_parent_page():
        return request.args.get(f"_flt_0_{relation}", type=int) if has_request_context() else None

    return IntegerField(
        label,
        description=description,
        widget=BS3TextFieldWidget(),
        default=from_parent_page,
        validators=[InputRequired(), exists],
        render_kw={"data-pick-url": pick_url} if pick_url else None,
    )


BOTH_OR_NEITHER = "Give both latitude and longitude, or leave both empty to place the camera at the premises."


class CameraPlace:
    """On a camera form's longitude (after latitude and the registration number): both or
    neither coordinate, and a place the camera rule accepts (near its premises, in the county;
    backoffice.models.validation.check_camera_place). Both empty: the premises location."""

    def __call__(self, form, field) -> None:
        if form.lat.errors or field.errors:
            return
        lat, lon = form.lat.data, field.data
        if lat is None and lon is None:
            return
        if lat is None or lon is None:
            raise StopValidation(BOTH_OR_NEITHER)
        registration = None
        if "registration_id" in form and isinstance(form.registration_id.data, int):
            registration = get_by_id(Registration, form.registration_id.data)
        premises = (registration.lat, registration.lon) if registration is not None else None
        try:
            check_camera_placed((lat, lon), premises)
        except FieldError as error:
            raise StopValidation(error.translated(gettext)) from None


class PremisesPlace:
    """On a registration form's longitude (after latitude): the premises lie in the county
    (backoffice.models.validation.check_premises_placed)."""

    def __call__(self, form, field) -> None:
        if form.lat.errors or field.errors or form.lat.data is None or field.data is None:
            return
        try:
            check_premises_placed(form.lat.data, field.data)
        except FieldError as error:
            raise StopValidation(error.translated(gettext)) from None

