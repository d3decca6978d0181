"""The registry's data model (SPEC §3)."""
from .agency import Agency, AgencyUser
from .audit import AuditEvent, AuditHead
from .case import (
    FOOTAGE_REQUEST_STATES,
    Case,
    ContactAttempt,
    FootageRequest,
    RequestTransition,
    footage_request_camera,
)
from .evidence import CUSTODY_ACTIONS, CustodyEvent, EvidenceItem
from .registry import Camera, Owner, Registration
from .security import RecoveryCode, UserSecurity

__all__ = [
    "Agency",
    "AgencyUser",
    "AuditEvent",
    "AuditHead",
    "CUSTODY_ACTIONS",
    "Camera",
    "Case",
    "ContactAttempt",
    "CustodyEvent",
    "EvidenceItem",
    "FOOTAGE_REQUEST_STATES",
    "FootageRequest",
    "Owner",
    "RecoveryCode",
    "Registration",
    "RequestTransition",
    "UserSecurity",
    "footage_request_camera",
]
