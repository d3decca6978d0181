"""What a user may do is asked of the security manager as an ability (a permission on a
view-menu granted to roles), never by comparing role names; a permission taken away is
refused at once."""
import ast
from pathlib import Path

import pytest
from sqlalchemy import event

from backoffice import scoping
from backoffice.extensions import db
from backoffice.security.roles import (
    ABILITIES,
    ACT_AS_INVESTIGATOR,
    DECIDE_RELEASE,
    DISPOSE_EVIDENCE,
    OVERSEE_ALL_AGENCIES,
    PACKAGE_EVIDENCE,
    PLACE_LEGAL_HOLD,
    ROLE_PERMISSIONS,
    SEE_ALL_AGENCIES,
)
from tests import factories
from tests.workflows.helpers import READY, request_in
from workflows import footage_request as wf
from workflows.errors import TriggerForbidden

ROOT = Path(__file__).resolve().parents[2]
ROLES = ("Admin", *ROLE_PERMISSIONS)  # every role name the code could write
WHO_HAS = {
    ACT_AS_INVESTIGATOR: {"admin", "investigator", "supervisor", "investigator2", "supervisor2"},
    DECIDE_RELEASE: {"admin", "supervisor", "supervisor2"},
    SEE_ALL_AGENCIES: {"admin"},
    OVERSEE_ALL_AGENCIES: {"admin", "auditor"},
    PACKAGE_EVIDENCE: {"admin", "supervisor", "supervisor2"},
    DISPOSE_EVIDENCE: {"admin", "supervisor", "supervisor2"},
    PLACE_LEGAL_HOLD: {"admin", "supervisor", "supervisor2"},
}
USERS = ("admin", "staff", "investigator", "supervisor", "auditor", "investigator2", "supervisor2")


@pytest.mark.parametrize("ability", ABILITIES, ids=lambda a: f"{a.view}.{a.permission}")
def test_who_has_each_ability(ctx, ability):
    sm = ctx.appbuilder.sm
    assert {name for name in USERS if sm.may(factories.user(name), ability)} == WHO_HAS[ability]


def test_a_declared_role_is_checked_without_asking_the_database(ctx):
    sm = ctx.appbuilder.sm
    # loaded as each request loads its user: with roles and groups (get_user_by_id)
    users = [sm.get_user_by_id(factories.user(name).id) for name in USERS]
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        for user in users:
            for ability in ABILITIES:
                sm.may(user, ability)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert statements == []


def test_nobody_and_an_inactive_account_may_nothing(ctx):
    sm = ctx.appbuilder.sm
    admin = factories.user("admin")
    assert not any(sm.may(None, ability) for ability in ABILITIES)
    admin.active = False
    assert not any(sm.may(admin, ability) for ability in ABILITIES)


def _night_desk(sm, staff):
    """A role made in the database that may act as an investigator, given to the staff user."""
    role = sm.add_role("Night desk")
    granted = sm.add_permission_view_menu(ACT_AS_INVESTIGATOR.permission, ACT_AS_INVESTIGATOR.view)
    role.permissions = [granted]
    staff.roles = [role]
    db.session.commit()
    return role, granted


def test_a_role_made_in_the_database_has_the_abilities_it_is_given(ctx, mailbox):
    sm = ctx.appbuilder.sm
    staff = factories.user("staff")
    assert not sm.may(staff, ACT_AS_INVESTIGATOR)
    _night_desk(sm, staff)
    assert sm.may(staff, ACT_AS_INVESTIGATOR) and not sm.may(staff, DECIDE_RELEASE)
    request = request_in("open")
    assert wf.fire(request.id, "contact_owner", staff, 1, READY["contact_owner"][1]).state == "contacted"


def test_a_revoked_permission_is_refused_at_once(ctx, mailbox):
    sm = ctx.appbuilder.sm
    staff = factories.user("staff")
    role, granted = _night_desk(sm, staff)
    request = request_in("open")
    assert "contact_owner" in wf.available_triggers(request, staff)
    role.permissions.remove(granted)
    db.session.commit()
    assert not sm.may(staff, ACT_AS_INVESTIGATOR)
    assert wf.available_triggers(request, staff) == []
    with pytest.raises(TriggerForbidden):
        wf.fire(request.id, "contact_owner", staff, 1, READY["contact_owner"][1])


def test_a_role_taken_from_a_user_is_refused_at_once(ctx, mailbox):
    sm = ctx.appbuilder.sm
    supervisor = factories.user("supervisor")
    request = request_in("release_pending")
    assert sm.may(supervisor, DECIDE_RELEASE)
    supervisor.roles = [sm.find_role("Investigator")]
    db.session.commit()
    assert not sm.may(supervisor, DECIDE_RELEASE) and sm.may(supervisor, ACT_AS_INVESTIGATOR)
    with pytest.raises(TriggerForbidden):
        wf.fire(request.id, "approve_release", supervisor, 1, {})


def test_oversight_needs_every_role_to_grant_it(ctx):
    sm = ctx.appbuilder.sm
    auditor = factories.user("auditor")
    assert auditor.agency.county_oversight
    assert scoping.has_oversight(auditor) and scoping.is_county_wide(auditor)
    auditor.roles = [*auditor.roles, sm.find_role("Investigator")]
    db.session.flush()
    assert sm.may(auditor, OVERSEE_ALL_AGENCIES)
    assert not scoping.has_oversight(auditor) and not scoping.is_county_wide(auditor)


def _role_name_literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}" for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and node.value in ROLES]


# Where role names may be written: their declaration, the demo accounts, the configuration of
# FAB's admin role, and the roles that need a second factor (mfa.py says why).
ROLE_NAMES_ALLOWED = {"backoffice/security/roles.py", "backoffice/accounts.py", "backoffice/__init__.py",
                      "backoffice/security/mfa.py"}


def test_no_code_decides_by_role_name():
    found = [hit for folder in ("backoffice", "workflows", "reports")
             for path in sorted((ROOT / folder).rglob("*.py"))
             if str(path.relative_to(ROOT)) not in ROLE_NAMES_ALLOWED
             for hit in _role_name_literals(path)]
    assert found == []
