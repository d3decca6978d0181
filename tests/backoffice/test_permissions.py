"""Who may do what: every registered permission × every role, against an explicit table.

A new screen, API or menu entry that is not listed in EXPECTED fails this test:
someone must decide who may use it.
"""
import pytest
from flask import g

from backoffice.extensions import db
from tests import factories

STAFF, INV, SUP, AUD = "Registry Staff", "Investigator", "Supervisor", "Auditor"
EVERYONE = {STAFF, INV, SUP, AUD}
LAW = {INV, SUP}
NOBODY: set[str] = set()

ROLE_USERS = {
    "Admin": "admin",
    STAFF: "staff",
    INV: "investigator",
    SUP: "supervisor",
    AUD: "auditor",
}

# (view or API permission name, permission) -> roles other than Admin that have it.
# Admin has everything; anonymous visitors have nothing.
EXPECTED: dict[tuple[str, str], set[str]] = {
    # registry data
    ("Owner", "can_read"): {STAFF},
    ("Owner", "can_write"): {STAFF},
    ("Registration", "can_read"): {STAFF},
    ("Registration", "can_write"): {STAFF},
    ("Camera", "can_read"): {STAFF} | LAW,
    ("Camera", "can_write"): {STAFF},
    # Deleting: Admin only (with a reason), and staff for a camera an owner took down.
    ("Camera", "can_delete"): {STAFF},
    ("Owner", "can_delete"): NOBODY,
    ("Registration", "can_delete"): NOBODY,
    ("TermsVersion", "can_delete"): NOBODY,
    ("Agency", "can_delete"): NOBODY,
    ("Case", "can_delete"): NOBODY,
    ("FootageRequest", "can_delete"): NOBODY,
    ("EvidenceItem", "can_delete"): NOBODY,
    ("RegistrationReview", "can_read"): {STAFF},
    ("RegistrationReview", "can_write"): {STAFF},
    ("TermsVersion", "can_read"): {STAFF},
    ("TermsVersion", "can_write"): NOBODY,
    ("Agency", "can_read"): EVERYONE,
    ("Agency", "can_write"): NOBODY,
    # case data
    ("Case", "can_read"): LAW | {AUD},
    ("Case", "can_write"): LAW,
    ("Case", "can_package"): {SUP},  # the prosecutor's evidence package
    ("FootageRequest", "can_read"): LAW | {AUD},
    ("FootageRequest", "can_write"): LAW,
    ("FootageRequest", "can_receipt"): LAW,
    ("FootageRequest", "can_approve"): {SUP},
    ("Canvass", "can_read"): LAW,
    # the maps' context: county outline and address points (public county data; no map for auditors)
    ("MapContext", "can_read"): {STAFF} | LAW,
    ("EvidenceItem", "can_read"): LAW | {AUD},
    ("EvidenceItem", "can_write"): LAW,
    ("EvidenceItem", "can_download"): LAW,
    ("AuditEvent", "can_read"): {AUD},
    ("AuditCheckpoint", "can_read"): {AUD},
    # menus
    ("Registry", "menu_access"): {STAFF},
    ("Owners", "menu_access"): {STAFF},
    ("Registrations", "menu_access"): {STAFF},
    ("Due for confirmation", "menu_access"): {STAFF},
    ("Confirmations to call", "menu_access"): {STAFF},
    ("Cameras", "menu_access"): {STAFF},
    ("Review queue", "menu_access"): {STAFF},
    ("Programme terms", "menu_access"): {STAFF},
    # the dashboards: the registry's for its staff, the agency's for supervisors
    ("RegistryDashboard", "can_read"): {STAFF},
    ("Registry dashboard", "menu_access"): {STAFF},
    ("AgencyDashboard", "can_read"): {SUP},
    ("Agency dashboard", "menu_access"): {SUP},
    ("Footage", "menu_access"): LAW | {AUD},  # auditors read the requests, as the cases
    ("Footage requests", "menu_access"): LAW | {AUD},
    ("New footage request", "menu_access"): LAW,
    ("Due within 24 h", "menu_access"): LAW,
    ("Due within 72 h", "menu_access"): LAW,
    ("Approval queue", "menu_access"): {SUP},
    # evidence retention: supervisors dispose of evidence and hold cases; Admin sets the rules
    ("EvidenceItem", "can_dispose"): {SUP},
    ("Case", "can_legal_hold"): {SUP},
    ("Disposition", "menu_access"): {SUP},
    ("RetentionRule", "can_read"): {SUP},
    ("RetentionRule", "can_write"): set(),
    ("RetentionRule", "can_delete"): set(),
    ("Retention rules", "menu_access"): {SUP},
    ("Investigations", "menu_access"): LAW | {AUD},
    ("Cases", "menu_access"): LAW | {AUD},
    ("Map", "menu_access"): LAW,
    ("Audit", "menu_access"): {AUD},
    ("Audit log", "menu_access"): {AUD},
    ("Audit checkpoints", "menu_access"): {AUD},
    ("TransparencyFigures", "can_read"): {AUD},
    ("Transparency figures", "menu_access"): {AUD},
    ("AgencyUserView", "unlock"): NOBODY,
    ("AgencyUserView", "resetmfa"): NOBODY,
    ("Security", "menu_access"): NOBODY,
    ("Agencies", "menu_access"): NOBODY,
    ("List Users", "menu_access"): NOBODY,
    ("List Roles", "menu_access"): NOBODY,
    # own account
    ("AgencyUserView", "can_userinfo"): EVERYONE,
    ("AgencyUserView", "resetmypassword"): EVERYONE,
    ("AgencyUserView", "userinfoedit"): EVERYONE,
    ("UserInfoEditView", "can_this_form_get"): EVERYONE,
    ("UserInfoEditView", "can_this_form_post"): EVERYONE,
    ("ResetMyPasswordView", "can_this_form_get"): EVERYONE,
    ("ResetMyPasswordView", "can_this_form_post"): EVERYONE,
    # user and role administration, API docs
    **{
        (view, perm): NOBODY
        for view, perms in {
            "AgencyUserView": ["can_add", "can_delete", "can_edit", "can_list",
                               "can_show", "resetpasswords"],
            "RoleModelView": ["can_add", "can_delete", "can_edit", "can_list",
                              "can_show", "copyrole"],
            "UserGroupModelView": ["can_add", "can_delete", "can_edit",
                                   "can_list", "can_show"],
            "ResetPasswordView": ["can_this_form_get", "can_this_form_post"],
            "Permission": ["can_get", "can_info"],
            "Role": ["can_add_role_permissions", "can_delete", "can_get", "can_info",
                     "can_list_role_permissions", "can_post", "can_put",
                     "can_update_role_groups", "can_update_role_users"],
            "User": ["can_delete", "can_get", "can_info", "can_post", "can_put"],
            "ViewMenu": ["can_delete", "can_get", "can_info", "can_post", "can_put"],
            "PermissionViewMenu": ["can_delete", "can_get", "can_info", "can_post", "can_put"],
            "Group": ["can_delete", "can_get", "can_info", "can_post", "can_put"],
            "OpenApi": ["can_get"],
            "SwaggerView": ["can_show"],
            "MenuApi": ["can_get"],
        }.items()
        for perm in perms
    },
}


def registered_permissions(appbuilder) -> set[tuple[str, str]]:
    """Every (view, permission) pair the running app checks, menus included."""
    pairs = {
        (view.class_permission_name, perm)
        for view in appbuilder.baseviews
        for perm in (view.base_permissions or [])
    }

    def menus(items):
        for item in items:
            if item.name != "-":
                pairs.add((item.name, "menu_access"))
            menus(item.childs)

    menus(appbuilder.menu.get_list())
    return pairs


def test_every_registered_permission_has_a_decision(ctx):
    registered = registered_permissions(ctx.appbuilder)
    undecided = sorted(registered - EXPECTED.keys())
    stale = sorted(EXPECTED.keys() - registered)
    assert not undecided, f"add these to EXPECTED with the roles that may use them: {undecided}"
    assert not stale, f"no longer registered, remove from EXPECTED: {stale}"


@pytest.mark.parametrize("role", list(ROLE_USERS))
def test_role_has_exactly_the_expected_permissions(ctx, role):
    sm = ctx.appbuilder.sm
    user = factories.user(ROLE_USERS[role])
    wrong = []
    for (view, perm), roles in sorted(EXPECTED.items()):
        expected = role == "Admin" or role in roles
        if sm._has_view_access(user, perm, view) != expected:
            wrong.append((view, perm, "should be allowed" if expected else "should be denied"))
    assert not wrong


def test_anonymous_has_no_permission(ctx):
    sm = ctx.appbuilder.sm
    with ctx.test_request_context():
        g.user = None
        public = [pair for pair in EXPECTED if sm.is_item_public(pair[1], pair[0])]
    assert public == []


def test_roles_are_stored_in_the_database(ctx):
    sm = ctx.appbuilder.sm
    staff = sm.find_role(STAFF)
    stored = {(pv.view_menu.name, pv.permission.name) for pv in staff.permissions}
    assert ("Owner", "can_write") in stored
    assert ("Case", "can_read") not in stored
    db.session.rollback()
