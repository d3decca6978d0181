"""The facts that go into receipts and custody reports, read from the database."""
import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select

from backoffice.errors import NotFoundError
from backoffice.extensions import db
from backoffice.labels import words
from backoffice.localtime import format_instant
from backoffice.models import AgencyUser, CustodyEvent, EvidenceItem, FootageRequest
from backoffice.tokens import TokenError, make_token, read_token

VERIFY_PURPOSE = "evidence-verify"
VERIFY_MAX_AGE_S = 50 * 365 * 24 * 3600  # evidence outlives any sensible link expiry
CHUNK = 1024 * 1024


def stamp(value: datetime | None) -> str:
    """An instant for staff documents: county time with its zone (backoffice.localtime)."""
    return format_instant(value, "en")


def person(user: AgencyUser | None) -> str:
    """A user's full name and username."""
    if user is None:
        return "—"
    return f"{user.first_name} {user.last_name} ({user.username})"


def clock_offset(seconds: int | None) -> str:
    """The recorder's clock against true time, in words."""
    if seconds is None:
        return "not noted"
    if seconds == 0:
        return "in step"
    direction = "ahead" if seconds > 0 else "behind"
    return f"{abs(seconds)} s {direction}"


def evidence_path(item: EvidenceItem) -> Path:
    """Where an item's stored copy lives."""
    return Path(current_app.config["EVIDENCE_DIR"]) / item.storage_location


def file_sha256(path: Path) -> str:
    """SHA-256 of a file as 64 hex digits, read one chunk at a time (memory stays flat)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify_url(request_id: int) -> str:
    """The public page that re-checks a request's stored evidence against its hashes."""
    token = make_token(VERIFY_PURPOSE, {"r": request_id})
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/verify/evidence/{token}"


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


def receipt_data(request: FootageRequest) -> dict[str, Any]:
    """Everything the evidence receipt shows."""
    owner = request.registration.owner
    items = _items(request.id)
    consent = None
    if request.consent_given_by:
        method = words(request.consent_method, "contact_method").lower()
        scope = words(request.consent_scope, "consent_scope").lower()
        consent = f"{request.consent_given_by}, {method}, {stamp(request.consent_at)}; scope: {scope}"
    collectors = sorted({person(item.collected_by) for item in items if item.collected_by})
    return {
        **_context(request),
        "owner_name": owner.name,
        "organisation": owner.organisation,
        "window_from": stamp(request.window_from),
        "window_to": stamp(request.window_to),
        "consent": consent,
        "items": [_item_facts(item) for item in items],
        "collector": ", ".join(collectors) or "—",
        "issued_at": stamp(request.receipt_issued_at),
        "verify_url": verify_url(request.id),
        "footer": f"Evidence receipt, case {request.case.case_number}, request {request.id}",
    }


def custody_data(item: EvidenceItem) -> dict[str, Any]:
    """Everything the chain-of-custody report shows."""
    request = item.footage_request
    events = db.session.scalars(
        select(CustodyEvent)
        .where(CustodyEvent.evidence_item_id == item.id)
        .order_by(CustodyEvent.at, CustodyEvent.id)
    )
    return {
        **_context(request),
        "item": _item_facts(item),
        "events": [
            {"at": stamp(e.at), "action": e.action.replace("_", " "), "actor": person(e.actor), "note": e.note}
            for e in events
        ],
        "footer": f"Chain of custody, case {request.case.case_number}, item {item.id}",
    }


def verification(request_id: int) -> list[dict[str, Any]]:
    """Re-hash each stored copy of a request and compare with the recorded SHA-256."""
    results = []
    for item in _items(request_id):
        path = evidence_path(item)
        actual = file_sha256(path) if path.is_file() else None
        results.append(
            {
                "id": item.id,
                "file_name": item.file_name,
                "sha256": item.sha256,
                "collected_at": stamp(item.collected_at),
                "status": "missing" if actual is None else ("matches" if actual == item.sha256 else "changed"),
            }
        )
    return results
