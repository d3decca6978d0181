"""Agency scoping in the query layer: users see their own agency's case data, users and audit
events only.

Who sees what (abilities of backoffice.security.roles, asked of the security manager):
- A user who may SEE_ALL_AGENCIES (`Admin`) is county-wide.
- A user of an agency with county-wide oversight (the portal operator, such as the District
  Attorney) each of whose roles grants OVERSEE_ALL_AGENCIES (`Auditor`, and nothing else) reads
  every agency's records and every audit event, including events that belong to no agency
  (owners' portal actions, system jobs: they concern owners, whom the portal operator answers to).
- Everyone else, auditors of other agencies included, sees their own agency's cases, footage
  requests, evidence, users and audit events; events without an agency are not theirs.

Every Flask-AppBuilder screen and model API reads through backoffice.datamodel.RegistryInterface,
which applies `scope_to_agency` to every query of a scoped model (lists, single records,
related-field drop-downs, filter choices), and calls `refused_read` when a record is not found
so that an attempt to read another agency's record is audited.
"""
from typing import Any, Callable

from flask import g, has_request_context, request
from flask_appbuilder.models.filters import BaseFilter
from sqlalchemy import select

from .extensions import db
from .ids import as_id
from .models import AgencyUser, AuditEvent, Case, EvidenceItem, FootageRequest
from .security import security_manager
from .security.roles import OVERSEE_ALL_AGENCIES, SEE_ALL_AGENCIES

# Scoped model -> the record type named in audit events.
SCOPED_MODELS: dict[type[Any], str] = {
    Case: "case",
    FootageRequest: "footage_request",
    EvidenceItem: "evidence_item",
    AuditEvent: "audit_event",
    AgencyUser: "user",
}
REFUSED_READ = "access.refused"


def current_user():
    """The signed-in user (session or bearer token), or None."""
    user = getattr(g, "user", None)
    if (user is None or not getattr(user, "is_authenticated", False)) and has_request_context():
        # A bearer token's user is loaded on first use, not always into g.user yet.
        user = security_manager().current_user
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def has_oversight(user) -> bool:
    """True for a user of an agency with county-wide oversight whose every role grants
    OVERSEE_ALL_AGENCIES (an auditor, and nothing else)."""
    if not security_manager().may(user, OVERSEE_ALL_AGENCIES, every_role=True):
        return False  # asked first: in memory for declared roles, where the agency may be a query
    return bool(getattr(getattr(user, "agency", None), "county_oversight", False))


def is_county_wide(user) -> bool:
    """Users who may see all agencies (Admin), and auditors of an oversight agency, see every
    agency's records."""
    return security_manager().may(user, SEE_ALL_AGENCIES) or has_oversight(user)


def agency_case_ids(agency_id: int | None):
    """A subquery of the ids of one agency's cases."""
    return select(Case.id).where(Case.agency_id == agency_id)


def scoped_model(model) -> type[Any] | None:
    """The scoped model `model` is (or derives from), else None."""
    if not isinstance(model, type):
        return None
    return next((scoped for scoped in SCOPED_MODELS if issubclass(model, scoped)), None)


def scope_to_agency(query, model, user):
    """Restrict a query (Query or select) over a scoped model to what the user may see."""
    if user is not None and is_county_wide(user):
        return query
    agency_id = getattr(user, "agency_id", None)
    scoped = scoped_model(model)
    if scoped is AgencyUser:
        return query.filter(AgencyUser.agency_id == agency_id)
    if scoped is Case:
        return query.filter(Case.agency_id == agency_id)
    if scoped is FootageRequest:
        return query.filter(FootageRequest.case_id.in_(agency_case_ids(agency_id)))
    if scoped is EvidenceItem:
        request_ids = select(FootageRequest.id).where(
            FootageRequest.case_id.in_(agency_case_ids(agency_id))
        )
        return query.filter(EvidenceItem.footage_request_id.in_(request_ids))
    if scoped is AuditEvent:
        # agency_id is NULL for owners' and system events: never equal, so not shown here.
        return query.filter(AuditEvent.agency_id == agency_id)
    raise TypeError(f"no agency scope defined for {getattr(model, '__name__', model)}")


def scope_request(query, model):
    """`scope_to_agency` for the signed-in user of this request; outside a request (commands
    run by the county's administrators) nothing is restricted."""
    if not has_request_context() or scoped_model(model) is None:
        return query
    return scope_to_agency(query, model, current_user())


def refused_read(model, pk, user=None) -> bool:
    """When record `pk` of a scoped model exists but the signed-in user may not see it, record
    the attempt (`access.refused`, with the record type and number) and commit; True then.
    The caller answers a plain 404 either way: the answer does not reveal that it exists."""
    scoped = scoped_model(model)
    user = user if user is not None else current_user()
    if scoped is None or user is None or not has_request_context() or is_county_wide(user):
        return False
    key = scoped.__mapper__.primary_key[0]
    number = as_id(pk)
    if number is None:  # not a number any record can have
        return False
    exists = db.session.execute(select(key).where(key == number)).first()
    if exists is None:
        return False
    if db.session.execute(scope_to_agency(select(key).where(key == number), scoped, user)).first():
        return False
    from .audit import record  # audit imports this module for current_user

    record(
        REFUSED_READ,
        user=user,
        object_type=SCOPED_MODELS[scoped],
        object_id=number,
        detail={"method": request.method, "path": request.path[:200]},
    )
    db.session.commit()
    return True


def scoped_get(model, pk, user, not_found: Callable[[], Exception], *, load: tuple = (),
               populate_existing: bool = False):
    """Record `pk` of a scoped model (Case, FootageRequest, EvidenceItem) when `user` may see
    it: the one way commands load such a record by id. Otherwise the refused read is audited
    (refused_read) and `not_found()` is raised: the same answer for a record of another agency,
    one that does not exist, and anything that cannot be an id. `populate_existing` for a record
    the command is about to change (read afresh); `load` are loader options (what the caller
    will not need joined in)."""
    number = as_id(pk)
    if number is None:
        raise not_found()
    key = model.__mapper__.primary_key[0]
    query = scope_to_agency(select(model).where(key == number).options(*load), model, user)
    if populate_existing:
        query = query.execution_options(populate_existing=True)
    record = db.session.scalars(query).first()
    if record is None:
        refused_read(model, number, user)
        raise not_found()
    return record


class AgencyScope(BaseFilter):
    """FAB filter: the current user's agency only (404 for anything else); also restricts the
    choices of related-field drop-downs (`*_form_query_rel_fields`)."""

    name = "Own agency"

    def apply(self, query, value):
        return scope_to_agency(query, self.model, current_user())


# For a view's `search_form_query_rel_fields` / `add_form_query_rel_fields` /
# `edit_form_query_rel_fields`: each related drop-down lists the user's agency only.
def own_agency_choices(*columns: str) -> dict[str, list]:
    """Related-field filters keeping each column's choices to the user's agency."""
    return {name: [["id", AgencyScope, None]] for name in columns}
