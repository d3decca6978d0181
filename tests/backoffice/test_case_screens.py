"""Case screens and the map page, signed in through the real login form."""
import json
import re
from datetime import datetime, timezone

import pytest

from backoffice.extensions import db
from backoffice.models import Case
from tests import factories
from tests.auth import csrf_token, login

FORM = {
    "case_number": "BPD-2026-0042",
    "incident_type": "burglary",
    "lat": "35.3733",
    "lon": "-119.0187",
    "occurred_from": "2026-05-01T21:00",
    "occurred_to": "2026-05-01T23:30",
    "summary": "Garage entered overnight",
}


def open_case(client, **changes):
    data = {**FORM, **changes, "csrf_token": csrf_token(client, "/caseview/add")}
    return client.post("/caseview/add", data=data, follow_redirects=True)


def test_investigator_opens_a_case_for_their_agency(client):
    login(client, "investigator")
    page = open_case(client)
    assert page.status_code == 200
    case = db.session.query(Case).filter_by(case_number="BPD-2026-0042").one()
    assert case.agency_id == factories.agency(0).id
    assert case.lead_investigator.username == "investigator"
    assert case.lat == pytest.approx(35.3733) and case.lon == pytest.approx(-119.0187)
    # 11:30 PM Pacific daylight time is 06:30 UTC the next day.
    assert case.occurred_to == datetime(2026, 5, 2, 6, 30, tzinfo=timezone.utc)


def test_case_number_is_unique_per_agency_with_a_clear_error(client):
    factories.case(agency_index=0, case_number="BPD-2026-0042")
    login(client, "supervisor")
    html = open_case(client).get_data(as_text=True)
    assert "Your agency already has a case numbered BPD-2026-0042." in html
    assert db.session.query(Case).filter_by(case_number="BPD-2026-0042").count() == 1


def test_another_agency_may_use_the_same_number(client):
    factories.case(agency_index=0, case_number="BPD-2026-0042")
    login(client, "investigator2")
    open_case(client)
    numbers = db.session.query(Case.agency_id).filter_by(case_number="BPD-2026-0042").all()
    assert len(numbers) == 2


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"occurred_to": "2026-05-01 20:00:00"}, "Must not be before the start of the window."),
        ({"lat": "123"}, "Latitude must be a number of degrees from -90 to 90."),
        ({"lon": "nan"}, "Longitude must be a number of degrees from -180 to 180."),
        ({"case_number": ""}, "This field is required."),
    ],
)
def test_bad_case_forms_are_refused(client, changes, message):
    login(client, "investigator")
    html = open_case(client, **changes).get_data(as_text=True)
    assert message in html
    assert db.session.query(Case).count() == 0


def test_cases_of_other_agencies_are_invisible(client):
    mine = factories.case(agency_index=1, case_number="MINE-1")
    theirs = factories.case(agency_index=0, case_number="THEIRS-1")
    login(client, "investigator2")
    html = client.get("/caseview/list/").get_data(as_text=True)
    assert "MINE-1" in html and "THEIRS-1" not in html
    assert client.get(f"/caseview/show/{theirs.id}").status_code == 404
    assert client.get(f"/caseview/show/{mine.id}").status_code == 200


@pytest.mark.parametrize(
    "username, allowed",
    [("investigator", True), ("supervisor", True), ("admin", True), ("staff", False), ("auditor", False)],
)
def test_map_page_access(client, username, allowed):
    login(client, username)
    response = client.get("/map/")
    if allowed:
        assert response.status_code == 200
    else:
        assert response.status_code in (302, 403)


def map_config(html):
    match = re.search(r'<script type="application/json" id="map-config">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def test_map_page_offers_only_own_cases_and_local_leaflet(client):
    mine = factories.case(agency_index=0, case_number="OWN-7")
    factories.case(agency_index=1, case_number="OTHER-9")
    login(client, "investigator")
    html = client.get(f"/map/?case_id={mine.id}").get_data(as_text=True)
    config = map_config(html)
    assert [c["case_number"] for c in config["cases"]] == ["OWN-7"]
    assert config["chosen"] == mine.id
    assert config["tile_url"] == ""
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert "unpkg" not in html and "cdn" not in html.lower()
    for path in ["vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css",
                 "vendor/leaflet.markercluster/leaflet.markercluster.js", "map.js",
                 "vendor/leaflet/images/marker-icon.png"]:
        assert client.get(f"/static/{path}").status_code == 200, path


def test_map_page_uses_the_configured_tiles(client, monkeypatch):
    monkeypatch.setitem(client.application.config, "TILE_URL", "http://tiles.local/{z}/{x}/{y}.png")
    login(client, "supervisor")
    config = map_config(client.get("/map/").get_data(as_text=True))
    assert config["tile_url"] == "http://tiles.local/{z}/{x}/{y}.png"
    assert config["chosen"] is None


def test_a_case_keeps_the_address_it_was_opened_at(client):
    from pypdf import PdfReader
    import io

    login(client, "investigator")
    open_case(client, address="1200 Truxtun Avenue, Bakersfield")
    case = db.session.query(Case).filter_by(case_number="BPD-2026-0042").one()
    assert case.address == "1200 Truxtun Avenue, Bakersfield"
    assert "1200 Truxtun Avenue, Bakersfield" in client.get(f"/caseview/show/{case.id}").get_data(as_text=True)
    sheet = client.get(f"/api/v1/case/{case.id}/canvass.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(sheet.data)).pages)
    assert "1200 Truxtun Avenue, Bakersfield" in text


def test_a_new_case_opens_on_its_own_page(client):
    login(client, "investigator")
    data = {**FORM, "case_number": "BPD-2026-0777", "csrf_token": csrf_token(client, "/caseview/add")}
    answer = client.post("/caseview/add", data=data)
    case = db.session.query(Case).filter_by(case_number="BPD-2026-0777").one()
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/caseview/show/{case.id}")
    assert "Canvass on the map" in client.get(answer.headers["Location"]).get_data(as_text=True)
