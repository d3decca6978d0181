"""Second factor: enrolment with a QR code, one-time codes at sign-in (web and REST),
recovery codes, replay and lockout. MFA_REQUIRED is switched on per test."""
import json
import re
import time

import pyotp
import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import AuditEvent, RecoveryCode, UserSecurity
from backoffice.security import mfa
from tests import factories
from tests.auth import csrf_token, login


@pytest.fixture()
def mfa_on(client, monkeypatch):
    monkeypatch.setitem(client.application.config, "MFA_REQUIRED", True)
    return client


def enrolled(username: str) -> tuple[str, list[str]]:
    """Give a seeded user an authenticator; returns its secret and recovery codes."""
    secret = mfa.new_secret()
    codes = mfa.enable(factories.user(username), secret)
    db.session.commit()
    return secret, codes


def signed_in(client) -> bool:
    return client.get("/cameraview/list/").status_code == 200


def submit_code(client, url: str, code: str):
    return client.post(url, data={"code": code, "csrf_token": csrf_token(client, url)})


def actions(after: int = 0) -> list[str]:
    db.session.expire_all()
    return list(db.session.execute(
        select(AuditEvent.action).where(AuditEvent.id > after).order_by(AuditEvent.id)).scalars())


def last_id() -> int:
    return db.session.execute(select(AuditEvent.id).order_by(AuditEvent.id.desc())).scalars().first() or 0


def api_login(client, username: str, **extra):
    body = {"username": username, "password": factories.PASSWORD, "provider": "db", **extra}
    return client.post("/api/v1/security/login", json=body)


def test_first_sign_in_requires_enrolment(mfa_on):
    client = mfa_on
    response = login(client, "investigator")
    assert response.headers["Location"].endswith("/mfa/enrol")
    assert not signed_in(client), "the password alone must not sign in"
    page = client.get("/mfa/enrol").get_data(as_text=True)
    assert "<svg" in page
    secret = re.search(r"<code>([A-Z2-7]{32})</code>", page).group(1)
    assert "wrong" not in page
    bad = submit_code(client, "/mfa/enrol", "000000")
    assert "does not match" in bad.get_data(as_text=True)
    start = last_id()
    done = submit_code(client, "/mfa/enrol", pyotp.TOTP(secret).now())
    html = done.get_data(as_text=True)
    codes = re.findall(r"<li><code>([0-9a-f]{6}-[0-9a-f]{6})</code></li>", html)
    assert len(codes) == 10
    assert signed_in(client)
    assert actions(start)[:2] == ["mfa_enrolled", "login"]
    stored = db.session.execute(select(RecoveryCode.code_hash)).scalars().all()
    assert all(code not in stored for code in codes), "recovery codes are stored hashed"


def test_enrolled_user_gives_a_code(mfa_on):
    client = mfa_on
    secret, _codes = enrolled("supervisor")
    response = login(client, "supervisor")
    assert response.headers["Location"].endswith("/mfa/verify")
    assert not signed_in(client)
    start = last_id()
    wrong = submit_code(client, "/mfa/verify", "123456")
    assert "not valid" in wrong.get_data(as_text=True)
    assert not signed_in(client)
    submit_code(client, "/mfa/verify", pyotp.TOTP(secret).now())
    assert signed_in(client)
    db.session.expire_all()
    events = db.session.execute(
        select(AuditEvent).where(AuditEvent.id > start).order_by(AuditEvent.id)).scalars().all()
    assert [e.action for e in events] == ["login_failed", "login"]
    assert json.loads(events[0].detail)["reason"] == "wrong one-time code"
    assert json.loads(events[1].detail)["method"] == "password+otp"


def test_a_code_cannot_be_replayed(mfa_on):
    client = mfa_on
    secret, _ = enrolled("supervisor")
    code = pyotp.TOTP(secret).now()
    login(client, "supervisor")
    submit_code(client, "/mfa/verify", code)
    assert signed_in(client)
    client.get("/logout/")
    login(client, "supervisor")
    submit_code(client, "/mfa/verify", code)
    assert not signed_in(client)


def test_recovery_code_works_once(mfa_on):
    client = mfa_on
    _secret, codes = enrolled("auditor")
    login(client, "auditor")
    submit_code(client, "/mfa/verify", codes[0].upper())
    assert client.get("/auditeventview/list/").status_code == 200
    assert "mfa_recovery_code_used" in actions()
    client.get("/logout/")
    login(client, "auditor")
    submit_code(client, "/mfa/verify", codes[0])
    assert client.get("/auditeventview/list/").status_code != 200


def test_five_wrong_codes_lock_the_account(mfa_on):
    client = mfa_on
    secret, _ = enrolled("investigator")
    login(client, "investigator")
    for _ in range(5):
        response = submit_code(client, "/mfa/verify", "000000")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert actions()[-2:] == ["login_failed", "account_locked"]
    login(client, "investigator")
    assert client.get("/mfa/verify").status_code == 302, "no second step for a locked account"
    assert not signed_in(client)
    assert db.session.get(UserSecurity, factories.user("investigator").id).locked_until is not None


def test_verify_step_needs_the_password_step_first(mfa_on):
    response = mfa_on.get("/mfa/verify")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert mfa_on.get("/mfa/enrol").status_code == 302


def test_password_step_expires(mfa_on):
    client = mfa_on
    secret, _ = enrolled("supervisor")
    login(client, "supervisor")
    with client.session_transaction() as session:
        session["mfa_pending"]["at"] = time.time() - 600
        session.modified = True
    assert client.get("/mfa/verify").status_code == 302


def test_rest_login_without_a_code_is_refused(mfa_on):
    enrolled("investigator")
    response = api_login(mfa_on, "investigator")
    assert response.status_code == 401
    assert "one-time code is required" in response.json["message"]
    assert "otp" in response.json["message"]


def test_rest_login_with_a_wrong_code_is_refused(mfa_on):
    enrolled("investigator")
    start = last_id()
    response = api_login(mfa_on, "investigator", otp="000000")
    assert response.status_code == 401
    assert response.json["message"] == "The one-time code is not valid."
    assert actions(start) == ["login_failed"]


def test_rest_login_with_the_code(mfa_on):
    secret, _ = enrolled("investigator")
    response = api_login(mfa_on, "investigator", otp=pyotp.TOTP(secret).now())
    assert response.status_code == 200
    headers = {"Authorization": f"Bearer {response.json['access_token']}"}
    assert mfa_on.get("/api/v1/camera/", headers=headers).status_code == 200


def test_rest_login_before_enrolment_is_refused(mfa_on):
    response = api_login(mfa_on, "staff", otp="123456")
    assert response.status_code == 401
    assert "set up your authenticator" in response.json["message"]


def test_rest_login_wrong_password_says_nothing_about_codes(mfa_on):
    enrolled("investigator")
    response = mfa_on.post("/api/v1/security/login", json={
        "username": "investigator", "password": "wrong-password-99", "provider": "db"})
    assert response.status_code == 401
    assert "code" not in response.get_data(as_text=True)


@pytest.mark.parametrize("otp", [123456, ["1"], {"a": 1}])
def test_rest_login_rejects_malformed_codes(mfa_on, otp):
    response = api_login(mfa_on, "investigator", otp=otp)
    assert response.status_code == 400


def test_admin_resets_a_second_factor(client):
    enrolled("staff")
    staff = factories.user("staff")
    login(client, "admin")
    token = csrf_token(client, "/users/list/")
    client.post("/users/action_post", data={"action": "resetmfa", "rowid": [str(staff.id)], "csrf_token": token})
    assert not mfa.is_enrolled(staff)
    assert "mfa_reset" in actions()


def test_signed_in_user_may_enrol_when_not_required(client):
    login(client, "staff")
    page = client.get("/mfa/enrol").get_data(as_text=True)
    secret = re.search(r"<code>([A-Z2-7]{32})</code>", page).group(1)
    done = submit_code(client, "/mfa/enrol", pyotp.TOTP(secret).now())
    assert "recovery codes" in done.get_data(as_text=True)
    assert mfa.is_enrolled(factories.user("staff"))
    assert "already has an authenticator" in client.get("/mfa/enrol").get_data(as_text=True)


def test_demo_mode_needs_no_code(client):
    """MFA_REQUIRED off (demo mode, the test default): the password is enough."""
    assert api_login(client, "investigator").status_code == 200


def test_a_user_with_an_authenticator_always_gives_a_code(client):
    """Someone who set up a second factor is asked for it even where it is not required."""
    secret, _ = enrolled("staff")
    assert api_login(client, "staff").status_code == 401
    assert login(client, "staff").headers["Location"].endswith("/mfa/verify")
    submit_code(client, "/mfa/verify", pyotp.TOTP(secret).now())
    assert client.get("/ownerview/list/").status_code == 200
