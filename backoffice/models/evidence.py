"""Collected copies of footage and their chain of custody."""
from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .agency import AgencyUser
from .base import Instant, utcnow
from .case import FootageRequest

CUSTODY_ACTIONS = ("collected", "transferred", "checked_out", "checked_in", "released", "disposed")


class EvidenceItem(Model):
    """One collected copy of footage; never modified after intake."""

    __tablename__ = "evidence_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    footage_request_id: Mapped[int] = mapped_column(
        ForeignKey("footage_request.id"), nullable=False, index=True
    )
    description: Mapped[str] = mapped_column(Text, nullable=False)
    file_name: Mapped[str] = mapped_column(String(255), nullable=False)
    size_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    collected_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    collected_at: Mapped[datetime] = mapped_column(
        Instant, default=utcnow, nullable=False
    )
    storage_location: Mapped[str] = mapped_column(String(500), nullable=False)
    clock_offset_s: Mapped[int | None] = mapped_column(Integer)
    # Disposed of under the retention policy (workflows.disposition): the stored copy is gone,
    # the row and its custody log stay.
    disposed_at: Mapped[datetime | None] = mapped_column(Instant)
    disposal_reason: Mapped[str | None] = mapped_column(Text)

    footage_request: Mapped[FootageRequest] = relationship(lazy="joined")
    collected_by: Mapped[AgencyUser | None] = relationship()
    custody_log: Mapped[list["CustodyEvent"]] = relationship(
        back_populates="evidence_item", order_by="(CustodyEvent.at, CustodyEvent.id)"
    )  # by time, then as recorded: the same order as workflows.custody.chain and its report

    def __repr__(self) -> str:
        return self.file_name


class CustodyEvent(Model):
    """A link in an evidence item's chain of custody."""

    __tablename__ = "custody_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evidence_item_id: Mapped[int] = mapped_column(
        ForeignKey("evidence_item.id"), nullable=False, index=True
    )
    action: Mapped[str] = mapped_column(String(20), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    at: Mapped[datetime] = mapped_column(Instant, default=utcnow, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)

    evidence_item: Mapped[EvidenceItem] = relationship(back_populates="custody_log")
    actor: Mapped[AgencyUser | None] = relationship()
