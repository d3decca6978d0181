"""The approval screens and API ask for an override reason when the owner consented to evidence
use only, keep what was typed after a refusal, and show the reason afterwards."""
import html as markup

import pytest

from backoffice.extensions import db
from backoffice.models import FootageRequest
from tests.auth import CSRF_RE, api_token
from tests.backoffice.test_footage_screens import page, signed_in, state_of
from tests.workflows.helpers import request_in

FIELD = 'name="override_reason"'


def pending(scope: str = "evidence_only", kind: str = "media_public") -> FootageRequest:
    request = request_in("release_pending")
    request.consent_scope, request.release_kind = scope, kind
    db.session.commit()
    return request


@pytest.mark.parametrize("scope, kind, asked", [
    ("evidence_only", "media_public", True),
    ("media_release", "media_public", False),
    ("evidence_only", "court_order", False),
    ("evidence_only", "agency_share", False),
])
def test_the_override_reason_is_asked_only_when_the_owner_did_not_consent(ctx, scope, kind, asked):
    request = pending(scope, kind)
    sup = signed_in(ctx, "supervisor")
    assert (FIELD in page(sup, f"/footage/{request.id}")) is asked
    assert (FIELD in page(sup, "/footage/approvals")) is asked


@pytest.mark.parametrize("where", ["/footage/approvals", None])
def test_a_refused_approval_keeps_the_override_reason_typed(ctx, where):
    request = pending()
    sup = signed_in(ctx, "supervisor")
    token = CSRF_RE.search(page(sup, "/footage/approvals")).group(1)
    form = {"csrf_token": token, "version": "0", "override_reason": "Armed suspect & public safety"}
    if where:
        form["next"] = where

    sent = sup.post(f"/footage/{request.id}/fire/approve_release", data=form, follow_redirects=True)

    text = sent.get_data(as_text=True)
    assert "Armed suspect &amp; public safety</textarea>" in text
    assert "changed" in text  # the stale version's message
    assert state_of(request.id) == "release_pending"


def test_without_a_reason_the_queue_says_why_and_nothing_changes(ctx):
    request = pending()
    sup = signed_in(ctx, "supervisor")
    token = CSRF_RE.search(page(sup, "/footage/approvals")).group(1)
    sent = sup.post(f"/footage/{request.id}/fire/approve_release", follow_redirects=True,
                    data={"csrf_token": token, "version": "1", "next": "/footage/approvals"})
    assert "consented to evidence use only" in markup.unescape(sent.get_data(as_text=True))
    assert state_of(request.id) == "release_pending"


def test_the_override_reason_shows_on_the_request_and_in_the_queue(ctx):
    request = pending()
    sup = signed_in(ctx, "supervisor")
    token = CSRF_RE.search(page(sup, "/footage/approvals")).group(1)
    sup.post(f"/footage/{request.id}/fire/approve_release",
             data={"csrf_token": token, "version": "1", "override_reason": "Suspect armed"})
    assert state_of(request.id) == "released"

    detail = markup.unescape(page(sup, f"/footage/{request.id}"))
    grounds = detail[detail.index('id="release-grounds"'):]
    assert "without the owner's consent" in grounds[:300] and "Suspect armed" in grounds[:300]
    queue = markup.unescape(page(sup, "/footage/approvals"))
    overrides = queue[queue.index('id="override-releases"'):]
    assert f"#{request.id}" in overrides and "Suspect armed" in overrides
    other = markup.unescape(page(signed_in(ctx, "supervisor2"), "/footage/approvals"))
    assert "Suspect armed" not in other  # another agency's queue


def test_the_api_takes_the_override_reason(client):
    request = pending()
    headers = api_token(client, "supervisor")
    refused = client.post(f"/api/v1/footage_request/{request.id}/approve_release",
                          headers=headers, json={"version": 1})
    assert refused.status_code == 409 and "evidence use only" in refused.json["message"]
    done = client.post(f"/api/v1/footage_request/{request.id}/approve_release",
                       headers=headers, json={"version": 1, "override_reason": "Suspect armed"})
    assert done.status_code == 200 and done.json["state"] == "released"
