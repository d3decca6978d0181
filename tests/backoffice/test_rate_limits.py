"""Sign-in doors are rate limited (the shared test app switches limits off; this one on)."""
import pytest

from backoffice import create_app
from tests.auth import csrf_token


@pytest.fixture(scope="module")
def scratch_db(tmp_path_factory) -> str:
    """A migrated SpatiaLite file of its own, so a second app never contends with the first."""
    import config
    from flask_migrate import upgrade

    url = config.sqlite_url(tmp_path_factory.mktemp("limits") / "limits.db")
    scratch = create_app({"DATABASE_URL": url, "RATELIMIT_ENABLED": False})
    with scratch.app_context():
        upgrade()
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
