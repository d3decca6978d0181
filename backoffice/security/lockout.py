"""Account lockout: after LOCKOUT_THRESHOLD failed sign-ins the account waits LOCKOUT_MINUTES."""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from ..audit import record
from ..database import begin_write
from ..extensions import db
from ..localtime import utcnow
from ..models import AgencyUser
from .mfa import security_row


def queue_sign_in(user) -> None:
    """Before a sign-in writes: wait for the account's other sign-ins to finish.

    The write transaction begins (database.begin_write) and takes the user's row first, so
    every sign-in of one account changes its counters, lock, one-time-code step and audit
    trail in the same order, one after the other (on PostgreSQL a different order deadlocked).
    """
    begin_write(db.session)
    db.session.execute(select(AgencyUser.id).where(AgencyUser.id == user.id).with_for_update())


def is_locked(user) -> bool:
    """True while the lock runs; an expired lock is cleared (with the failure count)."""
    row = security_row(user.id)
    if row is None or row.locked_until is None:
        return False
    if row.locked_until > utcnow():
        return True
    queue_sign_in(user)
    row = security_row(user.id, create=True)  # the row read above, read again in the write
    row.locked_until = None
    user.fail_login_count = 0
    return False


def locked_until(user) -> datetime | None:
    """When the current lock ends, or None."""
    row = security_row(user.id)
    return row.locked_until if row and row.locked_until else None


def lock_if_too_many_failures(user) -> bool:
    """Lock the account once the failure count reaches the threshold; True when locked now."""
    threshold = current_app.config.get("LOCKOUT_THRESHOLD", 5)
    if (user.fail_login_count or 0) < threshold:
        return False
    row = security_row(user.id, create=True)
    minutes = current_app.config.get("LOCKOUT_MINUTES", 10)
    row.locked_until = utcnow() + timedelta(minutes=minutes)
    record("account_locked", user=user, object_type="user", object_id=user.id,
           detail={"failed_attempts": user.fail_login_count, "minutes": minutes})
    return True


def unlock(user, by=None) -> None:
    """Clear a lock and the failure count (Admin action)."""
    row = security_row(user.id)
    if row is not None:
        row.locked_until = None
    user.fail_login_count = 0
    record("account_unlocked", user=by, object_type="user", object_id=user.id,
           detail={"username": user.username})


def unlock_accounts(users, by) -> int:
    """Unlock several accounts in one transaction; returns how many."""
    for user in users:
        unlock(user, by=by)
    db.session.commit()
    return len(users)
