"""Stored phones (E.164 plus ;ext=) are shown as people dial them wherever people read them."""
from flask import g

from backoffice.extensions import db
from tests import factories
from tests.auth import CSRF_RE, api_token, login
from tests.workflows.helpers import request_in

SHOWN = "(661) 555-0142 ext. 23"


def _owner_with_extension(registration):
    registration.owner.phone = "661-555-0142 extension 23"
    db.session.commit()
    assert registration.owner.phone == "+16615550142;ext=23"


def test_investigator_sees_the_number_as_dialled_on_the_request_and_the_map(client, ctx):
    request = request_in("open")
    _owner_with_extension(request.registration)
    login(client, "investigator")
    html = client.get(f"/footage/{request.id}").get_data(as_text=True)
    shown = client.post(f"/footage/{request.id}/contact",
                        data={"csrf_token": CSRF_RE.search(html).group(1)}).get_data(as_text=True)
    assert SHOWN in shown and "+16615550142" not in shown
    for name in ("user", "_login_user"):
        g.pop(name, None)
    response = client.post(
        "/api/v1/canvass/contact", headers=api_token(client, "investigator"),
        json={"case_id": request.case_id, "registration_id": request.registration_id},
    )
    assert response.status_code == 200 and response.json["result"]["phone"] == SHOWN


def test_staff_review_page_shows_the_number_as_dialled(client):
    registration = factories.registration(status="pending")
    _owner_with_extension(registration)
    login(client, "staff")
    page = client.get(f"/review/{registration.id}").get_data(as_text=True)
    assert SHOWN in page
