"""Each role's home page shows its work: counts that match the lists they link to, the first
items with local times, and nothing from another agency or another role's work."""
import re
from datetime import date, datetime, timedelta, timezone

import pytest

from backoffice.extensions import db
from backoffice.models import RegistrationLifecycle
from tests import factories
from tests.auth import login
from tests.backoffice.test_list_queries import count_statements

NOW = datetime.now(timezone.utc)


def home(client, username: str) -> str:
    assert login(client, username).status_code == 302
    page = client.get("/")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def panel(html: str, title: str) -> str:
    """The text of the panel headed `title` (its count and body), or "" when absent."""
    match = re.search(rf'<section class="panel[^"]*work-panel".*?{re.escape(title)}.*?</section>', html, re.S)
    return match.group(0) if match else ""


def count_in(section: str) -> int:
    return int(re.search(r'<span class="badge work-count">(\d+)</span>', section).group(1))


def listed_rows(client, url: str) -> int:
    html = client.get(url).get_data(as_text=True)
    return len(re.findall(r'<tr[^>]*>\s*<td[^>]*>\s*<input[^>]*action_check', html)) or len(
        re.findall(r'href="/footage/\d+"', html))


@pytest.fixture()
def work(ctx):
    """A verified registration waiting for review, one overdue confirmation, a request of each
    agency due within 24 h, and a release waiting for a supervisor."""
    waiting = factories.registration(status="pending", address="12 Review Lane")
    waiting.lifecycle = RegistrationLifecycle(verified_at=NOW - timedelta(hours=5))
    factories.registration(address="9 Overdue Court", next_confirmation_due=date.today() - timedelta(days=3))
    due = factories.footage_request(deadline=NOW + timedelta(hours=5), state="contacted",
                                    assignee_id=factories.user("investigator").id,
                                    reg=factories.registration(address="44 Deadline Road"))
    other = factories.footage_request(case_obj=factories.case(agency_index=1), deadline=NOW + timedelta(hours=2),
                                      reg=factories.registration(address="7 Other Agency Way"))
    release = factories.footage_request(state="release_pending", release_kind="media_public",
                                        release_requested_by_id=factories.user("investigator").id)
    db.session.flush()
    return {"due": due, "other": other, "release": release}


def test_staff_see_the_review_queue_and_confirmations_due(client, work):
    html = home(client, "staff")
    queue = panel(html, "Review queue")
    assert "12 Review Lane" in queue and 'href="/review/' in queue
    assert count_in(queue) >= 1
    assert re.search(r"(PST|PDT)", queue), "the time the owner verified is county time with its zone"
    due = panel(html, "Confirmations due")
    assert "overdue" in due and 'href="/dueregistrationview/list/"' in due
    assert "9 Overdue Court" in due
    assert count_in(due) >= 1
    assert panel(html, "Footage due within 24 h") == "", "staff never see case data"
    assert "Find a registration" in html


def test_investigators_see_their_agencys_footage_at_risk(client, work):
    html = home(client, "investigator")
    due = panel(html, "Footage due within 24 h")
    assert f'href="/footage/{work["due"].id}"' in due and "44 Deadline Road" in due
    assert "7 Other Agency Way" not in html, "another agency's request is not counted or shown"
    assert count_in(due) == listed_rows(client, "/due24view/list/")
    mine = panel(html, "Your open requests")
    assert f'href="/footage/{work["due"].id}"' in mine
    link = re.search(r'href="(/footagerequestview/list/[^"]*)"', mine).group(1).replace("&amp;", "&")
    assert f'href="/footage/{work["due"].id}"' in client.get(link).get_data(as_text=True)
    assert count_in(mine) == listed_rows(client, link)
    assert panel(html, "Releases waiting for approval") == "", "investigators do not approve"
    assert panel(html, "Review queue") == ""
    assert 'href="/caseview/add"' in html and 'href="/map/"' in html


def test_supervisors_see_releases_waiting(client, work):
    html = home(client, "supervisor")
    waiting = panel(html, "Releases waiting for approval")
    assert f'href="/footage/{work["release"].id}"' in waiting
    assert count_in(waiting) >= 1 and 'href="/footage/approvals"' in waiting


def test_auditors_see_the_log_and_no_case_work(client, work):
    html = home(client, "auditor")
    assert "owner contact reveal" in panel(html, "Audit log")
    assert panel(html, "Footage due within 24 h") == "" and panel(html, "Review queue") == ""


def test_admins_see_every_panel(client, work):
    html = home(client, "admin")
    for title in ("Review queue", "Confirmations due", "Footage due within 24 h",
                  "Releases waiting for approval", "Audit log", "Accounts"):
        assert panel(html, title), title
    assert "7 Other Agency Way" in html, "admins work across agencies"


def test_visitors_are_offered_the_sign_in(client):
    html = client.get("/").get_data(as_text=True)
    assert "Sign in" in html and "work-panel" not in html


def test_the_home_page_costs_the_same_whatever_the_backlog(client, ctx):
    assert login(client, "admin").status_code == 302
    client.get("/")
    factories.footage_request(deadline=NOW + timedelta(hours=1))
    db.session.expire_all()  # each measured request loads its user afresh, as in production
    with count_statements() as few:
        client.get("/")
    for _ in range(8):
        factories.footage_request(deadline=NOW + timedelta(hours=1), state="release_pending")
        waiting = factories.registration(status="pending")
        waiting.lifecycle = RegistrationLifecycle(verified_at=NOW)
    db.session.flush()
    db.session.expire_all()
    with count_statements() as many:
        client.get("/")
    assert len(many) == len(few), (len(few), len(many))


def test_a_deadline_already_passed_says_so(client, ctx):
    late = factories.footage_request(deadline=NOW - timedelta(days=3), state="contacted")
    html = home(client, "admin")
    row = re.search(rf'<li><a href="/footage/{late.id}">.*?</li>', panel(html, "Footage due within 24 h"), re.S)
    assert row and "deadline passed" in row.group(0)


def test_a_request_whose_file_arrived_says_so_instead_of_waiting(client, work):
    """The owner uploaded: the request waits only for the investigator to mark the footage
    collected. It said "still waiting for footage" beside the news that the file had come."""
    from backoffice.models import EvidenceItem

    db.session.add(EvidenceItem(footage_request_id=work["due"].id, file_name="clip.mp4", description="porch",
                                storage_location=f"{work['due'].id}/x.mp4", sha256="0" * 64, size_bytes=10,
                                collected_at=NOW, collected_by_id=factories.user("investigator").id))
    db.session.flush()
    html = home(client, "investigator")
    mine = panel(html, "Your open requests")
    assert "footage not yet collected" in mine and "still waiting for footage" not in mine
    row = re.search(rf'<li><a href="/footage/{work["due"].id}".*?</li>', mine, re.S).group(0)
    assert "file received: mark the footage collected" in row
    due = panel(html, "Footage due within 24 h")
    assert "file received" in re.search(rf'<li><a href="/footage/{work["due"].id}".*?</li>', due, re.S).group(0)
