"""The assignee hears of what happens on their requests without them — an owner's upload
through a link, a release approved or denied: on their home page always, by e-mail when their
account says so."""
import io
import re

import pytest

from backoffice.extensions import db
from tests import factories
from tests.auth import CSRF_RE
from tests.backoffice.test_footage_screens import page, signed_in
from tests.mailbox import body_text
from tests.workflows.helpers import declaration_for, request_in
from workflows import footage_request as wf
from workflows import owner_upload


def _news(ctx) -> str:
    html = page(signed_in(ctx, "investigator").client, "/")
    return re.search(r"News on your requests.*?</section>", html, re.S).group(0)


@pytest.mark.parametrize("trigger, data, word", [
    ("approve_release", {}, "approved"),
    ("deny_release", {"reason": "the order is not served yet"}, "denied"),
])
def test_a_release_decision_is_emailed_to_the_assignee_and_shown_at_home(ctx, mailbox, trigger, data, word):
    request = request_in("release_pending")
    wf.fire(request.id, trigger, factories.user("supervisor"), 1, data)
    [notice] = mailbox.to(request.assignee.email)
    assert notice["Subject"] == f"Release {word}: request {request.id}, case {request.case.case_number}"
    assert f"was {word} by a supervisor" in body_text(notice) and f"/footage/{request.id}" in body_text(notice)
    news = _news(ctx)
    assert f"#{request.id} · release {word}" in news
    if word == "denied":  # the supervisor's reason, as the history keeps it
        assert "the order is not served yet" in news


def test_no_email_for_an_assignee_who_chose_none_but_the_home_page_tells(ctx, mailbox):
    request = request_in("consented", evidence=False)
    request.assignee.notify_by_email = False
    db.session.commit()
    owner_upload.issue_link(request.id, request.assignee)
    token = re.search(r"/upload/([^\s?]+)", body_text(mailbox.to(request.registration.owner.email)[0])).group(1)
    owner_upload.upload_with_link(token, io.BytesIO(b"porch footage" * 50), "porch.mp4", "porch camera",
                                  declaration_for(request))
    version = wf.fire(request.id, "collect", request.assignee, 1).version
    version = wf.fire(request.id, "request_release", request.assignee, version,
                      {"kind": "media_public", "basis": "identify the suspect"}).version
    wf.fire(request.id, "approve_release", factories.user("supervisor"), version)
    assert mailbox.to(request.assignee.email) == []  # the owner's receipt and notices went; none to them
    news = _news(ctx)
    assert f"#{request.id} · the owner uploaded porch.mp4" in news
    assert f"#{request.id} · release approved" in news


def test_the_choice_is_made_on_the_users_own_details_form(ctx):
    browser = signed_in(ctx, "investigator")
    html = page(browser.client, "/userinfoeditview/form")
    assert "E-mail me news on my requests" in html and 'name="notify_by_email"' in html and "checked" in html
    user = factories.user("investigator")
    form = {"csrf_token": CSRF_RE.search(html).group(1), "first_name": user.first_name, "last_name": user.last_name}
    assert browser.post("/userinfoeditview/form", data=form).status_code == 302  # box left unticked
    db.session.refresh(user)
    assert user.notify_by_email is False
    form["notify_by_email"] = "y"
    browser.post("/userinfoeditview/form", data=form)
    db.session.refresh(user)
    assert user.notify_by_email is True
    profile = page(browser.client, "/users/userinfo/")  # the user's own page shows the choice
    assert "News on requests by e-mail" in profile
