"""Second factor: TOTP (RFC 6238) with pyotp, and one-time recovery codes stored hashed."""
import hashlib
import hmac
import secrets
from typing import Literal, overload
import time
from datetime import datetime, timezone

import pyotp
import segno
from flask import current_app
from sqlalchemy import select, update

from ..audit import record
from ..extensions import db
from ..localtime import utcnow
from ..models import RecoveryCode, UserSecurity

# Every role that can sign in to the backoffice reaches law-enforcement or owner data.
# By role name, not an ability (backoffice.security.roles): the second factor is a floor under
# the account, decided at sign-in before any permission is used, and must not come and go with
# the permissions an administrator edits on a role in the database.
ROLES_NEEDING_MFA = {"Admin", "Registry Staff", "Investigator", "Supervisor", "Auditor"}
RECOVERY_CODES = 10
STEP_S = 30


def mfa_required_for(user) -> bool:
    """True when MFA_REQUIRED is on and the user's role needs a second factor, and always
    for a user who set up an authenticator (also in demo mode)."""
    if current_app.config.get("MFA_REQUIRED", True) and any(
        role.name in ROLES_NEEDING_MFA for role in getattr(user, "roles", [])
    ):
        return True
    return is_enrolled(user)


@overload
def security_row(user_id: int, create: Literal[True]) -> UserSecurity: ...
@overload
def security_row(user_id: int, create: bool = False) -> UserSecurity | None: ...
def security_row(user_id: int, create: bool = False) -> UserSecurity | None:
    """The user's lockout/second-factor row (created on demand)."""
    row = db.session.get(UserSecurity, user_id)
    if row is None and create:
        row = UserSecurity(user_id=user_id)
        db.session.add(row)
        db.session.flush()
    return row


def is_enrolled(user) -> bool:
    """True once the user has confirmed a TOTP authenticator."""
    row = security_row(user.id)
    return bool(row and row.totp_secret and row.totp_enabled_at)


def new_secret() -> str:
    """A fresh base32 TOTP secret."""
    return pyotp.random_base32()


def provisioning_uri(user, secret: str) -> str:
    """otpauth:// URI for authenticator apps."""
    issuer = current_app.config.get("APP_NAME", "Camera Registry")
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The URI as an inline SVG QR code (no external image, no script)."""
    return segno.make(uri, error="m").svg_inline(scale=5, border=2)


def _matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step (±1 for clock drift) whose code equals `code`, or None."""
    totp = pyotp.TOTP(secret)
    now = time.time() if now is None else now
    for offset in (0, -1, 1):
        at = now + offset * STEP_S
        if hmac.compare_digest(totp.at(at), code):
            return totp.timecode(datetime.fromtimestamp(at, timezone.utc))
    return None


def _normalise(code: str | None) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def verify_setup_code(secret: str, code: str | None) -> int | None:
    """The time step of a code that proves the authenticator holds `secret`, or None."""
    code = _normalise(code)
    if len(code) != 6 or not code.isdigit():
        return None
    return _matching_step(secret, code)


def _recovery_hash(code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, _normalise(code).encode(), hashlib.sha256).hexdigest()


def enable(user, secret: str, used_step: int | None = None) -> list[str]:
    """Store a confirmed secret, replace the recovery codes; returns the new codes once."""
    row = security_row(user.id, create=True)
    row.totp_secret = secret
    row.totp_enabled_at = utcnow()
    row.totp_last_step = used_step or 0
    codes = new_recovery_codes(user)
    record("mfa_enrolled", user=user, object_type="user", object_id=user.id)
    return codes


def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes; the plain codes are shown once and never stored."""
    for old in db.session.execute(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).scalars():
        db.session.delete(old)
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(c)) for c in codes)
    db.session.flush()
    return codes


def reset(user, by=None) -> None:
    """Remove the second factor (an admin action when a phone is lost)."""
    row = security_row(user.id)
    if row is not None:
        row.totp_secret = row.totp_enabled_at = None
        row.totp_last_step = 0
    for old in db.session.execute(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).scalars():
        db.session.delete(old)
    record("mfa_reset", user=by, object_type="user", object_id=user.id,
           detail={"username": user.username})


def _use_step(user_id: int, step: int) -> bool:
    """Move the user's last used time step forward to `step`; False when it is there already.

    One conditional UPDATE, so of several sign-ins with the same code exactly one moves it
    (the others wait for its row lock, then find the condition false), and a code of an
    earlier step than one already used is refused too.
    """
    result = db.session.execute(
        update(UserSecurity)
        .where(UserSecurity.user_id == user_id, UserSecurity.totp_last_step < step)
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    row = db.session.identity_map.get(db.session.identity_key(UserSecurity, user_id))
    if row is not None:
        db.session.expire(row, ["totp_last_step"])
    return result.rowcount == 1


def check_code(user, code: str | None) -> bool:
    """A current TOTP code (each time step usable once) or an unused recovery code.

    Writes: callers begin the sign-in's write transaction first (database.begin_write).
    """
    row = security_row(user.id)
    if row is None or not row.totp_secret:
        return False
    code = _normalise(code)
    if len(code) == 6 and code.isdigit():
        step = _matching_step(row.totp_secret, code)
        return step is not None and _use_step(user.id, step)
    if len(code) == 12:
        # Spent by one conditional UPDATE as well: a recovery code works once, even twice at once.
        spent = db.session.execute(
            update(RecoveryCode)
            .where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == _recovery_hash(code),
                RecoveryCode.used_at.is_(None),
            )
            .values(used_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if spent.rowcount == 1:
            record("mfa_recovery_code_used", user=user, object_type="user", object_id=user.id)
            return True
    return False


def reset_accounts(users, by) -> int:
    """Remove the second factor of several accounts in one transaction; returns how many."""
    for user in users:
        reset(user, by=by)
    db.session.commit()
    return len(users)
