"""Writes people can make at the same moment, over real HTTP connections to a threaded server on
the test's database: each is answered without a server error ("database is locked" on SQLite
was one) and the records agree with the answers."""
import re
import uuid

import requests
from sqlalchemy import delete, func, select

from backoffice.audit import verify_chain
from backoffice.extensions import db
from backoffice.models import (
    AuditEvent,
    Camera,
    Case,
    FootageRequest,
    Owner,
    Registration,
    RequestTransition,
    UsedLink,
)
from tests import factories
from tests.backoffice.portal.helpers import form_data, last_link
from tests.concurrency import RACERS, all_at_once, remove_registrations

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def bearer(base_url: str, username: str) -> dict[str, str]:
    response = requests.post(f"{base_url}/api/v1/security/login", json={
        "username": username, "password": factories.PASSWORD, "provider": "db"}, timeout=60)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def count(app, query) -> int:
    with app.app_context():
        return db.session.execute(query).scalar_one()


def test_simultaneous_transitions_on_one_request_one_wins(app, base_url, committed_requests):
    (request_id,) = committed_requests(1)
    headers = bearer(base_url, "investigator")

    def contact(n, barrier):
        barrier.wait()
        response = requests.post(f"{base_url}/api/v1/footage_request/{request_id}/contact_owner",
                                 json={"version": 1, "method": "phone", "note": f"call {n}"},
                                 headers=headers, timeout=60)
        return response.status_code, response.text

    results = all_at_once(contact)
    assert sorted(status for status, _ in results) == [200] + [409] * (RACERS - 1), results
    assert all("changed" in text for status, text in results if status == 409), results
    with app.app_context():
        request = db.session.get(FootageRequest, request_id)
        assert (request.state, request.version) == ("contacted", 2)
    assert count(app, select(func.count()).select_from(RequestTransition).where(
        RequestTransition.footage_request_id == request_id)) == 1


def test_simultaneous_contact_reveals_are_all_answered_and_audited(app, base_url, committed_requests):
    (request_id,) = committed_requests(1)
    with app.app_context():
        request = db.session.get(FootageRequest, request_id)
        body = {"case_id": request.case_id, "registration_id": request.registration_id}
        owner_id = request.registration.owner_id
    headers = bearer(base_url, "investigator")
    reveals = select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "owner.reveal", AuditEvent.object_id == owner_id)
    before = count(app, reveals)

    def reveal(_n, barrier):
        barrier.wait()
        return requests.post(f"{base_url}/api/v1/canvass/contact", json=body, headers=headers,
                             timeout=60).status_code

    assert all_at_once(reveal) == [200] * RACERS
    assert count(app, reveals) - before == RACERS
    with app.app_context():
        assert list(verify_chain()) == []


def _registrations(emails):
    return select(Registration.id, Registration.owner_id).join(Owner).where(Owner.email.in_(emails))


def _remove_registrations(app, emails) -> None:
    with app.app_context():
        pairs = db.session.execute(_registrations(emails)).all()
    remove_registrations(app, pairs)


def _post_registrations(base_url, emails):
    """Every browser opens the form, then all send it at once; their answers' statuses."""
    browsers = [requests.Session() for _ in emails]
    tokens = [CSRF_RE.search(http.get(f"{base_url}/register", timeout=60).text).group(1) for http in browsers]

    def submit(n, barrier):
        barrier.wait()
        return browsers[n].post(f"{base_url}/register", data=form_data(tokens[n], email=emails[n], cameras=2),
                                allow_redirects=False, timeout=60).status_code

    return all_at_once(submit, len(emails))


def test_simultaneous_portal_registrations_are_all_kept(app, base_url, mailbox):
    emails = [f"owner-{n}-{uuid.uuid4().hex[:8]}@example.net" for n in range(RACERS)]
    try:
        assert _post_registrations(base_url, emails) == [302] * RACERS
        with app.app_context():
            assert len(db.session.execute(_registrations(emails)).all()) == RACERS
            assert list(verify_chain()) == []
    finally:
        _remove_registrations(app, emails)


def test_the_same_registration_sent_at_once_is_kept_once(app, base_url, mailbox):
    emails = [f"double-tap-{uuid.uuid4().hex[:8]}@example.net"] * RACERS
    try:
        assert _post_registrations(base_url, emails) == [302] * RACERS
        with app.app_context():
            rows = db.session.execute(_registrations(emails[:1])).all()
            assert len(rows) == 1
            assert count(app, select(func.count()).select_from(Camera).where(
                Camera.registration_id == rows[0].id)) == 2
    finally:
        _remove_registrations(app, emails[:1])


def test_simultaneous_reads_of_the_audit_log_are_all_answered_and_audited(app, base_url):
    headers = bearer(base_url, "auditor")
    listed = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "audit_log_listed")
    before = count(app, listed)

    def read(_n, barrier):
        barrier.wait()
        return requests.get(f"{base_url}/api/v1/audit_event/", headers=headers, timeout=60).status_code

    assert all_at_once(read) == [200] * RACERS
    assert count(app, listed) - before == RACERS


def test_an_emailed_link_pressed_several_times_at_once_works_once(app, base_url, mailbox):
    email = f"presses-{uuid.uuid4().hex[:8]}@example.net"
    used_before = count(app, select(func.coalesce(func.max(UsedLink.id), 0)))
    try:
        assert _post_registrations(base_url, [email]) == [302]
        path = last_link(mailbox, email, "verify")
        assert requests.get(f"{base_url}{path}", timeout=60).status_code == 200

        def press(_n, barrier):
            barrier.wait()
            return requests.post(f"{base_url}{path}", timeout=60).status_code

        statuses = all_at_once(press)
        assert statuses.count(200) == 1, statuses
        assert all(status in (200, 409, 410) for status in statuses), statuses
        with app.app_context():
            verified = select(func.count()).select_from(AuditEvent).where(
                AuditEvent.action == "portal.verified",
                AuditEvent.object_id.in_(select(Registration.id).join(Owner).where(Owner.email == email)))
            assert db.session.execute(verified).scalar_one() == 1
    finally:
        _remove_registrations(app, [email])
        with app.app_context():  # other tests count the used links
            db.session.execute(delete(UsedLink).where(UsedLink.id > used_before))
            db.session.commit()


def test_simultaneous_cases_opened_over_the_api_are_all_kept(app, base_url):
    headers = bearer(base_url, "investigator")
    numbers = [f"RACE-{uuid.uuid4().hex[:6]}-{n}" for n in range(RACERS)]

    def open_case(n, barrier):
        barrier.wait()
        return requests.post(f"{base_url}/api/v1/case/", headers=headers, timeout=60, json={
            "case_number": numbers[n], "incident_type": "burglary", "lat": 35.37, "lon": -119.01,
            "occurred_from": "2026-11-20T21:00:00+00:00", "occurred_to": "2026-11-20T21:30:00+00:00",
        })

    try:
        answers = all_at_once(open_case)
        assert [answer.status_code for answer in answers] == [201] * RACERS, [a.text for a in answers]
        assert count(app, select(func.count()).select_from(Case).where(Case.case_number.in_(numbers))) == RACERS
    finally:
        with app.app_context():
            db.session.execute(delete(Case).where(Case.case_number.in_(numbers)))
            db.session.commit()


def test_simultaneous_camera_edits_over_the_api_are_all_kept(app, base_url):
    with app.app_context():
        registrations = [factories.registration(cameras=1) for _ in range(RACERS)]
        db.session.commit()
        ids = [(r.id, r.owner_id, r.cameras[0].id) for r in registrations]
    headers = bearer(base_url, "staff")

    def edit(n, barrier):
        barrier.wait()
        return requests.put(f"{base_url}/api/v1/camera/{ids[n][2]}", headers=headers, timeout=60,
                            json={"label": f"Edited {n}"}).status_code

    try:
        assert all_at_once(edit) == [200] * RACERS
        with app.app_context():
            labels = [db.session.get(Camera, camera_id).label for _, _, camera_id in ids]
            assert labels == [f"Edited {n}" for n in range(RACERS)]
    finally:
        remove_registrations(app, [(registration_id, owner_id) for registration_id, owner_id, _ in ids])
