"""HTML screens, registered on the AppBuilder in one place."""
from flask_appbuilder import AppBuilder

from . import (
    admin,
    area_request,
    audit,
    cases,
    checkpoints,
    dashboards,
    disposition,
    footage,
    map,
    owner_upload,
    registry,
    review,
    transparency,
    verify,
)


def register_views(appbuilder: AppBuilder) -> None:
    """Add every screen and its menu entry, and the public pages behind owners' links."""
    registry.register(appbuilder)
    admin.register(appbuilder)
    review.register(appbuilder)
    footage.register(appbuilder)
    cases.register(appbuilder)
    map.register(appbuilder)
    audit.register(appbuilder)
    checkpoints.register(appbuilder)
    verify.register(appbuilder)  # an evidence receipt's QR code: re-checks the stored copies
    owner_upload.register(appbuilder)  # an owner's upload link
    area_request.register(appbuilder)  # asking an area, and the owner's answer link
    transparency.register(appbuilder.app, appbuilder)  # the public report, and auditors' figures
    dashboards.register(appbuilder)
    disposition.register(appbuilder)
