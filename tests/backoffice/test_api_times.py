"""Instants over the API (SPEC §5, TIMEZONE): any offset or `Z` accepted, no offset = county
time, every datetime returned with its offset; deadlines computed on instants; no input of any
shape answers 5xx. Runs on SpatiaLite and PostGIS."""
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from flask import g

from backoffice.extensions import db
from backoffice.models import Case, FootageRequest
from tests import factories
from tests.auth import api_token

DATA = Path(__file__).resolve().parents[1] / "data"
UTC = timezone.utc
_tokens: dict[str, dict] = {}


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def headers(client, username="investigator"):
    """The user's bearer token, with the per-request state of the last call forgotten: a
    test's requests share one app context, and flask-jwt-extended caches the token's user in
    `g`, so FAB would not set g.user again (each real request has a context of its own)."""
    for key in [key for key in vars(g) if key.startswith("_jwt_extended")]:
        g.pop(key)
    if username not in _tokens:
        _tokens[username] = api_token(client, username)
    return _tokens[username]


def open_request(client, case, registration, **window):
    body = {"case_id": case.id, "registration_id": registration.id, **window}
    return client.post("/api/v1/footage_request/", json=body, headers=headers(client))


def stored(request_id: int) -> FootageRequest:
    db.session.expire_all()
    return db.session.get(FootageRequest, request_id)


@pytest.fixture()
def scene(ctx):
    """A case on the fall-back night and premises whose cameras keep footage 3 days."""
    case = factories.case(occurred_from=utc(2026, 11, 1, 7, 0), occurred_to=utc(2026, 11, 1, 11, 0))
    registration = factories.registration()
    for camera in registration.cameras:
        camera.retention_days = 3
    db.session.flush()
    return case, registration


def test_an_explicit_offset_is_kept_and_the_deadline_follows_the_instant(client, scene):
    """The field report: 01:30-08:00 was stored as 01:30 UTC and the deadline came 8 h early."""
    case, registration = scene
    response = open_request(client, case, registration, window_from="2026-11-01T01:30:00-08:00",
                            window_to="2026-11-01T03:00:00-08:00")
    assert response.status_code == 201, response.json
    item = stored(response.json["id"])
    assert item.window_from == utc(2026, 11, 1, 9, 30)
    assert item.deadline == utc(2026, 11, 4, 9, 30)
    assert response.json["deadline"] == "2026-11-04T01:30:00-08:00"


def test_window_from_in_utc_with_no_window_to_is_accepted(client, scene):
    """Field case c07: `Z` and no window_to answered 500 on SQLite (naive vs aware)."""
    case, registration = scene
    body = json.loads((DATA / "c07_window_from_utc_z.json").read_text())
    body.update(case_id=case.id, registration_id=registration.id, window_from="2026-11-01T06:12:00Z")
    response = client.post("/api/v1/footage_request/", json=body, headers=headers(client))
    assert response.status_code == 201, response.json
    item = stored(response.json["id"])
    assert item.window_from == utc(2026, 11, 1, 6, 12)
    assert item.window_to == case.occurred_to


def test_a_value_without_offset_is_county_time_the_format_the_api_returns(client, scene):
    """On PostGIS a naive window_from answered 500; it is county wall-clock time."""
    case, registration = scene
    response = open_request(client, case, registration, window_from="2026-10-31T23:00:00",
                            window_to="2026-11-01T03:00:00")
    assert response.status_code == 201, response.json
    item = stored(response.json["id"])
    assert item.window_from == utc(2026, 11, 1, 6, 0)  # PDT
    assert item.window_to == utc(2026, 11, 1, 11, 0)  # PST
    # Across midnight and the clock change the window is five real hours long, not four.
    assert item.window_to - item.window_from == timedelta(hours=5)
    shown = client.get(f"/api/v1/footage_request/{item.id}", headers=headers(client)).json["result"]
    assert shown["window_from"] == "2026-10-31T23:00:00-07:00"
    assert shown["window_to"] == "2026-11-01T03:00:00-08:00"
    # What the API returns goes back in unchanged and means the same instant.
    again = factories.registration()
    response = open_request(client, case, again, window_from=shown["window_from"], window_to=shown["window_to"])
    assert response.status_code == 201
    assert stored(response.json["id"]).window_from == item.window_from


def test_the_repeated_hour_without_an_offset_is_refused_with_both_offsets_named(client, scene):
    case, registration = scene
    response = open_request(client, case, registration, window_from="2026-11-01T01:30")
    assert response.status_code == 400
    message = response.json["message"]
    assert "window_from" in message and "twice" in message
    assert "-07:00" in message and "-08:00" in message
    assert db.session.query(FootageRequest).filter_by(case_id=case.id).count() == 0


@pytest.mark.parametrize(
    "window_from, fragment",
    [
        ("2026-03-08T02:30", "does not exist"),
        ("next tuesday", "ISO 8601"),
        ("2026-02-30T10:00", "ISO 8601"),
        ("9999-12-31T23:59:59-12:00", "year"),
        ("2026-11-01T01:30:00+99:00", "ISO 8601"),
        (12345, "ISO 8601"),
        (["2026-11-01T01:30Z"], "ISO 8601"),
        ({"at": "now"}, "ISO 8601"),
        (True, "ISO 8601"),
    ],
)
def test_no_window_of_any_shape_answers_5xx(client, scene, window_from, fragment):
    case, registration = scene
    response = open_request(client, case, registration, window_from=window_from)
    assert response.status_code == 400, response.json
    assert "window_from" in response.json["message"] and fragment in response.json["message"]


def test_case_api_round_trips_instants_with_offsets(client, ctx):
    body = {"case_number": "TZ-1", "incident_type": "robbery", "lat": 35.37, "lon": -119.02,
            "occurred_from": "2026-11-29T22:30", "occurred_to": "2026-11-30T07:00:00Z",
            "summary": "10:30 PM robbery"}
    response = client.post("/api/v1/case/", json=body, headers=headers(client))
    assert response.status_code == 201, response.json
    case = db.session.get(Case, response.json["id"])
    assert case.occurred_from == utc(2026, 11, 30, 6, 30)
    got = client.get(f"/api/v1/case/{case.id}", headers=headers(client))
    assert got.status_code == 200, got.json
    shown = got.json["result"]
    assert shown["occurred_from"] == "2026-11-29T22:30:00-08:00"
    assert shown["occurred_to"] == "2026-11-29T23:00:00-08:00"
    listed = client.get("/api/v1/case/", headers=headers(client)).json["result"]
    assert all(row["occurred_from"][-6:] in ("-08:00", "-07:00") for row in listed)


def test_chosen_columns_give_county_time_too(client, ctx):
    """`?q=(columns:!(…))` answers with the API's own schema: FAB built one from the model,
    which wrote the same instants in UTC."""
    body = {"case_number": "TZ-2", "incident_type": "robbery", "lat": 35.37, "lon": -119.02,
            "occurred_from": "2026-11-29T22:30", "occurred_to": "2026-11-29T23:00"}
    case_id = client.post("/api/v1/case/", json=body, headers=headers(client)).json["id"]
    chosen = "?q=(columns:!(id,occurred_from,occurred_to))"
    one = client.get(f"/api/v1/case/{case_id}{chosen}", headers=headers(client))
    assert one.status_code == 200, one.json
    assert one.json["result"] == {"id": case_id, "occurred_from": "2026-11-29T22:30:00-08:00",
                                  "occurred_to": "2026-11-29T23:00:00-08:00"}
    listed = client.get(f"/api/v1/case/{chosen}", headers=headers(client))
    assert listed.status_code == 200, listed.json
    row = next(row for row in listed.json["result"] if row["id"] == case_id)
    assert row["occurred_from"] == "2026-11-29T22:30:00-08:00"


@pytest.mark.parametrize("value", ["2026-11-01T01:30", "2026-03-08T02:15", "later", "2026-11-29T25:00"])
def test_case_api_refuses_times_that_are_not_one_instant(client, ctx, value):
    body = {"case_number": "TZ-2", "incident_type": "robbery", "lat": 35.37, "lon": -119.02,
            "occurred_from": value, "occurred_to": "2026-12-01T00:00"}
    response = client.post("/api/v1/case/", json=body, headers=headers(client))
    assert response.status_code in (400, 422)
    assert "occurred_from" in json.dumps(response.json)


def test_list_filter_on_a_time_reads_county_time(client, ctx):
    case = factories.case(occurred_from=utc(2026, 11, 30, 6, 30), occurred_to=utc(2026, 11, 30, 7, 0))
    for value in ("2026-11-29T22:30:00", "2026-11-29T22:30:00-08:00", "2026-11-30T06:30:00Z"):
        q = f"(filters:!((col:occurred_from,opr:eq,value:'{value}')))"
        response = client.get("/api/v1/case/", query_string={"q": q}, headers=headers(client))
        assert response.status_code == 200, (value, response.json)
        assert case.id in response.json["ids"], value


def test_canvass_window_accepts_offsets_and_names_the_parameter(client, ctx):
    case = factories.case(occurred_from=utc(2026, 11, 1, 7, 0), occurred_to=utc(2026, 11, 1, 11, 0))
    ok = client.get("/api/v1/canvass/", headers=headers(client),
                    query_string={"case_id": case.id, "since": "2026-11-01T01:30:00-08:00"})
    assert ok.status_code == 200, ok.json
    assert ok.json["since"] == "2026-11-01T01:30:00-08:00"
    assert ok.json["until"] == "2026-11-01T03:00:00-08:00"
    bad = client.get("/api/v1/canvass/", headers=headers(client),
                     query_string={"case_id": case.id, "since": "2026-11-01T01:30"})
    assert bad.status_code == 400 and "since" in bad.json["message"] and "twice" in bad.json["message"]


def test_the_openapi_description_says_how_times_are_read(client, ctx):
    spec = client.get("/api/v1/_openapi", headers=headers(client, "admin")).json
    field = spec["components"]["schemas"]["CaseApi.post"]["properties"]["occurred_from"]
    assert field["format"] == "date-time"
    assert "county local time" in field["description"] and "offset" in field["description"]


@pytest.mark.parametrize("value", ["2612-11-29T22:30:00", "0001-01-01T00:00:00", "2026-11-29T22:30:00+99:00",
                                   "garbage", "2026-03-08T02:30", "2026-11-01T01:30"])
@pytest.mark.parametrize("resource, column", [("case", "occurred_from"), ("audit_event", "at"),
                                              ("footage_request", "deadline")])
def test_a_list_filter_that_is_not_one_instant_is_a_400(client, ctx, resource, column, value):
    """Flask-AppBuilder's own parsing let these reach the database: 500s, or silent shifts."""
    factories.case()
    user = "auditor" if resource == "audit_event" else "investigator"
    for op in ("gt", "eq"):
        q = f"(filters:!((col:{column},opr:{op},value:'{value}')))"
        response = client.get(f"/api/v1/{resource}/", query_string={"q": q}, headers=headers(client, user))
        assert response.status_code == 400, (op, response.json)
        assert column in response.json["message"]


def test_equal_to_a_minute_matches_the_whole_minute(client, ctx):
    case = factories.case(occurred_from=utc(2026, 11, 30, 6, 30, 41), occurred_to=utc(2026, 11, 30, 7, 0))
    q = "(filters:!((col:occurred_from,opr:eq,value:'2026-11-29T22:30')))"
    response = client.get("/api/v1/case/", query_string={"q": q}, headers=headers(client))
    assert case.id in response.json["ids"]


def test_a_contact_attempt_cannot_be_in_the_future(client, scene):
    case, registration = scene
    item = FootageRequest(case=case, registration=registration, window_from=case.occurred_from,
                          window_to=case.occurred_to, state="open", version=1)
    item.cameras = list(registration.cameras)
    db.session.add(item)
    db.session.flush()
    response = client.post(f"/api/v1/footage_request/{item.id}/contact_owner", headers=headers(client),
                           json={"version": 1, "method": "phone", "at": "2200-01-01T00:00"})
    assert response.status_code == 400 and "future" in response.json["message"]
    assert stored(item.id).state == "open"
    fine = client.post(f"/api/v1/footage_request/{item.id}/contact_owner", headers=headers(client),
                       json={"version": 1, "method": "phone", "at": "2026-11-01T01:30:00-08:00"})
    assert fine.status_code == 200, fine.json
