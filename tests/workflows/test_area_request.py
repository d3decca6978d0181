"""Area requests: one step asks every owner a canvass found; each answers once through their link."""
import io
import re
from datetime import timedelta

import pytest
from flask import g
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import (
    AreaRecipient,
    AreaRequest,
    AuditEvent,
    FootageRequest,
    OutboxMessage,
    UploadLink,
)
from backoffice.models.base import utcnow
from backoffice.portal import access_log
from tests import factories
from tests.auth import CSRF_RE
from tests.mailbox import body_text
from tests.workflows.helpers import searched
from workflows import area_request as area_cmd

# Audit events stay in the log after each test (other tests' events share object numbers):
# each test looks only at the events written since it started.
STARTED = [utcnow()]


@pytest.fixture(autouse=True)
def _started():
    STARTED[0] = utcnow() - timedelta(seconds=1)



def area_of(*registrations, description="A man in a red jacket running north, about 10 PM"):
    """A case and one area request to the given registrations (committed)."""
    investigator = factories.user("investigator")
    case = factories.case(0, lead_investigator_id=investigator.id)
    searched(case, *registrations)
    db.session.commit()
    done = area_cmd.ask_area(case.id, [r.id for r in registrations], investigator, description=description)
    return case, done


def answer_path(mailbox, email):
    url = re.search(r"http\S+/area/\S+", body_text(mailbox.to(email)[-1])).group(0)
    return "/" + url.split("/", 3)[3]


def fresh(client):
    for name in ("user", "_login_user", "csrf_token"):
        g.pop(name, None)
    return client


def owner_answers(client, path, choice):
    page = fresh(client).get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
    return fresh(client).post(path, data={"csrf_token": token, "answer": choice})


def test_one_step_asks_every_owner_and_lists_those_without_email(ctx, mailbox):
    with_mail = factories.registration()
    spanish = factories.registration(owner=factories.owner(language="es"))
    no_mail = factories.registration(owner=factories.owner(email=None, phone="6615550100"))
    lapsed = factories.registration(status="lapsed")
    case, done = area_of(with_mail, spanish, no_mail, lapsed)
    assert sorted(done.emailed) == sorted([with_mail.id, spanish.id])
    assert done.follow_up == [no_mail.id] and done.not_active == [lapsed.id]
    assert len(mailbox.to(with_mail.owner.email)) == 1
    english = body_text(mailbox.to(with_mail.owner.email)[0])
    assert "red jacket" in english and "link works once" in english
    [mail_es] = mailbox.to(spanish.owner.email)
    assert "?lang=es" in body_text(mail_es) and "grabaciones" in body_text(mail_es)
    rows = db.session.scalars(select(AreaRecipient).where(
        AreaRecipient.area_request_id == done.area_request.id)).all()
    assert {(r.registration_id, r.channel) for r in rows} == {
        (with_mail.id, "email"), (spanish.id, "email"), (no_mail.id, "follow_up")}
    asks = db.session.scalars(select(AuditEvent).where(AuditEvent.at >= STARTED[0],
        AuditEvent.action == "area_request.ask", AuditEvent.purpose == case.case_number)).all()
    assert sorted(e.object_id for e in asks) == sorted([with_mail.id, spanish.id, no_mail.id])
    said = [e.action for e in access_log.entries(with_mail)]
    assert [e.action for e in access_log.entries(with_mail)] and "cameras recorded" in said[0]


def test_duplicates_for_the_same_case_are_merged(ctx, mailbox):
    first, second, requested = factories.registration(), factories.registration(), factories.registration()
    case, done = area_of(first)
    factories.footage_request(case, requested, assignee_id=factories.user("investigator").id)
    searched(case, first, second, requested)
    db.session.commit()
    again = area_cmd.ask_area(case.id, [first.id, second.id, second.id, requested.id],
                              factories.user("investigator"), description="Same scene, wider")
    assert again.emailed == [second.id]
    assert set(again.merged) == {first.id, requested.id}
    assert len(mailbox.to(first.owner.email)) == 1  # not asked twice
    with pytest.raises(area_cmd.AreaRequestRefused, match="already asked"):
        area_cmd.ask_area(case.id, [first.id, second.id], factories.user("investigator"), description="again")
    other_case = factories.case(0)
    searched(other_case, first)
    db.session.commit()
    assert area_cmd.ask_area(other_case.id, [first.id], factories.user("investigator"),
                             description="another case asks anew").emailed == [first.id]


def test_bad_input_is_refused_and_nothing_written(ctx, mailbox):
    reg = factories.registration()
    case = factories.case(0)
    searched(case, reg)
    db.session.commit()
    before = db.session.scalar(select(db.func.count()).select_from(AreaRequest))
    user = factories.user("investigator")
    with pytest.raises(area_cmd.AreaRequestRefused) as no_words:
        area_cmd.ask_area(case.id, [reg.id], user, description="  ")
    assert no_words.value.field == "description"
    with pytest.raises(area_cmd.AreaRequestRefused, match="no such registration"):
        area_cmd.ask_area(case.id, [reg.id, 99_999_999], user, description="x")
    with pytest.raises(area_cmd.AreaRequestRefused) as window:
        area_cmd.ask_area(case.id, [reg.id], user, description="x", window_from=utcnow(),
                          window_to=utcnow() - timedelta(hours=1))
    assert window.value.field == "window_to"
    assert db.session.scalar(select(db.func.count()).select_from(AreaRequest)) == before
    assert mailbox.to(reg.owner.email) == []


def test_asking_is_rate_limited_per_agency(ctx, mailbox):
    ctx.config["AREA_REQUESTS_PER_HOUR"] = 1
    try:
        a, b = factories.registration(), factories.registration()
        case, _ = area_of(a)
        with pytest.raises(area_cmd.TooManyAreaRequests) as refused:
            area_cmd.ask_area(case.id, [b.id], factories.user("investigator"), description="more")
        assert refused.value.status == 429
    finally:
        ctx.config["AREA_REQUESTS_PER_HOUR"] = 10


def test_sending_is_spread_through_the_outbox(ctx, mailbox):
    ctx.config["AREA_MAIL_PER_MINUTE"] = 2
    try:
        regs = [factories.registration() for _ in range(5)]
        case, done = area_of(*regs)
        messages = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "area_request", OutboxMessage.object_type == "area_recipient",
            OutboxMessage.created_at >= done.area_request.created_at).order_by(OutboxMessage.id)).all()
        assert [m.status for m in messages] == ["sent", "sent", "queued", "queued", "queued"]
        assert len(mailbox.messages) == 2
    finally:
        ctx.config["AREA_MAIL_PER_MINUTE"] = 30


def test_nothing_answer_once_then_reused_link_and_second_answer_change_nothing(ctx, mailbox):
    reg = factories.registration()
    case, done = area_of(reg)
    path = answer_path(mailbox, reg.owner.email)
    client = ctx.test_client()
    said = owner_answers(client, path, "nothing")
    assert said.status_code == 200 and 'id="area-done"' in said.get_data(as_text=True)
    row = db.session.scalars(select(AreaRecipient).where(AreaRecipient.registration_id == reg.id)).one()
    assert row.answer == "nothing" and row.answered_at is not None
    answered_at = row.answered_at
    reused = fresh(client).get(path)
    assert reused.status_code == 410 and "already been answered" in reused.get_data(as_text=True)
    second = fresh(client).post(path, data={"answer": "footage"})  # the link is refused before the form
    assert second.status_code == 410 and "already been answered" in second.get_data(as_text=True)
    db.session.refresh(row)
    assert (row.answer, row.answered_at) == ("nothing", answered_at)
    assert db.session.scalar(select(FootageRequest.id).where(FootageRequest.case_id == case.id)) is None
    answers = db.session.scalars(select(AuditEvent).where(AuditEvent.at >= STARTED[0],
        AuditEvent.action == "area_request.answer", AuditEvent.object_id == reg.id)).all()
    assert len(answers) == 1 and answers[0].agency_id == case.agency_id and answers[0].user_id is None


def test_a_second_answer_racing_the_first_is_refused(ctx, mailbox):
    reg = factories.registration()
    area_of(reg)
    token = answer_path(mailbox, reg.owner.email).split("/")[2].split("?")[0]
    area_cmd.answer(token, "not_covered")
    with pytest.raises(area_cmd.AnswerRefused, match="already been answered"):
        area_cmd.answer(token, "footage")
    row = db.session.scalars(select(AreaRecipient).where(AreaRecipient.registration_id == reg.id)).one()
    assert row.answer == "not_covered" and row.footage_request_id is None


def test_expired_and_forged_links_are_refused_with_nothing_changed(ctx, mailbox):
    reg = factories.registration()
    area_of(reg)
    path = answer_path(mailbox, reg.owner.email)
    client = ctx.test_client()
    forged = fresh(client).get(path.split("?")[0] + "x")
    assert forged.status_code == 410 and "not valid" in forged.get_data(as_text=True)
    row = db.session.scalars(select(AreaRecipient).where(AreaRecipient.registration_id == reg.id)).one()
    row.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    expired = fresh(client).get(path)
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    posted = fresh(client).post(path, data={"answer": "nothing"})
    assert posted.status_code == 410
    db.session.refresh(row)
    assert row.answer is None


def test_i_have_footage_opens_the_request_with_consent_and_tells_the_assignee(ctx, mailbox):
    reg = factories.registration()
    case, done = area_of(reg)
    investigator = factories.user("investigator")
    investigator.notify_by_email = True
    db.session.commit()
    path = answer_path(mailbox, reg.owner.email)
    went = owner_answers(ctx.test_client(), path, "footage")
    assert went.status_code == 303 and "/upload/" in went.headers["Location"]
    request = db.session.scalars(select(FootageRequest).where(FootageRequest.case_id == case.id)).one()
    assert request.state == "consented" and request.consent_given_by == reg.owner.name
    assert request.consent_method == "email" and request.consent_scope == "evidence_only"
    assert request.assignee_id == investigator.id
    row = db.session.scalars(select(AreaRecipient).where(AreaRecipient.registration_id == reg.id)).one()
    assert row.footage_request_id == request.id
    assert db.session.scalars(select(UploadLink).where(UploadLink.footage_request_id == request.id)).one()
    assert [m for m in mailbox.to(investigator.email) if "has footage" in m["Subject"]]
    assert any("/upload/" in body_text(m) for m in mailbox.to(reg.owner.email))  # to come back later
    consent = db.session.scalars(select(AuditEvent).where(AuditEvent.at >= STARTED[0],
        AuditEvent.action == "footage_request.record_consent", AuditEvent.object_id == request.id)).one()
    assert consent.user_id is None and '"via": "area_request"' in consent.detail
    words = [e.action for e in access_log.entries(reg)]
    assert "Noted your consent" in words and "Received your answer about your cameras" in words
    upload = ctx.test_client().get(went.headers["Location"])
    assert upload.status_code == 200


def test_i_have_footage_joins_the_request_already_open(ctx, mailbox):
    reg = factories.registration()
    case, done = area_of(reg)
    other = factories.registration()
    factories.footage_request(case, other, assignee_id=factories.user("investigator").id)
    db.session.commit()
    # The premises asked by the area; then somebody opened a request for it by hand.
    existing = factories.footage_request(case, reg, assignee_id=factories.user("investigator").id)
    db.session.commit()
    token = answer_path(mailbox, reg.owner.email).split("/")[2].split("?")[0]
    result = area_cmd.answer(token, "footage")
    assert result.footage_request_id == existing.id
    assert db.session.scalar(select(db.func.count()).select_from(FootageRequest).where(
        FootageRequest.case_id == case.id, FootageRequest.registration_id == reg.id)) == 1


def test_reminder_before_the_deadline_to_those_who_have_not_answered(ctx, mailbox):
    quiet, answered = factories.registration(), factories.registration()
    case, done = area_of(quiet, answered)
    area_cmd.answer(answer_path(mailbox, answered.owner.email).split("/")[2].split("?")[0], "nothing")
    deadline = db.session.scalars(select(AreaRecipient.deadline).where(
        AreaRecipient.registration_id == quiet.id)).one()
    mailbox.clear()
    early = area_cmd.remind_and_close(now=deadline - timedelta(days=5))
    assert early.reminded == []
    run = area_cmd.remind_and_close(now=deadline - timedelta(hours=30))
    assert len(run.reminded) == 1 and mailbox.to(answered.owner.email) == []
    [reminder] = mailbox.to(quiet.owner.email)
    assert reminder["Subject"].startswith("Reminder") and "/area/" in body_text(reminder)
    assert area_cmd.remind_and_close(now=deadline - timedelta(hours=29)).reminded == []  # once
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.at >= STARTED[0],
        AuditEvent.action == "area_request.remind", AuditEvent.object_id == quiet.id)).one()
    assert "Reminded you of their question about your cameras" in [e.action for e in access_log.entries(quiet)]


def test_the_request_closes_at_the_last_deadline_and_its_links_with_it(ctx, mailbox):
    reg = factories.registration()
    case, done = area_of(reg)
    area = done.area_request
    path = answer_path(mailbox, reg.owner.email)
    assert area_cmd.remind_and_close(now=area.closes_at - timedelta(minutes=1)).closed == []
    run = area_cmd.remind_and_close(now=area.closes_at + timedelta(minutes=1))
    assert run.closed == [area.id]
    db.session.refresh(area)
    assert area.closed_at is not None
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.at >= STARTED[0],
        AuditEvent.action == "area_request.close", AuditEvent.object_id == area.id)).one()
    closed = fresh(ctx.test_client()).get(path)
    assert closed.status_code == 410 and "expired" in closed.get_data(as_text=True)


def test_the_answer_page_in_spanish(ctx, mailbox):
    reg = factories.registration(owner=factories.owner(language="es"))
    area_of(reg)
    path = answer_path(mailbox, reg.owner.email)
    assert path.endswith("?lang=es")
    client = ctx.test_client()
    page = fresh(client).get(path).get_data(as_text=True)
    assert '<html lang="es">' in page
    for words in ("¿Sus cámaras grabaron algo?", "Tengo grabaciones", "Nada de esa hora",
                  "Mi cámara no cubre ese lugar", "Por favor, contácteme"):
        assert words in page, words
    done = owner_answers(client, path, "contact_me").get_data(as_text=True)
    assert "Gracias" in done and "Por favor, contácteme" in done
    [asks] = [m for m in mailbox.to(factories.user("investigator").email) if "contacted" in m["Subject"]]
    assert reg.address in body_text(asks) and "please contact me" in body_text(asks)
    again = fresh(client).get(path).get_data(as_text=True)
    assert "Esta solicitud ya fue respondida." in again


def test_the_case_page_gives_its_number_as_text(ctx, mailbox):
    """FAB's show page passes the case's key as text: PostgreSQL refuses integer = text."""
    reg = factories.registration()
    case, done = area_of(reg)
    [summary] = area_cmd.for_case(str(case.id))
    assert summary.area.id == done.area_request.id and summary.counts["asked"] == 1
    assert area_cmd.for_case("not a number") == []


def test_an_owner_who_withdraws_after_being_asked_is_not_asked_again_and_the_case_keeps_the_row(ctx, mailbox):
    from backoffice.portal.services import remove_personal_data

    reg = factories.registration()
    case, done = area_of(reg)
    path = answer_path(mailbox, reg.owner.email)
    reg.status = "withdrawn"
    assert remove_personal_data(reg) == "anonymised"  # the case's list of who was asked refers to it
    db.session.commit()
    refused = fresh(ctx.test_client()).get(path)
    assert refused.status_code == 410
    row = db.session.scalars(select(AreaRecipient).where(AreaRecipient.registration_id == reg.id)).one()
    mailbox.clear()
    assert area_cmd.remind_and_close(now=row.deadline - timedelta(hours=1)).reminded == []
    assert mailbox.messages == []


def test_an_area_asks_at_most_so_many_premises(ctx, mailbox):
    ctx.config["AREA_REQUEST_MAX_PREMISES"] = 2
    try:
        regs = [factories.registration() for _ in range(3)]
        case = factories.case(0)
        searched(case, *regs)
        db.session.commit()
        with pytest.raises(area_cmd.AreaRequestRefused, match="at most 2 premises") as refused:
            area_cmd.ask_area(case.id, [r.id for r in regs], factories.user("investigator"), description="x")
        assert refused.value.field == "registration_ids"
    finally:
        ctx.config["AREA_REQUEST_MAX_PREMISES"] = 300


def test_a_form_without_its_token_or_an_answer_is_shown_again_with_nothing_changed(ctx, mailbox):
    reg = factories.registration()
    area_of(reg)
    path = answer_path(mailbox, reg.owner.email)
    client = ctx.test_client()
    no_token = fresh(client).post(path, data={"answer": "nothing"})
    text = no_token.get_data(as_text=True)
    assert no_token.status_code == 400 and "form expired" in text and 'value="nothing"' in text
    page = fresh(client).get(path).get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    odd = fresh(client).post(path, data={"csrf_token": token, "answer": "maybe"})
    assert odd.status_code == 400 and "Choose one of the answers." in odd.get_data(as_text=True)
    row = db.session.scalars(select(AreaRecipient).where(AreaRecipient.registration_id == reg.id)).one()
    assert row.answer is None


def test_only_owners_a_search_of_the_case_found_may_be_asked(ctx, mailbox):
    """Purpose-bound like revealing a contact: a registration no canvass of the case returned
    (ids typed into the API or the form's address) is refused and nobody is e-mailed."""
    found, elsewhere = factories.registration(), factories.registration(lat=35.9, lon=-118.4)
    case = factories.case(0)
    searched(case, found)
    db.session.commit()
    before = db.session.scalar(select(db.func.count()).select_from(AreaRequest))
    with pytest.raises(area_cmd.AreaRequestRefused, match="No search of case") as refused:
        area_cmd.ask_area(case.id, [found.id, elsewhere.id], factories.user("investigator"), description="x")
    assert refused.value.field == "registration_ids" and str(elsewhere.id) in refused.value.message
    assert db.session.scalar(select(db.func.count()).select_from(AreaRequest)) == before
    assert mailbox.to(found.owner.email) == [] and mailbox.to(elsewhere.owner.email) == []


def test_a_list_of_inactive_registrations_is_refused_in_its_own_words(ctx, mailbox):
    pending = factories.registration(status="pending")
    case = factories.case(0)
    searched(case, pending)
    db.session.commit()
    with pytest.raises(area_cmd.AreaRequestRefused, match="None of these registrations is active"):
        area_cmd.ask_area(case.id, [pending.id], factories.user("investigator"), description="x")


@pytest.mark.parametrize("starts_h, ends_h, field", [(2, 3, "window_from"), (-1, 1, "window_to")])
def test_a_window_in_the_future_is_refused_and_nobody_is_asked(ctx, mailbox, starts_h, ends_h, field):
    """No recorder has footage of a time still to come (the end may be a quarter hour ahead)."""
    reg = factories.registration()
    investigator = factories.user("investigator")
    case = factories.case(0, lead_investigator_id=investigator.id)
    searched(case, reg)
    db.session.commit()
    now = utcnow()
    with pytest.raises(area_cmd.AreaRequestRefused, match="future") as refused:
        area_cmd.ask_area(case.id, [reg.id], investigator, description="A van",
                          window_from=now + timedelta(hours=starts_h), window_to=now + timedelta(hours=ends_h))
    assert refused.value.field == field
    assert db.session.scalars(select(AreaRequest).where(AreaRequest.case_id == case.id)).all() == []
    done = area_cmd.ask_area(case.id, [reg.id], investigator, description="A van",
                             window_from=now - timedelta(hours=1), window_to=now + timedelta(minutes=10))
    assert done.area_request is not None  # ending a few minutes from now is "until now"


def test_another_agencys_case_is_not_found_on_the_area_form(client):
    from tests.auth import login

    case = factories.case(0)
    db.session.commit()
    login(client, "investigator2")
    response = client.get(f"/area-requests/new?case_id={case.id}&registration_ids=1")
    assert response.status_code == 404
    assert "Choose the case first" not in response.get_data(as_text=True)
    assert client.get("/area-requests/new?registration_ids=1").status_code == 400  # no case named


def test_an_owner_who_said_footage_and_left_is_taken_back_to_the_upload(client, mailbox):
    """The owner pressed "I have footage", left before uploading, and opened the e-mailed link
    again: it leads to the same upload page, in the page's language, until the file is sent;
    then (and for any other answer) it says the request was answered."""
    from backoffice.models import EvidenceItem
    from tests.workflows.helpers import DECLARATION_FIELDS

    reg = factories.registration(owner=factories.owner(language="es"))
    area_of(reg)
    path = answer_path(mailbox, reg.owner.email)
    first = owner_answers(client, path, "footage")
    assert first.status_code == 303 and "/upload/" in first.headers["Location"]
    again = fresh(client).get(path)
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    upload = fresh(client).get(again.headers["Location"])
    assert upload.status_code == 200 and 'lang="es"' in upload.get_data(as_text=True)
    token = CSRF_RE.search(upload.get_data(as_text=True)).group(1)
    sent = fresh(client).post(again.headers["Location"], data={
        "csrf_token": token, "description": "porche", **DECLARATION_FIELDS, "consent_scope": "evidence_only",
        "file": (io.BytesIO(b"frames" * 100), "porche.mp4")}, content_type="multipart/form-data")
    assert sent.status_code == 200, sent.get_data(as_text=True)[:500]
    row = db.session.scalars(select(AreaRecipient).where(AreaRecipient.registration_id == reg.id)).one()
    assert db.session.scalars(select(EvidenceItem).where(
        EvidenceItem.footage_request_id == row.footage_request_id)).one()
    after = fresh(client).get(path)
    assert after.status_code == 410 and "ya fue respondida" in after.get_data(as_text=True)


def test_the_link_of_an_owner_who_answered_nothing_still_says_answered(client, mailbox):
    reg = factories.registration()
    area_of(reg)
    path = answer_path(mailbox, reg.owner.email)
    owner_answers(client, path, "nothing")
    assert area_cmd.upload_still_open(path.split("/")[2].split("?")[0]) is None
    assert fresh(client).get(path).status_code == 410
