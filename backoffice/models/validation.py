"""Field rules shared by the models, the forms and the API schemas."""
import re

LAT_RANGE = (-90.0, 90.0)
LON_RANGE = (-180.0, 180.0)
DIRECTION_RANGE = (0, 359)
FOV_RANGE = (1, 360)
RANGE_M_RANGE = (1, 500)
RETENTION_RANGE = (1, 365)

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
PHONE_RE = re.compile(r"^\+?[0-9 ()./-]{7,20}$")

OWNER_KINDS = ("resident", "business")
CONTACT_METHODS = ("email", "phone", "sms")
REGISTRATION_STATUSES = ("pending", "active", "lapsed", "withdrawn")
RECORDING_MODES = ("continuous", "motion")
SYSTEM_TYPES = ("dvr_nvr", "cloud_doorbell", "standalone")


class FieldError(ValueError):
    """A value that breaks a field rule; carries the field name for forms and APIs."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def check_range(field: str, value, bounds, *, allow_none: bool = False):
    """Return value if it lies within bounds (inclusive), else raise FieldError."""
    if value is None:
        if allow_none:
            return None
        raise FieldError(field, "is required")
    low, high = bounds
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise FieldError(field, "must be a number") from None
    if not low <= number <= high:
        raise FieldError(field, f"must be between {low:g} and {high:g}")
    return value


def check_choice(field: str, value, choices, *, allow_none: bool = False):
    """Return value if it is one of choices, else raise FieldError."""
    if value is None and allow_none:
        return None
    if value not in choices:
        raise FieldError(field, f"must be one of: {', '.join(choices)}")
    return value


def check_email(field: str, value, *, allow_none: bool = True):
    """Return a normalised email address, or raise FieldError."""
    if value in (None, ""):
        if allow_none:
            return None
        raise FieldError(field, "is required")
    value = value.strip()
    if not EMAIL_RE.match(value):
        raise FieldError(field, "is not a valid email address")
    return value.lower()


def check_phone(field: str, value, *, allow_none: bool = True):
    """Return a trimmed phone number, or raise FieldError."""
    if value in (None, ""):
        if allow_none:
            return None
        raise FieldError(field, "is required")
    value = value.strip()
    if not PHONE_RE.match(value) or sum(c.isdigit() for c in value) < 7:
        raise FieldError(field, "is not a valid phone number")
    return value
