"""The facts that go into receipts and custody reports, read from the database."""
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from backoffice.errors import NotFoundError
from backoffice.evidence_files import file_sha256, stored_path
from backoffice.extensions import db
from backoffice.localtime import format_instant, format_instant_seconds, format_wall_seconds
from backoffice.models import AgencyUser, EvidenceItem, FootageRequest, RequestTransition
from backoffice.models.validation import N_
from backoffice.tokens import TokenError, make_token, read_token

from .custody import chain

VERIFY_PURPOSE = "evidence-verify"
VERIFY_MAX_AGE_S = 50 * 365 * 24 * 3600  # evidence outlives any sensible link expiry


def stamp(value: datetime | None) -> str:
    """An instant for staff documents: county time with its zone (backoffice.localtime)."""
    return format_instant(value, "en")


def person(user: AgencyUser | None) -> str:
    """A user's full name and username."""
    if user is None:
        return "—"
    return f"{user.first_name} {user.last_name} ({user.username})"


def duration_words(seconds: int) -> str:
    """A length of time as people write it: "42 s", "4 min 10 s", "1 h 0 min 5 s", and from a
    day on "30 d 8 h 13 min 8 s" (a recorder reset to its factory date is years off; hours
    alone, "728 h", had to be worked out). Symbols of SI and its accepted units, the same in
    every language."""
    days, rest = divmod(abs(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days:,} d {hours} h {minutes} min {secs} s"
    if hours:
        return f"{hours} h {minutes} min {secs} s"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"


def clock_offset(seconds: int | None) -> str:
    """The recorder's clock against true time, in words (in the current locale):
    "4 min 10 s behind"."""
    if seconds is None:
        return gettext("not noted")
    if seconds == 0:
        return gettext("in step")
    if seconds > 0:
        return gettext("%(duration)s ahead", duration=duration_words(seconds))
    return gettext("%(duration)s behind", duration=duration_words(seconds))


# What an owner uploading without a description is said to have sent (kept in English with
# the item; the owner's receipt says it in their language).
OWNER_UPLOAD_DESCRIPTION = N_("Uploaded by the owner for request %(number)s")


def owner_upload_description(request_id: int) -> str:
    """The description kept with an owner's upload that came without one."""
    return OWNER_UPLOAD_DESCRIPTION % {"number": request_id}


def _description(item: EvidenceItem) -> str:
    """The item's description in the current locale: the owner's own words as they typed them,
    or the words given when they typed none."""
    if item.description == owner_upload_description(item.footage_request_id):
        return gettext(OWNER_UPLOAD_DESCRIPTION, number=item.footage_request_id)
    return item.description


# How consent was given and what it covers, as the owner's receipt says them (the codes are
# SPEC's; the words are the staff screens' in English, and the portal catalogue's in Spanish).
CONSENT_WORDS = {
    "written": _l("in writing"),
    "verbal": _l("verbally"),
    "email": _l("by e-mail"),
    "phone": _l("by phone"),
    "in_person": _l("in person"),
    "evidence_only": _l("evidence only"),
    "media_release": _l("evidence and media release"),
}


def verify_url(request_id: int, language: str | None = None) -> str:
    """The public page that re-checks a request's stored evidence against its hashes; with
    the owner's `language` it opens in that language whatever the browser says."""
    token = make_token(VERIFY_PURPOSE, {"r": request_id})
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    url = f"{base}/verify/evidence/{token}"
    return url + f"?lang={language}" if language in current_app.config["PORTAL_LANGUAGES"] else url


def read_verify_token(token: str) -> int:
    """The request id of a verification link; NotFoundError when it is forged or expired."""
    try:
        return int(read_token(VERIFY_PURPOSE, token, VERIFY_MAX_AGE_S)["r"])
    except (TokenError, KeyError, TypeError, ValueError):
        raise NotFoundError("This link is not valid.") from None


def _items(request_id: int) -> list[EvidenceItem]:
    return list(
        db.session.scalars(
            select(EvidenceItem)
            .where(EvidenceItem.footage_request_id == request_id)
            .order_by(EvidenceItem.id)
        )
    )


def _item_facts(item: EvidenceItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "file_name": item.file_name,
        "description": item.description,
        "size_bytes": item.size_bytes,
        "sha256": item.sha256,
        "clock_offset": clock_offset(item.clock_offset_s),
        "collected_by": person(item.collected_by),
        "collected_at": stamp(item.collected_at),
    }


def _context(request: FootageRequest) -> dict[str, Any]:
    registration = request.registration
    agency = request.case.agency
    return {
        "request_id": request.id,
        "case_number": request.case.case_number,
        "agency_name": agency.name,
        "agency_ori": agency.ori,
        "premises": f"{registration.address}, {registration.city}, {registration.state}"
        + (f" {registration.postal_code}" if registration.postal_code else ""),
    }


def declaration_facts(item: EvidenceItem, language: str) -> dict[str, Any] | None:
    """What the owner declared with an uploaded copy, in `language` (None when the copy
    came with no declaration: an investigator collected it)."""
    declaration = item.owner_declaration
    if declaration is None:
        return None
    with force_locale(language):
        return _declaration_words(item, declaration, language)


def _declaration_words(item: EvidenceItem, declaration, language: str) -> dict[str, Any]:
    if declaration.no_clock:
        clock = gettext("no clock on the recorder")
    else:
        shown = format_wall_seconds(datetime.fromisoformat(declaration.recorder_reading), language)
        at = format_instant_seconds(declaration.read_at, language)
        if not declaration.clock_offset_s:
            clock = gettext("showed %(reading)s when it was %(at)s: the recorder's clock was right",
                            reading=shown, at=at)
        else:
            clock = gettext("showed %(reading)s when it was %(at)s: the recorder's clock was %(offset)s",
                            reading=shown, at=at, offset=clock_offset(declaration.clock_offset_s))
    return {
        "item_id": item.id,
        "file_name": item.file_name,
        "sha256": declaration.sha256,
        "declared_at": format_instant(declaration.declared_at, language),
        "clock": clock,
        "unaltered": gettext("declared by the owner"),
        "consent": str(CONSENT_WORDS[declaration.consent_scope]),
        "statement": declaration.statement,
        "statement_language": declaration.language,
        "digest": declaration.digest,
    }


def receipt_data(request: FootageRequest) -> dict[str, Any]:
    """Everything the evidence receipt shows, in the owner's language (`language`), times in
    county time written that way."""
    owner = request.registration.owner
    language = owner.language if owner.language in current_app.config["PORTAL_LANGUAGES"] else "en"
    items = _items(request.id)
    with force_locale(language):
        def when(value) -> str:
            return format_instant(value, language)

        consent = None
        if request.consent_given_by:
            method = str(CONSENT_WORDS.get(request.consent_method or "", request.consent_method or ""))
            scope = str(CONSENT_WORDS.get(request.consent_scope or "", request.consent_scope or ""))
            consent = gettext("%(who)s, %(how)s, %(when)s; scope: %(scope)s", who=request.consent_given_by,
                              how=method, when=when(request.consent_at), scope=scope)
        collectors = sorted({person(item.collected_by) for item in items if item.collected_by})
        if not collectors:  # every file came through the owner's upload link: who marked it collected
            marked = db.session.scalar(
                select(RequestTransition.actor_id).where(RequestTransition.footage_request_id == request.id,
                                                         RequestTransition.trigger == "collect")
                .order_by(RequestTransition.id.desc()).limit(1))
            collectors = [person(db.session.get(AgencyUser, marked))] if marked else []
        facts = [{**_item_facts(item), "clock_offset": clock_offset(item.clock_offset_s),
                  "description": _description(item),
                  "collected_at": when(item.collected_at),
                  "collected_by": person(item.collected_by) if item.collected_by else gettext("uploaded by the owner")}
                 for item in items]
        declarations = [facts for facts in (declaration_facts(item, language) for item in items) if facts]
        return {
            **_context(request),
            "language": language,
            "declarations": declarations,
            "owner_name": owner.name,
            "organisation": owner.organisation,
            "window_from": when(request.window_from),
            "window_to": when(request.window_to),
            "consent": consent,
            "items": facts,
            "collector": ", ".join(collectors) or "—",
            "issued_at": when(request.receipt_issued_at),
            "verify_url": verify_url(request.id, language),
            "footer": gettext("Evidence receipt, case %(case)s, request %(number)s",
                              case=request.case.case_number, number=request.id),
        }


def custody_data(item: EvidenceItem) -> dict[str, Any]:
    """Everything the chain-of-custody report shows (a staff document: English)."""
    request = item.footage_request
    events = chain(item)
    with force_locale("en"):
        facts = _item_facts(item)
    return {
        **_context(request),
        "item": facts,
        "events": [
            {"at": stamp(e.at), "action": e.action.replace("_", " "), "actor": person(e.actor), "note": e.note}
            for e in events
        ],
        "footer": f"Chain of custody, case {request.case.case_number}, item {item.id}",
    }


def verification(request_id: int) -> list[dict[str, Any]]:
    """Re-hash each stored copy of a request and compare with the recorded SHA-256; times in
    county time, written in the page's language."""
    results = []
    for item in _items(request_id):
        facts = {
            "id": item.id,
            "file_name": item.file_name,
            "sha256": item.sha256,
            "collected_at": format_instant(item.collected_at),
            "disposed_at": format_instant(item.disposed_at) if item.disposed_at else None,
        }
        if item.disposed_at is not None:  # deleted under the retention policy, on purpose
            results.append({**facts, "status": "disposed"})
            continue
        path = stored_path(item.storage_location)
        actual = file_sha256(path) if path.is_file() else None
        status = "missing" if actual is None else ("matches" if actual == item.sha256 else "changed")
        results.append({**facts, "status": status})
    return results
