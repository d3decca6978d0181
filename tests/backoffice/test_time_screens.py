"""County local time on the screens, PDFs, e-mails and the audit CSV: what people read carries
the zone, what they type is county time, and the clock-change nights ask or refuse."""
import csv
import io
import re
from datetime import date, datetime, timezone

import pytest
from pypdf import PdfReader

from backoffice.extensions import db
from backoffice.models import AuditEvent, Case, FootageRequest
from tests import factories
from tests.auth import csrf_token, login

UTC = timezone.utc
FORM = {
    "case_number": "TZ-2026-1",
    "incident_type": "robbery",
    "lat": "35.3733",
    "lon": "-119.0187",
    "occurred_from": "2026-11-29T22:30",
    "occurred_to": "2026-11-29T23:15",
}


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def open_case(client, **changes):
    data = {**FORM, **changes, "csrf_token": csrf_token(client, "/caseview/add")}
    return client.post("/caseview/add", data=data, follow_redirects=True)


def saved() -> Case | None:
    return db.session.query(Case).filter_by(case_number=FORM["case_number"]).one_or_none()


def test_a_robbery_at_half_past_ten_at_night_is_typed_as_such(client):
    login(client, "investigator")
    html = open_case(client).get_data(as_text=True)
    assert saved().occurred_from == utc(2026, 11, 30, 6, 30)
    assert "Sun 29 Nov 2026, 10:30 PM PST" in html or "Sun 29 Nov 2026, 10:30 PM PST" in client.get(
        "/caseview/list/").get_data(as_text=True)


@pytest.mark.parametrize(
    "typed, instant",
    [
        ("11/29/2026 10:30 PM", utc(2026, 11, 30, 6, 30)),
        ("2026-11-29 22:30", utc(2026, 11, 30, 6, 30)),
        ("2026-11-29T22:30:00-08:00", utc(2026, 11, 30, 6, 30)),
        ("2026-07-04T21:00", utc(2026, 7, 5, 4, 0)),
    ],
)
def test_other_ways_people_type_a_time(client, typed, instant):
    login(client, "investigator")
    open_case(client, occurred_from=typed, occurred_to="2026-12-01T00:00")
    assert saved().occurred_from == instant


def test_the_repeated_hour_asks_which_one_and_keeps_what_was_typed(client):
    login(client, "investigator")
    html = open_case(client, occurred_from="2026-11-01T01:30", occurred_to="2026-11-01T04:00",
                     summary="shots fired").get_data(as_text=True)
    assert saved() is None
    assert "happens twice" in html
    assert 'name="occurred_from__fold" value="0"' in html and 'name="occurred_from__fold" value="1"' in html
    assert "1:30 AM PDT (first)" in html and "1:30 AM PST (second)" in html
    assert 'value="2026-11-01T01:30"' in html and "shots fired" in html
    open_case(client, occurred_from="2026-11-01T01:30", occurred_from__fold="1", occurred_to="2026-11-01T04:00")
    assert saved().occurred_from == utc(2026, 11, 1, 9, 30)


def test_the_skipped_hour_is_refused_with_a_reason(client):
    login(client, "investigator")
    html = open_case(client, occurred_from="2026-03-08T02:30", occurred_to="2026-03-08T04:00").get_data(as_text=True)
    assert saved() is None
    assert "does not exist in county time" in html
    assert 'value="2026-03-08T02:30"' in html


@pytest.mark.parametrize("typed", ["tonight", "2026-02-30T10:00", "13/45/2026 99:00 PM", "0001-01-01T00:00"])
def test_unreadable_times_are_refused_and_kept(client, typed):
    login(client, "investigator")
    response = open_case(client, occurred_from=typed)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and saved() is None
    assert "is not a date and time" in html or "year must be between" in html


def test_editing_a_case_in_the_second_repeated_hour_keeps_it_there(client):
    case = factories.case(occurred_from=utc(2026, 11, 1, 9, 30), occurred_to=utc(2026, 11, 1, 11, 0))
    login(client, "investigator")
    html = client.get(f"/caseview/edit/{case.id}").get_data(as_text=True)
    assert 'value="2026-11-01T01:30"' in html
    assert re.search(r'name="occurred_from__fold" value="1" checked', html)
    token = csrf_token(client, f"/caseview/edit/{case.id}")
    data = {**FORM, "case_number": case.case_number, "occurred_from": "2026-11-01T01:30",
            "occurred_from__fold": "1", "occurred_to": "2026-11-01T03:00", "csrf_token": token}
    client.post(f"/caseview/edit/{case.id}", data=data, follow_redirects=True)
    db.session.expire_all()
    assert db.session.get(Case, case.id).occurred_from == utc(2026, 11, 1, 9, 30)


def test_lists_and_show_pages_read_county_time_with_the_zone(client):
    case = factories.case(case_number="TZ-SHOW", occurred_from=utc(2026, 11, 30, 6, 30),
                          occurred_to=utc(2026, 11, 30, 7, 0))
    login(client, "investigator")
    listed = client.get("/caseview/list/").get_data(as_text=True)
    shown = client.get(f"/caseview/show/{case.id}").get_data(as_text=True)
    for html in (listed, shown):
        assert "Sun 29 Nov 2026, 10:30 PM PST" in html
        assert "2026-11-30 06:30" not in html and "+00:00" not in html


def test_a_list_filter_on_a_time_is_county_time(client):
    early = factories.case(case_number="TZ-EARLY", occurred_from=utc(2026, 11, 30, 5, 0),
                           occurred_to=utc(2026, 11, 30, 5, 30))
    late = factories.case(case_number="TZ-LATE", occurred_from=utc(2026, 11, 30, 6, 30),
                          occurred_to=utc(2026, 11, 30, 7, 0))
    login(client, "investigator")
    form = client.get("/caseview/list/").get_data(as_text=True)
    assert "datetime-local" in form and "appbuilder_datetime" not in form  # not FAB's date-only picker
    # "after 10 PM on the 29th, county time" = after 06:00 UTC on the 30th
    html = client.get("/caseview/list/?_flt_1_occurred_from=2026-11-29T22:00").get_data(as_text=True)
    assert late.case_number in html and early.case_number not in html


def test_new_footage_request_takes_its_window_in_county_time(client, mailbox):
    case = factories.case(occurred_from=utc(2026, 11, 1, 7, 0), occurred_to=utc(2026, 11, 1, 12, 0))
    registration = factories.registration()
    login(client, "investigator")
    page = client.get("/footage/new")
    assert 'name="window_from"' in page.get_data(as_text=True)
    base = {"case_id": case.id, "registration_id": registration.id, "csrf_token": csrf_token(client, "/footage/new")}
    html = client.post("/footage/new", data={**base, "window_from": "2026-11-01T01:15"}).get_data(as_text=True)
    assert "happens twice" in html and db.session.query(FootageRequest).filter_by(case_id=case.id).count() == 0
    assert 'value="2026-11-01T01:15"' in html
    client.post("/footage/new", data={**base, "window_from": "2026-11-01T01:15", "window_from__fold": "1",
                                       "window_to": "2026-11-01T03:00"})
    request = db.session.query(FootageRequest).filter_by(case_id=case.id).one()
    assert request.window_from == utc(2026, 11, 1, 9, 15)
    assert request.window_to == utc(2026, 11, 1, 11, 0)
    detail = client.get(f"/footage/{request.id}").get_data(as_text=True)
    assert "Sun 1 Nov 2026, 1:15 AM PST" in detail


def test_audit_csv_has_county_time_and_the_utc_instant(client):
    from backoffice.audit import record

    record("tz_probe", detail={"x": 1})
    db.session.commit()
    event = db.session.query(AuditEvent).filter_by(action="tz_probe").one()
    login(client, "auditor")
    body = client.get("/auditeventview/export.csv?action=tz_probe").get_data(as_text=True)
    [row] = list(csv.DictReader(io.StringIO(body)))
    assert datetime.fromisoformat(row["at_utc"]) == event.at
    local = event.at.astimezone(__import__("zoneinfo").ZoneInfo("America/Los_Angeles"))
    assert row["at"] == local.strftime("%Y-%m-%d %H:%M:%S %Z")
    assert row["at"][-3:] in ("PST", "PDT")
    since = client.get("/auditeventview/export.csv?action=tz_probe&since=" + local.strftime("%Y-%m-%dT%H:%M"))
    assert len(list(csv.DictReader(io.StringIO(since.get_data(as_text=True))))) == 1


def test_canvass_sheet_prints_county_time(client):
    case = factories.case(occurred_from=utc(2026, 11, 30, 6, 30), occurred_to=utc(2026, 11, 30, 7, 0))
    factories.registration()
    login(client, "investigator")
    response = client.get(f"/api/v1/case/{case.id}/canvass.pdf")
    assert response.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Sun 29 Nov 2026, 10:30 PM PST" in text
    assert "UTC" not in text


def test_confirmation_e_mails_give_the_due_date_in_the_owners_words(ctx, mailbox):
    from backoffice.portal import notify

    registration = factories.registration(next_confirmation_due=date(2027, 11, 30))
    english = notify.confirmation_due(registration, date(2027, 11, 30))
    assert "30 Nov 2027" in english.text and "2027-11-30" not in english.text.split("http")[0]
    registration.owner.language = "es"
    spanish = notify.confirmation_due(registration, date(2027, 11, 30))
    assert "30 nov 2027" in spanish.text


def test_owners_access_log_reads_county_time_in_their_language(ctx, client, mailbox):
    from backoffice import audit
    from backoffice.models import AuditEvent
    from backoffice.portal import services

    registration = factories.registration()
    audit.record("owner.reveal", user=factories.user("investigator"), object_type="owner",
                 object_id=registration.owner_id, purpose="2026-00042")
    event = db.session.query(AuditEvent).filter_by(action="owner.reveal").order_by(AuditEvent.id.desc()).first()
    event_at = event.at
    manage = services.notify.manage_link(registration).replace("http://localhost", "").split("?")[0]
    from backoffice.localtime import format_instant

    english = client.get(manage + "/access?lang=en").get_data(as_text=True)
    assert format_instant(event_at, "en") in english
    spanish = client.get(manage + "/access?lang=es").get_data(as_text=True)
    assert format_instant(event_at, "es") in spanish
    assert format_instant(event_at, "es")[-3:] in ("PST", "PDT")


@pytest.mark.parametrize("value, says", [("2612-11-29T22:00", "year must be between"),
                                         ("0001-01-01T00:00", "year must be between"),
                                         ("whenever", "not a date and time"),
                                         ("2026-03-08T02:30", "does not exist")])
def test_a_screen_filter_that_is_not_one_instant_says_so_and_lists_nothing(client, value, says):
    factories.case(case_number="TZ-FILTERED")
    login(client, "investigator")
    response = client.get(f"/caseview/list/?_flt_1_occurred_from={value}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert says in html and "TZ-FILTERED" not in html


def test_a_screen_filter_in_the_repeated_hour_says_which_one_it_used(client):
    factories.case(case_number="TZ-FALLBACK", occurred_from=utc(2026, 11, 1, 9, 30), occurred_to=utc(2026, 11, 1, 10, 0))
    login(client, "investigator")
    html = client.get("/caseview/list/?_flt_2_occurred_from=2026-11-01T01:40").get_data(as_text=True)
    assert "happens twice" in html and "1:40 AM PDT" in html


def test_new_request_window_in_the_wrong_order_is_explained_in_the_forms_words(client):
    case = factories.case()
    registration = factories.registration()
    login(client, "investigator")
    data = {"case_id": case.id, "registration_id": registration.id, "window_from": "2026-11-20T10:00",
            "window_to": "2026-11-20T09:00", "csrf_token": csrf_token(client, "/footage/new")}
    html = client.post("/footage/new", data=data).get_data(as_text=True)
    assert "Must not be before Footage from." in html and "window_from" not in html.split("<form")[0]
    assert 'value="2026-11-20T09:00"' in html
    data.update(window_from="tonight", window_to="")
    html = client.post("/footage/new", data=data).get_data(as_text=True)
    assert "type it like 11/29/2026 10:30 PM" in html
    assert db.session.query(FootageRequest).filter_by(case_id=case.id).count() == 0


@pytest.mark.parametrize("typed, ok", [("2027-02-30", False), ("9999-12-31", False), ("garbage", False),
                                        ("0001-01-01", False), ("2027-03-08", True)])
def test_confirmation_due_is_a_real_date_near_today(client, typed, ok):
    from backoffice.models import Registration

    registration = factories.registration(next_confirmation_due=date(2027, 1, 15), state="CA", postal_code="93301")
    login(client, "staff")
    url = f"/registrationview/edit/{registration.id}"
    form = client.get(url).get_data(as_text=True)
    assert 'type="date"' in form and 'value="2027-01-15"' in form
    data = {"owner_id": registration.owner_id, "address": registration.address, "city": "Bakersfield",
            "state": "CA", "postal_code": "93301", "lat": "35.37", "lon": "-119.01", "status": "active",
            "terms_version": "", "next_confirmation_due": typed, "notes": "", "csrf_token": csrf_token(client, url)}
    html = client.post(url, data=data, follow_redirects=True).get_data(as_text=True)
    db.session.expire_all()
    stored = db.session.get(Registration, registration.id).next_confirmation_due
    if ok:
        assert stored == date.fromisoformat(typed)
    else:
        assert stored == date(2027, 1, 15) and "within two years of today" in html


def test_confirmation_due_through_the_api_is_checked_too(client, ctx):
    from tests.backoffice.test_api_times import headers

    registration = factories.registration(next_confirmation_due=date(2027, 1, 15))
    response = client.put(f"/api/v1/registration/{registration.id}", json={"next_confirmation_due": "0001-01-01"},
                          headers=headers(client, "staff"))
    assert response.status_code in (400, 422) and "next_confirmation_due" in str(response.json)
