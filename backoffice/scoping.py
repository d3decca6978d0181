"""Agency scoping in the query layer: users see their own agency's case data and users only."""
from flask import g
from flask_appbuilder.models.filters import BaseFilter
from sqlalchemy import select

from .models import AgencyUser, Case, EvidenceItem, FootageRequest

COUNTY_WIDE_ROLES = {"Admin"}


def current_user():
    """The signed-in user, or None."""
    user = getattr(g, "user", None)
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def is_county_wide(user) -> bool:
    """Admins see every agency's records."""
    return any(role.name in COUNTY_WIDE_ROLES for role in getattr(user, "roles", []))


def agency_case_ids(agency_id: int | None):
    """A subquery of the ids of one agency's cases."""
    return select(Case.id).where(Case.agency_id == agency_id)


def scope_to_agency(query, model, user):
    """Restrict a query over a case-data model (or over users) to the user's agency."""
    if user is not None and is_county_wide(user):
        return query
    agency_id = getattr(user, "agency_id", None)
    if isinstance(model, type) and issubclass(model, AgencyUser):
        return query.filter(AgencyUser.agency_id == agency_id)
    if model is Case:
        return query.filter(Case.agency_id == agency_id)
    if model is FootageRequest:
        return query.filter(FootageRequest.case_id.in_(agency_case_ids(agency_id)))
    if model is EvidenceItem:
        request_ids = select(FootageRequest.id).where(
            FootageRequest.case_id.in_(agency_case_ids(agency_id))
        )
        return query.filter(EvidenceItem.footage_request_id.in_(request_ids))
    raise TypeError(f"no agency scope defined for {model.__name__}")


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
