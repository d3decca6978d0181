"""Lockout after repeated failures, idle timeout, password rules, cookies and headers."""
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import AuditEvent, UserSecurity
from backoffice.security.passwords import password_problem
from tests import factories
from tests.auth import csrf_token, login

WRONG = "not-the-password-42"


def _actions(after: int) -> list[str]:
    db.session.expire_all()
    return list(
        db.session.execute(
            select(AuditEvent.action).where(AuditEvent.id > after).order_by(AuditEvent.id)
        ).scalars()
    )


def _last_id() -> int:
    return db.session.execute(select(AuditEvent.id).order_by(AuditEvent.id.desc())).scalars().first() or 0


def _signed_in(client) -> bool:
    return client.get("/ownerview/list/").status_code == 200


# --- lockout ------------------------------------------------------------------------


def test_five_failures_lock_the_account(client):
    start = _last_id()
    for _ in range(5):
        login(client, "staff", WRONG)
    assert login(client, "staff").status_code == 302
    assert not _signed_in(client), "the right password must not open a locked account"
    actions = _actions(start)
    assert actions.count("login_failed") == 5
    assert "account_locked" in actions and actions[-1] == "login_refused"
    row = db.session.get(UserSecurity, factories.user("staff").id)
    locked_for = row.locked_until.replace(tzinfo=timezone.utc) - datetime.now(timezone.utc)
    assert timedelta(minutes=9) < locked_for <= timedelta(minutes=10)


def test_four_failures_do_not_lock(client):
    for _ in range(4):
        login(client, "staff", WRONG)
    login(client, "staff")
    assert _signed_in(client)


def test_success_resets_the_failure_count(client):
    for _ in range(4):
        login(client, "staff", WRONG)
    login(client, "staff")
    client.get("/logout/")
    for _ in range(4):
        login(client, "staff", WRONG)
    login(client, "staff")
    assert _signed_in(client)


def test_lock_expires(client):
    for _ in range(5):
        login(client, "staff", WRONG)
    row = db.session.get(UserSecurity, factories.user("staff").id)
    row.locked_until = datetime.now(timezone.utc) - timedelta(seconds=1)
    db.session.commit()
    login(client, "staff")
    assert _signed_in(client)


def test_locked_api_login_is_refused(client):
    for _ in range(5):
        login(client, "investigator", WRONG)
    response = client.post(
        "/api/v1/security/login",
        json={"username": "investigator", "password": factories.PASSWORD, "provider": "db"},
    )
    assert response.status_code == 401


def test_admin_unlocks_an_account(client):
    for _ in range(5):
        login(client, "staff", WRONG)
    staff = factories.user("staff")
    login(client, "admin")
    start = _last_id()
    assert "Unlock account" in client.get(f"/users/show/{staff.id}").get_data(as_text=True)
    token = csrf_token(client, "/users/list/")
    response = client.post(
        "/users/action_post", data={"action": "unlock", "rowid": [str(staff.id)], "csrf_token": token}
    )
    assert response.status_code == 302
    assert "account_unlocked" in _actions(start)
    client.get("/logout/")
    login(client, "staff")
    assert _signed_in(client)


def test_only_admin_may_unlock(client):
    staff = factories.user("staff")
    for _ in range(5):
        login(client, "staff", WRONG)
    login(client, "supervisor")
    token = csrf_token(client, "/resetmypassword/form")
    response = client.post(
        "/users/action_post", data={"action": "unlock", "rowid": [str(staff.id)], "csrf_token": token}
    )
    assert response.status_code in (302, 403)
    assert db.session.get(UserSecurity, staff.id).locked_until is not None
    assert "account_unlocked" not in _actions(0)


# --- idle timeout -------------------------------------------------------------------


def test_idle_session_is_signed_out(client):
    login(client, "staff")
    assert _signed_in(client)
    with client.session_transaction() as session:
        session["last_seen"] = time.time() - 31 * 60
    start = _last_id()
    response = client.get("/ownerview/list/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "session_timeout" in _actions(start)
    assert not _signed_in(client)


def test_activity_keeps_the_session(client):
    login(client, "staff")
    with client.session_transaction() as session:
        session["last_seen"] = time.time() - 29 * 60
    assert _signed_in(client)
    with client.session_transaction() as session:
        assert time.time() - session["last_seen"] < 5
        assert session.permanent


def test_session_cookie_lifetime_is_the_idle_limit(client):
    assert client.application.permanent_session_lifetime == timedelta(minutes=30)
    response = login(client, "staff")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie


def test_cookies_are_secure_when_served_over_https(app):
    from backoffice import create_app

    secure = create_app({"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                         "SESSION_COOKIE_SECURE": True, "RATELIMIT_ENABLED": False,
                         "SERVER_NAME": "localhost"})
    client = secure.test_client()
    page = client.get("/login/", base_url="https://localhost")
    assert "Secure" in page.headers["Set-Cookie"]


# --- password rules -----------------------------------------------------------------


@pytest.mark.parametrize(
    "password, reason",
    [
        ("short-one", "at least 12"),
        ("", "at least 12"),
        ("123456789012", "run of keys"),
        ("qwertyuiop[]", "commonly used"),
        ("9876543210987", "run of keys"),
        ("qwertyuiopasdfgh", "run of keys"),
        ("1qaz2wsx3edc", "commonly used"),
        ("LeaveMeAlone", "commonly used"),
        ("passwordpassword", "easy to guess"),
        ("aaaaaaaaaaaaaaaa", "repeats"),
        ("Camera-Registry", "easy to guess"),
        ("registry2026!!", "easy to guess"),
        ("Password2026", "easy to guess"),
        ("Welcome123456", "too easy to guess; choose another. This is similar to a commonly used password."),
        ("xxxxxxxxxxxyz", "too easy to guess"),
        ("abcabcabcabc1", "too easy to guess"),
        ("Bakersfield1!", "too easy to guess"),
    ],
)
def test_weak_passwords_are_refused(ctx, password, reason):
    assert reason in (password_problem(password) or "")


@pytest.mark.parametrize(
    "password",
    ["correct horse battery staple", "kern county 4 ever!", "all lower case is fine here", "tidal-orchard-lantern-42"],
)
def test_long_uncommon_passwords_are_accepted_without_composition_rules(ctx, password):
    assert password_problem(password) is None


def test_strength_is_judged_on_the_first_72_characters(ctx):
    """zxcvbn reads a prefix: a long pass phrase is judged (quickly) by its beginning."""
    assert password_problem("kern county 4 ever! " * 12) is None
    assert "easy to guess" in password_problem("x" * 72 + "kern county 4 ever!")


def test_the_user_name_counts_as_easy_to_guess(ctx):
    assert password_problem("tidal-orchard-lantern-42") is None
    assert password_problem("nadiab-2026-nadiab", "nadiab") is not None


def test_common_list_has_thousands_of_entries():
    from backoffice.security.passwords import common_passwords

    assert len(common_passwords()) > 5000
    assert "password" in common_passwords() and "123456" in common_passwords()


def test_password_change_form_applies_the_rules(client):
    login(client, "staff")
    token = csrf_token(client, "/resetmypassword/form")
    response = client.post(
        "/resetmypassword/form",
        data={"password": "1qaz2wsx3edc", "conf_password": "1qaz2wsx3edc", "csrf_token": token},
    )
    assert response.status_code == 200
    assert "commonly used passwords" in response.get_data(as_text=True)
    client.get("/logout/")
    login(client, "staff")
    assert _signed_in(client), "the old password still works"


def test_admin_reset_applies_the_rules(client):
    staff = factories.user("staff")
    login(client, "admin")
    url = f"/resetpassword/form?pk={staff.id}"
    token = csrf_token(client, url)
    response = client.post(url, data={"password": "too-short", "conf_password": "too-short", "csrf_token": token})
    assert response.status_code == 200
    assert "at least 12 characters" in response.get_data(as_text=True)


def test_user_creation_applies_the_rules(client):
    sm = client.application.appbuilder.sm
    login(client, "admin")
    token = csrf_token(client, "/users/add")
    data = {
        "first_name": "Weak", "last_name": "Password", "username": "weakpw",
        "email": "weakpw@example.org", "active": "y", "roles": [str(sm.find_role("Investigator").id)],
        "password": "password1234", "conf_password": "password1234", "csrf_token": token,
    }
    response = client.post("/users/add", data=data)
    assert response.status_code == 200
    assert "commonly used passwords" in response.get_data(as_text=True)
    assert sm.find_user(username="weakpw") is None


def test_user_api_applies_the_rules(client):
    from tests.auth import api_token

    sm = client.application.appbuilder.sm
    headers = api_token(client, "admin")
    body = {
        "first_name": "Api", "last_name": "User", "username": "apiweak", "email": "apiweak@example.org",
        "active": True, "roles": [sm.find_role("Investigator").id], "password": "short",
    }
    response = client.post("/api/v1/security/users/", json=body, headers=headers)
    assert response.status_code == 400
    assert "at least 12" in response.get_data(as_text=True)


# --- security headers ---------------------------------------------------------------


@pytest.mark.parametrize("url", ["/login/", "/", "/api/v1/camera/", "/no-such-page"])
def test_security_headers_on_every_response(client, url):
    response = client.get(url)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    if response.mimetype == "application/json":
        # Data, never a page: nothing may run, load or be framed with it.
        assert csp.startswith("default-src 'none';") and "script-src" not in csp
    else:
        assert "script-src 'self' 'nonce-" in csp and "object-src 'none'" in csp
        assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_only_over_https(client):
    response = client.get("/login/", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_every_inline_script_carries_the_nonce(client):
    """FAB's pages keep working under the CSP: each inline script has this response's nonce."""
    import re

    login(client, "admin")
    for url in ["/", "/users/list/", "/auditeventview/list/", "/registrationview/list/", "/users/add"]:
        response = client.get(url)
        assert response.status_code == 200, url
        nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
        scripts = re.findall(r"<script\b[^>]*>", response.get_data(as_text=True))
        assert scripts, url
        for tag in scripts:
            assert f'nonce="{nonce}"' in tag, (url, tag)


def test_signed_in_pages_are_not_cached(client):
    login(client, "staff")
    assert client.get("/ownerview/list/").headers["Cache-Control"] == "no-store"


def test_map_tiles_are_allowed_as_images_only(client, monkeypatch):
    from backoffice.security.web import content_security_policy

    monkeypatch.setitem(client.application.config, "TILE_URL", "https://{s}.tile.example.org/{z}/{x}/{y}.png")
    with client.application.test_request_context():
        csp = content_security_policy("n")
    assert "img-src 'self' data: https://*.tile.example.org" in csp
    assert "tile.example.org" not in csp.split("img-src")[0]


def test_behind_a_proxy_the_client_address_and_scheme_are_used(app):
    from backoffice import create_app

    proxied = create_app({"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "TRUST_PROXY_HEADERS": True,
                          "RATELIMIT_ENABLED": False, "SERVER_NAME": "localhost"})
    response = proxied.test_client().get(
        "/login/", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_api_tokens_are_short_lived(client):
    config = client.application.config
    assert config["JWT_ACCESS_TOKEN_EXPIRES"] == timedelta(minutes=15)
    assert config["JWT_REFRESH_TOKEN_EXPIRES"] == timedelta(hours=8)


@pytest.mark.parametrize("who, url", [("admin", "/resetpassword/form?pk={pk}"), ("staff", "/resetmypassword/form")])
def test_password_forms_say_the_rules_are_checked(client, who, url):
    """The password forms do not tell people the application leaves the choice to them (FAB's
    own wording); they say what is refused."""
    staff = factories.user("staff")
    login(client, who)
    page = client.get(url.format(pk=staff.id)).get_data(as_text=True)
    assert "does not check this" not in page
    assert "common or easily guessed passwords are refused" in page
