"""Field rules: one rule per field, shared by the models, the portal and staff forms, the API
schemas and the registration importer, so that one input gets one verdict everywhere.

Each `check_<field>(value, *, field=..., required=...)` takes what a person typed (text, or a
number from JSON), returns the value to store in its normal form (None for a blank optional
value) and raises FieldError naming the field and saying what is expected. Messages are
English templates marked with N_ for the portal's Spanish catalogue;
`FieldError.translated(gettext)` gives one in the reader's language.
"""
import math
import re
import unicodedata
from numbers import Integral, Real
from typing import Literal, overload

import phonenumbers
from scourgify.address_constants import STATE_ABBREVIATIONS
from email_validator import EmailNotValidError, validate_email

from .. import geodesy

LAT_RANGE = (-90.0, 90.0)
LON_RANGE = (-180.0, 180.0)
DIRECTION_RANGE = (0, 359)
FOV_RANGE = (1, 360)
RANGE_M_RANGE = (1, 500)
RETENTION_RANGE = (1, 365)

OWNER_KINDS = ("resident", "business")
CONTACT_METHODS = ("email", "phone", "sms")
RECORDING_MODES = ("continuous", "motion")
SYSTEM_TYPES = ("dvr_nvr", "cloud_doorbell", "standalone")

PHONE_REGION = "US"  # numbers without a leading + are read as North American numbers
MAX_PHONE_EXTENSION = 10  # digits; E.164 (16) + ";ext=" + 10 fits the 32-character column
MAX_TEXT_INPUT = 400  # longer input is refused before any parsing
# A reason someone must read later (a reveal's justification, a release override, a delete):
# at least this many characters with a letter in them, so "x" or "." is not a reason.
MIN_WRITTEN_REASON = 10

# USPS two-letter codes: the states, DC, the territories and freely associated states, and
# the military "states" (USPS Publication 28, Appendix B).
USPS_STATE_CODES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH"
    " NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY"
    " AS GU MP PR VI UM FM MH PW AA AE AP".split()
)
ZIP_RE = re.compile(r"([0-9]{5})(?:[- ]?([0-9]{4}))?")
DECIMAL_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def N_(message: str) -> str:  # noqa: N802  (the conventional name extraction tools look for)
    """Mark a message for translation; it is translated where it is shown."""
    return message


EMAIL_REQUIRED = N_("Email is required.")
EMAIL_EXPECTED = N_("Email must be an address like name@example.com.")
PHONE_REQUIRED = N_("Phone is required.")
PHONE_EXPECTED = N_(
    "Phone must be a number with its area code, like 661-555-0142, or + and the country code "
    "for a number outside the US; an extension such as “ext. 23” may follow."
)
PHONE_EXTENSION = N_("Phone: the extension may have at most %(max)d digits.")
STATE_REQUIRED = N_("State is required.")
STATE_EXPECTED = N_("State must be a two-letter USPS code, like CA.")
ZIP_REQUIRED = N_("ZIP code is required.")
ZIP_EXPECTED = N_("ZIP code must be 5 digits, like 93301, or ZIP+4, like 93301-1234.")
LAT_REQUIRED = N_("Latitude is required.")
LAT_EXPECTED = N_("Latitude must be a number of degrees from -90 to 90.")
LON_REQUIRED = N_("Longitude is required.")
LON_EXPECTED = N_("Longitude must be a number of degrees from -180 to 180.")
DIRECTION_EXPECTED = N_(
    "Facing direction must be a whole number of degrees from 0 to 359 (0 = north, 90 = east), "
    "or empty when unknown."
)
FOV_REQUIRED = N_("Field of view is required.")
FOV_EXPECTED = N_("Field of view must be a whole number of degrees from 1 to 360.")
RANGE_M_REQUIRED = N_("Range is required.")
RANGE_M_EXPECTED = N_("Range must be a whole number of metres from 1 to 500.")
RETENTION_REQUIRED = N_("Retention is required.")
RETENTION_EXPECTED = N_("Retention must be a whole number of days from 1 to 365.")


class FieldError(ValueError):
    """A value that breaks a field rule; carries the field name for forms and APIs.

    `message` is the English text; `template` and `params` let a page translate it.
    """

    def __init__(self, field: str, message: str, **params):
        self.field = field
        self.template = message
        self.params = params
        self.message = message % params if params else message
        super().__init__(f"{field}: {self.message}")

    def translated(self, gettext) -> str:
        """The message through a gettext function (e.g. flask_babel.gettext)."""
        return gettext(self.template, **self.params) if self.params else gettext(self.template)


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _absent(field: str, required: bool, message: str) -> None:
    if required:
        raise FieldError(field, message)
    return None


def _text(field: str, value, message: str) -> str:
    """Trimmed text, NFKC-folded (full-width digits and letters become ASCII)."""
    if not isinstance(value, str) or len(value) > MAX_TEXT_INPUT:
        raise FieldError(field, message)
    return unicodedata.normalize("NFKC", value).strip()


@overload
def _number(field: str, value, bounds, message: str, *, whole: Literal[True]) -> int: ...
@overload
def _number(field: str, value, bounds, message: str, *, whole: Literal[False]) -> float: ...
def _number(field: str, value, bounds, message: str, *, whole: bool) -> float | int:
    """A finite number within bounds (inclusive), from a number or decimal text."""
    if isinstance(value, bool):
        raise FieldError(field, message)
    number: float | Integral
    if isinstance(value, Integral):
        number = value
    elif isinstance(value, Real):
        number = float(value)
    elif isinstance(value, str):
        text = _text(field, value, message)
        if not DECIMAL_RE.fullmatch(text):
            raise FieldError(field, message)
        number = float(text)
    else:
        raise FieldError(field, message)
    if isinstance(number, float):
        if not math.isfinite(number) or (whole and not number.is_integer()):
            raise FieldError(field, message)
    low, high = bounds
    if not low <= number <= high:
        raise FieldError(field, message)
    return int(number) if whole else float(number)


@overload
def check_email(value, *, field: str = ..., required: Literal[True]) -> str: ...
@overload
def check_email(value, *, field: str = ..., required: bool = ...) -> str | None: ...
def check_email(value, *, field: str = "email", required: bool = False) -> str | None:
    """An e-mail address in its normal form: lower-case, the domain in Unicode (IDNA 2008).

    Checked by email-validator's syntax rules (RFC 5322 / 6531, e.g. no `a..b@`) without a DNS
    lookup; `noe@correo.xn--80asehdb` and `Noe@Correo.ОНЛАЙН` both give `noe@correo.онлайн`.
    """
    if _blank(value):
        _absent(field, required, EMAIL_REQUIRED)
        return None
    text = _text(field, value, EMAIL_EXPECTED)
    try:
        address = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        raise FieldError(field, EMAIL_EXPECTED) from None
    return f"{address.local_part.lower()}@{address.domain}"


def check_phone(value, *, field: str = "phone", required: bool = False) -> str | None:
    """A phone number stored as E.164 plus `;ext=N` (RFC 3966), e.g. `+16615550142;ext=23`.

    Read by the phonenumbers library (libphonenumber): without a leading + it is a North
    American number; extensions written "ext. 23", "x7", "#7" or "extension 23" are kept.
    """
    if _blank(value):
        _absent(field, required, PHONE_REQUIRED)
        return None
    text = _text(field, value, PHONE_EXPECTED)
    try:
        number = phonenumbers.parse(text, PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise FieldError(field, PHONE_EXPECTED) from None
    if not phonenumbers.is_valid_number(number):
        raise FieldError(field, PHONE_EXPECTED)
    stored = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if number.extension:
        if len(number.extension) > MAX_PHONE_EXTENSION:
            raise FieldError(field, PHONE_EXTENSION, max=MAX_PHONE_EXTENSION)
        stored += f";ext={number.extension}"
    return stored


def format_phone(stored: str | None) -> str:
    """A stored phone number as people write it: `(661) 555-0142 ext. 23`, `+44 20 7946 0958`.

    Text that is not a phone number (data from before the rule) is shown as it is.
    """
    if not stored:
        return ""
    try:
        number = phonenumbers.parse(stored, PHONE_REGION)
    except phonenumbers.NumberParseException:
        return stored
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 1
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


def check_state(value, *, field: str = "state", required: bool = False) -> str | None:
    """A USPS two-letter state code, upper-case: `ca`, `California` and `Calif.` give `CA`
    (names and their usual abbreviations from usaddress-scourgify's table)."""
    if _blank(value):
        _absent(field, required, STATE_REQUIRED)
        return None
    key = re.sub(r"[\s.]+", " ", _text(field, value, STATE_EXPECTED)).strip().upper()
    code = key if key in USPS_STATE_CODES else STATE_ABBREVIATIONS.get(key)
    if code not in USPS_STATE_CODES:
        raise FieldError(field, STATE_EXPECTED)
    return code


def check_postal_code(value, *, field: str = "postal_code", required: bool = False) -> str | None:
    """A ZIP code, `12345` or ZIP+4 `12345-6789` (also accepted as `12345 6789`, `123456789`)."""
    if _blank(value):
        _absent(field, required, ZIP_REQUIRED)
        return None
    if isinstance(value, Integral) and not isinstance(value, bool):
        value = str(value)  # a spreadsheet's number; a leading zero would be lost already
    match = ZIP_RE.fullmatch(_text(field, value, ZIP_EXPECTED))
    if not match:
        raise FieldError(field, ZIP_EXPECTED)
    zip5, plus4 = match.groups()
    return f"{zip5}-{plus4}" if plus4 else zip5


@overload
def check_latitude(value, *, field: str = ..., required: Literal[True] = ...) -> float: ...
@overload
def check_latitude(value, *, field: str = ..., required: bool) -> float | None: ...
def check_latitude(value, *, field: str = "lat", required: bool = True) -> float | None:
    """WGS 84 latitude in decimal degrees, -90 to 90, finite."""
    if _blank(value):
        _absent(field, required, LAT_REQUIRED)
        return None
    return _number(field, value, LAT_RANGE, LAT_EXPECTED, whole=False)


@overload
def check_longitude(value, *, field: str = ..., required: Literal[True] = ...) -> float: ...
@overload
def check_longitude(value, *, field: str = ..., required: bool) -> float | None: ...
def check_longitude(value, *, field: str = "lon", required: bool = True) -> float | None:
    """WGS 84 longitude in decimal degrees, -180 to 180, finite."""
    if _blank(value):
        _absent(field, required, LON_REQUIRED)
        return None
    return _number(field, value, LON_RANGE, LON_EXPECTED, whole=False)


# Where a camera may stand (settings COUNTY_BOUNDS and CAMERA_MAX_DISTANCE_M; these defaults:
# the demo county, Kern County CA, by its extent in the Census Bureau's TIGER/Line county file,
# rounded outwards; 500 m is the longest camera range the rules accept).
DEFAULT_COUNTY_BOUNDS = (-120.20, 34.78, -117.61, 35.80)  # west, south, east, north
DEFAULT_CAMERA_MAX_DISTANCE_M = 500
CAMERA_TOO_FAR = N_(
    "Camera location must be within %(limit)d m of the premises; this one is %(away)s away. "
    "Leave latitude and longitude empty to place the camera at the premises."
)
PREMISES_OUTSIDE_COUNTY = N_(
    "The location must lie within the county: place the pin on the premises."
)
CAMERA_OUTSIDE_COUNTY = N_(
    "Camera location must lie within the county (latitude %(south)s to %(north)s, "
    "longitude %(west)s to %(east)s)."
)


def _within(bounds, point) -> bool:
    west, south, east, north = bounds
    return south <= point[0] <= north and west <= point[1] <= east


def check_camera_place(camera: tuple[float, float], premises: tuple[float, float] | None,
                       *, bounds=DEFAULT_COUNTY_BOUNDS,
                       limit_m: int = DEFAULT_CAMERA_MAX_DISTANCE_M) -> None:
    """A camera stands within `limit_m` metres of its premises (lat, lon) and inside the county
    `bounds` (west, south, east, north; None: no bounds), unless its premises are outside too
    (a premises on the county line). Raises FieldError on `lat`."""
    if bounds and not _within(bounds, camera) and (premises is None or _within(bounds, premises)):
        west, south, east, north = bounds
        raise FieldError("lat", CAMERA_OUTSIDE_COUNTY, west=west, south=south, east=east, north=north)
    if premises is not None:
        away = geodesy.distance_m(*camera, *premises)
        if away > limit_m:
            shown = f"{away / 1000:,.1f} km" if away >= 1000 else f"{away:,.0f} m"
            raise FieldError("lat", CAMERA_TOO_FAR, limit=limit_m, away=shown)


def check_premises_placed(lat: float, lon: float) -> None:
    """A registered premises lies inside the county (COUNTY_BOUNDS; no bounds: anywhere).
    Raises FieldError on `lat`."""
    from flask import current_app, has_app_context

    bounds = (current_app.config if has_app_context() else {}).get("COUNTY_BOUNDS", DEFAULT_COUNTY_BOUNDS)
    if bounds and not _within(bounds, (lat, lon)):
        raise FieldError("lat", PREMISES_OUTSIDE_COUNTY)


def check_camera_placed(camera: tuple[float, float], premises: tuple[float, float] | None) -> None:
    """check_camera_place with the app's COUNTY_BOUNDS and CAMERA_MAX_DISTANCE_M settings."""
    from flask import current_app, has_app_context

    config = current_app.config if has_app_context() else {}
    check_camera_place(camera, premises,
                       bounds=config.get("COUNTY_BOUNDS", DEFAULT_COUNTY_BOUNDS),
                       limit_m=config.get("CAMERA_MAX_DISTANCE_M", DEFAULT_CAMERA_MAX_DISTANCE_M))


def check_direction(value, *, field: str = "direction_deg", required: bool = False) -> int | None:
    """Facing direction in whole degrees clockwise from north, 0–359; None = unknown or a dome."""
    if _blank(value):
        _absent(field, required, DIRECTION_EXPECTED)
        return None
    return _number(field, value, DIRECTION_RANGE, DIRECTION_EXPECTED, whole=True)


def check_fov(value, *, field: str = "fov_deg", required: bool = True) -> int | None:
    """Horizontal field of view in whole degrees, 1–360."""
    if _blank(value):
        _absent(field, required, FOV_REQUIRED)
        return None
    return _number(field, value, FOV_RANGE, FOV_EXPECTED, whole=True)


def check_range_m(value, *, field: str = "range_m", required: bool = True) -> int | None:
    """How far the camera usefully sees, whole metres, 1–500."""
    if _blank(value):
        _absent(field, required, RANGE_M_REQUIRED)
        return None
    return _number(field, value, RANGE_M_RANGE, RANGE_M_EXPECTED, whole=True)


def check_retention(value, *, field: str = "retention_days", required: bool = True) -> int | None:
    """How long footage is kept, whole days, 1–365."""
    if _blank(value):
        _absent(field, required, RETENTION_REQUIRED)
        return None
    return _number(field, value, RETENTION_RANGE, RETENTION_EXPECTED, whole=True)


def check_choice(field: str, value, choices, *, allow_none: bool = False):
    """Return value if it is one of choices, else raise FieldError."""
    if value is None and allow_none:
        return None
    if value not in choices:
        raise FieldError(field, f"must be one of: {', '.join(choices)}")
    return value


CONFIRMATION_DUE_YEARS = 2  # a yearly check is never more than a year (plus grace) away
CONFIRMATION_DUE_EXPECTED = N_(
    "Confirmation due must be a real date within two years of today, e.g. 2027-11-30."
)


def check_confirmation_due(value, *, field: str = "next_confirmation_due", required: bool = False):
    """The next yearly confirmation date: a real calendar date (YYYY-MM-DD, or a date) within
    CONFIRMATION_DUE_YEARS of the county's today — a typo such as 0001 or 9999 would lapse a
    registration at once or never ask again."""
    from datetime import date, timedelta

    from ..localtime import county_today

    if _blank(value):
        _absent(field, required, CONFIRMATION_DUE_EXPECTED)
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise FieldError(field, CONFIRMATION_DUE_EXPECTED) from None
    if not isinstance(value, date):
        raise FieldError(field, CONFIRMATION_DUE_EXPECTED)
    today, span = county_today(), timedelta(days=366 * CONFIRMATION_DUE_YEARS)
    if not today - span <= value <= today + span:
        raise FieldError(field, CONFIRMATION_DUE_EXPECTED)
    return value


def written_reason(value) -> str:
    """The text with its white space collapsed when it reads as a written reason (at least
    MIN_WRITTEN_REASON characters, some of them letters); else ""."""
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if len(text) < MIN_WRITTEN_REASON or not any(c.isalpha() for c in text):
        return ""
    return text
