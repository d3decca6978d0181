"""How a command starts its transaction so that concurrent writers queue instead of failing."""
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import text

from backoffice.extensions import db


def begin_command(lock_request_id: int | None = None) -> None:
    """End whatever the caller read, then take the write locks the command will need first.

    SQLite lets one writer in at a time and refuses (does not wait) when a transaction that has
    already read tries to write after someone else committed; taking the write lock with the
    transaction's first statement makes it wait its turn instead (busy timeout). PostgreSQL
    locks the request's row, so a second trigger on it waits and then sees the new version.
    """
    db.session.commit()
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(text("UPDATE audit_head SET count = count WHERE id = 1"))
    elif lock_request_id is not None:
        db.session.execute(
            text("SELECT id FROM footage_request WHERE id = :id FOR UPDATE"), {"id": lock_request_id}
        )


@contextmanager
def command(lock_request_id: int | None = None) -> Iterator[None]:
    """A command's transaction: locks first, commit on success, roll back on any refusal or error."""
    try:
        begin_command(lock_request_id)
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
