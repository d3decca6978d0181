"""The map's county summary, kept in the database by its triggers (migration 0024): cameras
counted on a fine grid and on a coarser one."""

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


class CameraMapBlock(Model):
    """One cell of the coarser SUMMARY_BLOCK_DEG grid (backoffice.spatial), for whole-county
    views: the same sums as CameraMapCell."""

    __tablename__ = "camera_map_block"

    ix: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    iy: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer, nullable=False)
    active: Mapped[int] = mapped_column(Integer, nullable=False)
    sum_lon: Mapped[float] = mapped_column(Float, nullable=False)
    sum_lat: Mapped[float] = mapped_column(Float, nullable=False)
