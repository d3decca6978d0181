"""Engine set-up that makes SQLite behave like the production database, and how a command
tells a conflict with another writer (to be tried again) from any other database error."""
import re
import sqlite3
import time
from typing import Callable, TypeVar

from flask import Flask, has_request_context, request
from geoalchemy2 import alembic_helpers
import psycopg
from psycopg import errors as pg_errors
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session

from .extensions import db


def _sqlite_on_connect(dbapi_connection, _record) -> None:
    """Let SQLAlchemy, not the driver, open transactions; enforce foreign keys."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


T = TypeVar("T")
# Another writer got there first: PostgreSQL's serialization failure (40001), deadlock (40P01)
# and lock not available (55P03); SQLite's BUSY and LOCKED result codes (extended codes keep
# the primary one in their low byte).
_PG_CONFLICTS = (pg_errors.SerializationFailure, pg_errors.DeadlockDetected, pg_errors.LockNotAvailable)
_SQLITE_CONFLICTS = frozenset((sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED))
CONFLICT_ATTEMPTS = 5


def is_conflict(error: BaseException) -> bool:
    """True when `error` (a DBAPIError or the driver's own exception) says another writer got
    there first, decided by the driver's error class or result code, never by its message."""
    orig = getattr(error, "orig", error)
    if isinstance(orig, _PG_CONFLICTS):
        return True
    if isinstance(orig, sqlite3.OperationalError):
        return (getattr(orig, "sqlite_errorcode", 0) & 0xFF) in _SQLITE_CONFLICTS
    return False


def retry_on_conflict(attempt: Callable[[], T], attempts: int = CONFLICT_ATTEMPTS,
                      when: Callable[[BaseException], bool] = is_conflict) -> T:
    """attempt() again (after a short random wait) while it fails with a conflict (`when`,
    is_conflict by default), at most `attempts` times; the last conflict, or any other error,
    is raised. The attempt owns its transaction: it commits, or rolls back before raising
    (tenacity)."""
    from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_random

    retrying = Retrying(retry=retry_if_exception(when), stop=stop_after_attempt(attempts),
                        wait=wait_random(0.005, 0.05), reraise=True)
    return retrying(attempt)


# Execution option of a connection whose transaction takes SQLite's write lock when it begins.
_IMMEDIATE = "backoffice_begin_immediate"


def _sqlite_on_begin(connection) -> None:
    """Emit BEGIN ourselves so SAVEPOINTs and transactional DDL work (pysqlite defers it);
    BEGIN IMMEDIATE for a transaction opened by begin_write()."""
    immediate = connection.get_execution_options().get(_IMMEDIATE)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def end_read_transaction(session: Session) -> None:
    """Before a transaction that read starts to write, end it (SQLite only; commits).

    In WAL mode a transaction that read and then writes cannot wait for another writer: it
    fails at once with "database is locked". Starting the write in a fresh transaction lets
    it wait its turn (busy timeout). PostgreSQL needs no such care.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.commit()


def begin_write(session: Session | scoped_session) -> None:
    """From here on, this request reads and then writes: on SQLite, queue for the write lock now.

    Ends the transaction that only read so far (commits) and opens the next one with
    BEGIN IMMEDIATE: it waits its turn behind other writers (busy timeout), and what it reads
    then stays current until it commits, so a read-then-write never meets "database is
    locked". Call it before the first write, never after one. PostgreSQL needs no such care
    (row locks and conditional updates do the queueing there).
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    real = session() if isinstance(session, scoped_session) else session
    if real.in_transaction():
        if real.connection().get_execution_options().get(_IMMEDIATE):
            return
        real.commit()
    real.connection(execution_options={_IMMEDIATE: True})


# Flask-AppBuilder's own writes: its model APIs (post, put, delete) and screens (add, edit,
# delete, actions). They read (permissions, the record, validators) and then write.
CRUD_ENDPOINTS = {"post", "put", "delete", "add", "edit", "action_post", "action"}
_UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def queue_crud_writes(app: Flask) -> None:
    """Flask-AppBuilder's create, edit and delete requests take their write turn up front.

    Its views read and then write within one transaction, which on SQLite fails at once with
    "database is locked" when another writer got in between; begin_write() before the request
    reads anything makes it wait its turn instead. Our own commands queue themselves
    (workflows.transaction, audit.serialise, begin_write).
    """
    crud_views = {
        view.blueprint.name
        for view in app.appbuilder.baseviews  # type: ignore[attr-defined]  # FAB sets app.appbuilder
        if getattr(view, "datamodel", None) is not None and getattr(view, "blueprint", None) is not None
    }

    def take_write_turn() -> None:
        endpoint = request.endpoint or ""
        blueprint, _, method = endpoint.rpartition(".")
        if request.method in _UNSAFE_METHODS and method in CRUD_ENDPOINTS and blueprint in crud_views:
            begin_write(db.session)

    app.before_request(take_write_turn)


# A pooled PostgreSQL connection idle for longer than this is checked before it is used again.
IDLE_BEFORE_PING_S = 10.0


def _note_idle_since(_dbapi_connection, record, *_args) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
    """Check a connection that sat idle in the pool (the server may have restarted or dropped
    it meanwhile) before lending it; one in use a moment ago is lent as it is.

    SQLAlchemy's pool_pre_ping checked it before every request: three round trips (BEGIN,
    the ping, ROLLBACK) on top of the request's own four, for the cheapest API read. A
    connection that fails the check is replaced by the pool (DisconnectionError). Checks are
    counted in the pool record's info["pings"].
    """
    idle_since = record.info.get("idle_since")
    if idle_since is not None and time.monotonic() - idle_since < IDLE_BEFORE_PING_S:
        return
    record.info["pings"] = record.info.get("pings", 0) + 1
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        dbapi_connection.rollback()
    except Exception as error:  # whatever the driver raises for a dead connection
        raise exc.DisconnectionError(str(error)) from error


# Requests that only look (RFC 9110 safe methods) read outside a transaction until they write.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A statement that may be sent outside a transaction: a SELECT that takes no lock, calls no
# function that changes anything and creates nothing. Anything else, or a server-side cursor
# (DECLARE needs a transaction), opens the transaction first.
_PLAIN_READ = re.compile(r"\s*SELECT\b", re.IGNORECASE)
_NOT_PLAIN = re.compile(
    r"\bFOR\s+(?:NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b|\bINTO\b"
    r"|\b(?:nextval|setval|pg_advisory\w*|pg_try_advisory\w*|pg_notify|set_config)\s*\(",
    re.IGNORECASE,
)


_READS_OUTSIDE = "reads_outside_transaction"  # pool record info: autocommit is ours, until a write


def _read_outside_transaction(dbapi_connection, record, _proxy) -> None:
    """Lend a connection to a GET, HEAD or OPTIONS request in autocommit mode.

    A request that only reads then costs its own statements and nothing else: no BEGIN before
    the first and no ROLLBACK at the end, two of the cheapest API read's four round trips.
    Its first statement that is not a plain read (_write_in_transaction) opens the transaction
    as before. Under READ COMMITTED, PostgreSQL's level here, a statement in a transaction sees
    what was committed when it started, as one outside does; so the reads before a write see
    what they saw before, and locks, writes and what follows them are in one transaction.
    """
    if has_request_context() and request.method in SAFE_METHODS:
        dbapi_connection.autocommit = True
        record.info[_READS_OUTSIDE] = True


def _write_in_transaction(conn, cursor, statement, _parameters, _context, _executemany) -> None:
    """Before the first statement that is not a plain read, leave autocommit mode: the driver
    then sends BEGIN with it, and the caller commits or the pool rolls back, as always. Only
    the autocommit _read_outside_transaction set is left: one asked for (isolation_level
    "AUTOCOMMIT", as VACUUM needs) stays."""
    connection = cursor.connection
    if not connection.autocommit or not conn.info.get(_READS_OUTSIDE):
        return
    if "isolation_level" in conn.get_execution_options():
        return
    if (
        _PLAIN_READ.match(statement)
        and not _NOT_PLAIN.search(statement)
        and not isinstance(cursor, psycopg.ServerCursor)
    ):
        return
    connection.autocommit = False


def _back_to_transactions(dbapi_connection, record) -> None:
    """A connection goes back to the pool in the driver's own mode (a transaction per use)."""
    if record.info.pop(_READS_OUTSIDE, False) and dbapi_connection is not None and dbapi_connection.autocommit:
        dbapi_connection.autocommit = False


def configure_engine(engine: Engine) -> None:
    """Install the SQLite transaction fixes. On PostgreSQL, check connections that sat idle,
    and let requests that only look read outside a transaction until they write."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
    else:
        event.listen(engine, "connect", _note_idle_since)
        event.listen(engine, "checkin", _back_to_transactions)
        event.listen(engine, "checkin", _note_idle_since)
        event.listen(engine, "checkout", _ping_if_idle)
        event.listen(engine, "checkout", _read_outside_transaction)
        event.listen(engine, "before_cursor_execute", _write_in_transaction)


# SpatiaLite's and PostGIS's own bookkeeping tables are not ours to create or drop.
SPATIAL_INTERNAL_TABLES = {
    "data_licenses",
    "sql_statements_log",
    "SpatialIndex",
    "ElementaryGeometries",
    "KNN",
    "KNN2",
    "spatialite_history",
}
SPATIAL_INTERNAL_PREFIXES = (
    "idx_",
    "virts_",
    "views_",
    "geometry_columns",
    "spatial_ref_sys",
    "vector_layers",
    "geom_cols_ref_sys",
    "spatialite_",
    "sqlite_",
)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic filter: our tables only, and GeoAlchemy2's rules for spatial indexes."""
    if type_ == "table" and (
        name in SPATIAL_INTERNAL_TABLES or name.startswith(SPATIAL_INTERNAL_PREFIXES)
    ):
        return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)
