"""Emailed links only show a page; the owner's button press acts.

Mail scanners open every link in a message before the owner does. Opening a verification or
confirmation link must not verify or confirm anything, nor use the link up.
"""
from datetime import date, timedelta

from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import AuditEvent, Registration, UsedLink
from backoffice.portal import jobs, services
from backoffice.portal.records import lifecycle_of
from tests import factories
from tests.backoffice.portal.helpers import last_link, submission

TODAY = date.today()


def _count(model, since: int = 0, **where) -> int:
    """Rows matching; for audit events only those after id `since` (the log keeps events about
    deleted registrations, whose numbers SQLite may give again)."""
    query = select(func.count()).select_from(model).filter_by(**where)
    if model is AuditEvent:
        query = query.where(AuditEvent.id > since)
    return db.session.scalar(query)


def test_opening_a_verification_link_changes_nothing(client, mailbox):
    since = db.session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))
    result = services.submit_registration(submission(email="scan@example.net"))
    registration = db.session.get(Registration, result.registration_id)
    link = last_link(mailbox, "scan@example.net", "verify")
    for _ in range(3):
        page = client.get(link)
        assert page.status_code == 200
        assert '<form method="post">' in page.get_data(as_text=True)
    assert lifecycle_of(registration).verified_at is None
    assert _count(UsedLink, purpose="verify") == 0
    assert _count(AuditEvent, since, action="portal.verified", object_id=registration.id) == 0
    assert "email is confirmed" in client.post(link).get_data(as_text=True)
    assert lifecycle_of(registration).verified_at is not None
    assert _count(AuditEvent, since, action="portal.verified", object_id=registration.id) == 1


def test_opening_a_confirmation_link_changes_nothing(client, mailbox):
    owner = factories.owner(email="yearly@example.net", language="es")
    registration = factories.registration(owner=owner, next_confirmation_due=TODAY, cameras=1)
    jobs.send_confirmations(TODAY)
    link = last_link(mailbox, "yearly@example.net", "confirm")
    page = client.get(link, headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Sí, confirmar por otro año" in page and "incluye 1 cámara." in page
    assert "/register/manage/" in page  # or update instead
    client.get(link)
    assert registration.next_confirmation_due == TODAY
    assert _count(UsedLink, purpose="confirm") == 0
    client.post(link)
    assert registration.next_confirmation_due > TODAY + timedelta(days=360)


def test_a_used_or_unusable_link_says_so_on_opening(client, mailbox):
    services.submit_registration(submission(email="used@example.net"))
    link = last_link(mailbox, "used@example.net", "verify")
    client.post(link)
    page = client.get(link)
    assert page.status_code == 410 and "already been used" in page.get_data(as_text=True)
    assert "<form" not in page.get_data(as_text=True)
