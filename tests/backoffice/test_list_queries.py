"""List screens and list APIs issue a fixed number of SQL statements, whatever the page size."""
import contextlib

import pytest
from sqlalchemy import event

from backoffice.extensions import db
from tests import factories
from tests.auth import api_token, login


@contextlib.contextmanager
def count_statements():
    """Count the SQL statements the engine runs inside the block."""
    seen: list[str] = []

    def before(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


@pytest.fixture()
def many_registrations(ctx):
    """60 registrations with two cameras each."""
    for i in range(60):
        factories.registration(lat=35.3 + i * 0.001, lon=-119.0, cameras=2)
    db.session.commit()


SCREENS = [
    ("staff", "/registrationview/list/?psize_RegistrationView={n}"),
    ("staff", "/dueregistrationview/list/?psize_DueRegistrationView={n}"),
    ("staff", "/ownerview/list/?psize_OwnerView={n}"),
    ("staff", "/cameraview/list/?psize_CameraView={n}"),
]
APIS = [
    ("staff", "/api/v1/registration/?q=(page_size:{n})"),
    ("staff", "/api/v1/owner/?q=(page_size:{n})"),
    ("staff", "/api/v1/camera/?q=(page_size:{n})"),
]


@pytest.mark.parametrize("username, url", SCREENS)
def test_list_screen_statements_do_not_grow_with_page_size(client, many_registrations, username, url):
    login(client, username)
    client.get(url.format(n=1))  # warm-up: first-request queries (user, roles) are not per row
    counts = []
    for n in (5, 50):
        with count_statements() as seen:
            response = client.get(url.format(n=n))
        assert response.status_code == 200
        counts.append(len(seen))
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("username, url", APIS)
def test_list_api_statements_do_not_grow_with_page_size(client, many_registrations, username, url):
    headers = api_token(client, username)
    client.get(url.format(n=1), headers=headers)
    counts = []
    for n in (5, 50):
        with count_statements() as seen:
            response = client.get(url.format(n=n), headers=headers)
        assert response.status_code == 200
        assert len(response.json["result"]) == n
        counts.append(len(seen))
    assert counts[0] == counts[1], counts
