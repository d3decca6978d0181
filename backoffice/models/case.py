"""Cases and the footage requests investigators open for them."""
from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..domain import REQUEST_STATES
from .agency import Agency, AgencyUser
from .base import Instant, TimestampMixin, utcnow
from .geo import LocatedMixin, point_column
from .registry import Camera, Registration
from .validation import FieldError


class Case(TimestampMixin, LocatedMixin, Model):
    """An investigation of one agency, with where and when the incident happened."""

    __tablename__ = "case"
    __table_args__ = (UniqueConstraint("agency_id", "case_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False, index=True)
    case_number: Mapped[str] = mapped_column(String(40), nullable=False)
    incident_type: Mapped[str] = mapped_column(String(60), nullable=False)
    location = point_column()
    address: Mapped[str | None] = mapped_column(String(300))  # where it happened, in words
    occurred_from: Mapped[datetime] = mapped_column(Instant, nullable=False)
    occurred_to: Mapped[datetime] = mapped_column(Instant, nullable=False)
    summary: Mapped[str | None] = mapped_column(Text)
    lead_investigator_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    # A legal hold keeps every evidence item of the case past its retention (workflows.disposition).
    legal_hold: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                             server_default=false())
    legal_hold_reason: Mapped[str | None] = mapped_column(Text)
    legal_hold_at: Mapped[datetime | None] = mapped_column(Instant)

    agency: Mapped[Agency] = relationship(lazy="joined")
    lead_investigator: Mapped[AgencyUser | None] = relationship(lazy="joined")
    footage_requests: Mapped[list["FootageRequest"]] = relationship(back_populates="case")

    @validates("case_number", "incident_type")
    def _check_required(self, key, value):
        value = (value or "").strip()
        if not value:
            raise FieldError(key, "is required")
        return value

    def __repr__(self) -> str:
        return self.case_number


footage_request_camera = Table(
    "footage_request_camera",
    Model.metadata,
    Column("footage_request_id", ForeignKey("footage_request.id"), primary_key=True),
    Column("camera_id", ForeignKey("camera.id"), primary_key=True),
)


class FootageRequest(TimestampMixin, Model):
    """A request for one registration's footage for one case, moved by the workflow."""

    __tablename__ = "footage_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), nullable=False, index=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id"), nullable=False, index=True
    )
    window_from: Mapped[datetime] = mapped_column(Instant, nullable=False)
    window_to: Mapped[datetime] = mapped_column(Instant, nullable=False)
    state: Mapped[str] = mapped_column(String(20), nullable=False, default="open", index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"), index=True)
    deadline: Mapped[datetime | None] = mapped_column(Instant, index=True)
    consent_given_by: Mapped[str | None] = mapped_column(String(200))
    consent_method: Mapped[str | None] = mapped_column(String(40))
    consent_scope: Mapped[str | None] = mapped_column(String(20))
    consent_at: Mapped[datetime | None] = mapped_column(Instant)
    release_kind: Mapped[str | None] = mapped_column(String(20))
    release_basis: Mapped[str | None] = mapped_column(Text)
    release_requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    release_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    release_decision: Mapped[str | None] = mapped_column(String(20))
    release_decided_at: Mapped[datetime | None] = mapped_column(Instant)
    court_order_ref: Mapped[str | None] = mapped_column(String(100))
    receipt_issued_at: Mapped[datetime | None] = mapped_column(Instant)
    # The deadline an assignee was last reminded of: `flask workflow remind` sends once per deadline.
    reminded_deadline: Mapped[datetime | None] = mapped_column(Instant)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))

    case: Mapped[Case] = relationship(back_populates="footage_requests", lazy="joined")
    registration: Mapped[Registration] = relationship(lazy="joined")
    cameras: Mapped[list[Camera]] = relationship(secondary=footage_request_camera)
    assignee: Mapped[AgencyUser | None] = relationship(foreign_keys=[assignee_id])
    release_requested_by: Mapped[AgencyUser | None] = relationship(
        foreign_keys=[release_requested_by_id]
    )
    release_decided_by: Mapped[AgencyUser | None] = relationship(
        foreign_keys=[release_decided_by_id]
    )
    contact_attempts: Mapped[list["ContactAttempt"]] = relationship(
        back_populates="footage_request", order_by="ContactAttempt.at"
    )
    history: Mapped[list["RequestTransition"]] = relationship(
        back_populates="footage_request",
        order_by=lambda: [RequestTransition.at, RequestTransition.id],  # true instant, then as written
    )

    @validates("state")
    def _check_state(self, _key, value):
        if value not in REQUEST_STATES:
            raise FieldError("state", f"unknown state {value!r}")
        return value

    @property
    def camera_ids(self) -> list[int]:
        """Ids of the cameras asked for."""
        return [camera.id for camera in self.cameras]

    def __repr__(self) -> str:
        return f"Request #{self.id}"


class ContactAttempt(Model):
    """One attempt to reach the owner about a footage request."""

    __tablename__ = "contact_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    footage_request_id: Mapped[int] = mapped_column(
        ForeignKey("footage_request.id"), nullable=False, index=True
    )
    method: Mapped[str] = mapped_column(String(20), nullable=False)
    at: Mapped[datetime] = mapped_column(Instant, default=utcnow, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))

    footage_request: Mapped[FootageRequest] = relationship(back_populates="contact_attempts")


class RequestTransition(Model):
    """History of a footage request: every state change, who made it and why."""

    __tablename__ = "request_transition"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    footage_request_id: Mapped[int] = mapped_column(
        ForeignKey("footage_request.id"), nullable=False, index=True
    )
    from_state: Mapped[str] = mapped_column(String(20), nullable=False)
    to_state: Mapped[str] = mapped_column(String(20), nullable=False)
    trigger: Mapped[str] = mapped_column(String(30), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    at: Mapped[datetime] = mapped_column(Instant, default=utcnow, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)

    footage_request: Mapped[FootageRequest] = relationship(back_populates="history")
    actor: Mapped[AgencyUser | None] = relationship()


class RetentionRule(Model):
    """How long evidence of one incident type is kept after the case's requests are closed
    (days); incident types without a rule keep it DEFAULT_RETENTION_DAYS (a setting)."""

    __tablename__ = "retention_rule"

    incident_type: Mapped[str] = mapped_column(String(60), primary_key=True)
    retain_days: Mapped[int] = mapped_column(Integer, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)

    @validates("incident_type")
    def _incident_type(self, _key, value: str) -> str:
        value = (value or "").strip().lower()
        if not value:
            raise FieldError("incident_type", "Give the incident type the rule is for.")
        return value

    @validates("retain_days")
    def _retain_days(self, _key, value) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 36500:
            raise FieldError("retain_days", "Keep evidence between 1 and 36,500 days (100 years).")
        return value

    def __repr__(self) -> str:
        return f"{self.incident_type}: {self.retain_days} days"
