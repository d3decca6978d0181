"""JSON API under /api/v1/, registered on the AppBuilder in one place."""
from flask_appbuilder import AppBuilder

from . import area_requests, canvass, compiled_schemas, map_context, resources, workflow


def register_apis(appbuilder: AppBuilder) -> None:
    """Add every API class (their query-argument schemas compiled once, not per request)."""
    compiled_schemas.install()
    for api in (*resources.MODEL_APIS, *workflow.WORKFLOW_APIS, *canvass.APIS, *map_context.APIS, *area_requests.APIS):
        appbuilder.add_api(api)
