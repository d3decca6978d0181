"""Owners, their registered premises, and the cameras at each premises."""
from datetime import date, datetime

from flask_appbuilder import Model
from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, event, select
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..domain import REGISTRATION_STATUSES
from .base import Instant, TimestampMixin
from .geo import LocatedMixin, point_column
from .validation import (
    CONTACT_METHODS,
    OWNER_KINDS,
    RECORDING_MODES,
    SYSTEM_TYPES,
    FieldError,
    check_choice,
    check_direction,
    check_email,
    check_fov,
    check_phone,
    check_postal_code,
    check_range_m,
    check_retention,
    check_state,
)


class Owner(TimestampMixin, Model):
    """A resident or business that registered cameras. Contact details are confidential."""

    __tablename__ = "owner"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="resident")
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    organisation: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    preferred_contact: Mapped[str] = mapped_column(String(16), nullable=False, default="email")
    language: Mapped[str] = mapped_column(String(8), nullable=False, default="en")

    registrations: Mapped[list["Registration"]] = relationship(
        back_populates="owner", cascade="all, delete-orphan"
    )

    @validates("kind")
    def _check_kind(self, _key, value):
        return check_choice("kind", value, OWNER_KINDS)

    @validates("preferred_contact")
    def _check_contact(self, _key, value):
        return check_choice("preferred_contact", value, CONTACT_METHODS)

    @validates("email")
    def _check_email(self, _key, value):
        return check_email(value)

    @validates("phone")
    def _check_phone(self, _key, value):
        return check_phone(value)

    @validates("name")
    def _check_name(self, _key, value):
        value = (value or "").strip()
        if not value:
            raise FieldError("name", "is required")
        return value

    def __repr__(self) -> str:
        return self.organisation or self.name


class Registration(TimestampMixin, LocatedMixin, Model):
    """One premises of one owner, with its confirmation schedule."""

    __tablename__ = "registration"
    __table_args__ = (
        Index("ix_registration_status_due", "status", "next_confirmation_due"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owner.id"), nullable=False, index=True)
    address: Mapped[str] = mapped_column(String(300), nullable=False)
    city: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    state: Mapped[str] = mapped_column(String(2), nullable=False, default="CA")
    postal_code: Mapped[str | None] = mapped_column(String(10))
    location = point_column()
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    terms_version: Mapped[str | None] = mapped_column(String(20))
    registered_at: Mapped[datetime | None] = mapped_column(Instant)
    last_confirmed_at: Mapped[datetime | None] = mapped_column(Instant)
    next_confirmation_due: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)

    owner: Mapped[Owner] = relationship(back_populates="registrations", lazy="joined")
    cameras: Mapped[list["Camera"]] = relationship(
        back_populates="registration", cascade="all, delete-orphan"
    )

    @validates("status")
    def _check_status(self, _key, value):
        return check_choice("status", value, REGISTRATION_STATUSES)

    @validates("state")
    def _check_state(self, _key, value):
        return check_state(value, required=True)

    @validates("postal_code")
    def _check_postal_code(self, _key, value):
        return check_postal_code(value)

    @validates("address", "city")
    def _check_required(self, key, value):
        value = (value or "").strip()
        if not value:
            raise FieldError(key, "is required")
        return value

    def __repr__(self) -> str:
        return f"{self.address}, {self.city}"


class Camera(TimestampMixin, LocatedMixin, Model):
    """A camera at a registered premises, with where it looks and how long it keeps footage."""

    __tablename__ = "camera"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id"), nullable=False, index=True
    )
    label: Mapped[str] = mapped_column(String(100), nullable=False)
    location = point_column()
    direction_deg: Mapped[int | None] = mapped_column(Integer)
    fov_deg: Mapped[int] = mapped_column(Integer, nullable=False, default=90)
    range_m: Mapped[int] = mapped_column(Integer, nullable=False, default=30)
    retention_days: Mapped[int] = mapped_column(Integer, nullable=False, default=14)
    recording_mode: Mapped[str] = mapped_column(String(16), nullable=False, default="continuous")
    system_type: Mapped[str] = mapped_column(String(20), nullable=False, default="dvr_nvr")
    make_model: Mapped[str | None] = mapped_column(String(100))
    overlooks: Mapped[str | None] = mapped_column(String(300))

    registration: Mapped[Registration] = relationship(back_populates="cameras", lazy="joined")

    @validates("direction_deg")
    def _check_direction(self, _key, value):
        return check_direction(value)

    @validates("fov_deg")
    def _check_fov(self, _key, value):
        return check_fov(value)

    @validates("range_m")
    def _check_range_m(self, _key, value):
        return check_range_m(value)

    @validates("retention_days")
    def _check_retention(self, _key, value):
        return check_retention(value)

    @validates("recording_mode")
    def _check_mode(self, _key, value):
        return check_choice("recording_mode", value, RECORDING_MODES)

    @validates("system_type")
    def _check_system(self, _key, value):
        return check_choice("system_type", value, SYSTEM_TYPES)

    @validates("label")
    def _check_label(self, _key, value):
        value = (value or "").strip()
        if not value:
            raise FieldError("label", "is required")
        return value

    def __repr__(self) -> str:
        return self.label

    def _set_coordinate(self, index: int, value) -> None:
        """As LocatedMixin; clearing both latitude and longitude puts the camera back at its
        premises (the location is filled in when the change is written)."""
        if value is None or (isinstance(value, str) and not value.strip()):
            cleared = self.__dict__.setdefault("_cleared_latlon", set())
            cleared.add(index)
            if cleared == {0, 1}:
                self.location = None
                self.__dict__.pop("_pending_latlon", None)
                self.__dict__.pop("_cleared_latlon", None)
            return
        self.__dict__.pop("_cleared_latlon", None)
        super()._set_coordinate(index, value)


@event.listens_for(Camera, "before_insert")
@event.listens_for(Camera, "before_update")
def _camera_defaults_to_premises(_mapper, connection, camera: Camera) -> None:
    """A camera with no location of its own stands at its premises (added, or cleared)."""
    if camera.location is not None:
        return
    registration = camera.registration
    if registration is not None and camera.registration_id in (None, registration.id):
        camera.location = registration.location
    elif camera.registration_id is not None:  # given by id (API, forms), or moved to another
        camera.location = connection.execute(
            select(Registration.location).where(Registration.id == camera.registration_id)
        ).scalar()
