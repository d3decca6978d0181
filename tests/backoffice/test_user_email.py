"""Users' e-mail addresses follow the same rule as owners' (screens and command line)."""
import html

import pytest

from backoffice.models.validation import EMAIL_EXPECTED
from tests import factories
from tests.auth import csrf_token, login

GOOD = "tidal-orchard-lantern-42"


def _add_user(client, username: str, email: str):
    sm = client.application.appbuilder.sm
    data = {
        "first_name": "New", "last_name": "Deputy", "username": username, "email": email,
        "active": "y", "roles": [str(sm.find_role("Investigator").id)],
        "agency": str(factories.agency(0).id),
        "password": GOOD, "conf_password": GOOD, "csrf_token": csrf_token(client, "/users/add"),
    }
    return client.post("/users/add", data=data)


@pytest.mark.parametrize(
    "email, stored",
    [("Deputy.Ruiz@Sheriff.xn--80asehdb", "deputy.ruiz@sheriff.онлайн"),
     ("a..b@example.com", None), ("deputy@example..com", None)],
)
def test_user_screen_uses_the_email_rule(client, email, stored):
    login(client, "admin")
    response = _add_user(client, "newdeputy", email)
    user = client.application.appbuilder.sm.find_user(username="newdeputy")
    if stored is None:
        assert response.status_code == 200 and user is None
        assert EMAIL_EXPECTED in html.unescape(response.get_data(as_text=True))
    else:
        assert response.status_code == 302 and user.email == stored


def test_user_email_stays_unique_after_normalising(client):
    login(client, "admin")
    assert _add_user(client, "first", "same.person@example.org").status_code == 302
    response = _add_user(client, "second", "Same.Person@EXAMPLE.org")
    assert response.status_code == 200 and "Already exists." in response.get_data(as_text=True)


def test_create_admin_refuses_a_broken_email_in_one_line(runner, ctx):
    result = runner.invoke(args=[
        "registry", "create-admin", "--username", "night-admin", "--firstname", "Night",
        "--lastname", "Admin", "--email", "night..admin@county.example", "--password", GOOD,
    ])
    assert result.exit_code != 0
    assert result.output.strip().splitlines() == [f"Error: email refused: {EMAIL_EXPECTED}"]
    assert ctx.appbuilder.sm.find_user(username="night-admin") is None


@pytest.mark.parametrize(
    "email, status, stored",
    [("Api.User@Sheriff.xn--80asehdb", 201, "api.user@sheriff.онлайн"),
     ("a..b@example.com", 400, None), ("not-an-email", 400, None)],
)
def test_user_api_uses_the_email_rule(client, email, status, stored):
    from tests.auth import api_token

    sm = client.application.appbuilder.sm
    body = {"first_name": "Api", "last_name": "User", "username": "apiuser", "email": email,
            "active": True, "roles": [sm.find_role("Investigator").id], "password": GOOD}
    response = client.post("/api/v1/security/users/", json=body, headers=api_token(client, "admin"))
    assert response.status_code == status, response.json
    user = sm.find_user(username="apiuser")
    assert (user.email if user else None) == stored
    if stored is None:
        assert response.json["message"]["email"] == [EMAIL_EXPECTED]
