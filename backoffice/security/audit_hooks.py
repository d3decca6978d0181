"""Audit events for account, role, permission and agency changes, and for every deleted
record, however they are made.

Changes are noticed at flush time (FAB's user and role screens, its security API,
the own-account forms and the security manager all end in a flush) and written to the
audit chain just before the transaction commits, so they land or vanish together with
the change. The same hooks refuse any update or delete of an audit event from the app.

Deletes are noticed row by row as the ORM deletes them (cascades included) and statement by
statement for bulk DELETEs: whichever screen, API, command or service deletes, the event is
written here, with the reason the caller gave (`deleting_with_reason`).
"""
from contextlib import contextmanager
from typing import Any, Iterator

from flask_appbuilder.security.sqla.models import Role, User
from flask_sqlalchemy.session import Session
from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapper, ORMExecuteState, object_session

from ..errors import InvalidInputError
from ..models import Agency, AuditEvent
from ..models.validation import MIN_WRITTEN_REASON, written_reason

PENDING = "audit_pending"
DELETE_REASON = "delete_reason"
# Rows whose removal is not the removal of a record: rotated recovery-code hashes (the
# enrolment or reset is audited) and the lookup keys rebuilt from an address point.
NOT_RECORDS = {"mfa_recovery_code", "address_key", "audit_head"}
# What a delete event names of the record besides its number: never personal data.
NAMED_ON_DELETE = {
    "ab_user": ("username",),
    "ab_role": ("name",),
    "agency": ("name", "ori"),
    "case": ("case_number", "agency_id"),
    "footage_request": ("case_id", "registration_id", "state"),
    "evidence_item": ("footage_request_id", "file_name", "sha256", "storage_location"),
    "custody_event": ("evidence_item_id", "action"),
    "registration": ("owner_id", "status"),
    "camera": ("registration_id",),
    "camera_snapshot": ("camera_id", "added_by"),
    "terms_version": ("version",),
}
# Older action names of deletes, kept: the audit log and its readers know them.
DELETE_ACTIONS = {"ab_user": "user_deleted", "ab_role": "role_deleted", "agency": "agency_deleted"}
OBJECT_TYPES = {"ab_user": "user", "ab_role": "role"}
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


REASON_MAX = 2000


def delete_reason(text) -> str:
    """A written reason for a delete, trimmed; InvalidInputError naming `reason` when empty."""
    reason = written_reason(text)
    if not reason:
        raise InvalidInputError(
            "Say why this record is deleted (reason), in a sentence of at least "
            f"{MIN_WRITTEN_REASON} characters: it is kept in the audit log.", field="reason")
    if len(reason) > REASON_MAX:
        raise InvalidInputError(f"The reason is at most {REASON_MAX:,} characters.", field="reason")
    return reason


@contextmanager
def deleting_with_reason(session, reason: str | None) -> Iterator[None]:
    """Within the block, deletes in this session are audited with this reason."""
    session.info[DELETE_REASON] = reason
    try:
        yield
    finally:
        session.info.pop(DELETE_REASON, None)


def _table(mapper) -> str:
    return mapper.local_table.name


def delete_action(table: str) -> str:
    """The audit action of a deleted row of this table, e.g. "case.deleted"."""
    return DELETE_ACTIONS.get(table) or f"{OBJECT_TYPES.get(table, table)}.deleted"


def _note_deleted_row(mapper, _connection, target) -> None:
    """A row the ORM has just deleted: note its event for the commit (after_delete)."""
    table = _table(mapper)
    session = object_session(target)
    if session is None or table in NOT_RECORDS:
        return
    detail: dict[str, Any] = {"reason": session.info.get(DELETE_REASON)}
    for name in NAMED_ON_DELETE.get(table, ()):
        detail["role" if table == "ab_role" else name] = getattr(target, name, None)
    identity = inspect(target).identity
    session.info.setdefault(PENDING, []).append(
        (delete_action(table), (OBJECT_TYPES.get(table, table), identity[0] if identity else None), detail)
    )


def _write_pending(session) -> None:
    """Write the noted changes to the audit chain inside the committing transaction."""
    from ..audit import record

    session.flush()
    while session.info.get(PENDING):
        items, session.info[PENDING] = session.info[PENDING], []
        for action, obj, detail in items:
            if isinstance(obj, tuple):  # a deleted row (or rows): (object type, id or None)
                kind, object_id = obj
            else:
                kind = "user" if isinstance(obj, User) else "role" if isinstance(obj, Role) else "agency"
                object_id = inspect(obj).identity[0] if inspect(obj).identity else None
            if kind == "user" and action == "password_changed":
                action = "password_changed" if _actor_id() == object_id else "password_reset"
            record(action, user=_actor(), object_type=kind, object_id=object_id, detail=detail)
        session.flush()


def _actor():
    """Who acts: the signed-in user of a screen, or the bearer of an API token."""
    from flask import current_app, has_request_context

    from ..scoping import current_user

    user = current_user()
    if user is None and has_request_context():
        try:
            user = current_app.appbuilder.sm.current_user  # type: ignore[attr-defined]  # FAB sets app.appbuilder
        except Exception:  # noqa: BLE001 (no valid token: nobody)
            user = None
    return user if getattr(user, "is_authenticated", False) else None


def _actor_id():
    return getattr(_actor(), "id", None)


def _forget_pending(session, *_args) -> None:
    session.info.pop(PENDING, None)


def _watch_bulk_changes(state: ORMExecuteState):
    """Bulk UPDATE/DELETE statements may not touch the audit log; a bulk DELETE of records
    is run here and noted for the commit with the number of rows it removed."""
    if not (state.is_update or state.is_delete):
        return None
    table = getattr(getattr(state.statement, "table", None), "name", None)
    if table == "audit_event":
        raise AuditLogIsAppendOnly("audit events are append-only")
    if not state.is_delete or table is None or table in NOT_RECORDS:
        return None
    result = state.invoke_statement()
    rows = getattr(result, "rowcount", None)
    if rows:
        state.session.info.setdefault(PENDING, []).append((
            delete_action(table), (OBJECT_TYPES.get(table, table), None),
            {"reason": state.session.info.get(DELETE_REASON), "rows": rows},
        ))
    return result


def install() -> None:
    """Attach the hooks to every Flask-SQLAlchemy session (once per process)."""
    for name, fn in (
        ("before_flush", _collect),
        ("before_commit", _write_pending),
        ("after_rollback", _forget_pending),
        ("do_orm_execute", _watch_bulk_changes),
    ):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)
    if not event.contains(Mapper, "after_delete", _note_deleted_row):
        event.listen(Mapper, "after_delete", _note_deleted_row)
