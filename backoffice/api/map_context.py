"""The maps' context layers: the county outline and the address points with house numbers.

Every role that sees a map reads them (MapContext in security/roles.py); the portal's pin map
gets the same data through public routes (portal/views.py).
"""
from flask import request
from flask_appbuilder.api import expose, protect

from .. import map_context
from .base import RegistryBaseApi


class CountyOutlineApi(RegistryBaseApi):
    """GET /api/v1/county/outline: the county's outline (COUNTY_OUTLINE) as GeoJSON."""

    resource_name = "county"
    class_permission_name = "MapContext"
    method_permission_name = {"outline": "read"}
    allow_browser_login = True
    openapi_spec_tag = "Map context"

    @expose("/outline", methods=["GET"])
    @protect()
    def outline(self):
        """The county outline: a FeatureCollection of Polygons or MultiPolygons (empty if none).
        ---
        get:
          responses:
            200: {description: A GeoJSON FeatureCollection}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
        """
        return self.response(200, **map_context.county_outline())


class AddressPointsApi(RegistryBaseApi):
    """GET /api/v1/address_points/?bbox=&zoom=: house numbers in view, at street zoom."""

    resource_name = "address_points"
    class_permission_name = "MapContext"
    method_permission_name = {"in_view": "read"}
    allow_browser_login = True
    openapi_spec_tag = "Map context"

    @expose("/", methods=["GET"])
    @protect()
    def in_view(self):
        """The county's address points inside bbox, from street zoom on (capped, middle first).
        ---
        get:
          parameters:
          - in: query
            name: bbox
            required: true
            description: minlon,minlat,maxlon,maxlat in decimal degrees
            schema: {type: string}
          - in: query
            name: zoom
            required: true
            description: the map's zoom level; below ADDRESS_POINTS_MIN_ZOOM nothing is sent
            schema: {type: number, minimum: 0, maximum: 22}
          responses:
            200: {description: 'A GeoJSON FeatureCollection of points with number and street, plus min_zoom and truncated'}
            400: {$ref: '#/components/responses/400'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
        """
        return self.response(200, **map_context.address_points(request.args))


APIS = [CountyOutlineApi, AddressPointsApi]
