"""Sign-in doors are rate limited per address and account name, failures only (the shared
test app switches limits off; this one on)."""
import pytest

from backoffice import create_app
from backoffice.extensions import db
from tests import factories
from tests.auth import csrf_token, login


@pytest.fixture(scope="module")
def scratch_db(tmp_path_factory) -> str:
    """A migrated SpatiaLite file of its own, so a second app never contends with the first."""
    import config
    from flask_migrate import upgrade

    url = config.sqlite_url(tmp_path_factory.mktemp("limits") / "limits.db")
    scratch = create_app({"DATABASE_URL": url, "RATELIMIT_ENABLED": False})
    with scratch.app_context():
        upgrade()
        scratch.appbuilder.sm.sync_roles()
        factories.seed_users(password=factories.PASSWORD)
        db.session.commit()
    return url


@pytest.fixture(scope="module")
def limited_app(scratch_db):
    """A second app with a small limit and memory storage."""
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": scratch_db,
            "SERVER_NAME": "localhost",
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "AUTH_RATE_LIMIT": "3 per minute",
            "MFA_REQUIRED": False,
        }
    )


def test_limits_are_on_by_default():
    import config

    assert config.RATELIMIT_ENABLED is True
    assert config.RATELIMIT_STORAGE_URI == "memory://"


def test_login_form_is_limited(limited_app):
    client = limited_app.test_client()
    token = csrf_token(client, "/login/")
    # Empty usernames fail form validation: counted by the limiter, nothing written.
    codes = [
        client.post("/login/", data={"username": "", "password": "", "csrf_token": token}).status_code
        for _ in range(4)
    ]
    assert codes[:3] == [200, 200, 200]
    assert codes[3] == 429
    assert client.get("/login/").status_code == 200, "only POSTs are limited"


def test_rest_login_is_limited(limited_app):
    client = limited_app.test_client()
    codes = [client.post("/api/v1/security/login", data="not json").status_code for _ in range(4)]
    assert codes == [400, 400, 400, 429]


def test_one_time_code_step_is_limited(limited_app):
    client = limited_app.test_client()
    token = csrf_token(client, "/login/")
    codes = [client.post("/mfa/verify", data={"csrf_token": token}).status_code for _ in range(4)]
    assert codes == [302, 302, 302, 429]


@pytest.fixture()
def limits(limited_app):
    """A test client of the limited app, with every limit's count back at zero."""
    limited_app.appbuilder.sm.limiter.reset()
    return limited_app.test_client()


def rest_login(client, username: str, password: str = factories.PASSWORD):
    return client.post("/api/v1/security/login",
                       json={"username": username, "password": password, "provider": "db"})


def test_successful_sign_ins_do_not_count(limits):
    """Colleagues at one station (one address) sign in all day without being turned away."""
    assert [rest_login(limits, "investigator").status_code for _ in range(6)] == [200] * 6
    for _ in range(5):
        response = login(limits, "staff")
        assert response.status_code == 302 and "/login" not in response.headers["Location"]
        limits.get("/logout/")
    assert [rest_login(limits, "investigator", "wrong password").status_code
            for _ in range(4)] == [401, 401, 401, 429], "failures still count"


def test_the_limit_is_per_address_and_account_name(limits):
    """Guessing at one account does not turn away another account's sign-in from the same address."""
    codes = [rest_login(limits, "supervisor", "wrong password").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    assert rest_login(limits, "SUPERVISOR ", "wrong password").status_code == 429, "the same name"
    assert rest_login(limits, "auditor", "wrong password").status_code == 401
    assert rest_login(limits, "auditor").status_code == 200
    token = csrf_token(limits, "/login/")
    for _ in range(3):
        limits.post("/login/", data={"username": "staff", "password": "wrong password", "csrf_token": token})
    turned_away = limits.post("/login/", data={"username": "staff", "password": "x", "csrf_token": token})
    assert turned_away.status_code == 429
    assert "Too many sign-in attempts" in turned_away.get_data(as_text=True)
    assert login(limits, "admin").status_code == 302, "another account signs in from the same address"


def test_a_limited_rest_login_answers_json_in_words(limits):
    for _ in range(3):
        rest_login(limits, "investigator2", "wrong password")
    response = rest_login(limits, "investigator2", "wrong password")
    assert response.status_code == 429
    assert response.mimetype == "application/json"
    assert response.json["message"].startswith("Too many sign-in attempts for this account")

