"""Each demo user signs in and sees exactly their screens."""
import pytest

from tests import factories
from tests.auth import api_token, login

SCREENS = {
    "/ownerview/list/": {"admin", "staff"},
    "/registrationview/list/": {"admin", "staff"},
    "/dueregistrationview/list/": {"admin", "staff"},
    "/cameraview/list/": {"admin", "staff", "investigator", "supervisor", "investigator2"},
    "/agencyview/list/": {"admin", "staff", "investigator", "supervisor", "auditor", "investigator2"},
    "/users/list/": {"admin"},
}
USERS = ["admin", "staff", "investigator", "supervisor", "auditor", "investigator2"]


def test_login_page_is_served(client):
    page = client.get("/login/")
    assert page.status_code == 200
    assert 'name="csrf_token"' in page.get_data(as_text=True)


def test_wrong_password_is_refused(client):
    response = login(client, "staff", "wrong-password-123")
    assert response.status_code == 302
    assert "/login/" in response.headers["Location"]
    home = client.get("/ownerview/list/")
    assert home.status_code == 302


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("url", list(SCREENS))
def test_screen_access_by_user(client, username, url):
    assert login(client, username).status_code == 302
    response = client.get(url)
    if username in SCREENS[url]:
        assert response.status_code == 200
    else:
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("username", USERS)
def test_menu_shows_only_permitted_entries(client, username):
    login(client, username)
    html = client.get("/").get_data(as_text=True)
    assert ("Owners" in html) == (username in {"admin", "staff"})
    assert ("List Users" in html) == (username == "admin")


def test_registration_list_shows_data_for_staff(client):
    reg = factories.registration()
    login(client, "staff")
    html = client.get("/registrationview/list/").get_data(as_text=True)
    assert reg.address in html


@pytest.mark.parametrize(
    "username, resource, status",
    [
        ("investigator", "camera", 200),
        ("investigator", "owner", 403),
        ("investigator", "registration", 403),
        ("staff", "owner", 200),
        ("staff", "case", 403),
        ("auditor", "audit_event", 200),
        ("auditor", "owner", 403),
        ("supervisor", "footage_request", 200),
    ],
)
def test_model_api_permissions(client, username, resource, status):
    headers = api_token(client, username)
    assert client.get(f"/api/v1/{resource}/", headers=headers).status_code == status


def test_model_api_requires_authentication(client):
    assert client.get("/api/v1/camera/").status_code == 401


def test_due_for_confirmation_lists_only_what_staff_must_chase(client):
    """Due within the lead time (14 days) or overdue; never withdrawn or pending ones."""
    from datetime import timedelta

    from backoffice.localtime import county_today

    today = county_today()
    due_soon = factories.registration(address="1 Soon St", next_confirmation_due=today + timedelta(days=10))
    overdue = factories.registration(address="2 Late St", next_confirmation_due=today - timedelta(days=40),
                                     status="lapsed")
    later = factories.registration(address="3 Later St", next_confirmation_due=today + timedelta(days=25))
    gone = factories.registration(address="4 Gone St", next_confirmation_due=today - timedelta(days=3),
                                  status="withdrawn")
    login(client, "staff")
    html = client.get("/dueregistrationview/list/?psize_DueRegistrationView=100").get_data(as_text=True)
    assert due_soon.address in html and overdue.address in html
    assert later.address not in html and gone.address not in html


def test_coded_columns_read_and_filter_in_words(client):
    reg = factories.registration(address="9 Words St", status="lapsed")
    reg.cameras[0].system_type = "dvr_nvr"
    login(client, "staff")
    listing = client.get("/registrationview/list/?_flt_0_status=lapsed").get_data(as_text=True)
    assert "Lapsed (confirmation overdue)" in listing and "9 Words St" in listing
    assert "Pending review" in listing  # the status filter offers choices in words
    shown = client.get(f"/registrationview/show/{reg.id}").get_data(as_text=True)
    assert ">None<" not in shown and "Latitude" in shown
    cameras = client.get("/cameraview/list/").get_data(as_text=True)
    assert "Recorder (DVR/NVR)" in cameras and ">dvr_nvr<" not in cameras


@pytest.mark.parametrize("screen", ["registrationview", "ownerview", "cameraview"])
def test_a_record_page_shows_the_number_the_forms_ask_for(client, screen):
    """Camera and registration forms ask for "the number shown on the registration's page"
    (or the owner's): the page shows it."""
    import re

    reg = factories.registration(address="4321 Number Row")
    pk = {"registrationview": reg.id, "ownerview": reg.owner_id, "cameraview": reg.cameras[0].id}[screen]
    login(client, "staff")
    html = client.get(f"/{screen}/show/{pk}").get_data(as_text=True)
    assert re.search(rf"<th[^>]*>No\.</th>\s*<td>\s*<span[^>]*>{pk}</span>", html), html[html.find("table-bordered"):][:800]


def test_a_choice_filter_offers_equal_or_not_equal_never_starts_with(client):
    import json
    import re

    factories.registration(address="11 Active St", status="active")
    factories.registration(address="12 Lapsed St", status="lapsed")
    login(client, "staff")
    html = client.get("/registrationview/list/").get_data(as_text=True)
    offered = json.loads(re.search(r"AdminFilters\([^{]*?(\{.*?\}),\s*(\{.*?\}),\s*(\{.*?\}),",
                                   html, re.S).group(3))
    assert offered["status"] == ["Equal to", "Not Equal to"]
    assert "Starts with" in offered["address"]  # free text keeps its text operators
    listing = client.get("/registrationview/list/?_flt_1_status=lapsed").get_data(as_text=True)
    assert "11 Active St" in listing and "12 Lapsed St" not in listing  # not equal to


def test_no_language_menu_and_no_unused_security_screens(client):
    login(client, "admin")
    html = client.get("/users/list/").get_data(as_text=True)
    assert "Español" not in html
    for unused in ("User's Statistics", "Base Permissions", "Views/Menus"):
        assert unused not in html
    assert client.get("/userstatschartview/chart/").status_code == 404


def test_a_registrations_cameras_are_shown_open_on_its_page(client):
    reg = factories.registration(address="12 Open Panel Rd")
    login(client, "staff")
    shown = client.get(f"/registrationview/show/{reg.id}").get_data(as_text=True)
    assert 'id="CameraView_href" class="panel-collapse collapse in"' in shown
    assert "Camera 1" in shown


def test_a_filtered_list_keeps_its_filters_in_sight(client):
    login(client, "staff")
    plain = client.get("/registrationview/list/").get_data(as_text=True)
    assert 'id="accordion1_href" class="panel-collapse collapse"' in plain
    filtered = client.get("/registrationview/list/?_flt_0_status=lapsed").get_data(as_text=True)
    assert 'id="accordion1_href" class="panel-collapse collapse in"' in filtered
    assert "Search — filters applied" in filtered


def test_the_audit_log_keeps_its_filters_in_sight_beside_the_export(client):
    login(client, "auditor")
    audit = client.get("/auditeventview/list/?_flt_0_action=owner.reveal").get_data(as_text=True)
    assert "Search — filters applied" in audit and "Export CSV" in audit


def test_an_auditor_is_offered_no_link_they_may_not_follow(client):
    from tests.workflows.helpers import request_in

    request = request_in("collected")
    login(client, "auditor")
    case_page = client.get(f"/caseview/show/{request.case_id}").get_data(as_text=True)
    assert "Canvass on the map" not in case_page and "canvass.pdf" not in case_page
    request_page = client.get(f"/footage/{request.id}")
    assert request_page.status_code == 200
    assert "receipt.pdf" not in request_page.get_data(as_text=True)


def test_column_labels_are_words_not_column_names(client):
    """Flask-AppBuilder names a column it is not told about from its name ("Created At",
    "Recording Mode"); the case and camera pages say "Created", "Recording", "System"."""
    from backoffice.extensions import db

    case = factories.case(0)
    camera = factories.registration().cameras[0]
    db.session.commit()
    login(client, "investigator")
    case_page = client.get(f"/caseview/show/{case.id}").get_data(as_text=True)
    client.get("/logout/")
    login(client, "staff")
    camera_page = client.get(f"/cameraview/show/{camera.id}").get_data(as_text=True)
    for page in (case_page, camera_page):
        for name in ("Created At", "Updated At", "Recording Mode", "System Type"):
            assert name not in page, name
    assert "Created" in case_page
    assert "(none has been opened yet)" in case_page  # not "(some are still open)" of a new case
