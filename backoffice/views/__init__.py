"""HTML screens, registered on the AppBuilder in one place."""
from flask_appbuilder import AppBuilder

from . import admin, audit, registry


def register_views(appbuilder: AppBuilder) -> None:
    """Add every screen and its menu entry."""
    registry.register(appbuilder)
    admin.register(appbuilder)
    audit.register(appbuilder)
