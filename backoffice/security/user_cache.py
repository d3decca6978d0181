"""The signed-in user of each request, read by one statement and built without the ORM's load.

Every screen and API call loads its user with their agency, roles, groups and the groups'
roles (FAB's permission check and the agency scoping read them). Turning those joined rows
into objects cost about a third of the cheapest API read. This module reads the same rows as
plain tuples, by the same statement, and compares them with the rows this process saw when it
last built that user: when nothing changed (the usual case) the kept copy is merged into the
request's session without another statement; when anything changed (a role added or taken away,
the account deactivated, the agency's oversight mark, a sign-in counted) the user is loaded
afresh. So a change made by any process is seen by every process on the next request, and a
request still costs one statement for its user.
"""
from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

_lock = threading.Lock()
# user id -> (the joined rows as tuples, the user built from them, detached; never attached to
# a session, only copied into one by Session.merge)
_kept: dict[int, tuple[tuple, Any]] = {}
_KEEP_AT_MOST = 2000  # users per process; beyond it the oldest are forgotten


def user_statement(user_model, group_model):
    """The ORM SELECT of the user by :pk with their agency, roles, groups and the groups' roles."""
    return (
        select(user_model)
        .where(user_model.id == bindparam("pk"))
        .options(joinedload(user_model.roles), joinedload(user_model.groups).joinedload(group_model.roles))
    )


def rows_statement(user_model, group_model, role_model):
    """The same joins as plain columns, one row per role x group x group role, in one order:
    every column that the built user holds, so that equal rows mean an equal user."""
    agency = user_model.agency.property.mapper.local_table
    users = user_model.__table__
    user_roles, role = user_model.roles.property.secondary, role_model.__table__.alias("user_role")
    user_groups, group = user_model.groups.property.secondary, group_model.__table__
    group_roles, group_role = group_model.roles.property.secondary, role_model.__table__.alias("group_role")
    return (
        select(users, agency, role, group, group_role)
        .select_from(users)
        .outerjoin(agency, agency.c.id == users.c.agency_id)
        .outerjoin(user_roles, user_roles.c.user_id == users.c.id)
        .outerjoin(role, role.c.id == user_roles.c.role_id)
        .outerjoin(user_groups, user_groups.c.user_id == users.c.id)
        .outerjoin(group, group.c.id == user_groups.c.group_id)
        .outerjoin(group_roles, group_roles.c.group_id == group.c.id)
        .outerjoin(group_role, group_role.c.id == group_roles.c.role_id)
        .where(users.c.id == bindparam("pk"))
        .order_by(role.c.id, group.c.id, group_role.c.id)
    )


def load(session: Session, statements: tuple, number: int):
    """The user with this id in `session`, or None. `statements`: (user_statement,
    rows_statement). One statement when the user is unchanged since this process last built
    them, three when anything about them changed."""
    orm_statement, rows_of = statements
    rows = tuple(tuple(row) for row in session.execute(rows_of, {"pk": number}))
    if not rows:
        return None
    with _lock:
        kept = _kept.get(number)
    if kept is not None and kept[0] == rows:
        return session.merge(kept[1], load=False)
    user = session.scalars(orm_statement, {"pk": number}).unique().one_or_none()
    if user is None:
        return None
    with Session(bind=session.connection()) as own:
        template = own.scalars(orm_statement, {"pk": number}).unique().one()
        own.expunge_all()
    with _lock:
        if len(_kept) >= _KEEP_AT_MOST:
            _kept.pop(next(iter(_kept)))
        _kept[number] = (rows, template)
    return user
