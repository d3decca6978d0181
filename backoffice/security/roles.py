"""Who may do what: the one place where roles and their permissions are declared.

Every resource has `can_read` / `can_write` (screens and APIs share the name);
menus have `menu_access`. FAB_ROLES is checked in memory, by exact name, on every request and
copied to the database at start-up, so adding a screen without adding it here
leaves it closed to everybody but Admin (default-deny).

Abilities are what the commands ask beyond opening a screen ("may this user act on a footage
request as an investigator?"). Each is a (permission, view-menu) pair like any other, granted
to roles below and asked of the security manager: `appbuilder.sm.may(user, ABILITY)`. No code
compares role names to decide what a user may do; a role made in the database (Security →
List Roles) with an ability's permission has that ability, and loses it the moment the
permission is taken away.
"""
from typing import NamedTuple

READ, WRITE = "can_read", "can_write"
# Deleting is its own permission: only Admin holds it, and Registry Staff for cameras an owner
# has taken down. Registrations are withdrawn (their status), owners' details removed through
# withdrawal; cases and footage requests are closed or cancelled, never deleted by their users.
DELETE = "can_delete"
DOWNLOAD = "can_download"  # the footage itself, not only its record
MENU = "menu_access"


class Ability(NamedTuple):
    """Something a user may do, as the permission on a view-menu that grants it."""

    permission: str
    view: str


# Open footage requests, fire the investigator's triggers, take in evidence and record its
# custody, send upload links and e-mails again, see an owner's contact details.
ACT_AS_INVESTIGATOR = Ability("can_act", "FootageRequest")
# Approve or deny a release of footage (SPEC §4: a supervisor, not the one who asked).
DECIDE_RELEASE = Ability("can_approve", "FootageRequest")
# Read every agency's case data, users and audit events (the system administrator).
SEE_ALL_AGENCIES = Ability("can_see_all", "Agency")
# Read every agency's records when the user's agency has county-wide oversight (the portal
# operator's auditors); it counts only when every role the user holds grants it, so a user
# who also holds a role that acts on cases keeps to their own agency (backoffice.scoping).
OVERSEE_ALL_AGENCIES = Ability("can_oversee", "Agency")
# Export a case's evidence package for the prosecutor (releases every item; workflows.discovery).
PACKAGE_EVIDENCE = Ability("can_package", "Case")
# Dispose of evidence whose retention has ended, and place or lift a legal hold (workflows.disposition).
DISPOSE_EVIDENCE = Ability("can_dispose", "EvidenceItem")
PLACE_LEGAL_HOLD = Ability("can_legal_hold", "Case")
ABILITIES = (ACT_AS_INVESTIGATOR, DECIDE_RELEASE, SEE_ALL_AGENCIES, OVERSEE_ALL_AGENCIES,
             PACKAGE_EVIDENCE, DISPOSE_EVIDENCE, PLACE_LEGAL_HOLD)


def _granted(*abilities: Ability) -> list[tuple[str, str]]:
    """Abilities as the (view, permission) rows of a role's declaration."""
    return [(ability.view, ability.permission) for ability in abilities]

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
        *_granted(ACT_AS_INVESTIGATOR),
        *[(menu, MENU) for menu in FOOTAGE_MENUS],
        *[(menu, MENU) for menu in INVESTIGATION_MENUS],
    ],
    "Supervisor": [
        *_granted(PACKAGE_EVIDENCE),  # the prosecutor's evidence package (releases every item)
        ("Camera", READ),
        ("Canvass", READ),
        ("MapContext", READ),
        ("Agency", READ),
        ("Case", READ),
        ("Case", WRITE),
        ("FootageRequest", READ),
        ("FootageRequest", WRITE),
        ("FootageRequest", "can_receipt"),
        *_granted(DISPOSE_EVIDENCE, PLACE_LEGAL_HOLD),  # workflows.disposition
        ("RetentionRule", READ),
        ("Disposition", MENU),
        ("Retention rules", MENU),
        ("EvidenceItem", READ),
        ("EvidenceItem", WRITE),
        ("EvidenceItem", DOWNLOAD),
        *_granted(ACT_AS_INVESTIGATOR, DECIDE_RELEASE),  # a supervisor may do all an investigator may
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
        *_granted(OVERSEE_ALL_AGENCIES),
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
