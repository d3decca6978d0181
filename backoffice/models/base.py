"""Shared column helpers for the registry models."""
from datetime import datetime, timezone

from sqlalchemy import DateTime
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from ..localtime import localize_leniently, parse_instant, to_utc, utcnow

__all__ = ["Instant", "TimestampMixin", "utcnow"]


class Instant(TypeDecorator):
    """A moment in time, stored in UTC and always read back timezone-aware UTC.

    PostgreSQL keeps it as `timestamptz`; SQLite (no time zone type) as naive UTC text, which
    is why values are converted on the way in and tagged on the way out. A naive value bound in
    a query (a list filter, say) is county wall-clock time (backoffice.localtime).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):
            value = parse_instant(value, fold=0)
        if value.tzinfo is None:
            value = localize_leniently(value)
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        return None if value is None else to_utc(value)

    @property
    def python_type(self):
        return datetime


class TimestampMixin:
    """created_at / updated_at maintained by the ORM."""

    created_at: Mapped[datetime] = mapped_column(Instant, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        Instant, default=utcnow, onupdate=utcnow, nullable=False
    )
