"""Form fields shared by the screens, built from the model field rules."""
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget, Select2Widget
from wtforms import FloatField, IntegerField, SelectField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

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
