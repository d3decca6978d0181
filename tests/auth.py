"""Signing in as a seeded user, through the real login form or the REST login."""
import re

from tests.factories import PASSWORD

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    """The CSRF token of the form at url."""
    page = client.get(url)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD):
    """Sign in through the login form; returns the response."""
    token = csrf_token(client, "/login/")
    return client.post(
        "/login/",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


def api_token(client, username: str, password: str = PASSWORD) -> dict[str, str]:
    """Authorization header from FAB's REST login."""
    response = client.post(
        "/api/v1/security/login",
        json={"username": username, "password": password, "provider": "db", "refresh": False},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return {"Authorization": f"Bearer {response.json['access_token']}"}
