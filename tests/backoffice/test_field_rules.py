"""Each field rule once, as a table: what people type, and what is stored or why it is refused."""
import pytest

from backoffice.models import validation as v
from backoffice.models.validation import FieldError


class Refused:
    """The rule refuses the input with this message."""

    def __init__(self, message: str):
        self.message = message

    def __repr__(self) -> str:
        return f"Refused({self.message[:30]!r})"


EMAIL = [
    ("ava.stone+cameras@example.org", "ava.stone+cameras@example.org"),
    ("  Ava.Stone@Example.ORG ", "ava.stone@example.org"),
    ("noe@correo.xn--80asehdb", "noe@correo.онлайн"),  # an IDN domain as punycode...
    ("Noe@Correo.ОНЛАЙН", "noe@correo.онлайн"),  # ...and as typed: one normal form
    ("user@bücher.de", "user@bücher.de"),
    ("user@xn--bcher-kva.de", "user@bücher.de"),
    ("lin@例子.广告", "lin@例子.广告"),
    ("josé@example.com", "josé@example.com"),
    ("ｎａｍｅ＠example.com", "name@example.com"),  # full-width, from an East Asian keyboard
    ("", None),
    ("   ", None),
    (None, None),
    ("a..b@example.com", Refused(v.EMAIL_EXPECTED)),
    (".a@example.com", Refused(v.EMAIL_EXPECTED)),
    ("a.@example.com", Refused(v.EMAIL_EXPECTED)),
    ("a@example..com", Refused(v.EMAIL_EXPECTED)),
    ("a b@example.com", Refused(v.EMAIL_EXPECTED)),
    ("a@@example.com", Refused(v.EMAIL_EXPECTED)),
    ("not-an-email", Refused(v.EMAIL_EXPECTED)),
    ("a@localhost", Refused(v.EMAIL_EXPECTED)),
    ("a@example.test", Refused(v.EMAIL_EXPECTED)),  # special-use name, never deliverable
    ("x" * 250 + "@example.com", Refused(v.EMAIL_EXPECTED)),  # over 254 characters
    ("a@" + "b" * 250 + ".com", Refused(v.EMAIL_EXPECTED)),
    (12, Refused(v.EMAIL_EXPECTED)),
    (["a@example.com"], Refused(v.EMAIL_EXPECTED)),
]

PHONE = [
    ("661-555-0142 ext. 23", "+16615550142;ext=23"),
    ("(661) 555-0143 x7", "+16615550143;ext=7"),
    ("661-555-0143 #7", "+16615550143;ext=7"),
    ("661 555 0143 extension 23", "+16615550143;ext=23"),
    ("661.555.0143 Ext 23", "+16615550143;ext=23"),
    ("(661) 555-0143 X 7", "+16615550143;ext=7"),
    ("661-555-0143, ext 5", "+16615550143;ext=5"),
    ("6615550142", "+16615550142"),
    ("1-661-555-0142", "+16615550142"),
    ("+1 661 555 0142", "+16615550142"),
    ("+44 20 7946 0958", "+442079460958"),
    ("+16615550142;ext=23", "+16615550142;ext=23"),  # the stored form reads back the same
    ("６６１-５５５-０１４２", "+16615550142"),
    ("", None),
    (None, None),
    ("12", Refused(v.PHONE_EXPECTED)),
    ("555-0142", Refused(v.PHONE_EXPECTED)),  # no area code
    ("661-555-014", Refused(v.PHONE_EXPECTED)),
    ("call me", Refused(v.PHONE_EXPECTED)),
    ("+999 1234 5678", Refused(v.PHONE_EXPECTED)),
    ("661-555-0143 ext. 12345678901", Refused(v.PHONE_EXTENSION % {"max": 10})),
    (6615550142, Refused(v.PHONE_EXPECTED)),
]

STATE = [
    ("CA", "CA"),
    ("ca", "CA"),
    (" tx ", "TX"),
    ("dc", "DC"),
    ("PR", "PR"),
    ("ae", "AE"),
    ("", None),
    ("ZZ", Refused(v.STATE_EXPECTED)),
    ("C", Refused(v.STATE_EXPECTED)),
    ("CALX", Refused(v.STATE_EXPECTED)),
    ("Atlantis", Refused(v.STATE_EXPECTED)),
    ("California", "CA"),  # as county address files write it (one rule for every entry point)
    ("calif.", "CA"),
    ("New  Mexico", "NM"),
    ("C4", Refused(v.STATE_EXPECTED)),
]

ZIP = [
    ("93301", "93301"),
    (" 93301 ", "93301"),
    ("93301-1234", "93301-1234"),
    ("93301 1234", "93301-1234"),
    ("933011234", "93301-1234"),
    ("９３３０１", "93301"),
    (93301, "93301"),
    ("", None),
    ("9330", Refused(v.ZIP_EXPECTED)),
    ("933012", Refused(v.ZIP_EXPECTED)),
    ("93301-12", Refused(v.ZIP_EXPECTED)),
    ("93301-", Refused(v.ZIP_EXPECTED)),
    ("ABCDE", Refused(v.ZIP_EXPECTED)),
    ("K1A 0B1", Refused(v.ZIP_EXPECTED)),
]

LATITUDE = [
    ("35.3733", 35.3733),
    (35.3733, 35.3733),
    (" -90 ", -90.0),
    ("90", 90.0),
    (0, 0.0),
    ("+35.5", 35.5),
    ("3.5e1", 35.0),
    ("90.0001", Refused(v.LAT_EXPECTED)),
    ("-91", Refused(v.LAT_EXPECTED)),
    ("nan", Refused(v.LAT_EXPECTED)),
    (float("nan"), Refused(v.LAT_EXPECTED)),
    (float("inf"), Refused(v.LAT_EXPECTED)),
    ("-Infinity", Refused(v.LAT_EXPECTED)),
    ("1e400", Refused(v.LAT_EXPECTED)),
    ("35,37", Refused(v.LAT_EXPECTED)),
    ("1_0", Refused(v.LAT_EXPECTED)),
    ("north", Refused(v.LAT_EXPECTED)),
    (True, Refused(v.LAT_EXPECTED)),
    (10**400, Refused(v.LAT_EXPECTED)),
    ("", Refused(v.LAT_REQUIRED)),
    (None, Refused(v.LAT_REQUIRED)),
]

LONGITUDE = [
    ("-119.0187", -119.0187),
    ("180", 180.0),
    (-180, -180.0),
    ("180.5", Refused(v.LON_EXPECTED)),
    ("-inf", Refused(v.LON_EXPECTED)),
    ("NaN", Refused(v.LON_EXPECTED)),
    ("", Refused(v.LON_REQUIRED)),
]

DIRECTION = [
    ("0", 0),
    ("359", 359),
    (90, 90),
    ("90.0", 90),
    (90.0, 90),
    ("", None),
    (None, None),
    ("360", Refused(v.DIRECTION_EXPECTED)),
    ("-1", Refused(v.DIRECTION_EXPECTED)),
    ("45.5", Refused(v.DIRECTION_EXPECTED)),
    ("north", Refused(v.DIRECTION_EXPECTED)),
    ("nan", Refused(v.DIRECTION_EXPECTED)),
    (False, Refused(v.DIRECTION_EXPECTED)),
]

FOV = [
    ("1", 1),
    ("360", 360),
    (90, 90),
    ("0", Refused(v.FOV_EXPECTED)),
    ("361", Refused(v.FOV_EXPECTED)),
    ("", Refused(v.FOV_REQUIRED)),
]

RANGE_M = [
    ("1", 1),
    ("500", 500),
    ("0", Refused(v.RANGE_M_EXPECTED)),
    ("501", Refused(v.RANGE_M_EXPECTED)),
    ("12.5", Refused(v.RANGE_M_EXPECTED)),
    (None, Refused(v.RANGE_M_REQUIRED)),
]

RETENTION = [
    ("1", 1),
    ("365", 365),
    ("14.0", 14),
    ("0", Refused(v.RETENTION_EXPECTED)),
    ("366", Refused(v.RETENTION_EXPECTED)),
    ("inf", Refused(v.RETENTION_EXPECTED)),
    ("", Refused(v.RETENTION_REQUIRED)),
]

RULES = {
    v.check_email: EMAIL,
    v.check_phone: PHONE,
    v.check_state: STATE,
    v.check_postal_code: ZIP,
    v.check_latitude: LATITUDE,
    v.check_longitude: LONGITUDE,
    v.check_direction: DIRECTION,
    v.check_fov: FOV,
    v.check_range_m: RANGE_M,
    v.check_retention: RETENTION,
}
CASES = [
    pytest.param(check, value, expected, id=f"{check.__name__}-{value!r}"[:80])
    for check, table in RULES.items()
    for value, expected in table
]


@pytest.mark.parametrize("check, value, expected", CASES)
def test_rule(check, value, expected):
    if isinstance(expected, Refused):
        with pytest.raises(FieldError) as refused:
            check(value, field="the_field")
        assert refused.value.field == "the_field"  # reported under the caller's field name
        assert refused.value.message == expected.message
    else:
        assert check(value) == expected
        assert type(check(value)) is type(expected)
        if expected is not None:
            assert check(expected) == expected  # the normal form passes unchanged


@pytest.mark.parametrize(
    "check, message",
    [(v.check_email, v.EMAIL_REQUIRED), (v.check_phone, v.PHONE_REQUIRED),
     (v.check_state, v.STATE_REQUIRED), (v.check_postal_code, v.ZIP_REQUIRED)],
)
def test_optional_text_fields_can_be_made_required(check, message):
    with pytest.raises(FieldError, match=message):
        check("  ", required=True)


@pytest.mark.parametrize(
    "stored, shown",
    [
        ("+16615550142;ext=23", "(661) 555-0142 ext. 23"),
        ("+16615550142", "(661) 555-0142"),
        ("+442079460958", "+44 20 7946 0958"),
        ("661-555-0100", "(661) 555-0100"),  # stored before the rule
        ("call the front desk", "call the front desk"),
        (None, ""),
    ],
)
def test_phone_is_shown_as_people_write_it(stored, shown):
    assert v.format_phone(stored) == shown


def test_messages_name_the_field_and_translate_with_their_values():
    error = FieldError("phone", v.PHONE_EXTENSION, max=10)
    assert error.message == "Phone: the extension may have at most 10 digits."
    assert str(error) == "phone: Phone: the extension may have at most 10 digits."
    spanish = {v.PHONE_EXTENSION: "Teléfono: la extensión puede tener como máximo %(max)d dígitos."}

    def gettext(text, **params):
        return spanish.get(text, text) % params if params else spanish.get(text, text)

    assert error.translated(gettext) == "Teléfono: la extensión puede tener como máximo 10 dígitos."


def test_a_camera_stands_in_the_county_unless_its_premises_do_not():
    from backoffice.models.validation import check_camera_place

    bounds = (-120.20, 34.78, -117.61, 35.80)
    check_camera_place((35.3735, -119.0189), (35.3733, -119.0187), bounds=bounds)
    with pytest.raises(FieldError, match="within the county"):
        check_camera_place((35.8010, -119.0), (35.7990, -119.0), bounds=bounds)  # over the line
    check_camera_place((35.8030, -119.0), (35.8020, -119.0), bounds=bounds)  # premises over it too
    check_camera_place((36.9, -119.0), None, bounds=None)
    with pytest.raises(FieldError, match=r"within 500 m of the premises; this one is 1.1 km away"):
        check_camera_place((35.3833, -119.0187), (35.3733, -119.0187), bounds=bounds)
