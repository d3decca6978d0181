"""The signed-in user is read by one statement on every request and built again only when
something about them changed (backoffice.security.user_cache): whoever changed it, the next
request sees the change."""
from sqlalchemy import event, update
from sqlalchemy.orm import Session

from backoffice.extensions import db
from backoffice.models import Agency, AgencyUser
from backoffice.security import user_cache
from tests import factories
from tests.auth import api_token, login
from tests.backoffice.test_request_floor import _data_statements
from tests.backoffice.test_list_queries import count_statements


def _builds(fn) -> int:
    """How many users the ORM built from rows while fn ran (a copy merged into a session
    fires the same event, without a query context)."""
    built = []
    listener = lambda target, context: context is not None and built.append(target)  # noqa: E731
    event.listen(AgencyUser, "load", listener)
    try:
        fn()
    finally:
        event.remove(AgencyUser, "load", listener)
    return len(built)


def _load(app, user_id):
    with app.test_request_context():
        return app.appbuilder.sm.load_user(user_id)


def test_an_unchanged_user_is_one_statement_and_not_built_again(client):
    agency_id = factories.agency(0).id
    headers = api_token(client, "investigator")
    client.get(f"/api/v1/agency/{agency_id}", headers=headers)
    with count_statements() as seen:
        built = _builds(lambda: client.get(f"/api/v1/agency/{agency_id}", headers=headers))
    assert built == 0
    user_statements = [s for s in _data_statements(seen) if "FROM ab_user" in s]
    assert len(user_statements) == 1, user_statements


def test_a_changed_user_is_built_again_and_the_change_is_seen(client):
    user = db.session.query(AgencyUser).filter_by(username="investigator").one()
    user_id, agency_id = user.id, user.agency_id
    before = _load(client.application, user_id).agency.county_oversight
    # Another process changes the agency's county-wide oversight mark: written below the ORM.
    db.session.execute(update(Agency.__table__).where(Agency.__table__.c.id == agency_id)
                       .values(county_oversight=not before))
    db.session.expire_all()
    built = []
    assert _builds(lambda: built.append(_load(client.application, user_id))) >= 1
    assert built[0].agency.county_oversight is (not before)


def test_a_deactivated_account_is_refused_on_the_next_request(client):
    headers = api_token(client, "investigator")
    assert client.get("/api/v1/case/", headers=headers).status_code == 200
    users = AgencyUser.__table__
    db.session.execute(update(users).where(users.c.username == "investigator").values(active=False))
    db.session.expire_all()
    assert client.get("/api/v1/case/", headers=headers).status_code == 401


def test_a_screen_user_is_kept_too_and_a_role_change_seen_at_once(client):
    login(client, "staff")
    assert client.get("/registrationview/list/").status_code == 200
    assert _builds(lambda: client.get("/registrationview/list/")) == 0
    staff = db.session.query(AgencyUser).filter_by(username="staff").one()
    links = AgencyUser.roles.property.secondary
    db.session.execute(links.delete().where(links.c.user_id == staff.id))
    db.session.expire_all()
    response = client.get("/registrationview/list/")
    assert response.status_code in (302, 403)  # no role: no access to the registry


def test_each_session_gets_its_own_copy_of_a_kept_user(client):
    user_id = db.session.query(AgencyUser).filter_by(username="investigator").one().id
    _load(client.application, user_id)  # kept
    statements = client.application.appbuilder.sm._user_statements()
    connection = db.session.connection()
    sessions = [Session(bind=connection) for _ in range(3)]
    try:
        copies = [user_cache.load(own, statements, user_id) for own in sessions]
        assert len({id(copy) for copy in copies}) == 3
        assert all(copy in own for copy, own in zip(copies, sessions, strict=True))
        assert all([role.name for role in copy.roles] == ["Investigator"] for copy in copies)
    finally:
        for own in reversed(sessions):  # savepoints of one connection: last opened, first closed
            own.close()
