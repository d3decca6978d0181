"""HTML screens, registered on the AppBuilder in one place."""
from flask_appbuilder import AppBuilder

from . import admin, audit, cases, checkpoints, footage, map, registry, review


def register_views(appbuilder: AppBuilder) -> None:
    """Add every screen and its menu entry."""
    registry.register(appbuilder)
    admin.register(appbuilder)
    review.register(appbuilder)
    footage.register(appbuilder)
    cases.register(appbuilder)
    map.register(appbuilder)
    audit.register(appbuilder)
    checkpoints.register(appbuilder)
