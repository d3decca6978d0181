"""Nothing crosses agencies: no screen offers another agency's cases or users as a choice."""
import html
import re
from urllib.parse import urldefrag, urlsplit

import pytest

from backoffice.extensions import db
from backoffice.models import AgencyUser
from tests import factories
from tests.auth import api_token, login

OPTION_RE = re.compile(r"<option\b[^>]*>(.*?)</option>", re.S | re.I)
HREF_RE = re.compile(r'href="(/[^"]*)"')
# Links that end the session or leave the screens, not ones that show choices.
SKIP = ("/logout", "/static/", "/api/", "/lang/", "/login", "/tiles/", "/resetmypassword")
MAX_PAGES = 200


def _screens(client, start: str = "/") -> dict[str, str]:
    """Every same-site page reachable by links from the home page: url -> html."""
    seen: dict[str, str] = {}
    queue = [start]
    while queue and len(seen) < MAX_PAGES:
        url = html.unescape(urldefrag(queue.pop(0))[0])
        if url in seen or url.startswith(SKIP) or urlsplit(url).path.endswith((".pdf", ".csv")):
            continue
        response = client.get(url)
        assert response.status_code < 500, url
        text = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        seen[url] = text
        queue.extend(href for href in HREF_RE.findall(text) if not href.startswith("//"))
    return seen


def _options(page: str) -> list[str]:
    """Every drop-down choice on the page, including FAB's filter widgets (held as JSON)."""
    page = page.replace("\\u003c", "<").replace("\\u003e", ">").replace('\\"', '"').replace("\\u0026", "&")
    return [html.unescape(re.sub(r"<[^>]+>", "", o)).strip() for o in OPTION_RE.findall(page)]


def _seed_both_agencies():
    """A case and request of each agency, each request assigned within its agency."""
    ours = factories.case(agency_index=1, case_number="OWN-26-0001")
    theirs = factories.case(agency_index=0, case_number="KCSO-SECRET-0042")
    own_request = factories.footage_request(ours, assignee=factories.user("investigator2"))
    factories.footage_request(theirs, assignee=factories.user("investigator"))
    db.session.commit()
    return ours, own_request


@pytest.mark.parametrize("username", ["investigator2", "supervisor2"])
def test_second_agency_sees_no_other_agency_choice_on_any_screen(client, username):
    ours, own_request = _seed_both_agencies()
    mine = factories.user(username)
    others = [
        f"{u.first_name} {u.last_name}"
        for u in db.session.query(AgencyUser).filter(AgencyUser.agency_id != mine.agency_id)
    ]
    login(client, username)
    pages = _screens(client)
    # The walk reached the lists with drop-downs and the add/edit forms.
    for url in ("/footagerequestview/list/", "/due24view/list/", "/due72view/list/",
                "/caseview/list/", "/caseview/add", f"/caseview/edit/{ours.id}",
                f"/footage/{own_request.id}", "/footage/new"):
        assert any(seen.startswith(url) for seen in pages), f"{url} not reached"
    offered = {url: _options(page) for url, page in pages.items()}
    # Our own case and user are offered where a case or assignee is chosen...
    lists = offered["/footagerequestview/list/"]
    assert "OWN-26-0001" in lists and "Ian Second" in lists
    # ...and nothing of the other agency anywhere.
    for url, options in offered.items():
        for option in options:
            assert "KCSO-SECRET-0042" not in option, url
            assert not any(name in option for name in others), (url, option)


def test_admin_still_chooses_among_every_agency(client):
    _seed_both_agencies()
    login(client, "admin")
    options = _options(client.get("/footagerequestview/list/").get_data(as_text=True))
    assert "KCSO-SECRET-0042" in options and "OWN-26-0001" in options
    assert "Ivy Investigator" in options and "Ian Second" in options


def test_the_api_offers_no_other_agency_choice_either(client):
    _seed_both_agencies()
    headers = api_token(client, "investigator2")
    for resource in ("case", "footage_request", "evidence_item"):
        for url in (f"/api/v1/{resource}/_info", f"/api/v1/{resource}/related/case",
                    f"/api/v1/{resource}/related/assignee"):
            response = client.get(url, headers=headers)
            assert response.status_code < 500, url
            text = response.get_data(as_text=True)
            assert "KCSO-SECRET-0042" not in text and "Ivy" not in text, url
