"""CSRF: every state-changing screen route refuses a POST without a valid token.
Stored XSS: markup typed into free-text fields comes back escaped on list and detail pages."""

import pytest
from sqlalchemy import func, select

from backoffice.audit import record
from backoffice.localtime import county_today
from backoffice.extensions import db
from backoffice.models import Agency, AgencyUser, AuditEvent, Camera, Owner, Registration
from tests import factories
from tests.auth import login
from tests.security.test_route_matrix import _url

PAYLOAD = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;"


def _counts():
    db.session.expire_all()
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m))
            for m in (Owner, Registration, Camera, Agency, AgencyUser, AuditEvent)}


def _screen_post_rules(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "POST" in rule.methods and not rule.rule.startswith("/api/"):
            yield rule


# Routes that check the CSRF token themselves, after a check that must come first (the size
# of a portal post; a streaming upload that must not be buffered). They refuse without
# writing anything (the counts below); their own tests assert the token check.
SELF_CHECKING = ("/register", "/upload/", "/footage/1/evidence", "/area/")  # /area/: the link first


def test_every_screen_post_needs_a_csrf_token(client):
    factories.registration()
    db.session.commit()
    login(client, "admin")
    app = client.application
    before = _counts()
    accepted = []
    rules = list(_screen_post_rules(app))
    assert len(rules) > 30
    for rule in rules:
        url = _url(app, rule)
        for token in (None, "forged-token"):
            data = {"name": "x", "username": "x", "password": "x", "code": "123456",
                    "action": "delete", "rowid": ["1"]}
            if token:
                data["csrf_token"] = token
            response = client.post(url, data=data)
            if url.startswith(SELF_CHECKING):
                if response.status_code not in (302, 400, 410):
                    accepted.append((url, token, response.status_code))
            elif response.status_code != 400 or "CSRF" not in response.get_data(as_text=True):
                accepted.append((url, token, response.status_code))
    assert not accepted, "\n".join(map(str, accepted))
    assert _counts() == before
    assert client.get("/users/userinfo/").status_code == 200, "still signed in"


def test_login_form_needs_a_csrf_token(client):
    response = client.post("/login/", data={"username": "admin", "password": factories.PASSWORD})
    assert response.status_code == 400
    assert client.get("/users/list/").status_code == 302


@pytest.fixture()
def stored_payloads(ctx):
    """The payload in every free-text field of the screens' models."""
    owner = factories.owner(name=PAYLOAD, organisation=PAYLOAD)
    reg = factories.registration(owner=owner, address=PAYLOAD, city=PAYLOAD[:100], notes=PAYLOAD,
                                 next_confirmation_due=county_today())  # listed as due, too
    camera = reg.cameras[0]
    camera.label, camera.make_model, camera.overlooks = PAYLOAD[:100], PAYLOAD[:100], PAYLOAD
    agency = Agency(name=PAYLOAD, ori="CA9999999")
    db.session.add(agency)
    user = factories.user("investigator2")
    user.first_name = PAYLOAD[:64]
    event = record(PAYLOAD[:60], detail={"note": PAYLOAD}, purpose=PAYLOAD[:60])
    db.session.commit()
    return {"owner": owner.id, "registration": reg.id, "camera": camera.id, "agency": agency.id,
            "user": user.id, "event": event.id}


PAGES = [
    ("staff", "/ownerview/list/", None),
    ("staff", "/ownerview/show/{owner}", None),
    ("staff", "/registrationview/list/", None),
    ("staff", "/registrationview/show/{registration}", None),
    ("staff", "/dueregistrationview/list/", None),
    ("staff", "/cameraview/list/", None),
    ("staff", "/cameraview/show/{camera}", None),
    ("staff", "/agencyview/list/", None),
    ("staff", "/agencyview/show/{agency}", None),
    ("admin", "/users/list/", None),
    ("admin", "/users/show/{user}", None),
    ("admin", "/ownerview/edit/{owner}", None),
    ("admin", "/registrationview/edit/{registration}", None),
    ("admin", "/cameraview/edit/{camera}", None),
    ("auditor", "/auditeventview/list/", None),
    ("auditor", "/auditeventview/show/{event}", None),
]


@pytest.mark.parametrize("username, url, _", PAGES)
def test_stored_markup_is_escaped(client, stored_payloads, username, url, _):
    login(client, username)
    response = client.get(url.format(**stored_payloads))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<script>alert(" not in html
    assert "<img src=x" not in html
    assert ESCAPED in html or "&#34;xss&#34;" in html or "&lt;img" in html


def test_failed_login_name_is_escaped_in_the_audit_log(client):
    login(client, PAYLOAD[:100], "whatever-password-1")
    login(client, "auditor")
    html = client.get("/auditeventview/list/").get_data(as_text=True)
    assert "<script>alert(" not in html


def test_stored_markup_is_returned_as_json_text(client, stored_payloads):
    from tests.auth import api_token

    headers = api_token(client, "staff")
    response = client.get(f"/api/v1/owner/{stored_payloads['owner']}", headers=headers)
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.json["result"]["name"] == PAYLOAD
