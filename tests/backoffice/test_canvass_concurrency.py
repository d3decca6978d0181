"""Searches from several threads at once, on committed data: all answered, all audited."""
import threading
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete

from backoffice.audit import verify_chain
from backoffice.extensions import db
from backoffice.models import AuditEvent, Case
from tests import factories
from tests.auth import api_token


def test_parallel_searches_are_all_answered_and_chained(app):
    with app.app_context():
        now = datetime.now(timezone.utc)
        case = Case(agency_id=factories.agency(0).id, case_number="PAR-1", incident_type="robbery",
                    occurred_from=now - timedelta(hours=2), occurred_to=now - timedelta(hours=1))
        case.set_location(*factories.BAKERSFIELD)
        db.session.add(case)
        db.session.commit()
        case_id = case.id
        before = db.session.query(AuditEvent).filter_by(action="canvass.search", purpose="PAR-1").count()
    statuses: list[int] = []
    try:
        headers = api_token(app.test_client(), "investigator")

        def work():
            client = app.test_client()
            for _ in range(5):
                statuses.append(client.get(f"/api/v1/canvass/?case_id={case_id}", headers=headers).status_code)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert statuses == [200] * 20
        with app.app_context():
            after = db.session.query(AuditEvent).filter_by(action="canvass.search", purpose="PAR-1").count()
            assert after - before == 20
            assert list(verify_chain()) == []
    finally:
        with app.app_context():
            db.session.execute(delete(Case).where(Case.id == case_id))
            db.session.commit()
