"""The owner's declaration at upload: what the recorder's clock shows, that the file is an
unaltered copy, and the consent scope. Checked before the file is kept, stored with the
evidence item in the upload's transaction, bound to the file's SHA-256, never changed.

The recorder's clock offset is its wall-clock reading less county wall-clock time at the
moment it was read: the number an investigator adds to a true local time to find the
recorder's timestamp. A recorder that ignores daylight saving time is an hour off after the
change, which is what investigators need to know. The moment of reading is true time: the
server's clock when the form arrived, less the time the page measured (on the owner's own
device clock) between typing the reading and sending the form, so a wrong phone clock does
not matter. Without the page's script the server's time of the request is used.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import force_locale, gettext
from sqlalchemy import update

from backoffice import audit
from backoffice.extensions import db
from backoffice.localtime import YEAR_RANGE, county_zone, format_wall_seconds, to_utc
from backoffice.models import EvidenceItem, FootageRequest, OwnerDeclaration
from backoffice.models.base import utcnow
from backoffice.models.validation import N_

from .errors import InvalidInput

SCOPES = ("evidence_only", "media_release")
MAX_BROWSER_WAIT = timedelta(hours=24)  # a page left open longer says nothing reliable
READING_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")

# The words the owner is shown and declares (the portal's catalogue has them in Spanish).
INTRO = N_("I am the owner of the recorder, or act for the owner, and I declare:")
CLOCK_READ = N_("When I read it, my recorder's clock showed %(reading)s.")
NO_CLOCK = N_("My recorder shows no clock.")
UNALTERED = N_("The file I am sending is an unaltered copy exported from the recorder: "
               "I have not edited, cut or converted it.")
CONSENT = {
    "evidence_only": N_("I consent to this footage being used as evidence only."),
    "media_release": N_("I consent to this footage being used as evidence and, when needed to "
                        "identify suspects, released to the media or the public."),
}
# Refusals, each naming its field of the upload form.
NO_READING = N_("Type the date and time your recorder's clock shows, or tick “My recorder shows no clock”.")
BOTH_READING = N_("You typed a clock time and ticked “My recorder shows no clock”: keep only one.")
BAD_READING = N_("The recorder's clock: type the date and time it shows, e.g. 2026-12-01 22:10:05.")
NOT_UNALTERED = N_("Tick the box to declare that the file is an unaltered copy from the recorder; "
                   "if it was edited or converted, tell the investigator instead of uploading it.")
NO_SCOPE = N_("Choose what you consent to: evidence only, or evidence and media release.")
NO_WIDENING = N_("You consented to evidence use only; to allow media release as well, tell the investigator.")
DECLARATION_REFUSALS = (NO_READING, BOTH_READING, BAD_READING, NOT_UNALTERED, NO_SCOPE, NO_WIDENING)
DECLARATION_FIELDS = ("clock_reading", "no_clock", "unaltered", "consent_scope")


@dataclass(frozen=True)
class DeclarationForm:
    """What the owner filled in, as sent (text fields and ticks)."""

    clock_reading: str = ""
    no_clock: bool = False
    unaltered: bool = False
    consent_scope: str = ""
    browser_read_ms: str = ""
    browser_sent_ms: str = ""

    @classmethod
    def from_form(cls, form) -> "DeclarationForm":
        """From the upload form's fields."""
        return cls(
            clock_reading=(form.get("clock_reading") or "").strip(),
            no_clock=bool(form.get("no_clock")),
            unaltered=bool(form.get("unaltered")),
            consent_scope=(form.get("consent_scope") or "").strip(),
            browser_read_ms=(form.get("clock_read_ms") or "").strip(),
            browser_sent_ms=(form.get("clock_sent_ms") or "").strip(),
        )


@dataclass(frozen=True)
class CheckedDeclaration:
    """A declaration that passed its checks, with the moment of reading worked out."""

    form: DeclarationForm
    recorder_reading: datetime | None
    browser_read_ms: int | None
    browser_sent_ms: int | None
    received_at: datetime
    read_at: datetime
    read_at_source: str
    clock_offset_s: int | None
    language: str


def parse_reading(text: str) -> datetime:
    """A recorder's wall-clock reading typed by the owner; InvalidInput when it is not one."""
    for pattern in READING_FORMATS:
        try:
            value = datetime.strptime(text, pattern)
        except ValueError:
            continue
        if YEAR_RANGE[0] <= value.year <= YEAR_RANGE[1]:
            return value
    raise InvalidInput(BAD_READING, field="clock_reading")


def _whole_ms(text: str) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None


def moment_of_reading(received_at: datetime, read_ms: int | None, sent_ms: int | None) -> tuple[datetime, str]:
    """True time of the reading and where it came from: "browser" (server time less the
    browser-measured wait) or "server" (no usable browser times)."""
    if read_ms is not None and sent_ms is not None:
        waited = timedelta(milliseconds=sent_ms - read_ms)
        if timedelta(0) <= waited <= MAX_BROWSER_WAIT:
            return received_at - waited, "browser"
    return received_at, "server"


def clock_offset(reading: datetime, read_at: datetime) -> int:
    """Recorder wall clock less county wall clock at `read_at`, in whole seconds."""
    county_wall = to_utc(read_at).astimezone(county_zone()).replace(tzinfo=None)
    return round((reading - county_wall).total_seconds())


def check(form: DeclarationForm, request: FootageRequest, received_at: datetime, language: str) -> CheckedDeclaration:
    """The declaration ready to store, else InvalidInput naming the field; stores nothing."""
    reading = None
    if form.clock_reading and form.no_clock:
        raise InvalidInput(BOTH_READING, field="clock_reading")
    if not form.no_clock:
        if not form.clock_reading:
            raise InvalidInput(NO_READING, field="clock_reading")
        reading = parse_reading(form.clock_reading)
    if not form.unaltered:
        raise InvalidInput(NOT_UNALTERED, field="unaltered")
    if form.consent_scope not in SCOPES:
        raise InvalidInput(NO_SCOPE, field="consent_scope")
    if form.consent_scope == "media_release" and request.consent_scope != "media_release":
        raise InvalidInput(NO_WIDENING, field="consent_scope")
    read_ms, sent_ms = _whole_ms(form.browser_read_ms), _whole_ms(form.browser_sent_ms)
    read_at, source = moment_of_reading(received_at, read_ms, sent_ms) if reading else (received_at, "server")
    return CheckedDeclaration(
        form=form, recorder_reading=reading, browser_read_ms=read_ms, browser_sent_ms=sent_ms,
        received_at=received_at, read_at=read_at, read_at_source=source,
        clock_offset_s=clock_offset(reading, read_at) if reading else None, language=language,
    )


def statement(checked: CheckedDeclaration) -> str:
    """The declaration in the words the owner was shown, in their language, with what they gave."""
    with force_locale(checked.language):
        if checked.recorder_reading is None:
            clock = gettext(NO_CLOCK)
        else:
            reading = format_wall_seconds(checked.recorder_reading, checked.language)
            clock = gettext(CLOCK_READ, reading=reading)
            if reading.endswith(".") and clock.endswith(".."):  # "10:10:05 p.m." ends the sentence
                clock = clock[:-1]
        lines = [gettext(INTRO), clock, gettext(UNALTERED), gettext(CONSENT[checked.form.consent_scope])]
    return "\n".join(lines)


def store(checked: CheckedDeclaration, item: EvidenceItem, request: FootageRequest) -> OwnerDeclaration:
    """Add the declaration to the upload's transaction (no commit), put the offset on the item,
    and narrow the request's consent to evidence only when the owner chose that."""
    declaration = OwnerDeclaration(
        evidence_item_id=item.id,
        sha256=item.sha256,
        no_clock=checked.recorder_reading is None,
        reading_typed=checked.form.clock_reading[:40] or None,
        recorder_reading=checked.recorder_reading.strftime("%Y-%m-%dT%H:%M:%S") if checked.recorder_reading else None,
        browser_read_ms=checked.browser_read_ms,
        browser_sent_ms=checked.browser_sent_ms,
        received_at=checked.received_at,
        read_at=checked.read_at,
        read_at_source=checked.read_at_source,
        clock_offset_s=checked.clock_offset_s,
        unaltered_copy=True,
        consent_scope=checked.form.consent_scope,
        language=checked.language,
        statement=statement(checked),
        declared_at=utcnow(),
    )
    declaration.digest = declaration.compute_digest()
    db.session.add(declaration)
    item.clock_offset_s = checked.clock_offset_s
    db.session.flush()
    audit.record(
        "evidence_item.owner_declaration",
        user=None,
        object_type="evidence_item",
        object_id=item.id,
        purpose=request.case.case_number,
        detail={"declaration": declaration.id, "digest": declaration.digest, "sha256": item.sha256,
                "clock_offset_s": checked.clock_offset_s, "consent_scope": checked.form.consent_scope},
    )
    if checked.form.consent_scope == "evidence_only" and request.consent_scope == "media_release":
        narrowed = db.session.execute(
            update(FootageRequest)
            .where(FootageRequest.id == request.id, FootageRequest.consent_scope == "media_release")
            .values(consent_scope="evidence_only", version=FootageRequest.version + 1)
            .execution_options(synchronize_session="fetch")
        )
        if narrowed.rowcount == 1:
            audit.record(
                "footage_request.consent_narrowed",
                user=None,
                object_type="footage_request",
                object_id=request.id,
                purpose=request.case.case_number,
                detail={"from": "media_release", "to": "evidence_only", "evidence_item_id": item.id,
                        "declaration": declaration.id},
            )
    return declaration
