"""The map's county summary, kept in the database: cameras counted on a fine grid."""

from flask_appbuilder import Model
from sqlalchemy import Float, Integer
from sqlalchemy.orm import Mapped, mapped_column


class CameraMapCell(Model):
    """One cell of the SUMMARY_CELL_DEG grid (backoffice.spatial): how many shown cameras
    stand in it, how many of them are active, and the sums of their coordinates (degrees)."""

    __tablename__ = "camera_map_cell"

    ix: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    iy: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer, nullable=False)
    active: Mapped[int] = mapped_column(Integer, nullable=False)
    sum_lon: Mapped[float] = mapped_column(Float, nullable=False)
    sum_lat: Mapped[float] = mapped_column(Float, nullable=False)


class CameraMapSummary(Model):
    """How many committed transactions changed the cells (one row, id 1): the database's
    triggers keep the cells current and count here (migration 0023); a process re-reads the
    cells when the count moved."""

    __tablename__ = "camera_map_summary"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
