"""JSON API under /api/v1/, registered on the AppBuilder in one place."""
from flask_appbuilder import AppBuilder

from . import canvass, resources, workflow


def register_apis(appbuilder: AppBuilder) -> None:
    """Add every API class."""
    for api in (*resources.MODEL_APIS, *workflow.WORKFLOW_APIS, *canvass.APIS):
        appbuilder.add_api(api)
