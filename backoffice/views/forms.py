"""Form fields shared by the screens, built from the model field rules."""
from flask import has_request_context, request
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget, Select2Widget
from wtforms import FloatField, IntegerField, SelectField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, ValidationError

from ..ids import get_by_id
from ..models.validation import LAT_RANGE, LON_RANGE


def choice_field(label: str, choices, *, required: bool = True) -> SelectField:
    """A drop-down of fixed values, shown in the users' words."""
    options = [(value, value.replace("_", " ").capitalize()) for value in choices]
    if not required:
        options = [("", "—")] + options
    return SelectField(
        label,
        choices=options,
        widget=Select2Widget(),
        validators=[DataRequired()] if required else [Optional()],
        coerce=lambda v: v or None,
    )


def number_field(label: str, bounds, *, required: bool = True, description: str = ""):
    """An integer input limited to bounds."""
    low, high = bounds
    return IntegerField(
        label,
        description=description,
        widget=BS3TextFieldWidget(),
        validators=[InputRequired() if required else Optional(), NumberRange(low, high)],
    )


def latlon_fields(required: bool = True) -> dict:
    """lat/lon inputs that write the model's point location."""
    presence = InputRequired() if required else Optional()

    def field(label, bounds, hint):
        return FloatField(
            label,
            description=hint,
            widget=BS3TextFieldWidget(),
            validators=[presence, NumberRange(*bounds)],
        )

    return {
        "lat": field("Latitude", LAT_RANGE, "Decimal degrees, e.g. 35.3733"),
        "lon": field("Longitude", LON_RANGE, "Decimal degrees, e.g. -119.0187"),
    }


def reference_field(label: str, model, relation: str, description: str = "") -> IntegerField:
    """A record number input for a many-to-one link.

    FAB's default is a drop-down of every related row, which does not scale to a county's
    registry; staff type the number shown on the record instead. Opening the form from the
    parent record's page (FAB passes `_flt_0_<relation>=<id>`) fills it in.
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
    )
