"""Area requests: one investigator's question to every registered owner around a scene."""
from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Instant, utcnow
from .case import Case, FootageRequest
from .agency import AgencyUser
from .registry import Registration

AREA_ANSWERS = ("footage", "nothing", "not_covered", "contact_me")
AREA_CHANNELS = ("email", "follow_up")  # follow_up: no e-mail address, by phone or at the door
AREA_REACHED_BY = ("phone", "visit")  # how staff reached an owner whose answer they recorded


class AreaRequest(Model):
    """Asked of the owners of the premises a canvass returned, with one description and window;
    it closes at the last footage deadline of its premises."""

    __tablename__ = "area_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), nullable=False, index=True)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    window_from: Mapped[datetime] = mapped_column(Instant, nullable=False)
    window_to: Mapped[datetime] = mapped_column(Instant, nullable=False)
    closes_at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(Instant)
    created_at: Mapped[datetime] = mapped_column(Instant, default=utcnow, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))

    case: Mapped[Case] = relationship()
    recipients: Mapped[list["AreaRecipient"]] = relationship(
        back_populates="area_request", order_by="AreaRecipient.id"
    )


class AreaRecipient(Model):
    """One premises asked: by e-mail with a single-use link (`nonce`), or listed for follow-up."""

    __tablename__ = "area_recipient"
    __table_args__ = (
        UniqueConstraint("area_request_id", "registration_id", name="uq_area_recipient_premises"),
        UniqueConstraint("nonce", name="uq_area_recipient_nonce"),
        # A premises is asked once for a case while an area request of it is open: open_case_id is
        # the case's id until the request closes (then NULL), so two askers at once cannot both send.
        UniqueConstraint("open_case_id", "registration_id", name="uq_area_recipient_open_premises"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area_request_id: Mapped[int] = mapped_column(ForeignKey("area_request.id"), nullable=False, index=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id"), nullable=False, index=True)
    channel: Mapped[str] = mapped_column(String(12), nullable=False)
    nonce: Mapped[str | None] = mapped_column(String(64))
    deadline: Mapped[datetime] = mapped_column(Instant, nullable=False)  # footage overwritten from then
    expires_at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    asked_at: Mapped[datetime] = mapped_column(Instant, default=utcnow, nullable=False)
    reminded_at: Mapped[datetime | None] = mapped_column(Instant)
    answer: Mapped[str | None] = mapped_column(String(16))
    answered_at: Mapped[datetime | None] = mapped_column(Instant)
    footage_request_id: Mapped[int | None] = mapped_column(ForeignKey("footage_request.id"))
    outbox_message_id: Mapped[int | None] = mapped_column(Integer)  # the request's e-mail
    open_case_id: Mapped[int | None] = mapped_column(Integer)  # the case while the request is open
    # An answer given by phone or at the door and recorded by staff (None: through the link).
    reached_by: Mapped[str | None] = mapped_column(String(12))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))

    area_request: Mapped[AreaRequest] = relationship(back_populates="recipients")
    registration: Mapped[Registration] = relationship()
    footage_request: Mapped[FootageRequest | None] = relationship()
    recorded_by: Mapped[AgencyUser | None] = relationship()
