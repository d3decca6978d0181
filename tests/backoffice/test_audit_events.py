"""Sign-ins, failures, sign-outs, password, user and role changes and audit-log reads are
all written to the audit chain (never a password)."""
import csv
import io
import json
import re

import pytest
from sqlalchemy import select

from backoffice.audit import verify_chain
from backoffice.extensions import db
from backoffice.models import AuditEvent
from tests import factories
from tests.auth import api_token, csrf_token, login

WRONG = "not-the-password-42"


def events(action: str | None = None, after: int = 0) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.id > after).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    db.session.expire_all()
    return list(db.session.execute(query).scalars())


def last_id() -> int:
    found = events()
    return found[-1].id if found else 0


def test_form_login_is_audited(client):
    start = last_id()
    assert login(client, "staff").status_code == 302
    [event] = events("login", start)
    assert event.username == "staff"
    assert event.user_id == factories.user("staff").id
    assert json.loads(event.detail) == {"method": "password", "via": "web"}
    assert event.ip == "127.0.0.1"


def test_api_login_is_audited(client):
    start = last_id()
    api_token(client, "investigator")
    [event] = events("login", start)
    assert event.username == "investigator"
    assert json.loads(event.detail)["via"] == "api"


def test_failed_login_is_audited_without_the_password(client):
    start = last_id()
    login(client, "staff", WRONG)
    [event] = events("login_failed", start)
    assert event.username == "staff"
    assert json.loads(event.detail)["reason"] == "wrong password"
    assert all(WRONG not in (e.detail or "") for e in events(after=start))


def test_unknown_user_is_audited(client):
    start = last_id()
    login(client, "nobody-here", WRONG)
    [event] = events("login_failed", start)
    assert event.user_id is None
    assert json.loads(event.detail) == {"username": "nobody-here", "reason": "unknown or inactive account"}


def test_logout_is_audited(client):
    login(client, "auditor")
    start = last_id()
    client.get("/logout/")
    [event] = events("logout", start)
    assert event.username == "auditor"


def _post_form(client, url: str, data: dict):
    data = dict(data, csrf_token=csrf_token(client, url))
    return client.post(url, data=data)


def test_own_password_change_is_audited(client):
    login(client, "supervisor")
    start = last_id()
    new = "a-brand-new-passphrase-7"
    response = _post_form(client, "/resetmypassword/form", {"password": new, "conf_password": new})
    assert response.status_code == 302
    [event] = events("password_changed", start)
    assert event.username == "supervisor" and event.object_id == factories.user("supervisor").id
    assert new not in (event.detail or "")


def test_admin_password_reset_is_audited(client):
    target = factories.user("staff")
    login(client, "admin")
    start = last_id()
    new = "another-new-passphrase-8"
    url = f"/resetpassword/form?pk={target.id}"
    response = _post_form(client, url, {"password": new, "conf_password": new})
    assert response.status_code == 302
    [event] = events("password_reset", start)
    assert event.username == "admin" and event.object_id == target.id


def test_role_change_of_a_user_is_audited(client):
    target = factories.user("investigator")
    sm = client.application.appbuilder.sm
    login(client, "admin")
    start = last_id()
    url = f"/users/edit/{target.id}"
    data = {
        "first_name": target.first_name,
        "last_name": target.last_name,
        "username": target.username,
        "email": target.email,
        "active": "y",
        "agency": str(target.agency_id),
        "roles": [str(sm.find_role("Supervisor").id)],
    }
    response = _post_form(client, url, data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    [event] = events("user_changed", start)
    assert event.username == "admin" and event.object_id == target.id
    assert json.loads(event.detail)["changes"]["roles"] == {"added": ["Supervisor"], "removed": ["Investigator"]}


def test_user_creation_is_audited(client):
    sm = client.application.appbuilder.sm
    login(client, "admin")
    start = last_id()
    password = "new-user-passphrase-9"
    data = {
        "first_name": "Nia",
        "last_name": "New",
        "username": "nia",
        "email": "nia@example.org",
        "active": "y",
        "agency": str(factories.agency(0).id),
        "roles": [str(sm.find_role("Investigator").id)],
        "password": password,
        "conf_password": password,
    }
    response = _post_form(client, "/users/add", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    [event] = events("user_created", start)
    assert json.loads(event.detail) == {"username": "nia", "roles": ["Investigator"]}
    assert event.username == "admin"
    assert password not in event.detail


def test_role_permission_change_is_audited(ctx):
    sm = ctx.appbuilder.sm
    start = last_id()
    role = sm.find_role("Auditor")
    role.permissions.append(sm.add_permission_view_menu("can_write", "Case"))
    db.session.commit()
    [event] = events("role_changed", start)
    assert json.loads(event.detail) == {
        "role": "Auditor",
        "permissions": {"added": ["can_write on Case"], "removed": []},
    }


def test_rolled_back_change_leaves_no_event(ctx):
    start = last_id()
    factories.user("staff").first_name = "Changed"
    db.session.flush()
    db.session.rollback()
    assert events("user_changed", start) == []


def test_audit_screen_lists_and_is_itself_audited(client):
    login(client, "auditor")
    start = last_id()
    page = client.get("/auditeventview/list/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Audit log" in html and "Export CSV" in html
    [event] = events("audit_log_listed", start)
    assert event.username == "auditor"


def test_audit_api_read_is_audited(client):
    headers = api_token(client, "auditor")
    start = last_id()
    response = client.get("/api/v1/audit_event/", headers=headers)
    assert response.status_code == 200
    [listed] = events("audit_log_listed", start)
    assert listed.username == "auditor"
    one = response.json["ids"][0]
    assert client.get(f"/api/v1/audit_event/{one}", headers=headers).status_code == 200
    [viewed] = events("audit_log_viewed", start)
    assert viewed.object_id == one


def test_audit_search_filters_by_action(client):
    login(client, "auditor")
    login_id = events("login")[-1].id
    html = client.get("/auditeventview/list/?_flt_0_action=login").get_data(as_text=True)
    assert f"/auditeventview/show/{login_id}" in html


def test_csv_export_is_audited(client):
    login(client, "auditor")
    start = last_id()
    response = client.get("/auditeventview/export.csv?action=login")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert rows and all(row["action"] == "login" for row in rows)
    assert {"id", "at", "username", "hash", "prev_hash"} <= set(rows[0])
    [event] = events("audit_log_exported", start)
    assert json.loads(event.detail) == {"filters": {"action": "login"}, "rows": len(rows)}


def test_csv_export_neutralises_formulas(client):
    from backoffice.audit import record

    record("=HYPERLINK(\"http://x\")", detail={"x": 1})
    db.session.commit()
    login(client, "auditor")
    body = client.get("/auditeventview/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in body


@pytest.mark.parametrize("purpose, cell", [
    ("=1+2", "'=1+2"), ("+1", "'+1"), ("@SUM(A1)", "'@SUM(A1)"), ("-cmd", "'-cmd"),
    ("%0A", "'%0A"), ("|calc", "'\\|calc"),  # defusedcsv's characters
    ("\tx", "'\tx"), ("\rx", "'\rx"),  # and the two OWASP adds, ours
    ("-5", "-5"), ("CR-2026-0042", "CR-2026-0042"),  # numbers and case numbers as they are
])
def test_csv_export_cells_are_never_formulas(client, purpose, cell):
    from backoffice.audit import record

    event = record("case.viewed", purpose=purpose)
    db.session.commit()
    login(client, "auditor")
    body = client.get("/auditeventview/export.csv?action=case.viewed").get_data(as_text=True)
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(body))}
    assert rows[str(event.id)]["purpose"] == cell


@pytest.mark.parametrize("query", ["since=yesterday", "until=2026-13-01", "object_id=abc"])
def test_csv_export_rejects_bad_filters(client, query):
    login(client, "auditor")
    start = last_id()
    response = client.get(f"/auditeventview/export.csv?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.get_data(as_text=True)
    assert events("audit_log_exported", start) == []


@pytest.mark.parametrize("username", ["staff", "investigator", "supervisor"])
def test_other_roles_cannot_read_the_audit_log(client, username):
    login(client, username)
    assert client.get("/auditeventview/list/").status_code in (302, 403)
    assert client.get("/auditeventview/export.csv").status_code in (302, 403)


def test_chain_stays_valid_after_all_of_this(client):
    login(client, "admin")
    client.get("/logout/")
    login(client, "admin", WRONG)
    assert list(verify_chain()) == []


def test_agency_changes_are_audited(client):
    login(client, "admin")
    start = last_id()
    agency = factories.agency(1)
    url = f"/agencyview/edit/{agency.id}"
    response = _post_form(client, url, {"name": "Renamed Police Department", "ori": agency.ori})
    assert response.status_code == 302
    [event] = events("agency_changed", start)
    assert event.username == "admin" and event.object_type == "agency" and event.object_id == agency.id
    assert json.loads(event.detail)["changes"]["name"]["new"] == "Renamed Police Department"


def test_csv_export_honours_the_filters_on_the_screen(client):
    """Filter the list, press Export CSV: the file holds what the screen showed, no more."""
    from backoffice.audit import record

    record("probe.export_alpha", object_type="registration", object_id=41)
    record("probe.export_beta", object_type="registration", object_id=42)
    db.session.commit()
    login(client, "auditor")
    listing = client.get("/auditeventview/list/?_flt_0_action=probe.export_alpha").get_data(as_text=True)
    link = re.search(r'href="([^"]*export\.csv[^"]*)"', listing).group(1).replace("&amp;", "&")
    assert "_flt_0_action=probe.export_alpha" in link
    start = last_id()
    rows = list(csv.DictReader(io.StringIO(client.get(link).get_data(as_text=True))))
    assert [row["action"] for row in rows] == ["probe.export_alpha"]
    [event] = events("audit_log_exported", start)
    assert json.loads(event.detail)["rows"] == 1
    assert "action equal to" in json.dumps(json.loads(event.detail)["filters"]).lower()


def test_audit_screen_says_actions_and_records_in_words(client):
    from backoffice.audit import record

    record("footage_request.approve_release", user=factories.user("supervisor"), object_type="footage_request",
           object_id=7, purpose="2026-WORDS")
    db.session.commit()
    login(client, "auditor")
    html = client.get("/auditeventview/list/?_flt_0_purpose=2026-WORDS").get_data(as_text=True)
    table = html[html.index("table-bordered"):]
    assert "Release approved" in table and "Footage request" in table
    assert "approve_release" not in table and "footage_request" not in table
    # Searching by action offers the actions in words (the stored code is what is sent).
    script = html.replace("\\u003c", "<").replace("\\u003e", ">").replace('\\"', '"')  # FAB's filter widgets are JSON
    assert re.search(r'<option value="owner.reveal"[^>]*>Owner contact shown</option>', script)
