"""Two or more Registry Staff decide on the same registration at the same moment: one decision
is taken, the others are told it has been reviewed; nobody gets a database error."""
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.localtime import utcnow
from backoffice.models import AuditEvent, Registration
from backoffice.portal import services
from backoffice.portal.records import lifecycle_of
from tests import factories
from tests.concurrency import in_app_at_once, remove_registrations

RACERS = 8


def test_simultaneous_approvals_decide_once(app, mailbox):
    with app.app_context():
        registration = factories.registration(status="pending")
        lifecycle_of(registration).verified_at = utcnow()
        db.session.commit()
        registration_id, owner_id = registration.id, registration.owner_id
        first_event = (db.session.scalar(select(func.max(AuditEvent.id))) or 0) + 1

    def approve() -> str:
        services.approve(registration_id, factories.user("staff"))
        return "approved"

    try:
        outcomes = in_app_at_once(app, approve, RACERS)
        assert sorted(outcomes) == ["This registration has already been reviewed."] * (RACERS - 1) + [
            "approved"], outcomes
        with app.app_context():
            approvals = select(func.count()).select_from(AuditEvent).where(
                AuditEvent.action == "review.approved", AuditEvent.object_id == registration_id,
                AuditEvent.id >= first_event)
            assert db.session.execute(approvals).scalar_one() == 1
            assert db.session.get(Registration, registration_id).status == "active"
    finally:
        remove_registrations(app, [(registration_id, owner_id)])
