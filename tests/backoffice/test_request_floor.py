"""What every signed-in request costs before its own work: the user (with agency, roles and
groups, in one statement) and nothing else; permissions of the declared roles are checked in
memory (backoffice.security.roles), so a role change takes effect on the next request."""
import re

import pytest
from sqlalchemy import delete, insert

from backoffice.extensions import db
from backoffice.models import AgencyUser, AuditEvent
from tests import factories
from tests.auth import api_token, login
from tests.backoffice.test_list_queries import count_statements

# The test's own transaction nests each request in a savepoint: not the request's statements.
HARNESS = re.compile(r"^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)", re.I)


def _data_statements(seen: list[str]) -> list[str]:
    return [s for s in seen if not HARNESS.match(s) and s.strip().upper() != "BEGIN"]


def test_an_authenticated_api_read_is_the_user_and_the_row(client):
    agency_id = factories.agency(0).id
    headers = api_token(client, "investigator")
    client.get(f"/api/v1/agency/{agency_id}", headers=headers)
    with count_statements() as seen:
        response = client.get(f"/api/v1/agency/{agency_id}", headers=headers)
    assert response.status_code == 200
    statements = _data_statements(seen)
    assert len(statements) == 2, statements
    assert "FROM ab_user" in statements[0] and "ab_role" in statements[0]  # roles joined in
    assert "FROM agency" in statements[1]


@pytest.mark.parametrize("username, url, most", [
    ("staff", "/registrationview/list/", 3),  # the user, the count, the page
    ("investigator", "/caseview/list/", 3),
    ("staff", "/", 7),  # the user and each panel of the home page
])
def test_screens_pay_no_permission_statements(client, username, url, most):
    login(client, username)
    client.get(url)
    with count_statements() as seen:
        response = client.get(url)
    assert response.status_code == 200
    statements = _data_statements(seen)
    assert not [s for s in statements if "ab_permission" in s], statements
    assert len(statements) <= most, statements


def test_a_role_taken_away_is_refused_on_the_next_request(client):
    headers = api_token(client, "investigator")
    assert client.get("/api/v1/case/", headers=headers).status_code == 200
    user = db.session.query(AgencyUser).filter_by(username="investigator").one()
    links = AgencyUser.roles.property.secondary
    role_ids = [role.id for role in user.roles]
    db.session.execute(delete(links).where(links.c.user_id == user.id))
    db.session.commit()
    db.session.expire_all()
    try:
        assert client.get("/api/v1/case/", headers=headers).status_code in (401, 403)
    finally:
        db.session.execute(insert(links), [{"user_id": user.id, "role_id": r} for r in role_ids])
        db.session.commit()
    assert client.get("/api/v1/case/", headers=headers).status_code == 200


def test_visitors_get_no_permission_from_the_public_role(client):
    assert client.get("/api/v1/case/").status_code == 401
    assert client.get("/api/v1/agency/1").status_code == 401


def test_an_api_answer_opens_no_session(client):
    """A bearer-token call gets its answer and no cookie: API clients hold no browser session
    (the language selector stored the default language in a new session on every call)."""
    headers = api_token(client, "investigator")
    fresh = client.application.test_client()
    for url in (f"/api/v1/agency/{factories.agency(0).id}", "/api/v1/case/", "/api/v1/agency/_info"):
        response = fresh.get(url, headers=headers)
        assert response.status_code == 200, url
        assert not response.headers.getlist("Set-Cookie"), (url, response.headers.getlist("Set-Cookie"))


def test_one_api_record_is_the_same_through_the_short_path_and_flask_appbuilders(client):
    """GET one record without query arguments reads it by a statement built once; with
    arguments FAB builds its query. Both answer the same record."""
    agency = factories.agency(0)
    headers = api_token(client, "investigator")
    short = client.get(f"/api/v1/agency/{agency.id}", headers=headers)
    columns = "(columns:!(id,name,ori,county_oversight))"
    fab = client.get(f"/api/v1/agency/{agency.id}?q={columns}", headers=headers)
    assert short.status_code == fab.status_code == 200
    assert short.json["result"] == fab.json["result"]
    assert short.json["result"]["name"] == agency.name
    assert set(short.json) >= {"id", "result", "label_columns", "show_columns", "description_columns", "show_title"}
    assert client.get("/api/v1/agency/2147483647", headers=headers).status_code == 404


def test_another_agencys_record_stays_not_found_through_the_short_path(client):
    """The short path of GET one record keeps the agency scope (404, the refusal audited)."""
    from backoffice.models import AuditEvent

    other = factories.case(agency_index=1)
    db.session.commit()
    headers = api_token(client, "investigator")
    assert client.get(f"/api/v1/case/{other.id}", headers=headers).status_code == 404
    refused = db.session.query(AuditEvent).filter_by(action="access.refused", object_id=other.id).count()
    assert refused == 1


def test_a_permission_revoked_from_a_role_is_refused_on_the_next_request(client):
    """A role kept in the database (made on the Roles screen, not declared in code): taking a
    permission away from it refuses the very next request of a token issued before."""
    sm = client.application.appbuilder.sm
    role = sm.add_role("Agency readers")
    permission = sm.add_permission_view_menu("can_read", "Agency")
    sm.add_permission_role(role, permission)
    user = sm.add_user("reader", "Rea", "Der", "reader@example.org", role, password=factories.PASSWORD)
    user.agency_id = factories.agency(0).id
    db.session.commit()
    headers = api_token(client, "reader")
    url = f"/api/v1/agency/{factories.agency(0).id}"
    assert client.get(url, headers=headers).status_code == 200
    sm.del_permission_role(role, permission)
    db.session.commit()
    db.session.expire_all()
    assert client.get(url, headers=headers).status_code in (401, 403)
    sm.add_permission_role(role, permission)
    db.session.commit()
    assert client.get(url, headers=headers).status_code == 200


SHOW_PAGES = [
    # (user, URL of a record with `n` related rows shown on its page)
    ("staff", lambda n: f"/registrationview/show/{factories.registration(cameras=n).id}"),
    ("staff", lambda n: "/ownerview/show/{}".format(_owner_with(n).id)),
]


def _owner_with(n: int):
    owner = factories.owner()
    for _ in range(n):
        factories.registration(owner=owner)
    return owner


@pytest.mark.parametrize("username, make_url", SHOW_PAGES)
def test_show_screen_statements_do_not_grow_with_related_rows(client, username, make_url):
    login(client, username)
    small, large = make_url(1), make_url(12)
    db.session.commit()
    counts = []
    for url in (small, large):
        client.get(url)  # warm-up: what a process reads once is not per row
        db.session.expire_all()  # each request starts from the database, as in production
        with count_statements() as seen:
            response = client.get(url)
        assert response.status_code == 200, url
        counts.append(len(_data_statements(seen)))
    assert counts[0] == counts[1], counts


def test_a_canvass_is_the_user_the_case_the_search_and_its_audit_event(client):
    """GET /api/v1/canvass/: the floor, the case, the indexed search (with each camera's bearing
    to the place and whether a picture of its view is kept), and the audit event appended to
    the chain (head and event: three statements on SQLite, one on PostgreSQL), committed in the
    request; nothing per camera found."""
    case = factories.case()
    for i in range(5):
        factories.registration(lat=case.lat + i * 0.0002, lon=case.lon, cameras=2)
    db.session.commit()
    headers = api_token(client, "investigator")
    url = f"/api/v1/canvass/?case_id={case.id}&radius_m=500"
    assert client.get(url, headers=headers).status_code == 200
    with count_statements() as seen:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    assert response.json["count"] == 10
    statements = _data_statements(seen)
    writes = [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "WITH"))]
    reads = [s for s in statements if s not in writes and s.strip().upper() not in ("COMMIT", "ROLLBACK")]
    assert len(reads) == 3, [r[:150] for r in reads]  # the user, the case, the search
    assert "camera_snapshot" in reads[-1] and "ST_Azimuth" in reads[-1]
    assert 1 <= len(writes) <= 3, writes
    assert all("audit" in s for s in writes), writes


@pytest.mark.parametrize("username, resource, make", [
    ("staff", "owner", lambda: factories.owner(name="Zoë Ñúñez-O'Brien", phone="+1 661 555 0100")),
    ("auditor", "audit_event", lambda: db.session.query(AuditEvent).order_by(AuditEvent.id.desc()).first()),
])
def test_a_record_dumped_from_its_row_is_the_record_flask_appbuilder_answers(client, username, resource, make):
    """Where every field shown is a column, the short path dumps the row as read, without
    building the record: the answer must not differ from FAB's, field by field."""
    headers = api_token(client, username)  # a sign-in: an audit event at least
    record = make()
    db.session.commit()
    api = next(v for v in client.application.appbuilder.baseviews if getattr(v, "resource_name", "") == resource)
    assert api._one_row_statement()[1] is True  # this API takes the row path
    short = client.get(f"/api/v1/{resource}/{record.id}", headers=headers)
    columns = "(columns:!({}))".format(",".join(api.show_columns))
    fab = client.get(f"/api/v1/{resource}/{record.id}?q={columns}", headers=headers)
    assert short.status_code == fab.status_code == 200, short.json
    assert short.json["result"] == fab.json["result"]
    assert short.json["label_columns"] == fab.json["label_columns"]


def test_what_every_api_call_repeated_is_done_once(client, monkeypatch):
    """A bearer token's header is parsed, a language parsed into babel's Locale, once per
    process; a request with no session cookie makes no cookie signer. Each was redone on
    every request (together about a fifth of the cheapest API read)."""
    import jwt as pyjwt
    from babel import Locale
    from flask.sessions import SecureCookieSessionInterface

    agency_id = factories.agency(0).id
    headers = api_token(client, "investigator")
    assert client.get(f"/api/v1/agency/{agency_id}", headers=headers).status_code == 200
    calls = {"header": 0, "locale": 0, "signer": 0}

    def counted(name, original):
        def spy(*args, **kwargs):
            if name != "locale" or isinstance(args[-1], str):  # a Locale given is returned as it is
                calls[name] += 1
            return original(*args, **kwargs)
        return spy

    monkeypatch.setattr(pyjwt, "get_unverified_header", counted("header", pyjwt.get_unverified_header))
    monkeypatch.setattr(Locale, "parse", counted("locale", Locale.parse))
    monkeypatch.setattr(SecureCookieSessionInterface, "get_signing_serializer",
                        counted("signer", SecureCookieSessionInterface.get_signing_serializer))
    for _ in range(3):
        response = client.get(f"/api/v1/agency/{agency_id}", headers=headers)
        assert response.status_code == 200 and response.json["label_columns"]
    assert calls["signer"] == 0
    assert calls["header"] == 0 and calls["locale"] == 0, calls
    # A browser's session still opens and signs as before.
    login(client, "investigator")
    assert client.get("/caseview/list/").status_code == 200
    assert calls["signer"] > 0
