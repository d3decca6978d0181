"""What the owner declares when they upload footage, bound to the file's SHA-256; write-once."""
import hashlib
import json
from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Integer, String, Text, event
from sqlalchemy.orm import Mapped, backref, mapped_column, object_session, relationship

from .base import Instant, utcnow
from .evidence import EvidenceItem

# The table's triggers refuse UPDATE and DELETE with this message (migration 0020).
WRITE_ONCE_MESSAGE = "owner declarations are write-once"


class DeclarationWriteOnce(RuntimeError):
    """A stored owner declaration was about to be changed or deleted."""


class OwnerDeclaration(Model):
    """The owner's statements about one uploaded copy: what the recorder's clock showed and
    when, that the file is an unaltered copy, and the consent scope, as the words they were
    shown, with a digest over those words and the file's SHA-256."""

    __tablename__ = "owner_declaration"
    __table_args__ = (
        CheckConstraint("unaltered_copy", name="ck_owner_declaration_unaltered"),
        CheckConstraint("consent_scope IN ('evidence_only', 'media_release')", name="ck_owner_declaration_scope"),
        CheckConstraint("no_clock OR recorder_reading IS NOT NULL", name="ck_owner_declaration_clock"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evidence_item_id: Mapped[int] = mapped_column(ForeignKey("evidence_item.id"), nullable=False, unique=True)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)  # the file's, as declared on
    # The recorder's clock: what the owner typed, read as a wall-clock time ("YYYY-MM-DDTHH:MM:SS"),
    # or no_clock when the recorder shows none.
    no_clock: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    reading_typed: Mapped[str | None] = mapped_column(String(40))
    recorder_reading: Mapped[str | None] = mapped_column(String(19))
    # When it was read, in true time: the server's clock at the request, less the time the
    # browser measured between the reading and sending the form (raw: both browser times, ms).
    browser_read_ms: Mapped[int | None] = mapped_column(BigInteger)
    browser_sent_ms: Mapped[int | None] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    read_at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    read_at_source: Mapped[str] = mapped_column(String(10), nullable=False)  # "browser" / "server"
    clock_offset_s: Mapped[int | None] = mapped_column(Integer)  # recorder − county time, seconds
    unaltered_copy: Mapped[bool] = mapped_column(Boolean, nullable=False)
    consent_scope: Mapped[str] = mapped_column(String(20), nullable=False)
    language: Mapped[str] = mapped_column(String(8), nullable=False)
    statement: Mapped[str] = mapped_column(Text, nullable=False)  # the exact words declared
    declared_at: Mapped[datetime] = mapped_column(Instant, default=utcnow, nullable=False)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)

    # passive_deletes="all": deleting the item never touches its declaration (the ORM would
    # otherwise clear the link); the database's foreign key refuses the delete instead.
    evidence_item: Mapped[EvidenceItem] = relationship(
        backref=backref("owner_declaration", uselist=False, passive_deletes="all")
    )

    def digest_input(self) -> bytes:
        """The canonical bytes the digest covers: the declared words, the facts behind them and
        the file's SHA-256 (JSON, keys sorted, UTF-8)."""
        facts = {
            "sha256": self.sha256,
            "statement": self.statement,
            "language": self.language,
            "no_clock": bool(self.no_clock),
            "recorder_reading": self.recorder_reading,
            "read_at": self.read_at.isoformat() if self.read_at else None,
            "clock_offset_s": self.clock_offset_s,
            "unaltered_copy": bool(self.unaltered_copy),
            "consent_scope": self.consent_scope,
        }
        return json.dumps(facts, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()

    def compute_digest(self) -> str:
        """SHA-256 of digest_input(), hex."""
        return hashlib.sha256(self.digest_input()).hexdigest()

    def __repr__(self) -> str:
        return f"declaration for evidence item {self.evidence_item_id}"


@event.listens_for(OwnerDeclaration, "before_update")
def _refuse_update(_mapper, _connection, target: OwnerDeclaration) -> None:
    session = object_session(target)
    if session is not None and not session.is_modified(target, include_collections=False):
        return  # flagged dirty, nothing changed
    raise DeclarationWriteOnce(f"{WRITE_ONCE_MESSAGE}: declaration {target.id} cannot be changed")


@event.listens_for(OwnerDeclaration, "before_delete")
def _refuse_delete(_mapper, _connection, target: OwnerDeclaration) -> None:
    raise DeclarationWriteOnce(f"{WRITE_ONCE_MESSAGE}: declaration {target.id} cannot be deleted")
