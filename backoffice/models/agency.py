"""Agencies and the law-enforcement users who belong to them."""
import re

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import Boolean, ForeignKey, Integer, String, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from .validation import FieldError

ORI_RE = re.compile(r"^[A-Z]{2}[A-Z0-9]{7}$")


class Agency(Model):
    """A law-enforcement agency sharing the county registry."""

    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    ori: Mapped[str] = mapped_column(String(9), unique=True, nullable=False)
    # County-wide oversight (the portal operator, e.g. the District Attorney): this agency's
    # auditors read every agency's audit events and case records (backoffice.scoping).
    county_oversight: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )

    @validates("ori")
    def _check_ori(self, _key, value: str) -> str:
        value = (value or "").strip().upper()
        if not ORI_RE.match(value):
            raise FieldError("ori", "must be 9 characters: state code then 7 letters or digits")
        return value

    def __repr__(self) -> str:
        return self.name


class AgencyUser(User):
    """A FAB user with the agency they act for."""

    __tablename__ = "ab_user"
    __table_args__ = {"extend_existing": True}

    agency_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("agency.id"), nullable=True, index=True
    )
    agency: Mapped[Agency | None] = relationship(Agency, lazy="joined")
    # News on the user's requests (an owner's upload, a release decision) is on their home
    # page; with this on, it is e-mailed too.
    notify_by_email: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, server_default=true())
