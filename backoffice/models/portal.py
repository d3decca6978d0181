"""What the public portal keeps beyond the registry itself: terms, review state, links, notices."""
from datetime import date, datetime

from flask_appbuilder import Model
from sqlalchemy import (
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from .base import Instant, utcnow
from .registry import Registration


class TermsVersion(Model):
    """One published version of the programme terms, in each portal language."""

    __tablename__ = "terms_version"

    version: Mapped[str] = mapped_column(String(20), primary_key=True)
    published_at: Mapped[datetime] = mapped_column(
        Instant, default=utcnow, nullable=False
    )
    body_en: Mapped[str] = mapped_column(Text, nullable=False)
    body_es: Mapped[str] = mapped_column(Text, nullable=False)

    def body(self, language: str) -> str:
        """The terms in a language, English when there is no translation."""
        return self.body_es if language == "es" and self.body_es else self.body_en

    def __repr__(self) -> str:
        return self.version


class RegistrationLifecycle(Model):
    """A registration's way through the portal: verification, review, withdrawal, removal."""

    __tablename__ = "registration_lifecycle"

    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), primary_key=True
    )
    submitted_at: Mapped[datetime] = mapped_column(
        Instant, default=utcnow, nullable=False
    )
    terms_accepted_at: Mapped[datetime | None] = mapped_column(Instant)
    verified_at: Mapped[datetime | None] = mapped_column(Instant, index=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(Instant)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    review_decision: Mapped[str | None] = mapped_column(String(10))
    review_reason: Mapped[str | None] = mapped_column(Text)
    merged_into_id: Mapped[int | None] = mapped_column(Integer)
    lapsed_at: Mapped[datetime | None] = mapped_column(Instant)
    withdrawn_at: Mapped[datetime | None] = mapped_column(Instant)
    pii_removed_at: Mapped[datetime | None] = mapped_column(Instant)
    # Changing the key voids every management link sent so far.
    manage_key: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    registration: Mapped[Registration] = relationship(
        backref=backref(
            "lifecycle", uselist=False, cascade="all, delete-orphan", passive_deletes=True
        ),
    )


class UsedLink(Model):
    """A single-use emailed link that has been followed (its nonce, never the token)."""

    __tablename__ = "used_link"
    __table_args__ = (UniqueConstraint("purpose", "nonce"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20), nullable=False)
    nonce: Mapped[str] = mapped_column(String(64), nullable=False)
    used_at: Mapped[datetime] = mapped_column(Instant, default=utcnow, nullable=False)


class ConfirmationNotice(Model):
    """The annual confirmation email for one registration and one due date."""

    __tablename__ = "confirmation_notice"
    __table_args__ = (UniqueConstraint("registration_id", "due_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), nullable=False, index=True
    )
    due_date: Mapped[date] = mapped_column(Date, nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(Instant)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))


class AddressPoint(Model):
    """One of the county's address points, for offline address suggestions.

    `city` is "" when the county's file gives only a ZIP code, and `state` is "" when the file
    says nothing about it; `search_key` is `geocoding.keys.search_key(address, city,
    postal_code)`, the same for two spellings of one place.
    """

    __tablename__ = "address_point"
    __table_args__ = (
        UniqueConstraint("address", "city", "postal_code"),
        # The map asks for the points in view: a latitude range, then longitudes within it.
        Index("ix_address_point_lat_lon", "lat", "lon"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str] = mapped_column(String(300), nullable=False)
    city: Mapped[str] = mapped_column(String(100), nullable=False)
    state: Mapped[str] = mapped_column(String(2), nullable=False, default="")
    postal_code: Mapped[str] = mapped_column(String(10), nullable=False, default="")
    search_key: Mapped[str] = mapped_column(String(400), nullable=False, index=True)
    lat: Mapped[float] = mapped_column(Float, nullable=False)
    lon: Mapped[float] = mapped_column(Float, nullable=False)


# Keys compare byte by byte on both databases, so that a typed prefix is one range of the
# index (under a PostgreSQL collation such as en_US.UTF-8 a range of text is not a prefix,
# and LIKE 'x%' does not use the index).
SEARCH_KEY_TYPE = String(400).with_variant(String(400, collation="C"), "postgresql")


class AddressKey(Model):
    """A key an address point can be found by as people type (`geocoding.keys.lookup_keys`):
    from the house number ("1200 truxtun ave ...") or from a word of the street name ("pena
    ... 77 calle")."""

    __tablename__ = "address_key"

    key: Mapped[str] = mapped_column(SEARCH_KEY_TYPE, primary_key=True)
    point_id: Mapped[int] = mapped_column(
        ForeignKey("address_point.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    point: Mapped[AddressPoint] = relationship(
        backref=backref("keys", cascade="all, delete-orphan", passive_deletes=True)
    )
