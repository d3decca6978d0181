"""The investigator's area request form: what was typed stays, and refusals are said on it."""
from backoffice.extensions import db
from backoffice.models import AreaRequest
from tests import factories
from tests.auth import csrf_token, login
from backoffice.localtime import input_value
from tests.workflows.helpers import searched


def test_the_form_keeps_what_was_typed_and_says_what_is_wrong(client, mailbox):
    case = factories.case()
    reg = factories.registration()
    searched(case, reg)
    db.session.commit()
    login(client, "investigator")
    # The map's link carries the canvass's window; what is typed on the form must win.
    url = (f"/area-requests/new?case_id={case.id}&registration_ids={reg.id}"
           "&since=2026-11-30T08:00&until=2026-11-30T09:00")
    page = client.get(url)
    assert page.status_code == 200 and reg.address in page.get_data(as_text=True)
    token = csrf_token(client, url)
    count = db.session.query(AreaRequest).count()
    wrong = client.post(url, data={"csrf_token": token, "case_id": case.id, "registration_ids": str(reg.id),
                                   "description": "A blue car", "since": "2026-11-30T22:00",
                                   "until": "2026-11-30T21:00"})
    text = wrong.get_data(as_text=True)
    assert wrong.status_code == 400 and "end of the window" in text and "A blue car" in text
    assert db.session.query(AreaRequest).count() == count
    done = client.post(url, data={"csrf_token": token, "case_id": case.id, "registration_ids": str(reg.id),
                                  "description": "A blue car", "since": "2026-11-30T21:00",
                                  "until": "2026-11-30T22:00"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/caseview/show/{case.id}#area-requests")
    stored = db.session.query(AreaRequest).order_by(AreaRequest.id.desc()).first()
    assert input_value(stored.window_from) == "2026-11-30T21:00"
    assert input_value(stored.window_to) == "2026-11-30T22:00"
    shown = client.get(f"/caseview/show/{case.id}").get_data(as_text=True)
    assert "Area requests" in shown and "A blue car" in shown and reg.address in shown


def test_registration_numbers_that_are_not_numbers_are_refused_on_the_page(client):
    case = factories.case()
    db.session.commit()
    login(client, "investigator")
    page = client.get(f"/area-requests/new?case_id={case.id}&registration_ids=12,abc")
    assert page.status_code == 200 and "is not a registration number" in page.get_data(as_text=True)


def test_the_form_names_only_premises_a_search_of_the_case_found(client):
    """Registration numbers typed into the form's address show no other premises' address."""
    case = factories.case()
    found, other = factories.registration(), factories.registration()
    other.address = "4321 Nobody Searched Ln"
    searched(case, found)
    db.session.commit()
    login(client, "investigator")
    page = client.get(f"/area-requests/new?case_id={case.id}&registration_ids={found.id},{other.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and found.address in text
    assert "4321 Nobody Searched Ln" not in text and f"#{other.id} " not in text
    assert "1 registration number in the address was left out" in text
