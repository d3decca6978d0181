"""The admin's user form speaks to people: no "__None" in the agency box, no LDAP jargon."""
import html
import re

import pytest

from tests.auth import login


@pytest.mark.parametrize("url", ["/users/add", "/users/edit/{id}"])
def test_user_form_offers_agencies_in_words(client, url):
    login(client, "admin")
    user_id = client.application.appbuilder.sm.find_user(username="staff").id
    page = html.unescape(client.get(url.format(id=user_id)).get_data(as_text=True))
    blank = re.search(r'<option[^>]*value="__None"[^>]*>([^<]*)</option>', page)
    assert blank and blank.group(1).strip() == "— choose the user's agency —"
    assert "LDAP" not in page and "OID" not in page
    assert "The name this user signs in with" in page


def post_user(client, url: str = "/users/add", **fields):
    """Submit the admin's user form with a complete, valid user, some fields changed."""
    from tests import factories
    from tests.auth import csrf_token

    sm = client.application.appbuilder.sm
    password = fields.pop("password", "a-long-enough-password-2026")
    data = {"first_name": "New", "last_name": "User", "username": "new.user", "email": "new.user@example.net",
            "active": "y", "roles": [str(sm.find_role("Investigator").id)], "agency": str(factories.agency(0).id),
            "password": password, "conf_password": password, "csrf_token": csrf_token(client, url)}
    data.update(fields)
    return client.post(url, data={k: v for k, v in data.items() if v is not None})


def stored_users(username: str) -> int:
    from backoffice.extensions import db
    from backoffice.models import AgencyUser

    return db.session.query(AgencyUser).filter_by(username=username).count()


def test_a_user_without_an_agency_is_not_added(client):
    login(client, "admin")
    response = post_user(client, username="no.agency", agency="__None")
    assert "every user belongs to one" in response.get_data(as_text=True)
    assert stored_users("no.agency") == 0


@pytest.mark.parametrize("url", ["/users/add", "/users/edit/{id}"])
def test_a_user_without_a_role_is_refused_in_words(client, url):
    from tests import factories

    login(client, "admin")
    target = url.format(id=factories.user("staff").id)
    response = post_user(client, target, username="no.role" if "add" in url else "staff", roles=None)
    assert response.status_code == 200, response.status_code
    assert "Choose at least one role." in response.get_data(as_text=True)
    assert stored_users("no.role") == 0


def test_roles_read_in_words_and_unused_groups_are_not_offered(client):
    login(client, "admin")
    roles = html.unescape(client.get("/roles/list/").get_data(as_text=True))
    assert "('Owner'" not in roles and "can_read" not in roles
    assert "Camera: read" in roles
    home = client.get("/").get_data(as_text=True)
    assert "List Groups" not in home and "List Users" in home


def test_a_password_holding_the_user_name_is_refused_on_the_form(client):
    login(client, "admin")
    response = post_user(client, username="nadia", password="nadia-nadia-2026-x")
    assert "may not contain the user name" in response.get_data(as_text=True)
    assert stored_users("nadia") == 0
