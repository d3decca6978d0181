"""The canvass sheet PDF, read back with pypdf."""
import io
import json

import pytest
from pypdf import PdfReader

from backoffice.extensions import db
from backoffice.models import AuditEvent
from reports.canvass import map_inset, render_canvass_pdf, route_inset
from tests import factories
from tests.auth import api_token
from tests.backoffice.test_canvass_api import camera_at

LAT, LON = factories.BAKERSFIELD


def pdf_text(data: bytes) -> str:
    """All text of a PDF, white space folded (cells wrap where their column ends)."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def sample(items=2):
    return {
        "case": {"case_number": "BPD-7", "incident_type": "robbery", "agency": "Bakersfield PD",
                 "since": "2026-05-01 21:00", "until": "2026-05-01 22:00", "lat": LAT, "lon": LON},
        "radius_m": 300,
        "generated_at": "Sat 2 May 2026, 1:00 AM PDT",
        "generated_by": "investigator",
        "items": [
            {"label": f"Porch {i}", "address": f"{i} Elm St, Bakersfield", "distance_m": 40.0 * i,
             "in_view": [True, None, False][i % 3],
             "view": ["in_view", "unknown", "facing_away"][i % 3], "retained": i != 2, "retention_days": 7,
             "deadline_text": "2026-05-08 21:00", "lat": LAT + 0.0003 * i, "lon": LON,
             "direction_deg": 180, "fov_deg": 90, "range_m": 30,
             "contact": {"name": f"Owner {i}", "organisation": None, "phone": "661-555-0100",
                         "email": f"o{i}@example.net", "preferred_contact": "phone"}}
            for i in range(1, items + 1)
        ],
    }


def test_sheet_has_header_table_contacts_and_note_columns():
    text = pdf_text(render_canvass_pdf(sample()))
    for expected in ["Canvass sheet — case BPD-7", "robbery", "Bakersfield PD", "300 m",
                     "Porch 1", "2 Elm St", "o1@example.net", "661-555-0100", "facing", "unknown",
                     "2026-05-08 21:00", "probably overwritten", "Visited", "Outcome", "Notes",
                     "Page 1 of 1"]:
        assert expected in text, expected


def test_sheet_with_no_cameras_says_so():
    assert "No registered camera" in pdf_text(render_canvass_pdf(sample(items=0)))


def test_long_sheet_runs_over_pages():
    reader = PdfReader(io.BytesIO(render_canvass_pdf(sample(items=40))))
    assert len(reader.pages) >= 2
    assert "Porch 40" in pdf_text(render_canvass_pdf(sample(items=40)))


def test_map_inset_places_cameras_around_the_incident():
    inset = map_inset(LAT, LON, 300, [
        {"lat": LAT + 300 / 111_132, "lon": LON, "direction_deg": None, "fov_deg": 90, "range_m": 30},
        {"lat": LAT, "lon": LON, "direction_deg": 90, "fov_deg": 360, "range_m": 30},
        {"lat": LAT, "lon": LON + 0.001, "direction_deg": 270, "fov_deg": 60, "range_m": 30},
    ])
    north, here, east = inset["cameras"]
    assert north["x"] == pytest.approx(inset["centre"], abs=0.5)
    assert north["y"] == pytest.approx(inset["centre"] - inset["radius"], abs=1)
    assert (here["x"], here["y"]) == (inset["centre"], inset["centre"])
    assert east["x"] > inset["centre"] and east["cone"].startswith("M")
    assert north["cone"] is None and here["cone"] is None
    assert [c["number"] for c in inset["cameras"]] == [1, 2, 3]


def test_sheet_endpoint_audits_search_and_every_contact(client):
    case = factories.case()
    near = camera_at(30, 0)
    other = camera_at(60, 90)
    headers = api_token(client, "investigator")
    before = db.session.query(AuditEvent).count()
    response = client.get(f"/api/v1/case/{case.id}/canvass.pdf", headers=headers)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    text = pdf_text(response.data)
    assert case.case_number in text
    assert near.registration.owner.email in text and other.registration.address in text
    events = db.session.query(AuditEvent).order_by(AuditEvent.id).all()[before:]
    assert [e.action for e in events] == ["canvass.search", "owner.reveal", "owner.reveal"]
    assert {e.object_id for e in events[1:]} == {near.registration.owner_id, other.registration.owner_id}
    assert all(e.purpose == case.case_number for e in events)


@pytest.mark.parametrize("username, status", [("investigator2", 404), ("auditor", 403), ("staff", 403)])
def test_sheet_endpoint_refusals(client, username, status):
    case = factories.case()
    camera_at(30, 0)
    headers = api_token(client, username)  # the sign-in itself is audited
    before = db.session.query(AuditEvent).count()
    response = client.get(f"/api/v1/case/{case.id}/canvass.pdf", headers=headers)
    assert response.status_code == status
    # Nothing of the sheet is audited; another agency's case is a refused read, itself audited.
    new = db.session.query(AuditEvent).order_by(AuditEvent.id).all()[before:]
    assert [e.action for e in new] == (["access.refused"] if status == 404 else [])


def test_sheet_endpoint_rejects_bad_radius(client):
    case = factories.case()
    response = client.get(f"/api/v1/case/{case.id}/canvass.pdf?radius_m=5000",
                          headers=api_token(client, "supervisor"))
    assert response.status_code == 400
    assert "radius_m" in response.json["message"]


def test_sheet_speaks_in_words_and_breaks_no_word():
    data = sample(items=2)
    data["items"][0]["contact"]["preferred_contact"] = "in_person"
    text = pdf_text(render_canvass_pdf(data))
    assert "prefers in person" in text and "in_person" not in text
    assert "direction unknown" in text  # as the map says it, and not cut inside a word
    assert "unknow n" not in text and "facing away" in text


# --- along a route ------------------------------------------------------------------------


def test_route_sheet_endpoint_prints_the_route_and_audits_it(client):
    from tests.backoffice.test_canvass_route import ROUTE, beside
    case = factories.case()
    near = beside(300, 20, direction_deg=180)
    beside(300, 300)  # outside the corridor
    headers = api_token(client, "investigator")
    before = db.session.query(AuditEvent).count()
    route = json.dumps({"type": "LineString", "coordinates": ROUTE})
    response = client.get(f"/api/v1/case/{case.id}/canvass.pdf", headers=headers,
                          query_string={"route": route, "width_m": 80})
    assert response.status_code == 200, response.json
    text = pdf_text(response.data)
    for expected in ["Escape route", "2 points, 1.00 km", "80 m wide (40.0 m either side of the route)",
                     near.registration.owner.email, "facing the route"]:
        assert expected in text, expected
    assert "Search radius" not in text
    events = db.session.query(AuditEvent).order_by(AuditEvent.id).all()[before:]
    assert [e.action for e in events] == ["canvass.route_search", "owner.reveal"]
    assert json.loads(events[0].detail)["width_m"] == 80


def test_route_sheet_refuses_a_bad_route_naming_it(client):
    case = factories.case()
    response = client.get(f"/api/v1/case/{case.id}/canvass.pdf", headers=api_token(client, "investigator"),
                          query_string={"route": '{"type": "LineString", "coordinates": [[1, 2]]}'})
    assert response.status_code == 400 and response.json["field"] == "route"


def test_route_inset_fits_the_corridor_and_draws_the_route():
    route = [[LON, LAT], [LON + 0.01, LAT], [LON + 0.01, LAT + 0.005]]
    cameras = [{"lat": LAT + 0.0002, "lon": LON + 0.005, "direction_deg": 180, "fov_deg": 90, "range_m": 30}]
    inset = route_inset(route, 100, cameras)
    assert inset["route"].startswith("M") and inset["route"].count("L") == 2
    assert inset["radius"] is None and inset["corridor"] > 1
    points = [tuple(map(float, p[1:].split(","))) for p in inset["route"].split()]
    assert all(0 < x < inset["size"] and 0 < y < inset["size"] for x, y in points)
    assert 0 < inset["cameras"][0]["x"] < inset["size"]


def test_an_empty_route_sheet_says_where_nothing_was_found():
    data = sample(items=0)
    data.update(radius_m=None, width_m=60,
                route={"type": "LineString", "coordinates": [[LON, LAT], [LON + 0.01, LAT]], "length_m": 906.0})
    text = pdf_text(render_canvass_pdf(data))
    assert "within 30.0 m of the route" in text and "0.91 km" in text


def test_the_sheet_marks_the_premises_the_cases_area_request_reached(client, mailbox):
    from tests.browser import shoot_pdf
    from tests.workflows.helpers import searched
    from workflows import area_request as area_cmd

    case = factories.case()
    emailed = camera_at(30, 0)
    phoned = camera_at(45, 90)
    phoned.registration.owner.email = None
    unasked = camera_at(60, 180)
    investigator = factories.user("investigator")
    searched(case, emailed.registration, phoned.registration)
    db.session.commit()
    done = area_cmd.ask_area(case.id, [emailed.registration_id, phoned.registration_id], investigator,
                             description="Someone climbing the fence behind the shop")
    [row] = [r for r in done.area_request.recipients if r.registration_id == phoned.registration_id]
    area_cmd.record_answer(row.id, "nothing", "phone", investigator)
    headers = api_token(client, "investigator")
    pdf = client.get(f"/api/v1/case/{case.id}/canvass.pdf", headers=headers).data
    shoot_pdf(pdf, "canvass-sheet-area-request", dpi=110)  # to look at
    text = pdf_text(pdf)
    area = done.area_request.id
    assert f"Area request {area}: e-mailed" in text and "not answered yet" in text
    assert f"Area request {area}: no e-mail, call or visit" in text
    assert "answered “Nothing from that time”" in text and "(by phone)" in text
    assert "2 premises asked by the case's area request (2 of these cameras), 1 answered" in " ".join(text.split())
    assert text.count(f"Area request {area}:") == 2  # not the premises it did not ask
    assert unasked.registration.address in text
    other = factories.case()  # printed for another case: nothing of this one's request
    assert "Area request" not in pdf_text(client.get(f"/api/v1/case/{other.id}/canvass.pdf", headers=headers).data)


def test_the_cases_sheet_lists_every_premises_its_area_requests_asked(client, mailbox):
    """The case page sends staff to its canvass sheet for the owners to call or visit: those an
    area request asked after a wider search (or along a route) are on it too, with their
    contact (read for the case, audited) and what they answered; a withdrawn one is not."""
    from backoffice.models import AuditEvent
    from tests.browser import shoot_pdf
    from tests.workflows.helpers import searched
    from workflows import area_request as area_cmd

    case = factories.case()
    near = camera_at(30, 0)
    far = camera_at(900, 90)  # outside the sheet's default 300 m
    far.registration.owner.email = None
    far.registration.owner.phone = "+16615550199"
    gone = camera_at(1200, 180)
    investigator = factories.user("investigator")
    searched(case, near.registration, far.registration, gone.registration)
    db.session.commit()
    done = area_cmd.ask_area(case.id, [near.registration_id, far.registration_id, gone.registration_id],
                             investigator, description="A white pick-up without plates")
    gone.registration.status = "withdrawn"
    db.session.commit()
    headers = api_token(client, "investigator")
    pdf = client.get(f"/api/v1/case/{case.id}/canvass.pdf", headers=headers).data
    shoot_pdf(pdf, "canvass-sheet-asked-elsewhere", dpi=110)
    text = pdf_text(pdf)
    assert "Also asked by this case's area requests, outside this search (1 premises)" in text
    assert far.registration.address in text and "(661) 555-0199" in text
    assert f"Area request {done.area_request.id}: no e-mail, call or visit" in text
    assert gone.registration.address not in text
    reveal = db.session.query(AuditEvent).filter(
        AuditEvent.action == "owner.reveal", AuditEvent.object_id == far.registration.owner_id,
        AuditEvent.purpose == case.case_number).all()
    assert reveal, "the far owner's contact was read without an audit event"


def test_the_sheet_counts_premises_asked_and_answered_not_cameras(client, mailbox):
    """Owners answer, not cameras: a premises with three cameras that answered is one answer."""
    from backoffice.models import Camera
    from tests.workflows.helpers import searched
    from workflows import area_request as area_cmd

    case = factories.case()
    answered = camera_at(30, 0)
    for n in (1, 2):
        answered.registration.cameras.append(Camera(label=f"side {n}", direction_deg=180, range_m=500))
    answered.registration.owner.email = None
    waiting = camera_at(45, 90)
    investigator = factories.user("investigator")
    searched(case, answered.registration, waiting.registration)
    db.session.commit()
    done = area_cmd.ask_area(case.id, [answered.registration_id, waiting.registration_id], investigator,
                             description="A scooter without lights")
    [row] = [r for r in done.area_request.recipients if r.registration_id == answered.registration_id]
    area_cmd.record_answer(row.id, "nothing", "visit", investigator)
    headers = api_token(client, "investigator")
    text = " ".join(pdf_text(client.get(f"/api/v1/case/{case.id}/canvass.pdf", headers=headers).data).split())
    assert "2 premises asked by the case's area request (4 of these cameras), 1 answered" in text, text[:800]
