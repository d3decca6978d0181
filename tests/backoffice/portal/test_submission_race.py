"""The same registration sent several times at once (a double tap, a retry on a slow phone):
one registration, never duplicates and never an error."""
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import Camera, Owner, Registration
from backoffice.portal import services
from tests.backoffice.portal.helpers import submission
from tests.concurrency import in_app_at_once, remove_registrations

RACERS = 8
EMAIL = "double-tap@example.net"


def _mine():
    return select(Registration.id, Registration.owner_id).join(Owner).where(Owner.email == EMAIL)


def test_simultaneous_identical_submissions_make_one_registration(app, mailbox):
    def submit() -> str:
        return services.submit_registration(submission(email=EMAIL, cameras=2)).outcome

    try:
        outcomes = in_app_at_once(app, submit, RACERS)
        with app.app_context():
            rows = db.session.execute(_mine()).all()
            assert len(rows) == 1, outcomes
            assert sorted(outcomes) == ["created"] + ["merged"] * (RACERS - 1)
            cameras = db.session.scalars(select(Camera.label).where(Camera.registration_id == rows[0].id)).all()
            assert sorted(cameras) == ["Camera 1", "Camera 2"]
    finally:
        with app.app_context():
            pairs = db.session.execute(_mine()).all()
        remove_registrations(app, pairs)
