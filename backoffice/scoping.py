"""Agency scoping in the query layer: users see their own agency's case data only."""
from flask import g
from flask_appbuilder.models.filters import BaseFilter
from sqlalchemy import select

from .models import Case, EvidenceItem, FootageRequest

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
    """Restrict a query over a case-data model to the user's agency."""
    if user is not None and is_county_wide(user):
        return query
    agency_id = getattr(user, "agency_id", None)
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
    """FAB base filter: the current user's agency only (404 for anything else)."""

    name = "Own agency"

    def apply(self, query, value):
        return scope_to_agency(query, self.model, current_user())
