"""The footage-request workflow: every row of SPEC §4, role × trigger, refusals change nothing."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import AuditEvent, ContactAttempt, CustodyEvent, FootageRequest, RequestTransition
from tests import factories
from tests.workflows.helpers import READY, add_evidence_row, request_in
from workflows import footage_request as wf
from workflows.errors import (
    InvalidInput,
    RequestChanged,
    RequestNotFound,
    TransitionRefused,
    TriggerForbidden,
)
from workflows.machine import RULES, State, TRIGGERS

OK = "ok"
# SPEC §4 "who": investigators and supervisors fire their own agency's requests,
# supervisors alone approve or deny; other agencies get "not found"; staff and auditors never.
ROLE_TABLE = {
    "investigator": {t: OK for t in TRIGGERS} | {"approve_release": TriggerForbidden, "deny_release": TriggerForbidden},
    "supervisor": {t: OK for t in TRIGGERS},
    "investigator2": {t: RequestNotFound for t in TRIGGERS},
    "supervisor2": {t: RequestNotFound for t in TRIGGERS},
    "staff": {t: TriggerForbidden for t in TRIGGERS},
    "auditor": {t: TriggerForbidden for t in TRIGGERS},
}
CASES = [(user, trigger, outcome) for user, row in ROLE_TABLE.items() for trigger, outcome in row.items()]


def snapshot(request_id):
    """Everything a refused trigger must leave as it was."""
    db.session.expire_all()
    request = db.session.get(FootageRequest, request_id)
    return (
        request.state,
        request.version,
        db.session.query(RequestTransition).filter_by(footage_request_id=request_id).count(),
        db.session.query(ContactAttempt).filter_by(footage_request_id=request_id).count(),
        db.session.query(AuditEvent).count(),
    )


@pytest.mark.parametrize("username, trigger, outcome", CASES)
def test_role_by_trigger(ctx, mailbox, username, trigger, outcome):
    state, data = READY[trigger]
    request = request_in(state)
    user = factories.user(username)
    before = snapshot(request.id)
    if outcome is OK:
        result = wf.fire(request.id, trigger, user, 1, data)
        rule = next(r for r in RULES if r.trigger == trigger)
        assert result.state == rule.dest.value and result.version == 2
    else:
        with pytest.raises(outcome):
            wf.fire(request.id, trigger, user, 1, data)
        assert snapshot(request.id) == before


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.trigger)
def test_every_source_state_of_every_rule(ctx, mailbox, rule):
    supervisor = factories.user("supervisor")
    for source in rule.source:
        request = request_in(source.value)
        result = wf.fire(request.id, rule.trigger, supervisor, 1, READY[rule.trigger][1])
        assert result.state == rule.dest.value
        history = db.session.scalars(
            select(RequestTransition).filter_by(footage_request_id=request.id)
        ).all()
        assert [(h.from_state, h.to_state, h.trigger, h.actor_id) for h in history] == [
            (source.value, rule.dest.value, rule.trigger, supervisor.id)
        ]
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert event.action == f"footage_request.{rule.trigger}" and event.object_id == request.id


ILLEGAL = [
    (state.value, trigger)
    for state in State
    for trigger in TRIGGERS
    if not any(r.trigger == trigger and state in r.source for r in RULES)
]


@pytest.mark.parametrize("state, trigger", ILLEGAL)
def test_illegal_moves_are_refused_without_change(ctx, state, trigger):
    request = request_in(state)
    before = snapshot(request.id)
    with pytest.raises(TransitionRefused) as refused:
        wf.fire(request.id, trigger, factories.user("supervisor"), 1, READY[trigger][1])
    assert "cannot be moved" in refused.value.message
    assert snapshot(request.id) == before


GUARD_REFUSALS = [
    ("contact_owner", "open", {}, "Contact method must be one of"),
    ("contact_owner", "open", {"method": "telepathy"}, "Contact method must be one of"),
    ("record_consent", "contacted", {"method": "written", "scope": "evidence_only"}, "Who gave consent is required"),
    ("record_consent", "contacted", {"given_by": "X", "method": "written", "scope": "everything"}, "Consent scope"),
    ("record_refusal", "contacted", {"reason": "  "}, "A reason is required"),
    ("request_release", "collected", {"kind": "tv", "basis": "b"}, "Release kind"),
    ("request_release", "collected", {"kind": "agency_share"}, "legal basis is required"),
    ("request_release", "collected", {"kind": "court_order", "basis": "subpoena"}, "court order"),
    ("deny_release", "release_pending", {}, "A reason is required"),
    ("cancel", "contacted", {}, "A reason is required"),
]


@pytest.mark.parametrize("trigger, state, data, message", GUARD_REFUSALS)
def test_guard_refusals_say_why(ctx, trigger, state, data, message):
    request = request_in(state)
    before = snapshot(request.id)
    with pytest.raises(TransitionRefused, match=message):
        wf.fire(request.id, trigger, factories.user("supervisor"), 1, data)
    assert snapshot(request.id) == before


def test_no_response_needs_an_attempt(ctx):
    request = request_in("contacted")
    db.session.query(ContactAttempt).filter_by(footage_request_id=request.id).delete()
    db.session.commit()
    with pytest.raises(TransitionRefused, match="at least one contact attempt"):
        wf.fire(request.id, "mark_no_response", factories.user("investigator"), 1)


def test_collect_needs_evidence(ctx):
    request = factories.footage_request(state="consented")
    db.session.commit()
    with pytest.raises(TransitionRefused, match="at least one evidence item"):
        wf.fire(request.id, "collect", factories.user("investigator"), 1)


def test_approver_must_not_be_the_requester(ctx):
    request = request_in("release_pending")
    supervisor = factories.user("supervisor")
    request.release_requested_by_id = supervisor.id
    db.session.commit()
    with pytest.raises(TransitionRefused, match="someone other than"):
        wf.fire(request.id, "approve_release", supervisor, 1)


def test_stale_version_is_refused(ctx):
    request = request_in("open")
    with pytest.raises(RequestChanged, match="reload"):
        wf.fire(request.id, "contact_owner", factories.user("investigator"), 7, READY["contact_owner"][1])
    with pytest.raises(InvalidInput):
        wf.fire(request.id, "contact_owner", factories.user("investigator"), None, READY["contact_owner"][1])


def test_full_path_with_release(ctx, mailbox):
    inv, sup = factories.user("investigator"), factories.user("supervisor")
    request = request_in("open")
    owner_email = request.registration.owner.email
    steps = [
        (inv, "contact_owner", {"method": "email", "note": "sent the request"}),
        (inv, "mark_no_response", {}),
        (inv, "contact_owner", {"method": "phone"}),
        (inv, "record_consent", {"given_by": "Pat", "method": "verbal", "scope": "media_release"}),
    ]
    version = 1
    for user, trigger, data in steps:
        version = wf.fire(request.id, trigger, user, version, data).version
    add_evidence_row(request, inv)
    version = wf.fire(request.id, "collect", inv, version).version
    assert len(mailbox.to(owner_email)) == 1  # the receipt
    version = wf.fire(request.id, "request_release", inv, version,
                      {"kind": "court_order", "basis": "subpoena", "court_order_ref": "BCV-26-1234"}).version
    version = wf.fire(request.id, "deny_release", sup, version, {"reason": "order not served yet"}).version
    version = wf.fire(request.id, "request_release", inv, version,
                      {"kind": "media_public", "basis": "identify suspect"}).version
    result = wf.fire(request.id, "approve_release", sup, version)
    assert result.state == "released" and not result.notices
    db.session.expire_all()
    request = db.session.get(FootageRequest, request.id)
    assert request.release_decided_by_id == sup.id and request.release_decision == "approved"
    assert len(request.contact_attempts) == 2
    assert [h.trigger for h in request.history] == [
        "contact_owner", "mark_no_response", "contact_owner", "record_consent", "collect",
        "request_release", "deny_release", "request_release", "approve_release",
    ]
    released = db.session.query(CustodyEvent).filter_by(action="released").all()
    assert len(released) == 1 and "Media or public bulletin" in released[0].note
    subjects = [m["Subject"] for m in mailbox.to(owner_email)]
    assert any("released to the public" in s for s in subjects)
    version = wf.fire(request.id, "close", inv, result.version).version
    assert db.session.get(FootageRequest, request.id).state == "closed"


def test_agency_share_release_does_not_email_owner(ctx, mailbox):
    request = request_in("release_pending")
    request.release_kind = "agency_share"
    db.session.commit()
    wf.fire(request.id, "approve_release", factories.user("supervisor"), 1)
    assert mailbox.to(request.registration.owner.email) == []


def test_available_triggers(ctx):
    inv, sup = factories.user("investigator"), factories.user("supervisor")
    pending = request_in("release_pending")
    assert wf.available_triggers(pending, inv) == ["cancel"]
    assert wf.available_triggers(pending, sup) == ["approve_release", "deny_release", "cancel"]
    consented = factories.footage_request(state="consented")
    assert wf.available_triggers(consented, inv) == ["cancel"]  # no evidence yet
    assert wf.available_triggers(request_in("closed"), sup) == []
    assert wf.available_triggers(request_in("open"), factories.user("staff")) == []


def test_open_request_is_due_when_the_shortest_retention_runs_out(ctx):
    inv = factories.user("investigator")
    case = factories.case()
    reg = factories.registration(cameras=2)
    reg.cameras[0].retention_days, reg.cameras[1].retention_days = 7, 30
    db.session.flush()
    request = wf.open_request(inv, case_id=case.id, registration_id=reg.id)
    assert request.state == "open" and request.version == 1 and request.assignee_id == inv.id
    assert request.deadline == case.occurred_from + timedelta(days=7)
    only_short = factories.registration(cameras=2)
    only_short.cameras[0].retention_days, only_short.cameras[1].retention_days = 5, 2
    db.session.flush()
    request = wf.open_request(inv, case_id=case.id, registration_id=only_short.id,
                              camera_ids=[only_short.cameras[0].id])
    assert request.deadline == case.occurred_from + timedelta(days=5)  # only the cameras asked for
    with pytest.raises(TransitionRefused, match="already asks"):
        wf.open_request(inv, case_id=case.id, registration_id=reg.id)


def test_open_request_refusals(ctx):
    inv, inv2 = factories.user("investigator"), factories.user("investigator2")
    case = factories.case()
    reg = factories.registration()
    withdrawn = factories.registration(status="withdrawn")
    db.session.commit()
    with pytest.raises(RequestNotFound):
        wf.open_request(inv2, case_id=case.id, registration_id=reg.id)
    with pytest.raises(TriggerForbidden):
        wf.open_request(factories.user("staff"), case_id=case.id, registration_id=reg.id)
    with pytest.raises(InvalidInput, match="camera_ids"):
        wf.open_request(inv, case_id=case.id, registration_id=reg.id, camera_ids=[999999])
    with pytest.raises(TransitionRefused, match="withdrawn"):
        wf.open_request(inv, case_id=case.id, registration_id=withdrawn.id)
    with pytest.raises(InvalidInput, match="assignee"):
        wf.open_request(inv, case_id=case.id, registration_id=reg.id, assignee_id=inv2.id)


def test_a_footage_window_in_the_future_is_refused_naming_the_field(ctx):
    from backoffice.models.base import utcnow
    from workflows.errors import InvalidInput

    inv = factories.user("investigator")
    case = factories.case()
    reg = factories.registration()
    db.session.flush()
    now = utcnow()
    with pytest.raises(InvalidInput, match="starts in the future") as refused:
        wf.open_request(inv, case_id=case.id, registration_id=reg.id,
                        window_from=now + timedelta(days=1), window_to=now + timedelta(days=1, hours=1))
    assert refused.value.field == "window_from"
    with pytest.raises(InvalidInput, match="ends in the future") as refused:
        wf.open_request(inv, case_id=case.id, registration_id=reg.id,
                        window_from=now - timedelta(hours=1), window_to=now + timedelta(hours=2))
    assert refused.value.field == "window_to"
