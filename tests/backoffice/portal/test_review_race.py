"""Two or more Registry Staff decide on the same registration at the same moment: one decision
is taken, the others are told it has been reviewed; nobody gets a database error."""
import threading

from sqlalchemy import delete, func, select

from backoffice.extensions import db
from backoffice.localtime import utcnow
from backoffice.models import AuditEvent, Camera, Owner, Registration, RegistrationLifecycle
from backoffice.portal import services
from backoffice.portal.records import lifecycle_of
from backoffice.portal.services import PortalError
from tests import factories
from tests.concurrency import remove_registrations

RACERS = 8


def test_simultaneous_approvals_decide_once(app, mailbox):
    with app.app_context():
        registration = factories.registration(status="pending")
        lifecycle_of(registration).verified_at = utcnow()
        db.session.commit()
        registration_id, owner_id = registration.id, registration.owner_id
    barrier = threading.Barrier(RACERS)
    outcomes: list[str] = []

    def approve():
        with app.app_context():
            barrier.wait()
            try:
                services.approve(registration_id, factories.user("staff"))
                outcomes.append("approved")
            except PortalError as refusal:
                db.session.rollback()
                outcomes.append(refusal.message)
            except Exception as error:  # noqa: BLE001  reported by the assertion below
                db.session.rollback()
                outcomes.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=approve) for _ in range(RACERS)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["This registration has already been reviewed."] * (RACERS - 1) + [
            "approved"], outcomes
        with app.app_context():
            approvals = select(func.count()).select_from(AuditEvent).where(
                AuditEvent.action == "review.approved", AuditEvent.object_id == registration_id)
            assert db.session.execute(approvals).scalar_one() == 1
            assert db.session.get(Registration, registration_id).status == "active"
    finally:
        remove_registrations(app, [(registration_id, owner_id)])
