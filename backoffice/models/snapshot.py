"""A still picture of what a camera sees, attached by its owner or by Registry Staff."""
from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from .base import Instant, utcnow
from .registry import Camera


class CameraSnapshot(Model):
    """The picture kept for one camera: a re-encoded JPEG and its thumbnail in SNAPSHOT_DIR.

    The files are named by `stored_name` (generated, never what the uploader called them);
    the row and the files come and go together (backoffice.snapshots)."""

    __tablename__ = "camera_snapshot"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[int] = mapped_column(
        ForeignKey("camera.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    stored_name: Mapped[str] = mapped_column(String(64), nullable=False)
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    # "owner" (through the portal) or "staff"; the staff member is named in the audit log.
    added_by: Mapped[str] = mapped_column(String(16), nullable=False)
    added_at: Mapped[datetime] = mapped_column(Instant, default=utcnow, nullable=False)

    camera: Mapped[Camera] = relationship(
        backref=backref("snapshot", uselist=False, cascade="all, delete-orphan")
    )
