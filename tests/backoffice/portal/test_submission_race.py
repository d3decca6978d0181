"""The same registration sent several times at once (a double tap, a retry on a slow phone):
one registration, never duplicates and never an error."""
import threading

from sqlalchemy import delete, select

from backoffice.extensions import db
from backoffice.models import Camera, Owner, Registration, RegistrationLifecycle
from backoffice.portal import services
from tests.backoffice.portal.helpers import submission

RACERS = 8
EMAIL = "double-tap@example.net"


def _mine():
    return select(Registration.id, Registration.owner_id).join(Owner).where(Owner.email == EMAIL)


def test_simultaneous_identical_submissions_make_one_registration(app, mailbox):
    barrier = threading.Barrier(RACERS)
    outcomes: list[str] = []

    def submit():
        with app.app_context():
            barrier.wait()
            try:
                outcomes.append(services.submit_registration(submission(email=EMAIL, cameras=2)).outcome)
            except Exception as error:  # noqa: BLE001  reported by the assertion below
                db.session.rollback()
                outcomes.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=submit) for _ in range(RACERS)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with app.app_context():
            rows = db.session.execute(_mine()).all()
            assert len(rows) == 1, outcomes
            assert sorted(outcomes) == ["created"] + ["merged"] * (RACERS - 1)
            cameras = db.session.scalars(select(Camera.label).where(Camera.registration_id == rows[0].id)).all()
            assert sorted(cameras) == ["Camera 1", "Camera 2"]
    finally:
        with app.app_context():
            for registration_id, owner_id in db.session.execute(_mine()).all():
                db.session.execute(delete(Camera).where(Camera.registration_id == registration_id))
                db.session.execute(
                    delete(RegistrationLifecycle).where(RegistrationLifecycle.registration_id == registration_id)
                )
                db.session.execute(delete(Registration).where(Registration.id == registration_id))
                db.session.execute(delete(Owner).where(Owner.id == owner_id))
            db.session.commit()
