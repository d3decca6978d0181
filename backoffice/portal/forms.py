"""The portal's forms: plain labels, help text and limits from the shared field rules."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from ..form_rules import Rule
from ..models.validation import (
    check_direction,
    check_email,
    check_fov,
    check_latitude,
    check_longitude,
    check_phone,
    check_postal_code,
    check_retention,
    check_state,
)

DIRECTIONS = (
    ("", _l("Not sure / all around (360°)")),
    ("0", _l("North")),
    ("45", _l("North-east")),
    ("90", _l("East")),
    ("135", _l("South-east")),
    ("180", _l("South")),
    ("225", _l("South-west")),
    ("270", _l("West")),
    ("315", _l("North-west")),
)
REQUIRED = _l("Please fill this in.")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class CameraForm(Form):
    """One camera; repeated for each camera at the premises."""

    id = HiddenField()
    label = StringField(
        _l("Camera name"),
        description=_l("A name you will recognise, e.g. “Front door” or “Driveway”."),
        validators=[DataRequired(REQUIRED), Length(max=100)],
        filters=[_strip],
    )
    overlooks = StringField(
        _l("What it overlooks"),
        description=_l("e.g. “the street and the sidewalk”, “the alley behind the shop”."),
        validators=[Optional(), Length(max=300)],
        filters=[_strip],
    )
    direction = SelectField(
        _l("Which way it faces"), choices=DIRECTIONS, default="", validators=[Optional()]
    )
    direction_deg = StringField(
        _l("Or the exact direction in degrees"),
        description=_l("0 = north, 90 = east, 180 = south, 270 = west. Leave empty if unsure."),
        validators=[Rule(check_direction)],
    )
    fov_deg = StringField(
        _l("How wide it sees (degrees)"),
        description=_l("Most cameras see about 90°; a fisheye or dome sees up to 360°."),
        default="90",
        validators=[Rule(check_fov, required=True)],
    )
    recording_mode = RadioField(
        _l("When it records"),
        choices=[("continuous", _l("All the time")), ("motion", _l("Only when it detects motion"))],
        default="continuous",
        validators=[DataRequired(REQUIRED)],
    )
    retention_days = StringField(
        _l("How many days it keeps footage"),
        description=_l("Look in your recorder's or app's settings; 14 days is common."),
        default="14",
        validators=[Rule(check_retention, required=True)],
    )
    system_type = SelectField(
        _l("Type of system"),
        choices=[
            ("dvr_nvr", _l("Recorder box (DVR / NVR)")),
            ("cloud_doorbell", _l("Doorbell or cloud camera")),
            ("standalone", _l("Stand-alone camera with a memory card")),
        ],
        default="dvr_nvr",
    )
    make_model = StringField(
        _l("Make and model (optional)"), validators=[Optional(), Length(max=100)], filters=[_strip]
    )

    def values(self) -> dict:
        """The camera as the lifecycle commands take it."""
        direction: str | int | None
        if self.direction_deg.data is not None:
            direction = self.direction_deg.data
        else:
            direction = int(self.direction.data) if self.direction.data else None
        camera_id = self.id.data or ""
        return {
            "id": int(camera_id) if camera_id.isdigit() else None,
            "label": self.label.data,
            "overlooks": self.overlooks.data or None,
            "direction_deg": direction,
            "fov_deg": self.fov_deg.data,
            "retention_days": self.retention_days.data,
            "recording_mode": self.recording_mode.data,
            "system_type": self.system_type.data,
            "make_model": self.make_model.data or None,
        }


class DetailsForm(FlaskForm):
    """Owner, premises and cameras: shared by registration and the management page."""

    kind = RadioField(
        _l("You are registering as"),
        choices=[("resident", _l("A resident")), ("business", _l("A business or organisation"))],
        default="resident",
        validators=[DataRequired(REQUIRED)],
    )
    name = StringField(
        _l("Your name"), validators=[DataRequired(REQUIRED), Length(max=200)], filters=[_strip]
    )
    organisation = StringField(
        _l("Business or organisation name"),
        description=_l("Only if you register for a business or organisation."),
        validators=[Optional(), Length(max=200)],
        filters=[_strip],
    )
    email = StringField(
        _l("Email"),
        description=_l("We send a link to confirm it. We never share it with the public."),
        validators=[Rule(check_email, required=True)],
    )
    phone = StringField(
        _l("Phone (optional)"),
        description=_l("With the area code; add an extension if there is one, e.g. “ext. 23”."),
        validators=[Rule(check_phone)],
    )
    preferred_contact = SelectField(
        _l("How should an investigator contact you?"),
        choices=[("email", _l("Email")), ("phone", _l("Phone call")), ("sms", _l("Text message"))],
        default="email",
    )
    address = StringField(
        _l("Street address"),
        description=_l("Start typing and pick your address from the list, then check the pin on the map."),
        validators=[DataRequired(REQUIRED), Length(max=300)],
        filters=[_strip],
    )
    city = StringField(_l("City"), validators=[DataRequired(REQUIRED), Length(max=100)], filters=[_strip])
    state = StringField(_l("State"), default="CA", validators=[Rule(check_state, required=True)])
    postal_code = StringField(_l("ZIP code"), validators=[Rule(check_postal_code)])
    # The map pin; empty until placed (the address's point is used then).
    lat = StringField(validators=[Rule(check_latitude, required=False)])
    lon = StringField(validators=[Rule(check_longitude, required=False)])
    cameras = FieldList(FormField(CameraForm), min_entries=1)
    add_camera = SubmitField(_l("Add another camera"))

    def owner_values(self) -> dict:
        """The owner part."""
        return {
            "kind": self.kind.data,
            "name": self.name.data,
            "organisation": self.organisation.data or None,
            "email": self.email.data,
            "phone": self.phone.data or None,
            "preferred_contact": self.preferred_contact.data,
        }

    def premises_values(self) -> dict:
        """The premises part."""
        return {
            "address": self.address.data,
            "city": self.city.data,
            "state": self.state.data,
            "postal_code": self.postal_code.data or None,
        }

    def camera_values(self) -> list[dict]:
        """Every camera entered."""
        return [entry.form.values() for entry in self.cameras]


class RegisterForm(DetailsForm):
    """The public registration form, with the terms and a field only robots fill in."""

    terms_version = HiddenField()
    accept_terms = BooleanField(
        _l("I have read and accept the programme terms"),
        validators=[DataRequired(_l("Please accept the terms to register."))],
    )
    website = StringField(_l("Leave this empty"))  # honeypot: hidden from people


class PictureForm(FlaskForm):
    """A picture of what one camera sees (checked by backoffice.snapshots, not here)."""

    picture = FileField(_l("Picture"))


class WithdrawForm(FlaskForm):
    """Withdrawal needs an explicit tick."""

    sure = BooleanField(
        _l("Yes, withdraw my registration and delete my details"),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )


class RejectForm(FlaskForm):
    """Registry Staff: the reason the owner will read."""

    reason = TextAreaField("Reason (sent to the owner)", validators=[DataRequired(), Length(max=1000)])


class MergeForm(FlaskForm):
    """Registry Staff: the registration to merge into."""

    target_id = IntegerField("Merge into registration #", validators=[DataRequired()])


class ApproveForm(FlaskForm):
    """Registry Staff: approve (CSRF only)."""
