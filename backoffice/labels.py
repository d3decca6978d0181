"""The words people read for the codes we store: one table for screens, PDFs and e-mails.

Codes (`dvr_nvr`, `media_public`, `approve_release`) are public interface (SPEC) and stay in
the data and the API; people never see them. `words(code, kind)` turns one into English;
a code missing here falls back to its spelled-out form rather than showing raw.
"""
from typing import Iterable

from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal

from .localtime import babel_locale

LABELS: dict[str, dict[str, str]] = {
    "status": {  # registrations
        "pending": "Pending review",
        "active": "Active",
        "lapsed": "Lapsed (confirmation overdue)",
        "withdrawn": "Withdrawn",
    },
    "state": {  # footage requests (SPEC §4)
        "open": "Open",
        "contacted": "Owner contacted",
        "consented": "Consent given",
        "declined": "Declined by owner",
        "no_response": "No response",
        "collected": "Footage collected",
        "release_pending": "Release awaiting approval",
        "released": "Released",
        "closed": "Closed",
        "cancelled": "Cancelled",
    },
    "message_kind": {  # e-mails in the outbox
        "receipt": "Receipt",
        "release_notice": "Release notice",
        "upload_link": "Upload link",
        "upload_notice": "Upload notice to the investigator",
        "release_decided": "Release decision notice to the investigator",
        "reminder": "Deadline reminder",
        "verification": "E-mail check",
        "confirmation": "Annual confirmation request",
        "manage_link": "Management link",
        "approved": "Registration approved",
        "rejected": "Registration not accepted",
        "merged": "Registrations joined",
        "withdrawn": "Withdrawal receipt",
        "email_changed": "E-mail change notice",
        "already_registered": "Already registered",
        "area_request": "Area request to the owner",
        "area_reminder": "Area request reminder",
        "area_answer": "Owner's answer to an area request, to the investigator",
    },
    "trigger": {
        "open": "Opened",
        "contact_owner": "Record contact with owner",
        "record_consent": "Record consent",
        "record_refusal": "Record refusal",
        "mark_no_response": "Mark no response",
        "collect": "Mark footage collected",
        "request_release": "Ask to release",
        "approve_release": "Approve release",
        "deny_release": "Deny release",
        "close": "Close request",
        "cancel": "Cancel request",
    },
    "system_type": {
        "dvr_nvr": "Recorder (DVR/NVR)",
        "cloud_doorbell": "Cloud doorbell camera",
        "standalone": "Stand-alone camera",
    },
    "recording_mode": {"continuous": "Records continuously", "motion": "Records on motion"},
    "kind": {"resident": "Resident", "business": "Business"},
    "contact_method": {
        "email": "Email",
        "phone": "Phone",
        "sms": "Text message",
        "in_person": "In person",
        "letter": "Letter",
        "written": "In writing",
        "verbal": "Verbally",
    },
    "language": {"en": "English", "es": "Spanish"},
    "consent_scope": {"evidence_only": "Evidence only", "media_release": "Evidence and media release"},
    "release_kind": {
        "agency_share": "Share with another law-enforcement agency",
        "media_public": "Media or public bulletin",
        "court_order": "Required by court order",
    },
    "custody_action": {
        "collected": "Collected",
        "transferred": "Transferred",
        "checked_out": "Checked out",
        "checked_in": "Checked in",
        "released": "Released",
        "uploaded_by_owner": "Uploaded by the owner",
        "disposed": "Disposed of (retention ended)",
    },
    "release_decision": {"approved": "Approved", "denied": "Denied"},
    "release_grounds": {
        "consent": "Released with the owner's consent",
        "court_order": "Released under a court order",
        "override": "Released without the owner's consent, on the supervisor's override",
    },
    "audit_action": {  # what the audit log records (backoffice.audit.record callers)
        "login": "Signed in",
        "login_failed": "Sign-in failed",
        "login_refused": "Sign-in refused",
        "logout": "Signed out",
        "session_timeout": "Signed out after idle time",
        "account_locked": "Account locked",
        "account_unlocked": "Account unlocked",
        "password_changed": "Password changed",
        "mfa_enrolled": "Second factor set up",
        "mfa_reset": "Second factor reset",
        "mfa_recovery_code_used": "Recovery code used",
        "user_created": "User added",
        "user_changed": "User changed",
        "user_deleted": "User deleted",
        "role_created": "Role added",
        "role_changed": "Role changed",
        "role_deleted": "Role deleted",
        "agency_created": "Agency added",
        "agency_changed": "Agency changed",
        "agency_deleted": "Agency deleted",
        "owner.deleted": "Owner deleted",
        "registration.deleted": "Registration deleted",
        "camera.deleted": "Camera deleted",
        "case.deleted": "Case deleted",
        "footage_request.deleted": "Footage request deleted",
        "evidence_item.deleted": "Evidence item deleted (the stored file is kept)",
        "custody_event.deleted": "Custody entry deleted",
        "contact_attempt.deleted": "Contact attempt deleted",
        "request_transition.deleted": "Request history entry deleted",
        "terms_version.deleted": "Programme terms deleted",
        "registration_lifecycle.deleted": "Registration reminders deleted",
        "confirmation_notice.deleted": "Confirmation notice deleted",
        "upload_link.deleted": "Upload link deleted",
        "used_link.deleted": "Used link record deleted",
        "user_security.deleted": "Second-factor settings deleted",
        "address_point.deleted": "Address point deleted",
        "audit_log_listed": "Audit log read",
        "audit_log_viewed": "Audit event read",
        "audit_log_exported": "Audit log exported",
        "audit.chain_keyed": "Audit log re-keyed (upgrade)",
        "audit_checkpoints_checked": "Audit log checked against its checkpoints",
        "access.refused": "Another agency's record asked for (refused)",
        "canvass.search": "Canvass search",
        "canvass.route_search": "Canvass search along a route",
        "owner.reveal": "Owner contact shown",
        "owner.reveal_justified": "Owner contact shown without a search (justified)",
        "footage_request.open": "Footage request opened",
        "footage_request.contact_owner": "Contact with owner recorded",
        "footage_request.record_consent": "Consent recorded",
        "footage_request.record_refusal": "Refusal recorded",
        "footage_request.mark_no_response": "No response recorded",
        "footage_request.collect": "Footage collected",
        "footage_request.request_release": "Release asked for",
        "footage_request.approve_release": "Release approved",
        "footage_request.deny_release": "Release denied",
        "footage_request.close": "Footage request closed",
        "footage_request.cancel": "Footage request cancelled",
        "footage_request.upload_link": "Upload link emailed to owner",
        "footage_request.message_resent": "E-mail sent again",
        "evidence_item.collect": "Evidence stored",
        "evidence_item.download": "Evidence file downloaded",
        "evidence_item.fixity_failed": "Evidence file changed: download or package refused",
        "evidence_item.transferred": "Evidence transferred",
        "evidence_item.checked_out": "Evidence checked out",
        "evidence_item.checked_in": "Evidence checked in",
        "evidence_item.released": "Evidence released",
        "evidence_item.uploaded_by_owner": "Evidence uploaded by owner",
        "evidence_item.owner_declaration": "Owner's declaration stored with uploaded evidence",
        "footage_request.consent_narrowed": "Consent narrowed by the owner to evidence only",
        "evidence_item.disposed": "Evidence disposed of (retention ended)",
        "case.legal_hold": "Case placed on legal hold",
        "case.legal_hold_lifted": "Legal hold lifted",
        "case.discovery_package": "Evidence package made for the prosecutor",
        "portal.submitted": "Registration submitted",
        "portal.resubmitted": "Registration submitted again",
        "portal.verified": "Owner e-mail verified",
        "portal.confirmed": "Registration confirmed by owner",
        "portal.updated": "Registration updated by owner",
        "portal.withdrawn": "Registration withdrawn by owner",
        "review.approved": "Registration approved",
        "review.rejected": "Registration rejected",
        "review.merged": "Registration merged",
        "lifecycle.confirmed_by_phone": "Confirmed by the owner on a call with Registry Staff",
        "lifecycle.confirmation_sent": "Confirmation e-mail sent",
        "lifecycle.lapsed": "Registration lapsed",
        "lifecycle.personal_data_removed": "Owner's personal data removed",
        "registry.import": "Registrations imported",
        "registry.import_addresses": "Address points imported",
    },
    "audit_object": {
        "user": "User",
        "role": "Role",
        "agency": "Agency",
        "owner": "Owner",
        "registration": "Registration",
        "camera": "Camera",
        "case": "Case",
        "footage_request": "Footage request",
        "evidence_item": "Evidence item",
        "audit_event": "Audit event",
    },
}
# Model columns whose values are codes of one of the kinds above.
# "Model.column" entries win over bare column names ("state" is also a US state elsewhere).
COLUMN_KINDS = {
    "status": "status",
    "FootageRequest.state": "state",
    "system_type": "system_type",
    "recording_mode": "recording_mode",
    "kind": "kind",
    "preferred_contact": "contact_method",
    "consent_method": "contact_method",
    "language": "language",
    "consent_scope": "consent_scope",
    "release_kind": "release_kind",
    "release_decision": "release_decision",
    "AuditEvent.action": "audit_action",
    "AuditEvent.object_type": "audit_object",
}


def words(code: str | None, kind: str, empty: str = "—") -> str:
    """The people's words for a stored code, e.g. words("dvr_nvr", "system_type")."""
    if code is None or code == "":
        return empty
    return LABELS.get(kind, {}).get(code) or str(code).replace("_", " ").capitalize()


def choices(codes: Iterable[str], kind: str) -> list[tuple[str, str]]:
    """(code, words) pairs for a drop-down."""
    return [(code, words(code, kind)) for code in codes]


def filesize(size: int, language: str | None = None) -> str:
    """Bytes in the users' words, with the exact count for the record: "1.5 MB (1,572,864
    bytes)", in Spanish "1.5 MB (1,572,864 bytes)" as the county's Spanish (es_US) writes them,
    like its dates. Numbers are written the way `language` (else the page's language, else
    English) writes them in the county (Babel, CLDR)."""
    locale = babel_locale(language)
    units = ("bytes", "KB", "MB", "GB", "TB")
    value, unit = float(size), 0
    while value >= 1024 and unit < len(units) - 1:
        value, unit = value / 1024, unit + 1
    text = f"{format_decimal(size, '#,##0', locale=locale)} bytes"
    return text if unit == 0 else f"{format_decimal(value, '#,##0.0', locale=locale)} {units[unit]} ({text})"


def language_name(code: str | None) -> str:
    """A language code of the portal ("es") in the staff's words ("Spanish"; Babel, CLDR)."""
    if not code:
        return "—"
    try:
        return (Locale.parse(code).get_display_name("en") or code).capitalize()
    except (ValueError, UnknownLocaleError):
        return code


def init_app(app) -> None:
    """Templates get `words` ({{ item.state|words("state") }}) and `filesize` as filters."""
    app.jinja_env.filters["words"] = words
    app.jinja_env.filters["filesize"] = filesize
