"""Firing requests at the same moment over real HTTP connections: a threaded server on the
test's database (`base_url`) and `all_at_once` to release the requests together."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.browser import serve

RACERS = 8


@pytest.fixture(scope="module")
def base_url(app):
    """The test app behind a threaded WSGI server on a free local port."""
    url, stop = serve(app)
    yield url
    stop()


def all_at_once(work, count: int = RACERS) -> list:
    """Run work(n, barrier) for n in range(count) in threads that wait on the barrier together;
    their results in order."""
    barrier = threading.Barrier(count)

    def run(n):
        return work(n, barrier)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def remove_registrations(app, pairs) -> None:
    """Delete committed registrations and their owners, cameras (with their pictures) and
    lifecycles: pairs of (registration id, owner id)."""
    from sqlalchemy import delete

    from backoffice.extensions import db
    from backoffice.models import Camera, Owner, Registration, RegistrationLifecycle
    from tests.pictures import remove_pictures

    with app.app_context():
        for registration_id, owner_id in pairs:
            remove_pictures([registration_id])
            db.session.execute(delete(Camera).where(Camera.registration_id == registration_id))
            db.session.execute(
                delete(RegistrationLifecycle).where(RegistrationLifecycle.registration_id == registration_id))
            db.session.execute(delete(Registration).where(Registration.id == registration_id))
            db.session.execute(delete(Owner).where(Owner.id == owner_id))
        db.session.commit()


def in_app_at_once(app, action, count: int = RACERS) -> list[str]:
    """Call action() from `count` threads, each in its own app context, released together.

    Each outcome is what action() returned, or the refusal's message (or the error's class and
    text) when it raised; the database session is rolled back after a refusal."""
    from backoffice.extensions import db

    def work(_n, barrier):
        with app.app_context():
            barrier.wait()
            try:
                return action()
            except Exception as error:  # noqa: BLE001  reported by the caller's assertion
                db.session.rollback()
                return getattr(error, "message", None) or f"{type(error).__name__}: {error}"
            finally:
                db.session.remove()

    return all_at_once(work, count)
