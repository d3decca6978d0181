"""Audit events for account, role, permission and agency changes, however they are made.

Changes are noticed at flush time (FAB's user and role screens, its security API,
the own-account forms and the security manager all end in a flush) and written to the
audit chain just before the transaction commits, so they land or vanish together with
the change. The same hooks refuse any update or delete of an audit event from the app.
"""
from typing import Any

from flask_appbuilder.security.sqla.models import Role, User
from flask_sqlalchemy.session import Session
from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState

from ..models import Agency, AuditEvent

PENDING = "audit_pending"
# Bookkeeping FAB updates on every login or edit: not a change of the account itself.
QUIET_USER_FIELDS = {
    "login_count",
    "last_login",
    "fail_login_count",
    "changed_on",
    "changed_by_fk",
    "created_on",
    "created_by_fk",
    "password",
}


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when application code tries to change or delete an audit event."""


def _history(obj, name: str):
    """(added, deleted) for one attribute since the last flush."""
    hist = inspect(obj).attrs[name].history
    return list(hist.added or ()), list(hist.deleted or ())


def _role_names(roles) -> list[str]:
    return sorted(role.name for role in roles)


def _permission_names(perms) -> list[str]:
    return sorted(f"{pv.permission.name} on {pv.view_menu.name}" for pv in perms if pv is not None)


def _column_changes(obj, quiet=frozenset()) -> dict[str, Any]:
    """Old and new values of the changed columns of an object."""
    changes: dict[str, Any] = {}
    for attr in inspect(obj).mapper.column_attrs:
        if attr.key in quiet:
            continue
        added, deleted = _history(obj, attr.key)
        if added or deleted:
            changes[attr.key] = {"old": deleted[0] if deleted else None, "new": added[0] if added else None}
    return changes


def _user_changes(user) -> dict[str, Any]:
    """Changed fields of a user (values for plain fields, role names for roles)."""
    changes = _column_changes(user, QUIET_USER_FIELDS)
    added, deleted = _history(user, "roles")
    if added or deleted:
        changes["roles"] = {"added": _role_names(added), "removed": _role_names(deleted)}
    return changes


def _collect(session, _flush_context, _instances) -> None:
    """Note account and role changes of this flush; refuse changes to audit events."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogIsAppendOnly("audit events are append-only")
    pending = session.info.setdefault(PENDING, [])
    for obj in session.new:
        if isinstance(obj, User):
            pending.append(("user_created", obj, {"username": obj.username,
                                                  "roles": _role_names(obj.roles)}))
        elif isinstance(obj, Role):
            pending.append(("role_created", obj, {"role": obj.name}))
        elif isinstance(obj, Agency):
            pending.append(("agency_created", obj, {"name": obj.name, "ori": obj.ori}))
    for obj in session.dirty:
        if isinstance(obj, User) and session.is_modified(obj):
            changes = _user_changes(obj)
            if changes:
                pending.append(("user_changed", obj, {"username": obj.username, "changes": changes}))
            if _history(obj, "password")[0]:
                pending.append(("password_changed", obj, {"username": obj.username}))
        elif isinstance(obj, Role) and session.is_modified(obj):
            added_n, deleted_n = _history(obj, "name")
            added, deleted = _history(obj, "permissions")
            detail: dict[str, Any] = {"role": obj.name}
            if added_n or deleted_n:
                detail["renamed_from"] = deleted_n[0] if deleted_n else None
            if added or deleted:
                detail["permissions"] = {"added": _permission_names(added),
                                         "removed": _permission_names(deleted)}
            if len(detail) > 1:
                pending.append(("role_changed", obj, detail))
        elif isinstance(obj, Agency) and session.is_modified(obj):
            changes = _column_changes(obj)
            if changes:
                pending.append(("agency_changed", obj, {"name": obj.name, "changes": changes}))
    for obj in session.deleted:
        if isinstance(obj, User):
            pending.append(("user_deleted", obj, {"username": obj.username}))
        elif isinstance(obj, Role):
            pending.append(("role_deleted", obj, {"role": obj.name}))
        elif isinstance(obj, Agency):
            pending.append(("agency_deleted", obj, {"name": obj.name, "ori": obj.ori}))


def _write_pending(session) -> None:
    """Write the noted changes to the audit chain inside the committing transaction."""
    from ..audit import record

    session.flush()
    while session.info.get(PENDING):
        items, session.info[PENDING] = session.info[PENDING], []
        for action, obj, detail in items:
            kind = "user" if isinstance(obj, User) else "role" if isinstance(obj, Role) else "agency"
            object_id = inspect(obj).identity[0] if inspect(obj).identity else None
            if kind == "user" and action == "password_changed":
                action = "password_changed" if _actor_id() == object_id else "password_reset"
            record(action, object_type=kind, object_id=object_id, detail=detail)
        session.flush()


def _actor_id():
    from ..scoping import current_user

    return getattr(current_user(), "id", None)


def _forget_pending(session, *_args) -> None:
    session.info.pop(PENDING, None)


def _refuse_bulk_audit_changes(state: ORMExecuteState) -> None:
    """Bulk UPDATE/DELETE statements through the ORM may not touch the audit log."""
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) != "audit_event":
        return
    raise AuditLogIsAppendOnly("audit events are append-only")


def install() -> None:
    """Attach the hooks to every Flask-SQLAlchemy session (once per process)."""
    for name, fn in (
        ("before_flush", _collect),
        ("before_commit", _write_pending),
        ("after_rollback", _forget_pending),
        ("do_orm_execute", _refuse_bulk_audit_changes),
    ):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)
