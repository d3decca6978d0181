"""Authentication, roles and permissions."""
from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    from .manager import RegistrySecurityManager


def security_manager() -> "RegistrySecurityManager":
    """This app's security manager, e.g. `security_manager().may(user, ACT_AS_INVESTIGATOR)`
    (Flask-AppBuilder sets app.appbuilder at start-up)."""
    return current_app.appbuilder.sm  # type: ignore[attr-defined]
