"""On PostgreSQL a request that only looks (GET, HEAD, OPTIONS) reads outside a transaction: no
BEGIN before its first statement and no ROLLBACK after its last, two of the cheapest API read's
four round trips. Its first statement that is not a plain read opens the transaction, so locks,
writes and whatever follows them are one transaction as before (backoffice.database)."""
import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import event, select, text

from backoffice.extensions import db
from backoffice.models import Agency
from tests.auth import api_token

IDLE, IN_TRANSACTION = TransactionStatus.IDLE, TransactionStatus.INTRANS


@pytest.fixture()
def engine(pooled_pg_engine):
    return pooled_pg_engine


def _status(connection) -> TransactionStatus:
    return connection.connection.dbapi_connection.info.transaction_status


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_request_that_looks_reads_outside_a_transaction(app, engine, method):
    with app.test_request_context("/", method=method), engine.connect() as connection:
        assert connection.execute(select(Agency.id).limit(1)).all() is not None
        assert _status(connection) == IDLE  # no BEGIN was sent, so no ROLLBACK will be


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_a_request_that_changes_reads_in_its_transaction(app, engine, method):
    with app.test_request_context("/", method=method), engine.connect() as connection:
        connection.execute(select(Agency.id).limit(1)).all()
        assert _status(connection) == IN_TRANSACTION


def test_work_outside_a_request_keeps_its_transaction(app, engine):
    with app.test_request_context("/", method="GET"), engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    with engine.connect() as connection:  # the same pooled connection, back in its own mode
        connection.execute(text("SELECT 1"))
        assert _status(connection) == IN_TRANSACTION


@pytest.mark.parametrize("statement", [
    "SELECT id FROM agency FOR UPDATE",
    "SELECT id FROM agency FOR NO KEY UPDATE",
    "select id from agency for share",
    "SELECT pg_advisory_xact_lock(4242)",
    "SELECT set_config('application_name', 'x', true)",
    "WITH chosen AS (SELECT id FROM agency) SELECT id FROM chosen",
])
def test_a_lock_or_a_change_in_a_get_opens_the_transaction(app, engine, statement):
    with app.test_request_context("/", method="GET"), engine.connect() as connection:
        connection.execute(text(statement))
        assert _status(connection) == IN_TRANSACTION  # the lock is held until the end


def test_what_a_get_writes_after_reading_is_one_transaction(app, engine):
    """A GET that reads, then writes twice and fails: neither write is left behind."""
    with app.test_request_context("/", method="GET"), engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        connection.execute(text("CREATE TABLE read_then_write (n integer)"))
        connection.execute(text("INSERT INTO read_then_write VALUES (1)"))
        connection.rollback()
        assert connection.execute(text("SELECT to_regclass('read_then_write')")).scalar_one() is None


def test_a_server_side_cursor_in_a_get_gets_its_transaction(app, engine):
    """DECLARE CURSOR needs a transaction: a GET that streams rows opens one first."""
    with app.test_request_context("/", method="GET"), engine.connect() as connection:
        rows = connection.execution_options(stream_results=True, yield_per=2).execute(
            text("SELECT generate_series(1, 5)")
        )
        assert [row[0] for row in rows] == [1, 2, 3, 4, 5]


def test_the_cheapest_api_read_sends_neither_begin_nor_rollback(app, database_url, tmp_path):
    """The whole request, as served, read from what the driver sent to the server (libpq's
    trace): the user and the row, and no BEGIN or ROLLBACK around them."""
    if not database_url.startswith("postgresql"):
        pytest.skip("reading outside a transaction is PostgreSQL's")
    with app.app_context():
        agency_id = db.session.execute(select(Agency.id).limit(1)).scalar_one()
        db.session.remove()
        bound = db.engine
    client = app.test_client()
    headers = api_token(client, "investigator")
    client.get(f"/api/v1/agency/{agency_id}", headers=headers)  # the token checked once
    trace = tmp_path / "libpq.trace"

    with trace.open("w") as out:
        def watch(dbapi_connection, _record, _proxy):
            dbapi_connection.pgconn.trace(out.fileno())

        def unwatch(dbapi_connection, _record):
            dbapi_connection.pgconn.untrace()

        event.listen(bound, "checkout", watch)
        event.listen(bound, "checkin", unwatch)
        try:
            response = client.get(f"/api/v1/agency/{agency_id}", headers=headers)
        finally:
            event.remove(bound, "checkout", watch)
            event.remove(bound, "checkin", unwatch)
    assert response.status_code == 200
    sent = [line for line in trace.read_text().splitlines() if "\tF\t" in line]
    assert sent, "nothing traced"
    assert not [line for line in sent if '"BEGIN"' in line or '"ROLLBACK"' in line], sent
    statements = [line for line in sent if "\tParse\t" in line or "\tQuery\t" in line]
    assert len(statements) == 2, statements  # the user, then the row
    assert "SELECT agency.id" in statements[1]


def test_a_get_that_asks_for_an_isolation_level_reads_in_it(app, engine):
    """The audit check reads one snapshot (REPEATABLE READ): asked for, it is what a GET gets."""
    with app.test_request_context("/", method="GET"), engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        level = connection.execute(text("SELECT current_setting('transaction_isolation')")).scalar_one()
        assert level == "repeatable read" and _status(connection) == IN_TRANSACTION


@pytest.mark.parametrize("in_a_get", [False, True])
def test_autocommit_asked_for_stays_autocommit(app, engine, in_a_get):
    """VACUUM runs only outside a transaction: a connection asked for AUTOCOMMIT keeps it for
    every statement, in a request or not (the benchmark's VACUUM failed when it did not)."""
    from contextlib import nullcontext

    with (app.test_request_context("/", method="GET") if in_a_get else nullcontext()):
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE agency"))
            assert _status(connection) == IDLE
