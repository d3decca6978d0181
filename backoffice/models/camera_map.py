"""The map's county summary, kept in the database by its triggers (migration 0024): cameras
counted on grids from a county's scale to a neighbourhood's."""

from flask_appbuilder import Model
from sqlalchemy import Float, Integer
from sqlalchemy.orm import Mapped, mapped_column


class _GridCell:
    """One cell of a grid of backoffice.spatial.SUMMARY_GRIDS: how many shown cameras stand in
    it, how many of them are active, and the sums of their coordinates (degrees)."""

    ix: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    iy: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer, nullable=False)
    active: Mapped[int] = mapped_column(Integer, nullable=False)
    sum_lon: Mapped[float] = mapped_column(Float, nullable=False)
    sum_lat: Mapped[float] = mapped_column(Float, nullable=False)


class CameraMapCell(_GridCell, Model):
    """A cell of the SUMMARY_CELL_DEG grid (0.01°)."""

    __tablename__ = "camera_map_cell"


class CameraMapBlock(_GridCell, Model):
    """A cell of the grid for whole-county views (0.04°)."""

    __tablename__ = "camera_map_block"


class CameraMapFine(_GridCell, Model):
    """A cell of the grid for views of a town (0.0025°)."""

    __tablename__ = "camera_map_fine"


class CameraMapFinest(_GridCell, Model):
    """A cell of the grid for views of a neighbourhood (0.000625°)."""

    __tablename__ = "camera_map_finest"
