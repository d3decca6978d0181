"""A conflict with another writer is told by the driver's error class or result code, not by
the words of its message; commands try it again a few times (tenacity), nothing else."""
import sqlite3

import pytest
from psycopg import errors as pg_errors
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from backoffice.database import is_conflict, retry_on_conflict


def _sqlite_busy(tmp_path) -> sqlite3.OperationalError:
    path = tmp_path / "busy.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        return error
    finally:
        holder.execute("ROLLBACK")
    raise AssertionError("the second writer was let in")


def test_sqlite_busy_is_a_conflict_and_other_errors_are_not(tmp_path):
    busy = _sqlite_busy(tmp_path)
    assert is_conflict(OperationalError("BEGIN IMMEDIATE", {}, busy))
    try:
        sqlite3.connect(":memory:").execute("SELEC 1")
    except sqlite3.OperationalError as syntax:
        assert not is_conflict(OperationalError("SELEC 1", {}, syntax))
    # Words are not evidence: a constraint failure that mentions a lock is not a conflict.
    worded = sqlite3.IntegrityError("UNIQUE constraint failed: lock.name (database is locked)")
    assert not is_conflict(IntegrityError("INSERT", {}, worded))


@pytest.mark.parametrize("error", [pg_errors.SerializationFailure, pg_errors.DeadlockDetected,
                                   pg_errors.LockNotAvailable])
def test_postgresql_serialization_deadlock_and_lock_errors_are_conflicts(error):
    assert is_conflict(DBAPIError("UPDATE", {}, error("could not serialize access")))
    assert not is_conflict(DBAPIError("UPDATE", {}, pg_errors.UniqueViolation("deadlock mentioned")))


def test_a_conflict_is_tried_again_and_other_errors_are_not(tmp_path):
    busy = OperationalError("BEGIN IMMEDIATE", {}, _sqlite_busy(tmp_path))
    calls = []

    def twice_busy_then_done():
        calls.append(1)
        if len(calls) < 3:
            raise busy
        return "done"

    assert retry_on_conflict(twice_busy_then_done) == "done" and len(calls) == 3
    calls.clear()
    with pytest.raises(OperationalError):
        retry_on_conflict(lambda: calls.append(1) or (_ for _ in ()).throw(busy), attempts=4)
    assert len(calls) == 4
    calls.clear()

    def refused():
        calls.append(1)
        raise ValueError("not a conflict")

    with pytest.raises(ValueError):
        retry_on_conflict(refused)
    assert len(calls) == 1
