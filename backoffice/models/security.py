"""Account security state kept beside FAB's user table: lockout and second factor."""
from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import ForeignKey, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Instant


class UserSecurity(Model):
    """One row per user who was ever locked out or enrolled a second factor."""

    __tablename__ = "user_security"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True
    )
    locked_until: Mapped[datetime | None] = mapped_column(Instant)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(Instant)
    # The last time step whose code was accepted (0: none yet); codes of it and earlier steps
    # are refused. Moved forward only by one conditional UPDATE (backoffice.security.mfa).
    totp_last_step: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                                server_default=text("0"))


class RecoveryCode(Model):
    """A one-time recovery code, stored hashed; used_at is set when it is spent."""

    __tablename__ = "mfa_recovery_code"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    code_hash: Mapped[str] = mapped_column(String(256), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(Instant)
