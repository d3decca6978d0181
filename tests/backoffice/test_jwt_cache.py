"""Bearer tokens are verified once per process (backoffice.security.jwt), and a cached token
is still refused once it expires; a token that does not verify is never kept."""
import time
from datetime import timedelta

from flask_jwt_extended import create_access_token

from backoffice.security.jwt import CachingJWTManager
from tests import factories


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_registry_uses_the_caching_manager(app):
    assert isinstance(app.extensions["flask-jwt-extended"], CachingJWTManager)


def test_a_cached_token_is_refused_once_it_expires(client):
    user = factories.user("investigator")
    url = f"/api/v1/agency/{factories.agency(0).id}"
    with client.application.test_request_context():
        token = create_access_token(identity=str(user.id), fresh=True, expires_delta=timedelta(seconds=2))
    assert client.get(url, headers=_bearer(token)).status_code == 200
    assert client.get(url, headers=_bearer(token)).status_code == 200  # from the cache
    time.sleep(2.5)
    assert client.get(url, headers=_bearer(token)).status_code == 401


def test_a_token_that_does_not_verify_is_refused_every_time(client):
    user = factories.user("investigator")
    url = f"/api/v1/agency/{factories.agency(0).id}"
    with client.application.test_request_context():
        token = create_access_token(identity=str(user.id), fresh=True)
    assert client.get(url, headers=_bearer(token)).status_code == 200
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    for _ in range(2):
        assert client.get(url, headers=_bearer(forged)).status_code in (401, 422)
    assert client.get(url, headers=_bearer(token)).status_code == 200


def test_an_inactive_account_is_refused_with_a_cached_token(client):
    """The cache keeps the token's claims, not the user: the account is read on every request."""
    from backoffice.extensions import db

    user = factories.user("investigator")
    url = f"/api/v1/agency/{factories.agency(0).id}"
    with client.application.test_request_context():
        token = create_access_token(identity=str(user.id), fresh=True)
    assert client.get(url, headers=_bearer(token)).status_code == 200
    user.active = False
    db.session.commit()
    try:
        assert client.get(url, headers=_bearer(token)).status_code in (401, 403)
    finally:
        user.active = True
        db.session.commit()
