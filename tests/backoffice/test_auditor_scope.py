"""The auditor's scope is an agency attribute, and a refused read of another agency's record is
itself an audit event."""
import re

import pytest

from backoffice import audit
from backoffice.accounts import ensure_user
from backoffice.extensions import db
from backoffice.models import AuditEvent
from backoffice.scoping import REFUSED_READ
from tests import factories
from tests.auth import api_token, csrf_token, login


def _events(**fields):
    return db.session.query(AuditEvent).filter_by(**fields).all()


def _plain(response) -> str:
    """The answer without numbers and per-response nonces and tokens."""
    text = re.sub(r'(nonce|value)="[^"]*"', "", response.get_data(as_text=True))
    return re.sub(r"\d+", "N", text)


def _seed():
    """A case, request and evidence-free event of each agency, and a portal event."""
    first, second = factories.agency(0), factories.agency(1)
    ensure_user("auditor2", "Auditor", second, factories.PASSWORD, "Ada", "Second")
    theirs = factories.case(agency_index=0, case_number="FIRST-0001")
    ours = factories.case(agency_index=1, case_number="SECOND-0001")
    request = factories.footage_request(theirs)
    audit.record("case.viewed", user=factories.user("investigator"), object_type="case",
                 object_id=theirs.id, purpose="FIRST-0001")
    audit.record("case.viewed", user=factories.user("investigator2"), object_type="case",
                 object_id=ours.id, purpose="SECOND-0001")
    audit.record("registration.confirmed", user=False, object_type="registration", purpose="PORTAL-1")
    db.session.commit()
    return first, second, theirs, ours, request


def test_demo_first_agency_has_county_oversight_and_the_second_has_not(ctx):
    assert factories.agency(0).county_oversight is True
    assert factories.agency(1).county_oversight is False


@pytest.mark.parametrize("username, sees", [
    ("auditor2", {"SECOND-0001"}),                              # own agency only
    ("auditor", {"FIRST-0001", "SECOND-0001", "PORTAL-1"}),     # oversight: all, portal too
    ("admin", {"FIRST-0001", "SECOND-0001", "PORTAL-1"}),
    ("investigator2", set()),                                   # no audit log at all
])
def test_auditor_reads_events_of_their_scope_on_screen_csv_and_api(client, username, sees):
    _seed()
    everything = {"FIRST-0001", "SECOND-0001", "PORTAL-1"}
    login(client, username)
    screen = client.get("/auditeventview/list/?psize_AuditEventView=500").get_data(as_text=True)
    csv = client.get("/auditeventview/export.csv").get_data(as_text=True)
    headers = api_token(client, username)
    api = client.get("/api/v1/audit_event/?q=(page_size:500)", headers=headers).get_data(as_text=True)
    for text in (screen, csv, api):
        assert {p for p in everything if p in text} == sees


def test_auditor_of_a_plain_agency_reads_their_agency_cases_only(client):
    _, _, theirs, ours, request = _seed()
    login(client, "auditor2")
    assert client.get(f"/caseview/show/{ours.id}").status_code == 200
    assert client.get(f"/caseview/show/{theirs.id}").status_code == 404
    assert client.get(f"/footage/{request.id}").status_code == 404


def test_oversight_auditor_reads_every_agency_cases_and_requests(client):
    _, _, theirs, ours, request = _seed()
    login(client, "auditor")
    assert client.get(f"/caseview/show/{ours.id}").status_code == 200
    assert "SECOND-0001" in client.get("/caseview/list/").get_data(as_text=True)
    assert client.get(f"/footage/{request.id}").status_code == 200


def test_oversight_is_taken_away_with_the_attribute(client):
    first, _, _, ours, _ = _seed()
    first.county_oversight = False
    db.session.commit()
    login(client, "auditor")
    assert client.get(f"/caseview/show/{ours.id}").status_code == 404
    assert "SECOND-0001" not in client.get("/auditeventview/export.csv").get_data(as_text=True)


def test_oversight_does_not_widen_an_investigator_of_that_agency(client):
    _, _, _, ours, _ = _seed()
    login(client, "investigator")
    assert client.get(f"/caseview/show/{ours.id}").status_code == 404


@pytest.mark.parametrize("path, object_type", [
    ("/caseview/show/{case}", "case"),
    ("/caseview/edit/{case}", "case"),
    ("/footage/{request}", "footage_request"),
    ("/api/v1/case/{case}", "case"),
    ("/api/v1/footage_request/{request}", "footage_request"),
])
def test_a_refused_read_of_another_agency_record_is_audited_and_a_plain_404(client, path, object_type):
    _, _, theirs, _, request = _seed()
    url = path.format(case=theirs.id, request=request.id)
    object_id = theirs.id if object_type == "case" else request.id
    before = len(_events(action=REFUSED_READ))
    if url.startswith("/api/"):
        response = client.get(url, headers=api_token(client, "investigator2"))
    else:
        login(client, "investigator2")
        response = client.get(url)
    assert response.status_code == 404
    # The same answer as for a record that does not exist.
    missing = client.get(path.format(case=999999, request=999999),
                         headers=api_token(client, "investigator2") if url.startswith("/api/") else None)
    assert missing.status_code == 404
    assert _plain(response) == _plain(missing)
    refused = _events(action=REFUSED_READ)
    assert len(refused) == before + 1  # the missing record is not an attempt on anyone's record
    event = refused[-1]
    assert (event.object_type, event.object_id, event.username) == (object_type, object_id, "investigator2")
    assert event.agency_id == factories.agency(1).id
    assert list(audit.verify_chain()) == []


def test_a_read_of_own_or_missing_records_is_not_a_refusal(client):
    _, _, _, ours, _ = _seed()
    login(client, "investigator2")
    client.get(f"/caseview/show/{ours.id}")
    client.get("/caseview/show/999999")
    client.get("/caseview/show/not-a-number")
    assert _events(action=REFUSED_READ) == []


def test_agency_form_shows_county_wide_oversight_and_saves_it(client):
    second = factories.agency(1)
    login(client, "admin")
    page = client.get(f"/agencyview/edit/{second.id}").get_data(as_text=True)
    assert "County-wide oversight" in page and 'name="county_oversight"' in page
    response = client.post(f"/agencyview/edit/{second.id}", data={
        "name": second.name, "ori": second.ori, "county_oversight": "y",
        "csrf_token": csrf_token(client, f"/agencyview/edit/{second.id}"),
    })
    assert response.status_code == 302
    db.session.expire_all()
    assert factories.agency(1).county_oversight is True
    assert "Yes" in client.get(f"/agencyview/show/{second.id}").get_data(as_text=True)


def test_home_page_counts_only_the_events_the_auditor_may_read(client):
    _seed()
    visible = db.session.query(AuditEvent).filter_by(agency_id=factories.agency(1).id).count()
    login(client, "auditor2")
    page = client.get("/").get_data(as_text=True)
    # Signing in is an event of the auditor's agency too.
    seen = db.session.query(AuditEvent).filter_by(agency_id=factories.agency(1).id).count()
    assert re.search(rf"\b({visible}|{seen}) events in the last 24 hours", page), page[-3000:]
    assert f"{db.session.query(AuditEvent).count()} events" not in page


@pytest.mark.parametrize("method, path, body", [
    ("get", "/api/v1/canvass/?case_id={case}&radius_m=200", None),
    ("get", "/api/v1/case/{case}/canvass.pdf", None),
    ("post", "/api/v1/footage_request/", {"case_id": "{case}", "registration_id": "{registration}"}),
    ("post", "/api/v1/canvass/contact", {"case_id": "{case}", "registration_id": "{registration}"}),
])
def test_canvass_and_new_requests_for_another_agency_case_are_refused_reads(client, method, path, body):
    _, _, theirs, _, request = _seed()
    values = {"case": theirs.id, "registration": request.registration_id}
    url = path.format(**values)
    before = len(_events(action=REFUSED_READ))
    payload = {k: int(v.format(**values)) for k, v in body.items()} if body else None
    response = getattr(client, method)(url, json=payload, headers=api_token(client, "investigator2"))
    assert response.status_code == 404, response.get_data(as_text=True)[:300]
    refused = _events(action=REFUSED_READ)
    assert len(refused) == before + 1
    assert (refused[-1].object_type, refused[-1].object_id) == ("case", theirs.id)


def test_another_agency_evidence_file_is_a_plain_404_page(client):
    from tests.workflows.helpers import add_evidence_row

    _, _, _, _, request = _seed()
    item = add_evidence_row(request, factories.user("investigator"))
    db.session.commit()
    login(client, "investigator2")
    response = client.get(f"/footage/evidence/{item.id}/file")
    assert response.status_code == 404
    assert (REFUSED_READ, "evidence_item", item.id) in {
        (e.action, e.object_type, e.object_id) for e in _events(action=REFUSED_READ)}
