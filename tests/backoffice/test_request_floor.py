"""What every signed-in request costs before its own work: the user (with agency, roles and
groups, in one statement) and nothing else; permissions of the declared roles are checked in
memory (backoffice.security.roles), so a role change takes effect on the next request."""
import re

import pytest
from sqlalchemy import delete, insert

from backoffice.extensions import db
from backoffice.models import AgencyUser
from tests import factories
from tests.auth import api_token, login
from tests.backoffice.test_list_queries import count_statements

# The test's own transaction nests each request in a savepoint: not the request's statements.
HARNESS = re.compile(r"^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)", re.I)


def _data_statements(seen: list[str]) -> list[str]:
    return [s for s in seen if not HARNESS.match(s) and s.strip().upper() != "BEGIN"]


def test_an_authenticated_api_read_is_the_user_and_the_row(client):
    agency_id = factories.agency(0).id
    headers = api_token(client, "investigator")
    client.get(f"/api/v1/agency/{agency_id}", headers=headers)
    with count_statements() as seen:
        response = client.get(f"/api/v1/agency/{agency_id}", headers=headers)
    assert response.status_code == 200
    statements = _data_statements(seen)
    assert len(statements) == 2, statements
    assert "FROM ab_user" in statements[0] and "ab_role" in statements[0]  # roles joined in
    assert "FROM agency" in statements[1]


@pytest.mark.parametrize("username, url, most", [
    ("staff", "/registrationview/list/", 3),  # the user, the count, the page
    ("investigator", "/caseview/list/", 3),
    ("staff", "/", 7),  # the user and each panel of the home page
])
def test_screens_pay_no_permission_statements(client, username, url, most):
    login(client, username)
    client.get(url)
    with count_statements() as seen:
        response = client.get(url)
    assert response.status_code == 200
    statements = _data_statements(seen)
    assert not [s for s in statements if "ab_permission" in s], statements
    assert len(statements) <= most, statements


def test_a_role_taken_away_is_refused_on_the_next_request(client):
    headers = api_token(client, "investigator")
    assert client.get("/api/v1/case/", headers=headers).status_code == 200
    user = db.session.query(AgencyUser).filter_by(username="investigator").one()
    links = AgencyUser.roles.property.secondary
    role_ids = [role.id for role in user.roles]
    db.session.execute(delete(links).where(links.c.user_id == user.id))
    db.session.commit()
    db.session.expire_all()
    try:
        assert client.get("/api/v1/case/", headers=headers).status_code in (401, 403)
    finally:
        db.session.execute(insert(links), [{"user_id": user.id, "role_id": r} for r in role_ids])
        db.session.commit()
    assert client.get("/api/v1/case/", headers=headers).status_code == 200


def test_visitors_get_no_permission_from_the_public_role(client):
    assert client.get("/api/v1/case/").status_code == 401
    assert client.get("/api/v1/agency/1").status_code == 401
