"""Fifty users fire the same trigger at once, on committed data: exactly one wins."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import delete

from backoffice.extensions import db
from backoffice.models import (
    Camera,
    Case,
    ContactAttempt,
    FootageRequest,
    Owner,
    Registration,
    RequestTransition,
    footage_request_camera,
)
from tests import factories
from tests.auth import api_token

RACERS = 50


@pytest.fixture()
def committed_requests(app):
    """Make open requests committed for real (other threads must see them); remove them afterwards."""
    made = []

    def make(count: int) -> list[int]:
        with app.app_context():
            for _ in range(count):
                case = factories.case()
                reg = factories.registration()
                request = factories.footage_request(case, reg, assignee_id=factories.user("investigator").id)
                db.session.commit()
                made.append((request.id, case.id, reg.id, reg.owner_id))
        return [ids[0] for ids in made[-count:]]

    yield make
    with app.app_context():
        for request_id, case_id, reg_id, owner_id in made:
            db.session.execute(delete(ContactAttempt).where(ContactAttempt.footage_request_id == request_id))
            db.session.execute(delete(RequestTransition).where(RequestTransition.footage_request_id == request_id))
            db.session.execute(
                delete(footage_request_camera).where(footage_request_camera.c.footage_request_id == request_id)
            )
            db.session.execute(delete(FootageRequest).where(FootageRequest.id == request_id))
            db.session.execute(delete(Case).where(Case.id == case_id))
            db.session.execute(delete(Camera).where(Camera.registration_id == reg_id))
            db.session.execute(delete(Registration).where(Registration.id == reg_id))
            db.session.execute(delete(Owner).where(Owner.id == owner_id))
        db.session.commit()


def race(app, targets: list[int]) -> list[tuple[int, str]]:
    """Fire contact_owner on each target from its own thread and client, all released at once."""
    with app.app_context():
        headers = api_token(app.test_client(), "investigator")
    barrier = threading.Barrier(len(targets))

    def racer(n: int) -> tuple[int, str]:
        client = app.test_client()
        barrier.wait()
        response = client.post(
            f"/api/v1/footage_request/{targets[n]}/contact_owner",
            json={"version": 1, "method": "phone", "note": f"racer {n}"},
            headers=headers,
        )
        return response.status_code, (response.json or {}).get("message", "")

    with ThreadPoolExecutor(len(targets)) as pool:
        return list(pool.map(racer, range(len(targets))))


def test_fifty_racing_triggers_one_wins(app, committed_requests):
    (committed_request,) = committed_requests(1)
    results = race(app, [committed_request] * RACERS)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [409] * (RACERS - 1), results
    assert all("changed" in message for status, message in results if status == 409)
    with app.app_context():
        request = db.session.get(FootageRequest, committed_request)
        assert (request.state, request.version) == ("contacted", 2)
        assert db.session.query(ContactAttempt).filter_by(footage_request_id=committed_request).count() == 1
        assert db.session.query(RequestTransition).filter_by(footage_request_id=committed_request).count() == 1
        from backoffice.audit import verify_chain

        assert list(verify_chain()) == []


def test_writers_on_different_requests_do_not_block_each_other(app, committed_requests):
    targets = committed_requests(10)
    results = race(app, targets)
    assert [status for status, _ in results] == [200] * len(targets), results
