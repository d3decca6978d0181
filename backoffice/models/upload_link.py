"""Single-use links that let an owner upload requested footage themselves."""
from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Instant, utcnow
from .case import FootageRequest


class UploadLink(Model):
    """One emailed upload link; `used_at` makes it single-use."""

    __tablename__ = "upload_link"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    footage_request_id: Mapped[int] = mapped_column(
        ForeignKey("footage_request.id"), nullable=False, index=True
    )
    nonce: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(
        Instant, default=utcnow, nullable=False
    )
    expires_at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(Instant)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    outbox_message_id: Mapped[int | None] = mapped_column(Integer)  # the e-mail that carries it

    footage_request: Mapped[FootageRequest] = relationship()
