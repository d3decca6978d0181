"""The outbox: every e-mail the registry sends, written with the change that causes it."""
from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from .base import Instant

OUTBOX_STATUSES = ("queued", "sent", "failing", "given_up", "cancelled")


class OutboxMessage(Model):
    """One e-mail: queued in the transaction of its cause, then delivered (with retries) by a sender.

    The Message-ID is fixed when the row is written and sent with every attempt, so a retry
    after an uncertain failure is the same message to the recipient, not a second one.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (
        UniqueConstraint("message_id", name="uq_outbox_message_message_id"),
        Index("ix_outbox_message_due", "status", "next_attempt_at"),
        Index("ix_outbox_message_about", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    to_address: Mapped[str] = mapped_column(String(320), nullable=False)
    subject: Mapped[str] = mapped_column(String(300), nullable=False)
    body_text: Mapped[str] = mapped_column(Text, nullable=False)
    body_html: Mapped[str | None] = mapped_column(Text)
    attachment: Mapped[str | None] = mapped_column(String(40))  # rebuilt at sending, e.g. "receipt"
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="queued")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_error: Mapped[str | None] = mapped_column(String(120))  # exception class and SMTP code only
    next_attempt_at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    created_at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(Instant)
    claimed_until: Mapped[datetime | None] = mapped_column(Instant)
    # The recipient's personal data was removed while the message was still to be sent: its
    # address and text go as soon as it is finished (sent, given up or cancelled).
    forget_when_done: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                                   server_default=false())
