"""Runs of the scheduled jobs: one row per job and slot, so that each slot runs once."""
from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Instant


class JobRun(Model):
    """One scheduled run: claimed by the first worker to insert it, then its outcome."""

    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("job", "slot", name="uq_job_run_job_slot"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(40), nullable=False)
    slot: Mapped[str] = mapped_column(String(20), nullable=False)  # e.g. 2026-11-30 or 2026-11-30T14
    started_at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(Instant)
    exit_code: Mapped[int | None] = mapped_column(Integer)
    output: Mapped[str | None] = mapped_column(Text)  # the command's last lines (no personal data)
