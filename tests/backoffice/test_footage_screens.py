"""Footage screens: a request travels SPEC §4 through the forms; buttons match what a user may do."""
import io
import re
from datetime import timedelta

import pytest
from flask import g

from backoffice.extensions import db
from backoffice.models import AuditEvent, EvidenceItem, FootageRequest
from backoffice.models.base import utcnow
from tests import factories
from tests.auth import CSRF_RE, login
from tests.workflows.helpers import request_in


class Browser:
    """One signed-in user's client. The tests share one app context, and so one `g`, where
    Flask-Login caches the user: forget it before each request so that users do not mix."""

    def __init__(self, ctx, username):
        self.client = ctx.test_client()
        self._forget()
        assert login(self.client, username).status_code == 302

    @staticmethod
    def _forget():
        for name in ("user", "_login_user", "csrf_token"):
            g.pop(name, None)

    def get(self, *args, **kwargs):
        self._forget()
        return self.client.get(*args, **kwargs)

    def post(self, *args, **kwargs):
        self._forget()
        return self.client.post(*args, **kwargs)


def signed_in(ctx, username):
    return Browser(ctx, username)


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def buttons(html):
    return re.findall(r'data-trigger="([a-z_]+)"', html)


def submit(client, request_id, trigger, **data):
    html = page(client, f"/footage/{request_id}")
    token = CSRF_RE.search(html).group(1)
    version = db.session.get(FootageRequest, request_id).version
    form = {"csrf_token": token, "version": str(version), **data}
    return client.post(f"/footage/{request_id}/fire/{trigger}", data=form, follow_redirects=True)


def state_of(request_id):
    db.session.expire_all()
    return db.session.get(FootageRequest, request_id).state


def test_a_request_travels_the_whole_path_in_the_ui(ctx, mailbox):
    inv, sup = signed_in(ctx, "investigator"), signed_in(ctx, "supervisor")
    request = request_in("open")
    assert buttons(page(inv, f"/footage/{request.id}")) == ["contact_owner", "cancel"]
    submit(inv, request.id, "contact_owner", method="phone", note="left a voicemail")
    submit(inv, request.id, "mark_no_response")
    assert state_of(request.id) == "no_response"
    submit(inv, request.id, "contact_owner", method="in_person")
    done = submit(inv, request.id, "record_consent", given_by="Pat Owner", method="written", scope="media_release")
    assert "the request is now consent given" in done.get_data(as_text=True)

    html = page(inv, f"/footage/{request.id}")
    assert 'id="evidence-form"' in html and "collect" not in buttons(html)
    token = CSRF_RE.search(html).group(1)
    for forged in (None, "forged-token"):  # the form checks its token inside the upload parser
        refused = inv.post(
            f"/footage/{request.id}/evidence",
            data={**({"csrf_token": forged} if forged else {}),
                  "file": (io.BytesIO(b"frames"), "cam.mp4"), "description": "x"},
            content_type="multipart/form-data", follow_redirects=True,
        )
        assert "SHA-256" not in refused.get_data(as_text=True)
        assert db.session.query(EvidenceItem).filter_by(footage_request_id=request.id).count() == 0
    uploaded = inv.post(
        f"/footage/{request.id}/evidence",
        data={"csrf_token": token, "file": (io.BytesIO(b"frames" * 1000), "cam.mp4"),
              "description": "driveway", "clock_offset_s": "12"},
        content_type="multipart/form-data", follow_redirects=True,
    )
    assert "SHA-256" in uploaded.get_data(as_text=True)
    submit(inv, request.id, "collect")
    assert state_of(request.id) == "collected"
    assert inv.get(f"/footage/{request.id}/receipt.pdf").mimetype == "application/pdf"

    submit(inv, request.id, "request_release", kind="media_public", basis="identify the suspect")
    assert buttons(page(inv, f"/footage/{request.id}")) == ["cancel"]
    queue = page(sup, "/footage/approvals")
    assert f"#{request.id}" in queue and "identify the suspect" in queue and "media release" in queue
    assert "Ivy Investigator" in queue
    token = CSRF_RE.search(queue).group(1)
    approved = sup.post(
        f"/footage/{request.id}/fire/approve_release",
        data={"csrf_token": token, "version": str(db.session.get(FootageRequest, request.id).version),
              "next": "/footage/approvals"},
        follow_redirects=True,
    )
    assert "Nothing waiting" in approved.get_data(as_text=True)
    assert state_of(request.id) == "released"
    submit(inv, request.id, "close")
    html = page(inv, f"/footage/{request.id}")
    assert state_of(request.id) == "closed" and 'id="no-actions"' in html
    history = html[html.index('id="history"'):]
    for step in ("record contact with owner", "mark no response", "record consent", "mark footage collected",
                 "ask to release", "approve release", "close request"):
        assert step in history
    for code in ("contact_owner", "media_public", "approve_release", "release_pending", "version"):
        assert code not in html.replace('data-trigger="', "").split('id="history"')[1]


def test_refusals_are_flashed_and_change_nothing(ctx):
    inv = signed_in(ctx, "investigator")
    request = request_in("contacted")
    refused = submit(inv, request.id, "record_consent", given_by="", method="written", scope="evidence_only")
    assert "Who gave consent is required" in refused.get_data(as_text=True)
    token = CSRF_RE.search(page(inv, f"/footage/{request.id}")).group(1)
    stale = inv.post(f"/footage/{request.id}/fire/record_refusal",
                     data={"csrf_token": token, "version": "0", "reason": "no"}, follow_redirects=True)
    assert "changed by someone else" in stale.get_data(as_text=True)
    no_csrf = inv.post(f"/footage/{request.id}/fire/record_refusal", data={"version": "1", "reason": "no"})
    assert no_csrf.status_code == 400
    assert state_of(request.id) == "contacted"


@pytest.mark.parametrize(
    "username, state, expected",
    [
        ("investigator", "release_pending", ["cancel"]),
        ("supervisor", "release_pending", ["approve_release", "deny_release", "cancel"]),
        ("investigator", "collected", ["request_release", "close", "cancel"]),
        ("investigator", "contacted", ["record_consent", "record_refusal", "mark_no_response", "cancel"]),
        ("investigator", "cancelled", []),
        ("auditor", "open", []),
    ],
)
def test_buttons_only_for_what_the_user_may_fire(ctx, username, state, expected):
    request = request_in(state)
    assert buttons(page(signed_in(ctx, username), f"/footage/{request.id}")) == expected


def test_other_agency_and_other_roles_are_kept_out(ctx):
    request = request_in("open")
    assert signed_in(ctx, "investigator2").get(f"/footage/{request.id}").status_code == 404
    assert signed_in(ctx, "staff").get(f"/footage/{request.id}").status_code in (302, 403)
    assert signed_in(ctx, "investigator").get("/footage/approvals").status_code in (302, 403)


def test_lists_scope_and_deadline_filters(ctx):
    soon = request_in("open", deadline=utcnow() + timedelta(hours=10))
    later = request_in("contacted", deadline=utcnow() + timedelta(hours=50))
    far = request_in("open", deadline=utcnow() + timedelta(days=10))
    done = request_in("collected", deadline=utcnow() + timedelta(hours=5))
    other = request_in("open", agency_index=1, deadline=utcnow() + timedelta(hours=5))
    inv = signed_in(ctx, "investigator")

    def listed(url):
        return set(map(int, re.findall(r'href="/footage/(\d+)"', page(inv, url))))

    everything = listed("/footagerequestview/list/")
    assert {soon.id, later.id, far.id, done.id} <= everything and other.id not in everything
    assert listed("/due24view/list/") == {soon.id}
    assert listed("/due72view/list/") == {soon.id, later.id}
    assert listed("/footagerequestview/list/?_flt_0_state=contacted") == {later.id}


def test_owner_contact_is_shown_on_request_and_audited(ctx):
    request = request_in("open")
    inv = signed_in(ctx, "investigator")
    html = page(inv, f"/footage/{request.id}")
    assert request.registration.owner.email not in html
    token = CSRF_RE.search(html).group(1)
    shown = inv.post(f"/footage/{request.id}/contact", data={"csrf_token": token}).get_data(as_text=True)
    assert request.registration.owner.email in shown
    event = db.session.query(AuditEvent).filter_by(  # the log outlives rows (and SQLite reuses their ids)
        action="owner.reveal", object_id=request.registration.owner_id, purpose=request.case.case_number
    ).one()
    assert event.purpose == request.case.case_number and event.username == "investigator"
    auditor_html = page(signed_in(ctx, "auditor"), f"/footage/{request.id}")
    assert "Show owner contact" not in auditor_html


def test_open_a_request_from_the_form(ctx):
    case = factories.case()
    reg = factories.registration(cameras=2)
    db.session.commit()
    inv = signed_in(ctx, "investigator")
    assert 'href="/footage/new"' in page(inv, "/")  # the Footage menu links to the form
    html = page(inv, "/footage/new")
    assert case.case_number in html
    token = CSRF_RE.search(html).group(1)
    opened = inv.post("/footage/new", data={"csrf_token": token, "case_id": str(case.id),
                                            "registration_id": str(reg.id), "camera_ids": str(reg.cameras[1].id)})
    assert opened.status_code == 302
    request = db.session.query(FootageRequest).filter_by(case_id=case.id).one()
    assert opened.headers["Location"].endswith(f"/footage/{request.id}") and request.camera_ids == [reg.cameras[1].id]
    again = inv.post("/footage/new", data={"csrf_token": token, "case_id": str(case.id),
                                           "registration_id": str(reg.id)}, follow_redirects=True)
    assert "already asks" in again.get_data(as_text=True)
    assert signed_in(ctx, "auditor").get("/footage/new").status_code in (302, 403)


def labelled_inputs(html: str) -> dict[str, str]:
    """Each visible input, select and textarea of the page's forms: id -> its label's text.
    Fails for one without a <label for=...> (a placeholder or title is not a label)."""
    labels = {m.group(1): re.sub(r"<[^>]+>|\s+", " ", m.group(2)).strip()
              for m in re.finditer(r'<label for="([^"]+)"[^>]*>(.*?)</label>', html, re.S)}
    found = {}
    for tag in re.finditer(r"<(input|select|textarea)\b([^>]*)>", html):
        attrs = tag.group(2)
        if re.search(r'type="(hidden|submit)"', attrs):
            continue
        ident = re.search(r'\bid="([^"]+)"', attrs)
        assert ident and ident.group(1) in labels, f"no label for <{tag.group(1)}{attrs}>"
        found[ident.group(1)] = labels[ident.group(1)]
    return found


@pytest.mark.parametrize("state", ["open", "contacted", "consented", "collected", "release_pending"])
def test_every_input_of_a_request_page_has_its_own_label(ctx, state):
    request = request_in(state)
    html = page(signed_in(ctx, "investigator"), f"/footage/{request.id}")
    labels = labelled_inputs(html)
    assert labels
    texts = list(labels.values())
    assert len(texts) == len(set(texts)), texts  # two "Reason" boxes: which one is the refusal's?


def test_approval_queue_inputs_are_labelled_and_deny_asks_first(ctx):
    request_in("release_pending")
    html = page(signed_in(ctx, "supervisor"), "/footage/approvals")
    labels = labelled_inputs(html)
    assert any("deny" in text.lower() for text in labels.values()), labels
    deny = re.search(r'<form[^>]*data-trigger="deny_release"[^>]*>', html).group(0)
    assert "data-confirm=" in deny  # a step that cannot be undone asks first, here as on the request page
    assert "<th>Asked</th>" in html and re.search(r"<td>\w{3} \d{1,2} \w{3} \d{4}, [^<]* P[SD]T</td>", html)


def test_a_contact_made_earlier_is_recorded_at_the_time_typed_in_county_time(ctx):
    inv = signed_in(ctx, "investigator")
    request = request_in("open")
    html = page(inv, f"/footage/{request.id}")
    field = re.search(r'<input[^>]*type="datetime-local"[^>]*name="at"|<input[^>]*name="at"[^>]*type="datetime-local"', html)
    assert field, "the contact form asks when the owner was reached"
    earlier = (utcnow() - timedelta(hours=3)).astimezone(factories_zone()).replace(second=0, microsecond=0)
    done = submit(inv, request.id, "contact_owner", method="phone", note="called at home",
                  at=earlier.strftime("%Y-%m-%dT%H:%M"))
    assert "the request is now owner contacted" in done.get_data(as_text=True)
    db.session.expire_all()
    (attempt,) = db.session.get(FootageRequest, request.id).contact_attempts[-1:]
    assert attempt.at == earlier


def factories_zone():
    from backoffice.localtime import county_zone
    return county_zone()


def test_a_refused_custody_step_returns_to_the_request_and_says_which_field(ctx):
    from tests.workflows.helpers import add_evidence_row

    request = request_in("consented")
    item = add_evidence_row(request, factories.user("investigator"))
    db.session.flush()
    inv = signed_in(ctx, "investigator")
    token = CSRF_RE.search(page(inv, f"/footage/{request.id}")).group(1)
    answer = inv.post(f"/footage/evidence/{item.id}/custody",
                      data={"csrf_token": token, "action": "transferred", "to": "", "note": "to the lab"})
    assert answer.status_code in (302, 303) and answer.headers["Location"].endswith(f"/footage/{request.id}")
    shown = page(inv, f"/footage/{request.id}")
    assert "fill in “To whom”" in shown and "(to)" not in shown


def test_a_contact_in_the_repeated_hour_asks_which_one_and_keeps_the_answer(ctx):
    from datetime import datetime, timezone

    inv = signed_in(ctx, "investigator")
    request = request_in("open")
    refused = submit(inv, request.id, "contact_owner", method="phone", note="night call", at="2026-11-01T01:45")
    html = refused.get_data(as_text=True)
    assert "happens twice" in html and 'name="at__fold"' in html
    assert "Sun 1 Nov 2026, 1:45 AM PDT (first)" in html and "Sun 1 Nov 2026, 1:45 AM PST (second)" in html
    done = submit(inv, request.id, "contact_owner", method="phone", note="night call",
                  at="2026-11-01T01:45", at__fold="1")
    assert "the request is now owner contacted" in done.get_data(as_text=True)
    db.session.expire_all()
    (attempt,) = db.session.get(FootageRequest, request.id).contact_attempts[-1:]
    assert attempt.at == datetime(2026, 11, 1, 9, 45, tzinfo=timezone.utc)


@pytest.mark.parametrize("next_url", [
    "//evil.example", "https://evil.example", "/\t/evil.example", "/\n/evil.example",
    "/\\evil.example", " //evil.example", "/%0a/evil.example\r\nSet-Cookie: x=1",
    "javascript:alert(document.domain)", "JavaScript://evil.example/%0aalert(1)",
])
@pytest.mark.parametrize("outcome", ["done", "refused"])
def test_a_form_sends_back_only_to_a_page_of_this_site(ctx, next_url, outcome):
    inv = signed_in(ctx, "investigator")
    request = request_in("contacted")
    token = CSRF_RE.search(page(inv, f"/footage/{request.id}")).group(1)
    version = "1" if outcome == "done" else "0"  # a stale version is refused
    sent = inv.post(f"/footage/{request.id}/fire/mark_no_response",
                    data={"csrf_token": token, "version": version, "next": next_url})
    assert sent.status_code == 302
    assert sent.headers["Location"] == f"/footage/{request.id}"
    assert state_of(request.id) == ("no_response" if outcome == "done" else "contacted")


def test_a_form_sends_back_to_the_page_of_this_site_it_names(ctx):
    sup = signed_in(ctx, "supervisor")
    request = request_in("contacted")
    token = CSRF_RE.search(page(sup, f"/footage/{request.id}")).group(1)
    sent = sup.post(f"/footage/{request.id}/fire/mark_no_response",
                    data={"csrf_token": token, "version": "1", "next": "/footage/approvals?page=2"})
    assert sent.headers["Location"] == "/footage/approvals?page=2"


def test_a_request_far_from_the_scene_is_opened_with_a_warning(ctx):
    case = factories.case()
    far = factories.registration(lat=35.4033, lon=-119.0187)  # 3.3 km north of the case
    db.session.commit()
    inv = signed_in(ctx, "investigator")
    token = CSRF_RE.search(page(inv, "/footage/new")).group(1)
    opened = inv.post("/footage/new", data={"csrf_token": token, "case_id": str(case.id),
                                            "registration_id": str(far.id)}, follow_redirects=True)
    assert f"{far.address} is 3.3 km from the case" in opened.get_data(as_text=True)


def test_a_refused_upload_keeps_what_was_typed(ctx):
    request = request_in("consented")
    before = db.session.query(EvidenceItem).filter_by(footage_request_id=request.id).count()
    inv = signed_in(ctx, "investigator")
    token = CSRF_RE.search(page(inv, f"/footage/{request.id}")).group(1)
    refused = inv.post(
        f"/footage/{request.id}/evidence",
        data={"csrf_token": token, "file": (io.BytesIO(b""), "cam.mp4"),
              "description": "Driveway, 22:10–22:40", "clock_offset_s": "-95"},
        content_type="multipart/form-data", follow_redirects=True,
    )
    html = refused.get_data(as_text=True)
    assert "The file is empty." in html
    assert 'value="Driveway, 22:10–22:40"' in html and 'value="-95"' in html
    assert db.session.query(EvidenceItem).filter_by(footage_request_id=request.id).count() == before


def test_every_footage_form_without_its_token_is_refused_and_changes_nothing(ctx):
    """Flask-WTF's CSRFProtect guards every footage POST (the evidence upload, exempt from it so
    that the file streams, checks its token itself): a forged or missing token is a 400."""
    request = request_in("open")
    item = request_in("consented")
    evidence = db.session.query(EvidenceItem).filter_by(footage_request_id=item.id).one()
    inv = signed_in(ctx, "investigator")
    case = request.case
    before = db.session.query(AuditEvent).count(), db.session.query(FootageRequest).count()
    version = str(db.session.get(FootageRequest, request.id).version)
    posts = [
        (f"/footage/{request.id}/contact", {}),
        ("/footage/new", {"case_id": str(case.id), "registration_id": str(request.registration_id)}),
        (f"/footage/{request.id}/upload_link", {}),
        (f"/footage/{request.id}/messages/1/send", {}),
        (f"/footage/{request.id}/fire/record_refusal", {"version": version, "reason": "no"}),
        (f"/footage/evidence/{evidence.id}/custody", {"action": "transferred", "note": "x", "to": "lab"}),
        (f"/footage/{item.id}/evidence", {"file": b"frames"}),
    ]
    for url, data in posts:
        for token in ({}, {"csrf_token": "forged"}):
            fields = {name: (io.BytesIO(value), "cam.mp4") if isinstance(value, bytes) else value
                      for name, value in {**data, **token}.items()}
            response = inv.post(url, data=fields, content_type="multipart/form-data")
            assert response.status_code == 400, (url, token, response.status_code)
    db.session.expire_all()
    assert (db.session.query(AuditEvent).count(), db.session.query(FootageRequest).count()) == before
    assert state_of(request.id) == "open"
