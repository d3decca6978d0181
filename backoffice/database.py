"""Engine set-up that makes SQLite behave like the production database."""
from sqlalchemy import event
from sqlalchemy.engine import Engine


def _sqlite_on_connect(dbapi_connection, _record) -> None:
    """Let SQLAlchemy, not the driver, open transactions; enforce foreign keys."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _sqlite_on_begin(connection) -> None:
    """Emit BEGIN ourselves so SAVEPOINTs and transactional DDL work (pysqlite defers it)."""
    connection.exec_driver_sql("BEGIN")


def configure_engine(engine: Engine) -> None:
    """Install the SQLite transaction fixes; PostgreSQL needs none."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
