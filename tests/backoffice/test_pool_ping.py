"""PostgreSQL connections are checked only after sitting idle in the pool: one lent again a
moment after its last use costs no extra round trip, one the server dropped while it was idle
is replaced before anyone gets it (backoffice.database)."""
import pytest
from sqlalchemy import create_engine, text

from backoffice import database


@pytest.fixture()
def engine(pooled_pg_engine):
    return pooled_pg_engine


def _pings(engine) -> int:
    with engine.connect() as connection:
        return connection.connection._connection_record.info.get("pings", 0)


def _backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_a_connection_used_a_moment_ago_is_lent_without_a_ping(engine):
    first = _backend_pid(engine)
    pings = _pings(engine)
    assert _backend_pid(engine) == first  # the same connection, from the pool
    assert _pings(engine) == pings  # lent again without a check


def test_a_connection_dropped_while_idle_is_replaced_before_it_is_lent(engine, database_url, monkeypatch):
    dropped = _backend_pid(engine)
    killer = create_engine(database_url)
    try:
        with killer.connect() as connection:
            assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped}).scalar_one()
    finally:
        killer.dispose()
    monkeypatch.setattr(database, "IDLE_BEFORE_PING_S", 0.0)  # it has now sat idle long enough
    replaced = _backend_pid(engine)  # no error: the pool found it dead and opened another
    assert replaced != dropped
    assert _pings(engine) >= 1
