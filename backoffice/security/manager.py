"""The security manager: FAB database auth with users that belong to an agency.

On top of FAB: audit events for sign-ins, failures and sign-outs; account lockout;
a second factor for the roles that need one (the password step alone logs nobody in).
"""
import datetime
import logging
from typing import Any

from flask import abort, current_app, flash, g, redirect, request
from flask_appbuilder import expose
from flask_appbuilder.actions import action
from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_appbuilder.widgets import ListWidget
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.forms import ResetPasswordForm, UserInfoEdit
from flask_appbuilder.security.views import (
    PermissionModelView,
    PermissionViewModelView,
    ResetMyPasswordView,
    ResetPasswordView,
    RoleModelView,
    UserDBModelView,
    UserGroupModelView,
    UserInfoEditView as FabUserInfoEditView,
    UserStatsChartView,
    ViewMenuModelView,
)
from flask_appbuilder.fields import QuerySelectField
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget, Select2Widget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.validators import Unique
from flask_babel import lazy_gettext
from sqlalchemy import func, update
from werkzeug.security import check_password_hash
from wtforms import BooleanField, StringField
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, ValidationError

from ..audit import record
from ..database import begin_write
from ..datamodel import RegistryInterface
from ..errors import NotFoundError
from ..extensions import db
from ..form_rules import Rule
from ..models.validation import check_email
from ..ids import as_id
from ..models import Agency, AgencyUser
from ..views.base import ReasonedDelete, SafeActions
from . import lockout, mfa, user_cache
from .web import note_sign_in
from .passwords import password_problem
from .api import RegistrySecurityApi
from .apis import (
    RegistryGroupApi,
    RegistryPermissionApi,
    RegistryPermissionViewMenuApi,
    RegistryRoleApi,
    RegistryUserApi,
    RegistryViewMenuApi,
)
from .roles import ANY, FAB_ROLES, Ability, role_allows
from .views import MfaView, RegistryAuthDBView
from ..views.display import ReadableColumns

NO_FILE_DOWNLOAD = {"download"}
log = logging.getLogger(__name__)


def _hardened(view_class):
    """The same FAB view (same name, same permissions) with safe action routes, a delete that asks
    for its reason, and without its file-download route, which has no files to serve here and
    fails with a server error."""
    return type(view_class.__name__, (ReasonedDelete, SafeActions, view_class),
                {"exclude_route_methods": NO_FILE_DOWNLOAD})


_USER_COLUMNS = ["first_name", "last_name", "username", "active", "email", "agency", "roles"]


def _email_field() -> StringField:
    """A user's e-mail: the same rule as owners' e-mail, once per user."""
    return StringField(
        lazy_gettext("Email"),
        widget=BS3TextFieldWidget(),
        validators=[Rule(check_email, required=True), Unique(SQLAInterface(AgencyUser), "email")],
    )


def _agency_field() -> QuerySelectField:
    """The user's agency, chosen by name (every user belongs to one: agency scoping reads it);
    the empty choice says what to do."""
    return QuerySelectField(
        lazy_gettext("Agency"),
        query_func=lambda: db.session.query(Agency).order_by(Agency.name).all(),
        get_pk_func=lambda agency: agency.id,
        allow_blank=True,
        blank_text="— choose the user's agency —",
        validators=[DataRequired(message="Choose the user's agency: every user belongs to one.")],
        widget=Select2Widget(),
    )


def _not_the_user_name(form, field) -> None:
    """The password rule with the user name typed on the same form (FAB's own hook sees only
    the password)."""
    problem = password_problem(field.data or "", form.username.data if "username" in form else None)
    if problem:
        raise ValidationError(problem)


def _password_field():
    """FAB's password input on the add-user form, with the user-name rule as well."""
    fab = UserDBModelView.add_form_extra_fields["password"]
    return UnboundField(fab.field_class, *fab.args, **{
        **fab.kwargs, "validators": [*fab.kwargs.get("validators", []), _not_the_user_name]})


class AgencyUserView(ReasonedDelete, SafeActions, ReadableColumns, UserDBModelView):
    """User management with each user's agency, lockout and second-factor resets."""

    list_columns = ["first_name", "last_name", "username", "email", "agency", "active", "roles"]
    show_columns = _USER_COLUMNS + ["login_count", "last_login", "fail_login_count"]
    edit_columns = _USER_COLUMNS
    add_columns = _USER_COLUMNS + ["password", "conf_password"]
    label_columns = {"agency": lazy_gettext("Agency"), "notify_by_email": "News on requests by e-mail"}
    # The user's own page (Profile): their details and their choice of news by e-mail.
    # FAB shows the fieldsets' columns (they replace show_columns): the choice in both.
    user_show_fieldsets = [
        *UserDBModelView.user_show_fieldsets,
        ("Notices", {"fields": ["notify_by_email"], "expanded": True}),
    ]
    show_fieldsets = [
        *UserDBModelView.show_fieldsets,
        ("Notices", {"fields": ["notify_by_email"], "expanded": True}),
    ]
    add_form_extra_fields = {**UserDBModelView.add_form_extra_fields, "email": _email_field(),
                             "agency": _agency_field(), "password": _password_field()}
    edit_form_extra_fields = {"email": _email_field(), "agency": _agency_field()}
    description_columns = {**UserDBModelView.description_columns,
                           "username": lazy_gettext("The name this user signs in with")}
    exclude_route_methods = NO_FILE_DOWNLOAD
    # FAB's rule asks for a role or a group and reads the groups field, which these forms do
    # not have (a KeyError, 500): a user here needs a role.
    validators_columns = {"roles": [DataRequired(message="Choose at least one role.")]}
    search_columns = ["first_name", "last_name", "username", "email", "agency", "active", "roles"]
    formatters_columns = {"roles": lambda roles: ", ".join(role.name for role in roles) or "—"}

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        """A user's details with password reset, unlock and second-factor reset."""
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        actions = {name: self.actions.get(name) for name in ("resetpasswords", "unlock", "resetmfa")}
        widgets = self._get_show_widget(pk, item, actions=actions)
        self.update_redirect()
        return self.render_template(
            self.show_template, pk=pk, title=self.show_title, widgets=widgets,
            appbuilder=self.appbuilder, related_views=self._related_views,
        )

    @action("unlock", "Unlock account", "Unlock the selected accounts?", "fa-unlock")
    def unlock(self, items):
        """Clear the lockout and failure count of the selected users."""
        count = lockout.unlock_accounts(items if isinstance(items, list) else [items], by=g.user)
        flash(f"Unlocked {count} account(s).", "info")
        self.update_redirect()
        return redirect(self.get_redirect())

    @action("resetmfa", "Reset second factor", "Remove the authenticator of the selected accounts?",
            "fa-mobile")
    def resetmfa(self, items):
        """Remove the selected users' authenticator (they enrol again at next sign-in)."""
        count = mfa.reset_accounts(items if isinstance(items, list) else [items], by=g.user)
        flash(f"Second factor reset for {count} account(s).", "info")
        self.update_redirect()
        return redirect(self.get_redirect())


class UserStatisticsView(UserStatsChartView):
    """FAB's user statistics chart; a chart number it does not have is not found (FAB: 500)."""

    @expose("/chart/<group_by>")
    @expose("/chart/")
    @has_access
    def chart(self, group_by=0):
        """One of the charts, by number."""
        number = str(group_by)
        if not (number.isascii() and number.isdigit() and int(number) < len(self.definitions)):
            raise NotFoundError("There is no such chart.")
        return super().chart(int(number))


UserStatisticsView.__name__ = UserStatsChartView.__name__  # same endpoint and permissions as FAB's


class PasswordForm(ResetPasswordForm):
    """FAB's password form, saying what is refused rather than FAB's "this application does
    not check this for you" (it does: backoffice.security.passwords)."""

    password = UnboundField(
        ResetPasswordForm.password.field_class, *ResetPasswordForm.password.args,
        **{**ResetPasswordForm.password.kwargs,
           "description": lazy_gettext("Use a long passphrase; common or easily guessed passwords are refused.")},
    )


class RegistryResetPasswordView(ResetPasswordView):
    """An administrator setting another user's password."""

    form = PasswordForm


class RegistryResetMyPasswordView(ResetMyPasswordView):
    """A user setting their own password."""

    form = PasswordForm


# Same endpoints and permissions as FAB's.
RegistryResetPasswordView.__name__ = ResetPasswordView.__name__
RegistryResetMyPasswordView.__name__ = ResetMyPasswordView.__name__


def permissions_in_words(permissions) -> str:
    """A role's permissions grouped by what they are on, e.g. "Camera: read, write; Cases (menu)",
    instead of FAB's list of (permission, view) pairs."""
    if not permissions:
        return "—"
    grouped: dict[str, list[str]] = {}
    for item in permissions:
        name = item.permission.name
        grouped.setdefault(item.view_menu.name, []).append(
            "menu" if name == "menu_access" else name.removeprefix("can_").replace("_", " "))
    return "; ".join(f"{view}: {', '.join(sorted(kinds))}" for view, kinds in sorted(grouped.items()))


class AccountForm(UserInfoEdit):
    """The user's own details, and whether news on their requests is also e-mailed."""

    notify_by_email = BooleanField(
        "E-mail me news on my requests",
        description="An owner's upload through a link, a release approved or denied. "
                    "It is always on your home page.",
    )


class UserInfoEditView(FabUserInfoEditView):
    """FAB's "Your user information" form with the e-mail choice (FAB fills and saves every
    field of the form by its name). FAB's class name is kept: its endpoint and permissions."""

    form = AccountForm
    form_title = "Your details"


class RegistrySecurityManager(SecurityManager):
    """Users carry an agency; roles come from FAB_ROLES (backoffice.security.roles)."""

    user_model = AgencyUser
    userdbmodelview = AgencyUserView
    userinfoeditview = UserInfoEditView
    userstatschartview = None  # a chart of login counts nobody here needs
    authdbview = RegistryAuthDBView
    resetpasswordview = RegistryResetPasswordView
    resetmypasswordview = RegistryResetMyPasswordView
    security_api = RegistrySecurityApi
    rolemodelview = type("RoleModelView", (_hardened(RoleModelView),),
                         {"formatters_columns": {"permissions": permissions_in_words},
                          "list_widget": ListWidget,  # FAB's role widget prints (view, permission) pairs
                          "__module__": __name__})
    groupmodelview = _hardened(UserGroupModelView)
    permissionmodelview = _hardened(PermissionModelView)
    viewmenumodelview = _hardened(ViewMenuModelView)
    permissionviewmodelview = _hardened(PermissionViewModelView)
    permission_api = RegistryPermissionApi
    role_api = RegistryRoleApi
    user_api = RegistryUserApi
    view_menu_api = RegistryViewMenuApi
    permission_view_menu_api = RegistryPermissionViewMenuApi
    group_api = RegistryGroupApi

    def __init__(self, appbuilder):
        """FAB's manager; its screens get the data layer that refuses impossible ids, pages,
        sort columns and filter values (backoffice.datamodel) instead of plain SQLAInterface."""
        super().__init__(appbuilder)
        view: Any
        for view in (self.userdbmodelview, self.userstatschartview, self.rolemodelview,
                     self.groupmodelview, self.permissionmodelview, self.viewmenumodelview,
                     self.permissionviewmodelview):
            if view is not None and getattr(view, "datamodel", None) is not None:
                view.datamodel = RegistryInterface(view.datamodel.obj)

    def create_jwt_manager(self, app):
        """FAB's JWT manager, keeping verified tokens until they expire (backoffice.security.jwt)."""
        from .jwt import install

        jwt_manager = install(app)
        jwt_manager.user_lookup_loader(self.load_user_jwt)
        return jwt_manager

    def _has_access_builtin_roles(self, role, permission_name: str, view_name: str) -> bool:
        """Declared roles match by exact name, not FAB's prefix regex."""
        return role_allows(role.name, view_name, permission_name)

    def may(self, user, ability: Ability, *, every_role: bool = False) -> bool:
        """Whether `user` has `ability` (backoffice.security.roles): the one way commands and
        screens ask what a user may do, instead of comparing role names.

        A declared role is checked in memory against FAB_ROLES (no SQL); a role made in the
        database is checked against its stored permissions, read afresh each time, so a
        permission taken away is refused at once. The user's roles are those loaded with the
        user (get_user_by_id loads them with the user on every request). `every_role`: only
        when each of the user's roles grants it (oversight: a role that acts on cases as well
        keeps the user to their own agency). Nobody, and an inactive account, may nothing.
        """
        if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
            return False
        if not every_role:
            return self._has_view_access(user, ability.permission, ability.view)
        roles = self.get_user_roles(user)
        return bool(roles) and all(self._role_grants(role, ability) for role in roles)

    def _role_grants(self, role, ability: Ability) -> bool:
        """One role's grant of an ability (declared: in memory; stored: from the database)."""
        if role.name in self.builtin_roles:
            return self._has_access_builtin_roles(role, ability.permission, ability.view)
        return self.exist_permission_on_roles(ability.view, ability.permission, [role.id])

    def sync_roles(self) -> None:
        """Copy the declared roles and their permissions to the database."""
        for role_name, perms in FAB_ROLES.items():
            role = self.find_role(role_name) or self.add_role(role_name)
            role.permissions = [
                self.add_permission_view_menu(perm, view) for view, perm in perms if view != ANY
            ]
        if not self.find_role(self.auth_role_public):
            self.add_role(self.auth_role_public)

    def register_views(self):
        """FAB's security screens plus the one-time-code step of sign-in."""
        super().register_views()
        self.appbuilder.add_view_no_menu(MfaView)
        # Users get their roles directly: FAB's groups are not used here, so not offered.
        security = self.appbuilder.menu.find("Security")
        if security is not None:
            security.childs = [item for item in security.childs if getattr(item, "name", "") != "List Groups"]

    # --- sign-in ---------------------------------------------------------------------

    def mfa_required_for(self, user) -> bool:
        """True when this user must give a one-time code after the password."""
        return mfa.mfa_required_for(user)

    def auth_user_db(self, username, password):
        """Password check that refuses locked accounts and audits unknown names."""
        user = None
        if username:
            user = self.find_user(username=username) or self.find_user(email=username)
        if user is not None and user.is_active and lockout.is_locked(user):
            check_password_hash(current_app.config["AUTH_DB_FAKE_PASSWORD_HASH_CHECK"], "password")
            begin_write(db.session)
            record("login_refused", user=user, object_type="user", object_id=user.id,
                   detail={"reason": "account locked"})
            db.session.commit()
            return None
        result = super().auth_user_db(username, password)
        if result is None and username and (user is None or not user.is_active):
            begin_write(db.session)
            record("login_failed", user=None, detail={
                "username": str(username)[:128], "reason": "unknown or inactive account"})
            db.session.commit()
        return result

    def add_user(self, username, first_name, last_name, email, role=None, password="", **kwargs):
        """FAB's add_user, refusing a password the rules refuse (every caller, its CLI too)."""
        problem = password_problem(password) if password else None
        if problem:
            log.warning("user not created: password refused (%s)", problem)
            return False
        return super().add_user(username, first_name, last_name, email, role, password, **kwargs)

    def get_user_by_id(self, pk):
        """The user with this id, or None (also for anything that cannot be an id: FAB sent
        it to the database, a 500 on PostgreSQL).

        One statement: the user with their agency, roles, groups and the groups' roles, which
        FAB's permission check reads on every request (three more statements when loaded lazily).
        """
        number = as_id(pk)
        if number is None:
            return None
        return db.session.scalars(self._user_statements()[0], {"pk": number}).unique().one_or_none()

    def load_user(self, pk):
        """The active user of this request's session cookie or bearer token, or None: read by
        one statement and, when unchanged since this process last built them, not built again
        (backoffice.security.user_cache). A change by any process is seen on the next request."""
        number = as_id(pk)
        if number is None:
            return None
        user = user_cache.load(db.session, self._user_statements(), number)
        return user if user is not None and user.is_active else None

    def _user_statements(self) -> tuple:
        """(ORM statement, plain-rows statement) of a user by :pk, built once per process."""
        statements = self.__dict__.get("_user_by_id")
        if statements is None:
            statements = self.__dict__["_user_by_id"] = (
                user_cache.user_statement(self.user_model, self.group_model),
                user_cache.rows_statement(self.user_model, self.group_model, self.role_model),
            )
        return statements

    def is_item_public(self, permission_name: str, view_name: str) -> bool:
        """Whether visitors who have not signed in may use a view or API: the Public role is
        declared with the others (backoffice.security.roles) and checked in memory. FAB read
        the Public role and its permissions from the database on every protected API call,
        even for a signed-in user (two statements each time)."""
        if self.auth_role_public in self.builtin_roles:
            return role_allows(self.auth_role_public, view_name, permission_name)
        return super().is_item_public(permission_name, view_name)

    def reset_password(self, userid, password):
        """FAB's reset_password, refusing a password the rules refuse and an unknown user
        (/resetpassword/form?pk=… of no user: NotFoundError, where FAB failed with 500)."""
        problem = password_problem(password)
        if problem:
            raise PasswordComplexityValidationError(problem)
        if self.get_user_by_id(userid) is None:
            raise NotFoundError("That user does not exist.")
        return super().reset_password(userid, password)

    def noop_user_update(self, user) -> None:
        """FAB's write for an unknown name (as long as a real sign-in takes), queued like one."""
        begin_write(db.session)
        super().noop_user_update(user)

    def update_user_auth_stat(self, user, success=True):
        """A right password alone completes nothing when a one-time code must follow."""
        if success:
            note_sign_in(True)  # the password was right: not counted by the rate limit
            if self.mfa_required_for(user):
                return
        self._count_sign_in(user, success)

    def _count_sign_in(self, user, success: bool) -> None:
        """Count a completed or failed sign-in on the user's row, then audit it.

        The counters move in one UPDATE in a write transaction (database.begin_write), so
        simultaneous failures on one account all count towards its lockout, on both
        databases (FAB reads, adds one and writes back: two at once counted once).
        """
        lockout.queue_sign_in(user)
        table = self.user_model
        if success:
            values = {"login_count": func.coalesce(table.login_count, 0) + 1,
                      "last_login": datetime.datetime.now(), "fail_login_count": 0}
        else:
            values = {"fail_login_count": func.coalesce(table.fail_login_count, 0) + 1}
        db.session.execute(update(table).where(table.id == user.id).values(**values)
                           .execution_options(synchronize_session=False))
        db.session.expire(user, ["login_count", "last_login", "fail_login_count"])
        if success:
            self.on_user_login(user)
        else:
            self.on_user_login_failed(user)

    def second_factor_passed(self, user) -> None:
        """The one-time code was right: the sign-in is complete (counted, audited)."""
        g.login_method = "password+otp"
        note_sign_in(True)
        self._count_sign_in(user, True)

    def second_factor_failed(self, user) -> None:
        """A wrong one-time code counts as a failed sign-in (towards lockout)."""
        g.login_failure_reason = "wrong one-time code"
        note_sign_in(False)
        self._count_sign_in(user, False)

    def on_user_login(self, user) -> None:
        record("login", user=user, object_type="user", object_id=user.id,
               detail={"method": g.pop("login_method", "password"), "via": _via()})
        db.session.commit()

    def on_user_login_failed(self, user) -> None:
        record("login_failed", user=user, object_type="user", object_id=user.id,
               detail={"reason": g.pop("login_failure_reason", "wrong password"), "via": _via()})
        lockout.lock_if_too_many_failures(user)
        db.session.commit()

    def on_user_logout(self, user) -> None:
        begin_write(db.session)
        record("logout", user=user, object_type="user", object_id=user.id)
        db.session.commit()


def _via() -> str:
    """Which door a sign-in came through."""
    return "api" if request.path.startswith("/api/") else "web"
