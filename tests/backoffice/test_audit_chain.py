"""`flask audit verify` catches rows edited, deleted or inserted out of band, and a cut tail;
the application itself can neither change nor delete an audit event."""
import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from backoffice.audit import record
from backoffice.extensions import db
from backoffice.models import AuditEvent
from backoffice.models.base import utcnow
from backoffice.security.audit_hooks import AuditLogIsAppendOnly


def _events(n: int = 3) -> list[int]:
    ids = [record("test_event", object_type="case", object_id=i, detail={"n": i}).id for i in range(n)]
    db.session.commit()
    return ids


def _drop_append_only_guards() -> None:
    """What someone with direct database access would do first (undone by the test rollback)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("DROP TRIGGER audit_event_no_update ON audit_event"))
        db.session.execute(text("DROP TRIGGER audit_event_no_delete ON audit_event"))
    else:
        db.session.execute(text("DROP TRIGGER audit_event_no_update"))
        db.session.execute(text("DROP TRIGGER audit_event_no_delete"))


def _verify(runner):
    db.session.expire_all()
    return runner.invoke(args=["audit", "verify"])


def test_intact_chain_verifies(runner):
    ids = _events()
    result = _verify(runner)
    assert result.exit_code == 0, result.output
    count = db.session.scalar(select(func.count(AuditEvent.id)))
    assert result.output.strip() == f"audit chain OK: {count} events, last event {ids[-1]}"


def test_edited_row_is_named(runner):
    ids = _events()
    _drop_append_only_guards()
    db.session.execute(text("UPDATE audit_event SET detail = '{\"n\": 99}' WHERE id = :id"), {"id": ids[1]})
    result = _verify(runner)
    assert result.exit_code != 0
    assert f"event {ids[1]}: contents do not match its hash" in result.output


def test_edited_timestamp_is_named(runner):
    ids = _events()
    _drop_append_only_guards()
    db.session.execute(
        text("UPDATE audit_event SET username = 'someone-else' WHERE id = :id"), {"id": ids[0]}
    )
    result = _verify(runner)
    assert result.exit_code != 0
    assert f"event {ids[0]}:" in result.output


def test_deleted_row_is_named_by_its_successor(runner):
    ids = _events()
    _drop_append_only_guards()
    db.session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": ids[1]})
    result = _verify(runner)
    assert result.exit_code != 0
    assert f"event {ids[2]}: does not follow event {ids[0]}" in result.output


def test_inserted_row_is_named(runner):
    ids = _events()
    forged = ids[-1] + 1000
    db.session.execute(
        text(
            "INSERT INTO audit_event (id, at, action, prev_hash, hash) "
            "VALUES (:id, :at, 'login', :prev, :hash)"
        ),
        {"id": forged, "at": "2026-01-01 00:00:00", "prev": "f" * 64, "hash": "e" * 64},
    )
    result = _verify(runner)
    assert result.exit_code != 0
    assert f"event {forged}: does not follow event {ids[-1]}" in result.output


def test_inserted_row_with_a_recomputed_hash_is_still_caught(runner):
    """Even a forger who knows the hashing scheme cannot add a row without touching the head."""
    from backoffice.audit import event_hash
    from backoffice.models.base import utcnow

    ids = _events()
    last = db.session.get(AuditEvent, ids[-1])
    forged = AuditEvent(id=ids[-1] + 1000, at=utcnow(), action="login", prev_hash=last.hash, hash="x")
    forged.hash = event_hash(forged)
    db.session.execute(
        text("INSERT INTO audit_event (id, at, action, prev_hash, hash) VALUES (:id, :at, :a, :p, :h)"),
        {"id": forged.id, "at": forged.at, "a": "login", "p": forged.prev_hash, "h": forged.hash},
    )
    db.session.expunge_all()
    result = _verify(runner)
    assert result.exit_code != 0
    assert "tail removed" in result.output or f"event {forged.id}" in result.output


def test_truncated_tail_is_detected(runner):
    ids = _events()
    _drop_append_only_guards()
    db.session.execute(text("DELETE FROM audit_event WHERE id >= :id"), {"id": ids[1]})
    result = _verify(runner)
    assert result.exit_code != 0
    assert f"chain ends at event {ids[0]}" in result.output


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_event SET action = 'nothing' WHERE id = :id", "DELETE FROM audit_event WHERE id = :id"],
)
def test_database_refuses_changes_to_audit_rows(ctx, statement):
    event_id = _events(1)[0]
    connection = db.session.connection()
    savepoint = connection.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        connection.execute(text(statement), {"id": event_id})
    savepoint.rollback()
    assert db.session.get(AuditEvent, event_id) is not None


def test_database_refuses_to_fill_in_a_pending_hash(ctx):
    """Events are inserted complete; not even a placeholder hash may be replaced later."""
    connection = db.session.connection()
    connection.execute(
        text("INSERT INTO audit_event (id, at, action, prev_hash, hash)"
             " VALUES (:id, :at, 'forged', :p, 'pending')"),
        {"id": 10**6, "at": utcnow(), "p": "0" * 64},
    )
    savepoint = connection.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        connection.execute(text("UPDATE audit_event SET hash = 'x' WHERE id = :id"), {"id": 10**6})
    savepoint.rollback()


def test_events_follow_the_head_without_gaps(ctx):
    ids = _events(4)
    assert ids == list(range(ids[0], ids[0] + 4))
    head = db.session.execute(text("SELECT last_event_id, last_hash FROM audit_head")).one()
    last = db.session.get(AuditEvent, ids[-1])
    assert (head.last_event_id, head.last_hash) == (last.id, last.hash)
    assert db.session.get(AuditEvent, ids[1]).prev_hash == db.session.get(AuditEvent, ids[0]).hash


def test_app_cannot_edit_an_audit_event(ctx):
    event = db.session.get(AuditEvent, _events(1)[0])
    event.detail = "rewritten"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()


def test_app_cannot_delete_an_audit_event(ctx):
    event = db.session.get(AuditEvent, _events(1)[0])
    db.session.delete(event)
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("statement", [update(AuditEvent).values(action="x"), delete(AuditEvent)])
def test_app_cannot_bulk_change_audit_events(ctx, statement):
    _events(1)
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.execute(statement)


def test_no_route_changes_audit_events(ctx):
    """Only GET routes exist for the audit log, on the screen and in the API."""
    for rule in ctx.url_map.iter_rules():
        if rule.endpoint.startswith(("AuditEventView.", "AuditEventApi.")):
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, (rule.rule, rule.methods)


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_api_write_methods_do_not_exist_even_for_admin(client, method):
    from tests.auth import api_token

    headers = api_token(client, "admin")
    event_id = _events(1)[0]
    url = "/api/v1/audit_event/" if method == "post" else f"/api/v1/audit_event/{event_id}"
    response = getattr(client, method)(url, json={"action": "x"}, headers=headers)
    assert response.status_code in (404, 405)
    db.session.expire_all()
    assert db.session.get(AuditEvent, event_id).action == "test_event"
