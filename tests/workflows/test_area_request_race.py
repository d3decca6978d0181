"""Investigators asking the same premises for the same case at the same moment, over real HTTP
on committed data: the premises is asked once, the others merge into it, nobody gets a 5xx."""
import requests
from sqlalchemy import delete, select

from backoffice.extensions import db
from backoffice.models import AreaRecipient, AreaRequest, Case, OutboxMessage
from tests import factories
from tests.auth import api_token
from tests.concurrency import all_at_once, base_url, remove_registrations  # noqa: F401  (fixture)
from tests.workflows.helpers import searched

RACERS = 4


def test_racing_askers_of_the_same_premises_ask_it_once(app, base_url):  # noqa: F811  (fixture)
    with app.app_context():
        shared = factories.registration()
        own = [factories.registration() for _ in range(RACERS)]
        case = factories.case(0)
        searched(case, shared, *own)
        db.session.commit()
        case_id, shared_id, own_ids = case.id, shared.id, [r.id for r in own]
        made = [(r.id, r.owner_id) for r in (shared, *own)]
        headers = api_token(app.test_client(), "investigator")
    try:
        def ask(n, barrier):
            body = {"case_id": case_id, "registration_ids": [shared_id, own_ids[n]],
                    "description": f"Two people on bicycles heading west (asker {n})"}
            barrier.wait()
            response = requests.post(f"{base_url}/api/v1/area-requests/", json=body, headers=headers, timeout=60)
            return response.status_code, response.json()

        results = all_at_once(ask, RACERS)
        assert [status for status, _ in results] == [201] * RACERS, results
        emailed_shared = [body for _, body in results if shared_id in body["emailed"]]
        assert len(emailed_shared) == 1, results
        merged = [body for _, body in results if str(shared_id) in body["already_asked"]]
        assert len(merged) == RACERS - 1
        assert all(own_ids[n] in body["emailed"] for n, (_, body) in enumerate(results))
        with app.app_context():
            rows = db.session.scalars(select(AreaRecipient).join(AreaRequest)
                                      .where(AreaRequest.case_id == case_id)).all()
            assert sorted(r.registration_id for r in rows) == sorted([shared_id, *own_ids])
    finally:
        with app.app_context():
            areas = db.session.scalars(select(AreaRequest.id).where(AreaRequest.case_id == case_id)).all()
            recipients = db.session.scalars(select(AreaRecipient.id).where(
                AreaRecipient.area_request_id.in_(areas))).all()
            db.session.execute(delete(OutboxMessage).where(OutboxMessage.object_type == "area_recipient",
                                                           OutboxMessage.object_id.in_(recipients)))
            db.session.execute(delete(AreaRecipient).where(AreaRecipient.id.in_(recipients)))
            db.session.execute(delete(AreaRequest).where(AreaRequest.id.in_(areas)))
            db.session.execute(delete(Case).where(Case.id == case_id))
            db.session.commit()
        remove_registrations(app, made)
