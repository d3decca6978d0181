"""Flask-AppBuilder's security APIs (/api/v1/security/...), held to our API conventions.

FAB 5.3's own classes answered 500 for: an id beyond the column's range (any /<pk>), a body
that is JSON but not an object (`[]`, `null`), a body that is not JSON (roles/<id>/permissions),
PUT on a user or group that does not exist, a role, user or group id beyond the column's range
in a list of ids, and a missing user or role reported through response_404(message=...), which
its own signature does not take. The same classes with backoffice.api.base.ApiConventions and
the RegistryInterface data layer; the few methods that read ids themselves check them first.
"""
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.decorators import permission_name, protect
from flask_appbuilder.security.sqla.apis import (
    GroupApi,
    PermissionApi,
    PermissionViewMenuApi,
    RoleApi,
    UserApi,
    ViewMenuApi,
)

from ..api.base import ApiConventions, json_body
from ..datamodel import RegistryInterface
from ..errors import InvalidInputError, NotFoundError
from ..ids import as_id
from .api import UserApiWithEmailRule


def _whole(value):
    try:
        return None if isinstance(value, bool) else int(value)
    except (TypeError, ValueError, OverflowError):
        return None


def _check_id_list(payload: dict, key: str) -> None:
    """InvalidInputError when payload[key] lists a number that no record can have as id
    (the schema itself refuses what is not a list of numbers)."""
    values = payload.get(key)
    if not isinstance(values, list):
        return
    impossible = [v for v in values if _whole(v) is not None and as_id(_whole(v)) is None]
    if impossible:
        raise InvalidInputError(f"{key}: {str(impossible[0])[:24]} is not a record number.", field=key)


class _ModelApi(ApiConventions):
    """Conventions for FAB's model APIs: ids checked in lists of related records too."""

    id_lists: tuple[str, ...] = ()  # body keys holding lists of related records' ids

    def _check_body(self, pk=None) -> None:
        """Before FAB's own post/put reads the body: a JSON object (else 400), the record
        (for a put) exists (else 404), and every id in `id_lists` is a possible record number."""
        payload = json_body()
        if pk is not None:
            self._existing(pk)
        for key in self.id_lists:
            _check_id_list(payload, key)

    def _fetch_entities(self, model_class, ids):
        """FAB's lookup of related records by id, without ids no row can have."""
        return super()._fetch_entities(model_class, [i for i in ids or [] if as_id(i) is not None])

    def _existing(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            raise NotFoundError("Not found")
        return item


def _hardened(api_class):
    """FAB's API class with our conventions and data layer (same name, same permissions)."""
    return type(
        api_class.__name__,
        (_ModelApi, api_class),
        {"datamodel": RegistryInterface(api_class.datamodel.obj), "__module__": __name__},
    )


RegistryPermissionApi = _hardened(PermissionApi)
RegistryViewMenuApi = _hardened(ViewMenuApi)
RegistryPermissionViewMenuApi = _hardened(PermissionViewMenuApi)


class RegistryUserApi(_ModelApi, UserApiWithEmailRule):
    """FAB's user API with the e-mail rule; its own post/put read the body themselves."""

    datamodel = RegistryInterface(UserApi.datamodel.obj)
    id_lists = ("roles", "groups")

    @expose("/", methods=["POST"])
    @protect()
    @safe
    @permission_name("post")
    def post(self):
        self._check_body()
        return UserApiWithEmailRule.post(self)

    @expose("/<pk>", methods=["PUT"])
    @protect()
    @safe
    @permission_name("put")
    def put(self, pk):
        self._check_body(pk)
        return UserApiWithEmailRule.put(self, pk)


class RegistryGroupApi(_ModelApi, GroupApi):
    """FAB's group API; its own post/put read the body themselves."""

    datamodel = RegistryInterface(GroupApi.datamodel.obj)
    id_lists = ("roles", "users")

    @expose("/", methods=["POST"])
    @protect()
    @safe
    @permission_name("post")
    def post(self):
        self._check_body()
        return GroupApi.post(self)

    @expose("/<pk>", methods=["PUT"])
    @protect()
    @safe
    @permission_name("put")
    def put(self, pk):
        self._check_body(pk)
        return GroupApi.put(self, pk)


class RegistryRoleApi(_ModelApi, RoleApi):
    """FAB's role API; its role-permission, -user and -group routes read ids themselves."""

    datamodel = RegistryInterface(RoleApi.datamodel.obj)

    @expose("/<int:role_id>/permissions", methods=["POST"])
    @protect()
    @safe
    @permission_name("add_role_permissions")
    def add_role_permissions(self, role_id):
        _check_id_list(json_body(), "permission_view_menu_ids")
        return RoleApi.add_role_permissions(self, role_id)

    @expose("/<int:role_id>/users", methods=["PUT"])
    @protect()
    @safe
    @permission_name("update_role_users")
    def update_role_users(self, role_id):
        _check_id_list(json_body(), "user_ids")
        return RoleApi.update_role_users(self, role_id)

    @expose("/<int:role_id>/groups", methods=["PUT"])
    @protect()
    @safe
    @permission_name("update_role_groups")
    def update_role_groups(self, role_id):
        _check_id_list(json_body(), "group_ids")
        return RoleApi.update_role_groups(self, role_id)


# The OpenAPI description is read from the docstrings: keep FAB's.
for _api, _bases in ((RegistryUserApi, UserApi), (RegistryGroupApi, GroupApi), (RegistryRoleApi, RoleApi)):
    for _name in ("post", "put", "add_role_permissions", "update_role_users", "update_role_groups"):
        if _name in vars(_api):
            vars(_api)[_name].__doc__ = getattr(_bases, _name).__doc__
