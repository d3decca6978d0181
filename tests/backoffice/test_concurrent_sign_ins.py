"""Sign-ins at the same moment, over real HTTP connections to a threaded server on the test's
database: a one-time code works once, failures all count, and nobody gets a server error."""
import re

import pyotp
import pytest
import requests
from sqlalchemy import delete, func, select

from backoffice.accounts import ensure_user
from backoffice.extensions import db
from backoffice.models import AuditEvent, RecoveryCode, UserSecurity
from backoffice.security import lockout, mfa
from tests import factories
from tests.concurrency import RACERS, all_at_once

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture()
def racer(app):
    """A committed investigator of its own, with no second factor, lock or failures."""
    name = "racer-sign-in"

    def fresh():  # without the audited admin actions: other tests look for those
        with app.app_context():
            user = ensure_user(name, "Investigator", factories.agency(0), factories.PASSWORD, "Rae", "Cer")
            db.session.execute(delete(UserSecurity).where(UserSecurity.user_id == user.id))
            db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
            user.fail_login_count = 0
            db.session.commit()

    fresh()
    yield name
    fresh()


def enrol(app, username: str) -> pyotp.TOTP:
    """Give the user an authenticator (committed); returns it."""
    with app.app_context():
        secret = mfa.new_secret()
        mfa.enable(factories.user(username), secret)
        db.session.commit()
    return pyotp.TOTP(secret)


def api_login(base_url: str, username: str, password: str = factories.PASSWORD, **extra):
    body = {"username": username, "password": password, "provider": "db", **extra}
    return requests.post(f"{base_url}/api/v1/security/login", json=body, timeout=60)


def csrf(http: requests.Session, url: str) -> str:
    page = http.get(url, timeout=60)
    assert page.status_code == 200, page.status_code
    return CSRF_RE.search(page.text).group(1)


def audit_count(app, action: str, username: str) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == action, AuditEvent.username == username)).scalar_one()


def test_one_time_code_is_accepted_once_over_the_api(app, base_url, racer):
    totp = enrol(app, racer)
    code = totp.now()

    def sign_in(_n, barrier):
        barrier.wait()
        response = api_login(base_url, racer, otp=code)
        return response.status_code, response.text

    results = all_at_once(sign_in)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [401] * (RACERS - 1), results
    assert all("not valid" in text for status, text in results if status == 401), results
    assert api_login(base_url, racer, otp=code).status_code == 401, "the code stays spent"


def test_one_time_code_is_accepted_once_on_the_sign_in_screens(app, base_url, racer):
    totp = enrol(app, racer)
    sessions = [requests.Session() for _ in range(RACERS)]
    tokens = []
    for http in sessions:  # the password step, once per browser
        token = csrf(http, f"{base_url}/login/")
        step = http.post(f"{base_url}/login/", data={
            "username": racer, "password": factories.PASSWORD, "csrf_token": token},
            allow_redirects=False, timeout=60)
        assert step.headers["Location"].endswith("/mfa/verify"), step.status_code
        tokens.append(csrf(http, f"{base_url}/mfa/verify"))
    code = totp.now()

    def give_code(n, barrier):
        barrier.wait()
        response = sessions[n].post(f"{base_url}/mfa/verify", data={
            "code": code, "csrf_token": tokens[n]}, allow_redirects=False, timeout=60)
        return response.status_code, response.headers.get("Location", "")

    results = all_at_once(give_code)
    signed_in = [n for n, (status, where) in enumerate(results) if status == 302 and where == "/"]
    assert len(signed_in) == 1, results
    # The others are told the code is not valid, or (their failures count) sent back to sign in.
    assert all(status == 200 or where.endswith("/login/")
               for n, (status, where) in enumerate(results) if n not in signed_in), results
    assert sessions[signed_in[0]].get(f"{base_url}/cameraview/list/", timeout=60).status_code == 200


def test_simultaneous_wrong_passwords_all_count_towards_the_lockout(app, base_url, racer):
    before = audit_count(app, "login_failed", racer)

    def wrong(_n, barrier):
        barrier.wait()
        return api_login(base_url, racer, password="not-the-password-at-all").status_code

    assert all_at_once(wrong) == [401] * RACERS
    with app.app_context():
        user = factories.user(racer)
        assert user.fail_login_count == RACERS
        assert lockout.is_locked(user), "five failures lock the account, at once or not"
    assert audit_count(app, "login_failed", racer) - before == RACERS
    assert api_login(base_url, racer).status_code == 401, "locked: even the right password is refused"


def test_simultaneous_right_passwords_all_sign_in_and_are_counted(app, base_url, racer):
    with app.app_context():
        before = factories.user(racer).login_count or 0

    def right(_n, barrier):
        barrier.wait()
        return api_login(base_url, racer).status_code

    assert all_at_once(right) == [200] * RACERS
    with app.app_context():
        assert factories.user(racer).login_count == before + RACERS


def test_simultaneous_sign_ins_with_unknown_names_are_refused_without_error(app, base_url):
    def unknown(n, barrier):
        barrier.wait()
        return api_login(base_url, f"nobody-{n}", password="whatever-it-may-be").status_code

    assert all_at_once(unknown) == [401] * RACERS
