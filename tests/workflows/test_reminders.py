"""`flask workflow remind`: assignees hear once per deadline about footage not yet collected."""
from datetime import timedelta

from backoffice import outbox
from backoffice.extensions import db
from backoffice.models.base import utcnow
from tests import factories
from tests.mailbox import body_text
from tests.workflows.helpers import request_in


def test_remind_once_per_deadline(runner, mailbox):
    now = utcnow()
    soon = request_in("contacted", deadline=now + timedelta(hours=20))
    also = request_in("open", deadline=now + timedelta(hours=40))
    request_in("open", deadline=now + timedelta(hours=80))  # not yet
    request_in("collected", deadline=now + timedelta(hours=10))  # already collected
    request_in("open", deadline=now - timedelta(hours=1))  # too late to help
    email = factories.user("investigator").email

    result = runner.invoke(args=["workflow", "remind"])
    assert result.exit_code == 0, result.output
    assert "reminded 2 request(s)" in result.output
    messages = mailbox.to(email)
    assert len(messages) == 1
    text = body_text(messages[0])
    assert soon.case.case_number in text and also.case.case_number in text
    assert f"/footage/{soon.id}" in text

    again = runner.invoke(args=["workflow", "remind"])
    assert "reminded 0 request(s)" in again.output and len(mailbox.to(email)) == 1

    soon.deadline = now + timedelta(hours=30)  # a new deadline is worth a new reminder
    db.session.commit()
    runner.invoke(args=["workflow", "remind"])
    assert len(mailbox.to(email)) == 2 and f"request {soon.id}" in body_text(mailbox.to(email)[1])


def test_mail_failure_is_reported_and_retried_from_the_outbox(runner, mailbox, ctx):
    request_in("open", deadline=utcnow() + timedelta(hours=5))
    port = ctx.config["MAIL_PORT"]
    ctx.config["MAIL_PORT"] = 1
    try:
        failed = runner.invoke(args=["workflow", "remind"])
    finally:
        ctx.config["MAIL_PORT"] = port
    assert failed.exit_code != 0 and "1 request(s)" in failed.output
    assert "queued, not delivered yet" in failed.output and "retried automatically" in failed.output
    again = runner.invoke(args=["workflow", "remind"])
    assert "reminded 0 request(s)" in again.output and mailbox.messages == []  # not queued twice
    outbox.deliver_due(utcnow() + timedelta(minutes=2))
    assert len(mailbox.messages) == 1
