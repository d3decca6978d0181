"""The security manager: FAB database auth with users that belong to an agency."""
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import UserDBModelView
from flask_babel import lazy_gettext

from ..models import AgencyUser
from .roles import ANY, FAB_ROLES, role_allows

_USER_COLUMNS = ["first_name", "last_name", "username", "active", "email", "agency", "roles"]


class AgencyUserView(UserDBModelView):
    """User management with each user's agency."""

    list_columns = ["first_name", "last_name", "username", "email", "agency", "active", "roles"]
    show_columns = _USER_COLUMNS + ["login_count", "last_login", "fail_login_count"]
    edit_columns = _USER_COLUMNS
    add_columns = _USER_COLUMNS + ["password", "conf_password"]
    label_columns = {"agency": lazy_gettext("Agency")}
    search_columns = ["first_name", "last_name", "username", "email", "agency", "active", "roles"]


class RegistrySecurityManager(SecurityManager):
    """Users carry an agency; roles come from FAB_ROLES (backoffice.security.roles)."""

    user_model = AgencyUser
    userdbmodelview = AgencyUserView

    def _has_access_builtin_roles(self, role, permission_name: str, view_name: str) -> bool:
        """Declared roles match by exact name, not FAB's prefix regex."""
        return role_allows(role.name, view_name, permission_name)

    def sync_roles(self) -> None:
        """Copy the declared roles and their permissions to the database."""
        for role_name, perms in FAB_ROLES.items():
            role = self.find_role(role_name) or self.add_role(role_name)
            role.permissions = [
                self.add_permission_view_menu(perm, view) for view, perm in perms if view != ANY
            ]
        if not self.find_role(self.auth_role_public):
            self.add_role(self.auth_role_public)
