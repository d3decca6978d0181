"""Area requests, the owners without e-mail: the answer they gave by phone or at the door is
recorded by the investigator; and the history of a request an owner's answer opened."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import AreaRecipient, AuditEvent, FootageRequest
from backoffice.models.base import utcnow
from backoffice.portal import access_log
from tests import factories
from tests.mailbox import body_text
from tests.workflows.helpers import searched
from workflows import area_request as area_cmd
from workflows.errors import TriggerForbidden

STARTED = [utcnow()]


@pytest.fixture(autouse=True)
def _started():
    STARTED[0] = utcnow() - timedelta(seconds=1)


def no_email_owner():
    return factories.registration(owner=factories.owner(email=None, phone="6615550100"))


def asked(*registrations):
    investigator = factories.user("investigator")
    case = factories.case(0, lead_investigator_id=investigator.id)
    searched(case, *registrations)
    db.session.commit()
    done = area_cmd.ask_area(case.id, [r.id for r in registrations], investigator,
                             description="A grey van leaving the car park, around 9 PM")
    return case, done


def row_of(registration):
    return db.session.scalars(select(AreaRecipient).where(AreaRecipient.registration_id == registration.id)).one()


def test_an_answer_by_phone_is_recorded_counted_audited_and_in_the_owners_log(ctx, mailbox):
    phoned, visited, emailed = no_email_owner(), no_email_owner(), factories.registration()
    case, done = asked(phoned, visited, emailed)
    [summary] = area_cmd.for_case(case.id)
    assert summary.counts["unanswered"] == 3 and summary.counts["answered"] == 0
    investigator = factories.user("investigator")
    area_cmd.record_answer(row_of(phoned).id, "nothing", "phone", investigator)
    area_cmd.record_answer(row_of(visited).id, "not_covered", "visit", investigator)
    row = row_of(phoned)
    assert (row.answer, row.reached_by, row.recorded_by_id) == ("nothing", "phone", investigator.id)
    assert row.answered_at >= STARTED[0]
    [summary] = area_cmd.for_case(case.id)
    assert summary.counts["nothing"] == 1 and summary.counts["not_covered"] == 1
    assert summary.counts["answered"] == 2 and summary.counts["unanswered"] == 1
    assert summary.counts["recorded"] == 2
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.at >= STARTED[0], AuditEvent.action == "area_request.answer_recorded",
        AuditEvent.object_id == phoned.id)).one()
    assert (event.username, event.purpose) == ("investigator", case.case_number)
    assert '"reached_by": "phone"' in event.detail and '"answer": "nothing"' in event.detail
    assert "Recorded the answer you gave about your cameras" in [e.action for e in access_log.entries(phoned)]


def test_a_recorded_answer_stands_and_is_not_recorded_twice(ctx, mailbox):
    reg = no_email_owner()
    asked(reg)
    investigator = factories.user("investigator")
    area_cmd.record_answer(row_of(reg).id, "nothing", "visit", investigator)
    with pytest.raises(area_cmd.AlreadyAnswered):
        area_cmd.record_answer(row_of(reg).id, "footage", "phone", investigator)
    assert row_of(reg).answer == "nothing"


@pytest.mark.parametrize("choice, reached_by, field", [
    ("maybe", "phone", "answer"), ("nothing", "fax", "reached_by"), ("", "", "answer")])
def test_a_bad_recording_is_refused_naming_the_field_and_nothing_changes(ctx, mailbox, choice, reached_by, field):
    reg = no_email_owner()
    asked(reg)
    with pytest.raises(area_cmd.AnswerNotRecorded) as refused:
        area_cmd.record_answer(row_of(reg).id, choice, reached_by, factories.user("investigator"))
    assert refused.value.field == field
    assert row_of(reg).answer is None


def test_only_the_cases_agency_investigators_record_answers(ctx, mailbox):
    reg = no_email_owner()
    asked(reg)
    with pytest.raises(area_cmd.RequestNotFound):
        area_cmd.record_answer(row_of(reg).id, "nothing", "phone", factories.user("investigator2"))
    with pytest.raises(TriggerForbidden):
        area_cmd.record_answer(row_of(reg).id, "nothing", "phone", factories.user("staff"))
    assert row_of(reg).answer is None


def test_footage_by_phone_opens_the_request_with_consent_recorded_that_way(ctx, mailbox):
    reg = no_email_owner()
    case, _ = asked(reg)
    supervisor = factories.user("supervisor")
    done = area_cmd.record_answer(row_of(reg).id, "footage", "visit", supervisor)
    request = db.session.get(FootageRequest, done.footage_request_id)
    assert request.case_id == case.id and request.registration_id == reg.id
    assert request.state == "consented" and request.consent_method == "in_person"
    assert request.consent_given_by == reg.owner.name
    assert row_of(reg).footage_request_id == request.id
    assert [h.trigger for h in request.history] == ["open", "contact_owner", "record_consent"]
    assert request.history[-1].actor_id == supervisor.id and "at the door" in request.history[-1].note
    assert [a.method for a in request.contact_attempts] == ["in_person"]


def test_footage_by_phone_joins_the_request_already_open(ctx, mailbox):
    reg = no_email_owner()
    case, _ = asked(reg)
    existing = factories.footage_request(case, reg, assignee_id=factories.user("investigator").id)
    db.session.commit()
    done = area_cmd.record_answer(row_of(reg).id, "footage", "phone", factories.user("investigator"))
    assert done.footage_request_id == existing.id
    db.session.refresh(existing)
    assert existing.state == "consented" and existing.consent_method == "phone"


def test_please_contact_me_taken_by_someone_else_tells_the_investigator_who_asked(ctx, mailbox):
    reg = no_email_owner()
    investigator = factories.user("investigator")
    investigator.email = investigator.email or "investigator@example.org"
    asked(reg)
    area_cmd.record_answer(row_of(reg).id, "contact_me", "visit", factories.user("supervisor"))
    [mail] = [m for m in mailbox.to(investigator.email) if "contacted" in m["Subject"]]
    assert "at the door" in body_text(mail) and reg.address in body_text(mail)


def test_the_history_of_a_request_an_answer_opened_starts_with_opened(ctx, mailbox):
    reg = factories.registration()
    asked(reg)
    url = re.search(r"http\S+/area/(\S+?)(\?|\s)", body_text(mailbox.to(reg.owner.email)[-1]))
    done = area_cmd.answer(url.group(1), "footage")
    request = db.session.get(FootageRequest, done.footage_request_id)
    db.session.expire_all()
    history = request.history
    assert [h.trigger for h in history] == ["open", "contact_owner", "record_consent"]
    assert history[0].at <= history[1].at <= history[2].at
    assert request.created_at == history[0].at


def test_the_case_pages_form_refuses_a_half_filled_answer_keeping_what_was_chosen(client, mailbox):
    from tests.auth import CSRF_RE, login

    reg = no_email_owner()
    case, _ = asked(reg)
    login(client, "investigator")
    page = client.get(f"/caseview/show/{case.id}").get_data(as_text=True)
    assert f'id="area-answer-{row_of(reg).id}"' in page
    token = CSRF_RE.search(page).group(1)
    sent = client.post(f"/area-requests/answer/{row_of(reg).id}", data={"csrf_token": token, "answer": "nothing"})
    assert sent.status_code == 302 and "answer=nothing" in sent.headers["Location"]
    again = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "was not recorded: Say how you reached the owner: by phone or at the door." in again
    assert '<option value="nothing" selected>' in again
    assert row_of(reg).answer is None
    assert client.post(f"/area-requests/answer/{row_of(reg).id}",
                       data={"answer": "nothing", "reached_by": "phone"}).status_code == 400  # no CSRF token
    assert row_of(reg).answer is None
    own = factories.case(1)
    client.get("/logout/")
    login(client, "investigator2")
    token = CSRF_RE.search(client.get(f"/area-requests/new?case_id={own.id}").get_data(as_text=True)).group(1)
    assert client.post(f"/area-requests/answer/{row_of(reg).id}", data={
        "csrf_token": token, "answer": "nothing", "reached_by": "phone"}).status_code == 404
    assert row_of(reg).answer is None


def test_an_emailed_owner_who_calls_back_has_the_answer_recorded(ctx, mailbox):
    """The owner got the e-mail, did not press the link and phoned instead: their answer is
    recorded like any other, and the link they were sent no longer takes a second one."""
    from tests.workflows.test_area_request import answer_path

    reg = factories.registration()
    asked(reg)
    done = area_cmd.record_answer(row_of(reg).id, "footage", "phone", factories.user("investigator"))
    row = row_of(reg)
    assert (row.channel, row.answer, row.reached_by) == ("email", "footage", "phone")
    assert db.session.get(FootageRequest, done.footage_request_id).consent_method == "phone"
    token = answer_path(mailbox, reg.owner.email).split("/")[2].split("?")[0]
    with pytest.raises(area_cmd.AnswerRefused):
        area_cmd.answer(token, "nothing")


def test_the_call_an_owner_asked_for_gives_the_answer_that_replaces_please_contact_me(ctx, mailbox):
    from tests.workflows.test_area_request import answer_path

    reg = factories.registration()
    case, _ = asked(reg)
    area_cmd.answer(answer_path(mailbox, reg.owner.email).split("/")[2].split("?")[0], "contact_me")
    investigator = factories.user("investigator")
    done = area_cmd.record_answer(row_of(reg).id, "footage", "phone", investigator)
    row = row_of(reg)
    assert (row.answer, row.reached_by, row.recorded_by_id) == ("footage", "phone", investigator.id)
    assert row.footage_request_id == done.footage_request_id is not None
    [summary] = area_cmd.for_case(case.id)
    assert summary.counts["contact_me"] == 0 and summary.counts["footage"] == 1
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.at >= STARTED[0], AuditEvent.object_id == reg.id,
        AuditEvent.action.in_(["area_request.answer", "area_request.answer_recorded"])).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["area_request.answer", "area_request.answer_recorded"]
    assert '"replaces": "contact_me"' in events[1].detail  # both answers are on record
    with pytest.raises(area_cmd.AlreadyAnswered):  # the call's answer stands
        area_cmd.record_answer(row.id, "nothing", "phone", investigator)
