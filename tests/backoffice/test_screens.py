"""Each demo user signs in and sees exactly their screens."""
import pytest

from tests import factories
from tests.auth import api_token, login

SCREENS = {
    "/ownerview/list/": {"admin", "staff"},
    "/registrationview/list/": {"admin", "staff"},
    "/dueregistrationview/list/": {"admin", "staff"},
    "/cameraview/list/": {"admin", "staff", "investigator", "supervisor", "investigator2"},
    "/agencyview/list/": {"admin", "staff", "investigator", "supervisor", "auditor", "investigator2"},
    "/users/list/": {"admin"},
}
USERS = ["admin", "staff", "investigator", "supervisor", "auditor", "investigator2"]


def test_login_page_is_served(client):
    page = client.get("/login/")
    assert page.status_code == 200
    assert 'name="csrf_token"' in page.get_data(as_text=True)


def test_wrong_password_is_refused(client):
    response = login(client, "staff", "wrong-password-123")
    assert response.status_code == 302
    assert "/login/" in response.headers["Location"]
    home = client.get("/ownerview/list/")
    assert home.status_code == 302


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("url", list(SCREENS))
def test_screen_access_by_user(client, username, url):
    assert login(client, username).status_code == 302
    response = client.get(url)
    if username in SCREENS[url]:
        assert response.status_code == 200
    else:
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("username", USERS)
def test_menu_shows_only_permitted_entries(client, username):
    login(client, username)
    html = client.get("/").get_data(as_text=True)
    assert ("Owners" in html) == (username in {"admin", "staff"})
    assert ("List Users" in html) == (username == "admin")


def test_registration_list_shows_data_for_staff(client):
    reg = factories.registration()
    login(client, "staff")
    html = client.get("/registrationview/list/").get_data(as_text=True)
    assert reg.address in html


@pytest.mark.parametrize(
    "username, resource, status",
    [
        ("investigator", "camera", 200),
        ("investigator", "owner", 403),
        ("investigator", "registration", 403),
        ("staff", "owner", 200),
        ("staff", "case", 403),
        ("auditor", "audit_event", 200),
        ("auditor", "owner", 403),
        ("supervisor", "footage_request", 200),
    ],
)
def test_model_api_permissions(client, username, resource, status):
    headers = api_token(client, username)
    assert client.get(f"/api/v1/{resource}/", headers=headers).status_code == status


def test_model_api_requires_authentication(client):
    assert client.get("/api/v1/camera/").status_code == 401
