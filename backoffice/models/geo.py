"""Point locations stored as GeoAlchemy2 geometry and exposed as lat/lon."""
from typing import cast

from geoalchemy2 import Geometry
from geoalchemy2.elements import WKBElement
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import Point
from sqlalchemy.orm import Mapped, mapped_column

from .validation import check_latitude, check_longitude

SRID = 4326


def point_column(nullable: bool = False):
    """A WGS 84 point column with a spatial index on both databases."""
    return mapped_column(
        Geometry("POINT", srid=SRID, spatial_index=True), nullable=nullable
    )


def make_point(lat: float, lon: float):
    """A geometry value for a lat/lon pair (the latitude and longitude rules; FieldError)."""
    lat, lon = check_latitude(lat), check_longitude(lon)
    return from_shape(Point(lon, lat), srid=SRID)


class LocatedMixin:
    """Adds lat/lon properties over a `location` point column."""

    location: Mapped[object]

    def _coordinate(self, index: int):
        pending = self.__dict__.get("_pending_latlon")
        if pending and pending[index] is not None:
            return pending[index]
        if self.location is None:
            return None
        point = cast(Point, to_shape(cast(WKBElement, self.location)))  # a point column, as read
        return point.y if index == 0 else point.x

    @property
    def lat(self):
        """Latitude in decimal degrees."""
        return self._coordinate(0)

    @lat.setter
    def lat(self, value):
        self._set_coordinate(0, value)

    @property
    def lon(self):
        """Longitude in decimal degrees."""
        return self._coordinate(1)

    @lon.setter
    def lon(self, value):
        self._set_coordinate(1, value)

    def _set_coordinate(self, index: int, value) -> None:
        pending = list(self.__dict__.get("_pending_latlon") or (None, None))
        check = check_latitude if index == 0 else check_longitude
        pending[index] = check(value, required=False)
        other = 1 - index
        if pending[other] is None and self.location is not None:
            pending[other] = self._coordinate(other)
        self.__dict__["_pending_latlon"] = tuple(pending)
        if pending[0] is not None and pending[1] is not None:
            self.set_location(pending[0], pending[1])

    def set_location(self, lat: float, lon: float) -> None:
        """Place the record at lat/lon."""
        self.location = make_point(lat, lon)
        self.__dict__.pop("_pending_latlon", None)
