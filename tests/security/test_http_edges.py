"""The JSON API at its edges: ids beyond the column's range, impossible pages and sort columns,
`q` as Rison or JSON, malformed bodies on Flask-AppBuilder's own security endpoints. Every
one of these answered 500 on SQLite, PostgreSQL or both; each now answers 4xx with a JSON
message (and the field at fault where there is one), and changes nothing."""
import pytest
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import AgencyUser, Camera, Case, EvidenceItem, FootageRequest, Owner, Registration
from tests import factories
from tests.auth import api_token, csrf_token, login
from tests.workflows.helpers import request_in

# 2**31 overflows PostgreSQL's INTEGER, 10**20 SQLite's 64-bit integer; 0 is no id at all.
IMPOSSIBLE_IDS = [2**31, 10**20, 0]
MODELS = (Owner, Registration, Camera, Case, FootageRequest, EvidenceItem, AgencyUser)


def _counts():
    db.session.expire_all()
    return [db.session.scalar(select(func.count()).select_from(m)) for m in MODELS]


_tokens: dict[str, dict] = {}


def token(client, username: str) -> dict:
    """One bearer token per user for the module (the app, its key and the users are shared)."""
    if username not in _tokens:
        _tokens[username] = api_token(client, username)
    return _tokens[username]


@pytest.fixture()
def admin(client):
    return token(client, "admin")


def _json_refusal(response, status, field=None):
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    assert response.json["message"]
    if field is not None:
        assert response.json["field"] == field


@pytest.mark.parametrize("big", IMPOSSIBLE_IDS)
@pytest.mark.parametrize(
    "method, path, body",
    [
        ("POST", "/api/v1/footage_request/{id}/contact_owner", {"version": 1, "method": "phone"}),
        ("POST", "/api/v1/footage_request/{id}/close", {"version": 1}),
        ("POST", "/api/v1/footage_request/{id}/evidence", None),
        ("GET", "/api/v1/footage_request/{id}/receipt.pdf", None),
        ("GET", "/api/v1/case/{id}/canvass.pdf", None),
        ("POST", "/api/v1/evidence_item/{id}/custody", {"action": "transferred", "note": "x", "to": "lab"}),
        ("GET", "/api/v1/evidence_item/{id}/custody.pdf", None),
        ("GET", "/api/v1/footage_request/{id}", None),
        ("GET", "/api/v1/case/{id}", None),
        ("PUT", "/api/v1/case/{id}", {"summary": "x"}),
        ("DELETE", "/api/v1/agency/{id}", None),
        ("GET", "/api/v1/security/roles/{id}", None),
        ("GET", "/api/v1/security/users/{id}", None),
        ("PUT", "/api/v1/security/users/{id}", {"first_name": "x"}),
        ("PUT", "/api/v1/security/groups/{id}", {"name": "x"}),
        ("GET", "/api/v1/security/permissions/{id}", None),
        ("GET", "/api/v1/security/resources/{id}", None),
        ("GET", "/api/v1/security/permissions-resources/{id}", None),
        ("GET", "/api/v1/security/roles/{id}/permissions/", None),
        ("POST", "/api/v1/security/roles/{id}/permissions", {"permission_view_menu_ids": [1]}),
        ("PUT", "/api/v1/security/roles/{id}/users", {"user_ids": [1]}),
    ],
)
def test_an_id_no_row_can_have_is_not_found(client, admin, method, path, body, big):
    before = _counts()
    response = client.open(path.format(id=big), method=method, headers=admin, json=body)
    _json_refusal(response, 404)
    assert _counts() == before


@pytest.mark.parametrize("big", [2**31, 10**20])
@pytest.mark.parametrize(
    "path, body, status, field",
    [
        ("/api/v1/footage_request/", {"case_id": "{id}", "registration_id": 1}, 404, None),
        ("/api/v1/footage_request/", {"case_id": "{case}", "registration_id": "{id}"}, 400, "registration_id"),
        ("/api/v1/footage_request/", {"case_id": "{case}", "registration_id": "{reg}", "assignee_id": "{id}"},
         400, "assignee_id"),
        ("/api/v1/canvass/contact", {"case_id": "{id}", "registration_id": 1}, 404, "case_id"),
        ("/api/v1/canvass/contact", {"case_id": "{case}", "registration_id": "{id}"}, 404, None),
        ("/api/v1/canvass/requests", {"case_id": "{case}", "camera_ids": ["{id}"]}, 400, "camera_ids"),
        ("/api/v1/canvass/requests", {"case_id": "{id}", "camera_ids": [1]}, 404, "case_id"),
    ],
)
def test_ids_beyond_range_in_a_body_are_refused(client, path, body, status, field, big):
    case, reg = factories.case(0), factories.registration()
    db.session.commit()
    values = {"{id}": big, "{case}": case.id, "{reg}": reg.id}
    resolved = {k: ([values.get(i, i) for i in v] if isinstance(v, list) else values.get(v, v))
                for k, v in body.items()}
    before = _counts()
    response = client.post(path, headers=token(client, "investigator"), json=resolved)
    _json_refusal(response, status, field)
    assert _counts() == before


@pytest.mark.parametrize("path", ["/api/v1/camera/{id}", "/api/v1/security/users/{id}",
                                  "/api/v1/footage_request/{id}/receipt.pdf"])
def test_an_id_of_thousands_of_digits_is_not_found(client, admin, path):
    """Python refuses int() of more than 4300 digits (ValueError): that was a 500 too."""
    response = client.get(path.format(id="9" * 5000), headers=admin)
    _json_refusal(response, 404)


@pytest.mark.parametrize("big", [2**31, 10**20])
@pytest.mark.parametrize("path, extra", [
    ("/api/v1/canvass/", {}),
    ("/api/v1/canvass/route/", {"route": '{"type": "LineString", "coordinates": [[-119, 35.3], [-119.01, 35.3]]}'}),
])
def test_canvass_search_for_an_impossible_case_is_not_found(client, big, path, extra):
    response = client.get(path, query_string={"case_id": big, **extra}, headers=token(client, "investigator"))
    _json_refusal(response, 404, "case_id")


def test_a_known_request_answers_as_before(client):
    """The refusal statuses of SPEC §5 are unchanged: 403 role, 404 other agency, 409 stale."""
    request = request_in("open")
    db.session.commit()
    url = f"/api/v1/footage_request/{request.id}/contact_owner"
    body = {"version": 1, "method": "phone", "note": "voicemail"}
    _json_refusal(client.post(url, json=body, headers=token(client, "staff")), 403)
    _json_refusal(client.post(url, json=body, headers=token(client, "investigator2")), 404)
    _json_refusal(client.post(url, json={**body, "version": 7}, headers=token(client, "investigator")), 409)
    _json_refusal(client.post(url, json={"method": "phone"}, headers=token(client, "investigator")),
                  400, "version")
    assert client.post(url, json=body, headers=token(client, "investigator")).status_code == 200


@pytest.mark.parametrize("resource", ["camera", "registration", "footage_request", "audit_event", "case",
                                      "security/users", "security/roles"])
@pytest.mark.parametrize(
    "q, status, field",
    [
        ("(page:-1)", 400, "page"),
        ("(page:-1,page_size:10)", 400, "page"),
        ("(page:100000000000000000000,page_size:10)", 400, "page"),
        ("(page:3000000000,page_size:10)", 400, "page"),
        ("(page:0,page_size:-5)", 200, None),  # FAB's rule: a page size below 1 means the largest
        ("(page:0,page_size:1000000000)", 200, None),  # capped at FAB_API_MAX_PAGE_SIZE
        ("(order_column:nope,order_direction:asc)", 400, None),
        ("(order_column:id,order_direction:sideways)", 400, None),
    ],
)
def test_impossible_pages_and_sort_columns_are_refused(client, admin, resource, q, status, field):
    response = client.get(f"/api/v1/{resource}/", query_string={"q": q}, headers=admin)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    if status == 200:
        assert len(response.json["result"]) <= 500
    elif field:
        assert response.json["field"] == field


@pytest.mark.parametrize("resource", ["camera", "registration", "case"])
def test_lists_are_not_sorted_by_a_computed_property(client, admin, resource):
    """lat and lon are listed but computed from the location: FAB offered them as sort
    columns and failed with 500."""
    response = client.get(f"/api/v1/{resource}/", query_string={"q": "(order_column:lat,order_direction:asc)"},
                          headers=admin)
    assert response.status_code == 400
    info = client.get(f"/api/v1/{resource}/", query_string={"q": "(keys:!(order_columns))"}, headers=admin)
    assert "lat" not in info.json["order_columns"] and "id" in info.json["order_columns"]


@pytest.mark.parametrize(
    "resource, flt",
    [
        ("camera", "(col:registration_id,opr:eq,value:'2147483648')"),
        ("camera", "(col:registration_id,opr:eq,value:100000000000000000000)"),
        ("camera", "(col:registration_id,opr:gt,value:-100000000000000000000)"),
        ("footage_request", "(col:case_id,opr:eq,value:'2147483648')"),
        ("audit_event", "(col:object_id,opr:eq,value:2147483648)"),
        ("security/users", "(col:roles,opr:rel_m_m,value:2147483648)"),
        ("security/users", "(col:roles,opr:rel_m_m,value:'abc')"),
        ("camera", "(col:label,opr:sw,value:5)"),  # FAB: 5 + "%"
        ("camera", "(col:label,opr:eq,value:!(1,2))"),  # PostgreSQL: character varying = integer
        ("camera", "(col:label,opr:in,value:5)"),  # FAB: for v in 5
        ("security/users", "(col:active,opr:eq,value:n)"),  # PostgreSQL: boolean = character varying
        ("security/users", "(col:active,opr:neq,value:5)"),
    ],
)
def test_filter_values_a_column_cannot_hold_are_refused(client, admin, resource, flt):
    response = client.get(f"/api/v1/{resource}/", query_string={"q": f"(filters:!({flt}))"}, headers=admin)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.json["field"]


def test_filter_values_in_range_still_filter(client, admin):
    reg = factories.registration(cameras=2)
    db.session.commit()
    q = f"(filters:!((col:registration_id,opr:eq,value:{reg.id})))"
    response = client.get("/api/v1/camera/", query_string={"q": q}, headers=admin)
    assert response.status_code == 200 and response.json["count"] == 2
    q = "(filters:!((col:label,opr:in,value:!('Camera 1',nope))))"
    response = client.get("/api/v1/camera/", query_string={"q": q}, headers=admin)
    assert response.status_code == 200 and response.json["count"] >= 1
    active = client.get("/api/v1/security/users/", query_string={"q": "(filters:!((col:active,opr:eq,value:y)))"},
                        headers=admin)
    inactive = client.get("/api/v1/security/users/", query_string={"q": "(filters:!((col:active,opr:eq,value:!f)))"},
                          headers=admin)
    assert active.json["count"] >= 7 and inactive.status_code == 200


def test_q_may_be_json_as_flask_appbuilder_allows(client, admin):
    """FAB_API_ALLOW_JSON_QS (on by default): q may be JSON; the Rison pre-check refused it."""
    reg = factories.registration(cameras=3)
    db.session.commit()
    rison = f"(filters:!((col:registration_id,opr:eq,value:{reg.id})),page:0,page_size:2)"
    as_json = ('{"filters":[{"col":"registration_id","opr":"eq","value":%d}],"page":0,"page_size":2}' % reg.id)
    by_rison = client.get("/api/v1/camera/", query_string={"q": rison}, headers=admin)
    by_json = client.get("/api/v1/camera/", query_string={"q": as_json}, headers=admin)
    assert by_json.status_code == 200, by_json.get_data(as_text=True)
    assert by_json.json["count"] == by_rison.json["count"] == 3
    assert by_json.json["ids"] == by_rison.json["ids"] and len(by_json.json["ids"]) == 2
    refused = client.get("/api/v1/camera/", query_string={"q": '{"page": -1}'}, headers=admin)
    assert refused.status_code == 400 and refused.json["field"] == "page"


@pytest.mark.parametrize("q", ["(a:--)", "--", '{"page": 1', "{page:1}", "(page:", "!(", "(a:'b)"])
def test_q_that_is_neither_rison_nor_json_is_a_400(client, admin, q):
    response = client.get("/api/v1/camera/", query_string={"q": q}, headers=admin)
    _json_refusal(response, 400, "q")


def test_q_as_json_can_be_turned_off(client, admin):
    app = client.application
    app.config["FAB_API_ALLOW_JSON_QS"] = False
    try:
        response = client.get("/api/v1/camera/", query_string={"q": '{"page":0}'}, headers=admin)
    finally:
        app.config["FAB_API_ALLOW_JSON_QS"] = True
    _json_refusal(response, 400, "q")


BODIES = [b"", b"{", b"[]", b"null", b'"text"', b"17", b"\xff\xfe"]


@pytest.mark.parametrize(
    "method, path",
    [
        ("POST", "/api/v1/security/roles/"),
        ("PUT", "/api/v1/security/roles/{role}"),
        ("POST", "/api/v1/security/users/"),
        ("PUT", "/api/v1/security/users/{user}"),
        ("POST", "/api/v1/security/groups/"),
        ("PUT", "/api/v1/security/groups/{group}"),
        ("POST", "/api/v1/security/resources/"),
        ("PUT", "/api/v1/security/resources/1"),
        ("POST", "/api/v1/security/permissions-resources/"),
        ("PUT", "/api/v1/security/permissions-resources/1"),
        ("POST", "/api/v1/security/roles/{role}/permissions"),
        ("PUT", "/api/v1/security/roles/{role}/users"),
        ("PUT", "/api/v1/security/roles/{role}/groups"),
        ("POST", "/api/v1/security/login"),
        ("PUT", "/api/v1/camera/{camera}"),
        ("POST", "/api/v1/footage_request/"),
        ("POST", "/api/v1/footage_request/1/close"),
        ("POST", "/api/v1/canvass/contact"),
        ("POST", "/api/v1/evidence_item/1/custody"),
    ],
)
def test_security_and_our_endpoints_refuse_malformed_bodies(client, admin, method, path):
    reg = factories.registration()
    db.session.commit()
    sm = client.application.appbuilder.sm
    ids = {"{role}": sm.find_role("Auditor").id, "{user}": factories.user("auditor").id,
           "{group}": _group_id(sm), "{camera}": reg.cameras[0].id}
    for key, value in ids.items():
        path = path.replace(key, str(value))
    before = _counts()
    roles_before = len(sm.find_role("Auditor").permissions)
    wrong = []
    for raw in BODIES:
        for content_type in ("application/json", "text/plain"):
            response = client.open(path, method=method, data=raw, content_type=content_type, headers=admin)
            if not (400 <= response.status_code < 500 and response.mimetype == "application/json"
                    and response.json["message"]):
                wrong.append((raw, content_type, response.status_code, response.get_data(as_text=True)[:200]))
    assert not wrong
    assert _counts() == before
    db.session.expire_all()
    assert len(sm.find_role("Auditor").permissions) == roles_before


def _group_id(sm):
    group = sm.find_group("Registry editors") or sm.add_group("Registry editors", "Registry editors",
                                                              "a test group", [])
    db.session.commit()
    return group.id


def test_put_on_a_missing_user_is_not_found(client, admin):
    """FAB's user API dereferenced the missing user (500)."""
    response = client.put("/api/v1/security/users/999999", headers=admin,
                          json={"roles": [], "groups": []})
    _json_refusal(response, 404)


@pytest.mark.parametrize("key", ["roles", "groups"])
def test_role_or_group_ids_beyond_range_are_refused(client, admin, key):
    """FAB's user API sent the ids to the database (500) and then reported missing roles
    through response_404(message=...), which its signature does not take (500 again)."""
    user = factories.user("auditor")
    for ids, status in (([2**31], 400), ([10**20], 400), ([999999], (400, 404))):
        response = client.put(f"/api/v1/security/users/{user.id}", headers=admin, json={key: ids})
        assert response.status_code in (status if isinstance(status, tuple) else (status,)), response.json
        assert response.mimetype == "application/json"
    db.session.expire_all()
    assert factories.user("auditor").roles, "nothing changed"


@pytest.mark.parametrize("path, key", [("permissions", "permission_view_menu_ids"), ("users", "user_ids"),
                                       ("groups", "group_ids")])
def test_ids_beyond_range_in_role_lists_are_refused(client, admin, path, key):
    role = client.application.appbuilder.sm.find_role("Auditor")
    method = "POST" if path == "permissions" else "PUT"
    before = len(role.permissions)
    response = client.open(f"/api/v1/security/roles/{role.id}/{path}", method=method, headers=admin,
                           json={key: [1, 2**31]})
    _json_refusal(response, 400, key)
    db.session.expire_all()
    assert len(client.application.appbuilder.sm.find_role("Auditor").permissions) == before


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nonsense"}, "access"])
def test_refresh_without_a_refresh_token_is_refused(client, headers):
    if headers == "access":
        headers = token(client, "admin")
    response = client.post("/api/v1/security/refresh", headers=headers)
    assert 400 <= response.status_code < 500
    assert response.mimetype == "application/json"


@pytest.mark.parametrize("body", [{}, {"username": "admin"}, {"username": 5, "password": [],
                                                              "provider": "db"},
                                  {"username": "admin", "password": "x", "provider": "ldap"}])
def test_login_with_incomplete_bodies_is_refused(client, body):
    response = client.post("/api/v1/security/login", json=body)
    assert response.status_code in (400, 401) and response.json["message"]


def test_unexpected_errors_answer_json_without_internals(client, admin, monkeypatch):
    """The safety net: an exception nobody foresaw answers a JSON 500 that gives nothing away."""
    from backoffice import camera_map

    def broken(_raw):
        raise RuntimeError("secret-internal-detail at /srv/app/module.py")

    monkeypatch.setattr(camera_map, "parse_bbox", broken)
    response = client.get("/api/v1/cameras/geojson?bbox=1,2,3,4", headers=admin)
    assert response.status_code == 500 and response.mimetype == "application/json"
    assert "secret" not in response.get_data(as_text=True) and response.json["message"]


def test_unknown_api_paths_and_methods_answer_json(client, admin):
    missing = client.get("/api/v1/no_such_thing/", headers=admin)
    _json_refusal(missing, 404)
    wrong_method = client.delete("/api/v1/audit_event/1", headers=admin)  # the log is append-only
    _json_refusal(wrong_method, 405)
    assert "GET" in wrong_method.headers["Allow"]


def test_a_database_refusal_does_not_show_its_sql(client, admin):
    body = {"name": "Kern County District Attorney", "ori": "CA0150000"}
    first = client.post("/api/v1/agency/", headers=admin, json=body)
    second = client.post("/api/v1/agency/", headers=admin, json=body)
    assert {first.status_code, second.status_code} <= {201, 422} and second.status_code == 422
    text = second.get_data(as_text=True)
    assert "INSERT" not in text and "[SQL" not in text and "constraint" not in text.lower()


def test_audit_export_with_an_impossible_object_id_is_refused(client):
    login(client, "auditor")
    for value in ("2147483648", "99999999999999999999"):
        response = client.get("/auditeventview/export.csv", query_string={"object_id": value})
        assert response.status_code == 400 and "object_id" in response.get_data(as_text=True)


def test_an_unknown_action_is_not_found_even_for_visitors(client):
    """FAB looked the action up after the fact: None.func (500), before asking who asks."""
    token = csrf_token(client, "/login/")
    for url in ("/ownerview/action/nope/1", "/cameraview/action/nope/2147483648"):
        assert client.post(url, data={"csrf_token": token}).status_code == 404
    response = client.post("/ownerview/action_post", data={"csrf_token": token, "action": "nope", "rowid": "1"})
    assert response.status_code == 404
