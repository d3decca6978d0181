"""Who may do what: the one place where roles and their permissions are declared.

Every resource has `can_read` / `can_write` (screens and APIs share the name);
menus have `menu_access`. FAB_ROLES is checked in memory, by exact name, on every request and
copied to the database at start-up, so adding a screen without adding it here
leaves it closed to everybody but Admin (default-deny).
"""

READ, WRITE = "can_read", "can_write"
# Deleting is its own permission: only Admin holds it, and Registry Staff for cameras an owner
# has taken down. Registrations are withdrawn (their status), owners' details removed through
# withdrawal; cases and footage requests are closed or cancelled, never deleted by their users.
DELETE = "can_delete"
DOWNLOAD = "can_download"  # the footage itself, not only its record
MENU = "menu_access"

# Every signed-in user may read and change their own account.
SELF_SERVICE = [
    ("UserInfoEditView", "can_this_form_get"),
    ("UserInfoEditView", "can_this_form_post"),
    ("ResetMyPasswordView", "can_this_form_get"),
    ("ResetMyPasswordView", "can_this_form_post"),
    ("AgencyUserView", "can_userinfo"),
    ("AgencyUserView", "resetmypassword"),
    ("AgencyUserView", "userinfoedit"),
]

REGISTRY_MENUS = [
    "Registry",
    "Owners",
    "Registrations",
    "Due for confirmation",
    "Confirmations to call",
    "Cameras",
    "Review queue",
    "Programme terms",
    "Registry dashboard",
]
FOOTAGE_MENUS = [
    "Footage",
    "Footage requests",
    "New footage request",
    "Due within 24 h",
    "Due within 72 h",
]
INVESTIGATION_MENUS = ["Investigations", "Cases", "Map"]

ROLE_PERMISSIONS: dict[str, list[tuple[str, str]]] = {
    "Registry Staff": [
        ("Owner", READ),
        ("Owner", WRITE),
        ("Registration", READ),
        ("Registration", WRITE),
        ("Camera", READ),
        ("Camera", WRITE),
        ("Camera", DELETE),
        ("RegistrationReview", READ),
        ("RegistrationReview", WRITE),
        ("MapContext", READ),  # county outline and address points on the review maps
        ("TermsVersion", READ),
        ("Agency", READ),
        ("RegistryDashboard", READ),
        *[(menu, MENU) for menu in REGISTRY_MENUS],
    ],
    "Investigator": [
        ("Camera", READ),
        ("Canvass", READ),
        ("MapContext", READ),
        ("Agency", READ),
        ("Case", READ),
        ("Case", WRITE),
        ("FootageRequest", READ),
        ("FootageRequest", WRITE),
        ("FootageRequest", "can_receipt"),
        ("EvidenceItem", READ),
        ("EvidenceItem", WRITE),
        ("EvidenceItem", DOWNLOAD),
        *[(menu, MENU) for menu in FOOTAGE_MENUS],
        *[(menu, MENU) for menu in INVESTIGATION_MENUS],
    ],
    "Supervisor": [
        ("Case", "can_package"),  # the prosecutor's evidence package (releases every item)
        ("Camera", READ),
        ("Canvass", READ),
        ("MapContext", READ),
        ("Agency", READ),
        ("Case", READ),
        ("Case", WRITE),
        ("FootageRequest", READ),
        ("FootageRequest", WRITE),
        ("FootageRequest", "can_approve"),
        ("FootageRequest", "can_receipt"),
        ("EvidenceItem", "can_dispose"),  # workflows.disposition
        ("Case", "can_legal_hold"),
        ("RetentionRule", READ),
        ("Disposition", MENU),
        ("Retention rules", MENU),
        ("EvidenceItem", READ),
        ("EvidenceItem", WRITE),
        ("EvidenceItem", DOWNLOAD),
        *[(menu, MENU) for menu in FOOTAGE_MENUS],
        ("Approval queue", MENU),
        ("AgencyDashboard", READ),
        ("Agency dashboard", MENU),
        *[(menu, MENU) for menu in INVESTIGATION_MENUS],
    ],
    "Auditor": [
        ("AuditEvent", READ),
        ("AuditCheckpoint", READ),
        ("Audit", MENU),
        ("Audit log", MENU),
        ("Audit checkpoints", MENU),
        ("TransparencyFigures", READ),
        ("Transparency figures", MENU),
        ("Agency", READ),
        ("Case", READ),
        ("FootageRequest", READ),
        ("EvidenceItem", READ),
        ("Investigations", MENU),
        ("Cases", MENU),
        ("Footage", MENU),
        ("Footage requests", MENU),
    ],
}

ANY = "*"

PUBLIC = "Public"  # visitors who have not signed in: nothing through FAB's permissions (the
# owners' portal and link pages are routes of their own, outside these permissions)
FAB_ROLES = {
    "Admin": [(ANY, ANY)],
    **{role: perms + SELF_SERVICE for role, perms in ROLE_PERMISSIONS.items()},
    PUBLIC: [],
}


def role_allows(role: str, view: str, permission: str) -> bool:
    """Exact-name check of one declared role (ANY matches everything)."""
    return any(
        v in (ANY, view) and p in (ANY, permission) for v, p in FAB_ROLES.get(role, ())
    )
