"""The registry's data model (SPEC §3)."""
from .agency import Agency, AgencyUser
from .area_request import AREA_ANSWERS, AREA_REACHED_BY, AreaRecipient, AreaRequest
from .audit import AuditEvent, AuditHead
from .case import (
    Case,
    ContactAttempt,
    FootageRequest,
    RequestTransition,
    RetentionRule,
    footage_request_camera,
)
from .evidence import CUSTODY_ACTIONS, CustodyEvent, EvidenceItem
from .declaration import DeclarationWriteOnce, OwnerDeclaration
from .camera_map import CameraMapBlock, CameraMapCell, CameraMapFine, CameraMapFinest
from .jobs import JobRun
from .outbox import OUTBOX_STATUSES, OutboxMessage
from .portal import (
    AddressKey,
    AddressPoint,
    ConfirmationNotice,
    RegistrationLifecycle,
    TermsVersion,
    UsedLink,
)
from .registry import Camera, Owner, Registration
from .security import RecoveryCode, UserSecurity
from .snapshot import CameraSnapshot
from .upload_link import UploadLink

__all__ = [
    "AREA_ANSWERS",
    "AREA_REACHED_BY",
    "AreaRecipient",
    "AreaRequest",
    "CameraMapBlock",
    "CameraMapCell",
    "CameraMapFine",
    "CameraMapFinest",
    "JobRun",
    "OUTBOX_STATUSES",
    "OutboxMessage",
    "AddressKey",
    "AddressPoint",
    "ConfirmationNotice",
    "RegistrationLifecycle",
    "TermsVersion",
    "UsedLink",
    "Agency",
    "AgencyUser",
    "AuditEvent",
    "AuditHead",
    "CUSTODY_ACTIONS",
    "Camera",
    "CameraSnapshot",
    "Case",
    "ContactAttempt",
    "CustodyEvent",
    "DeclarationWriteOnce",
    "EvidenceItem",
    "FootageRequest",
    "Owner",
    "OwnerDeclaration",
    "RecoveryCode",
    "Registration",
    "RequestTransition",
    "RetentionRule",
    "UploadLink",
    "UserSecurity",
    "footage_request_camera",
]
