"""A media release the owner did not consent to needs a court order or the supervisor's override
reason; the owner's notice says which grounds applied."""
import json

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import AuditEvent, CustodyEvent, EvidenceItem, FootageRequest
from tests import factories
from tests.mailbox import body_text
from tests.workflows.helpers import request_in
from workflows import footage_request as wf
from workflows.errors import TransitionRefused


def pending(scope: str, kind: str) -> FootageRequest:
    request = request_in("release_pending")
    request.consent_scope, request.release_kind = scope, kind
    if kind == "court_order":
        request.court_order_ref = "BCV-26-77"
    db.session.commit()
    return request


def notice(mailbox, request) -> str:
    messages = mailbox.to(request.registration.owner.email)
    assert len(messages) == 1
    return body_text(messages[0])


@pytest.mark.parametrize("override", [None, "", "   ", ".", "x", "ok ok ok", "..........."])
def test_media_release_without_consent_is_refused_and_changes_nothing(ctx, mailbox, override):
    request = pending("evidence_only", "media_public")
    data = {} if override is None else {"override_reason": override}

    with pytest.raises(TransitionRefused, match="evidence use only"):
        wf.fire(request.id, "approve_release", factories.user("supervisor"), 1, data)

    db.session.expire_all()
    after = db.session.get(FootageRequest, request.id)
    assert (after.state, after.version, after.release_decision) == ("release_pending", 1, None)
    assert db.session.scalars(select(CustodyEvent).where(CustodyEvent.action == "released")).all() == []
    assert mailbox.to(request.registration.owner.email) == []


def test_override_reason_releases_and_is_kept_and_told_to_the_owner(ctx, mailbox):
    request = pending("evidence_only", "media_public")

    result = wf.fire(request.id, "approve_release", factories.user("supervisor"), 1,
                     {"override_reason": "  suspect still armed; public safety  "})

    assert result.state == "released"
    event = db.session.scalars(select(AuditEvent).where(  # the newest: ids of removed rows come back
        AuditEvent.action == "footage_request.approve_release", AuditEvent.object_id == request.id)
        .order_by(AuditEvent.id.desc())).first()
    assert json.loads(event.detail)["grounds"] == "override"
    assert json.loads(event.detail)["override_reason"] == "suspect still armed; public safety"
    assert wf.release_record(db.session.get(FootageRequest, request.id)) == {
        "grounds": "override", "override_reason": "suspect still armed; public safety"}
    released = db.session.scalars(select(CustodyEvent).where(
        CustodyEvent.action == "released",
        CustodyEvent.evidence_item_id.in_(
            select(EvidenceItem.id).where(EvidenceItem.footage_request_id == request.id)))).one()
    assert "suspect still armed" in released.note
    body = notice(mailbox, request)
    assert "without your consent" in body and "suspect still armed; public safety" in body


def test_court_order_needs_no_consent_and_the_notice_says_so(ctx, mailbox):
    request = pending("evidence_only", "court_order")

    wf.fire(request.id, "approve_release", factories.user("supervisor"), 1)

    body = notice(mailbox, request)
    assert "court order" in body and "BCV-26-77" in body and "without your consent" not in body


def test_consented_media_release_says_consent_and_ignores_an_override(ctx, mailbox):
    request = pending("media_release", "media_public")

    wf.fire(request.id, "approve_release", factories.user("supervisor"), 1, {"override_reason": "not needed"})

    body = notice(mailbox, request)
    assert "You consented" in body and "not needed" not in body
    assert wf.release_record(db.session.get(FootageRequest, request.id))["grounds"] == "consent"


def test_sharing_with_another_agency_is_evidence_use(ctx, mailbox):
    request = pending("evidence_only", "agency_share")

    assert wf.fire(request.id, "approve_release", factories.user("supervisor"), 1).state == "released"
    assert mailbox.to(request.registration.owner.email) == []
