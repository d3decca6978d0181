"""What every Flask-AppBuilder model screen here shares, ours and FAB's security screens alike.

FAB's list arguments (page_<View>, psize_<View>, _oc_<View>, _flt_…) reach the data layer,
which refuses impossible values (backoffice.datamodel.RegistryInterface, 400 page); its
action routes are made safe here: FAB looked the action up after the fact and called
None.func for an unknown name (500, even for visitors who had not signed in), and called
the action with None for a record that does not exist.
"""
import re
from typing import TYPE_CHECKING

from flask import flash, redirect, request, url_for
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.exceptions import DatabaseException, FABException

from ..errors import InvalidInputError, NotFoundError
from ..extensions import db
from ..security.audit_hooks import delete_reason, deleting_with_reason

# FAB reads these list arguments with int() (flask_appbuilder.urltools): anything else is a 500.
LIST_NUMBER_ARGUMENT = re.compile(r"(page|psize)_(.*)")

# mypy checks the mixins as the classes they are mixed into; at run time they stand alone.
if TYPE_CHECKING:
    from flask_appbuilder import ModelView as _ModelView
else:
    _ModelView = object


class SafeActions(_ModelView):
    """Mixin for FAB ModelViews (put it first among the bases): actions by name and record."""

    def _known_action(self, name: str):
        action = self.actions.get(name)
        if action is None:
            raise NotFoundError(f"There is no action called {str(name)[:40]!r} here.")
        return action

    def _may(self, name: str) -> bool:
        return self.appbuilder.sm.has_access(self.get_action_permission_name(name), self.class_permission_name)

    def _record(self, pk):
        return self.datamodel.get(self._deserialize_pk_if_composite(pk), self._base_filters)

    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name, pk):
        """One action on one record (POST; FAB refuses GET with CSRF on, and users without the
        permission): 404 for an unknown action or record."""
        if not self.is_get_mutation_allowed():
            return super().action(name, pk)  # FAB's refusal of a GET: a message and back
        action = self._known_action(name)
        if not self._may(name):
            return super().action(name, pk)  # FAB's refusal: a message and back
        if not action.single:
            raise InvalidInputError(f"{action.text} works on several records at once, from the list.")
        item = self._record(pk)
        if item is None:
            raise NotFoundError("That record does not exist.")
        return action.func(item)

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        """One action on the records chosen in the list: 404 for an unknown action, or when
        none of the chosen records exists."""
        name = request.form.get("action", "")
        action = self._known_action(name)
        if not self._may(name):
            return super().action_post()  # FAB's refusal: a message and back
        items = [item for item in map(self._record, request.form.getlist("rowid")) if item is not None]
        if not items:
            raise NotFoundError("None of the chosen records exists.")
        if not action.multiple:
            if len(items) > 1:
                raise InvalidInputError(f"{action.text} works on one record at a time.")
            return action.func(items[0])
        return action.func(items)


def check_list_arguments() -> None:
    """Before a screen: the page and page-size arguments FAB converts with int() are whole
    numbers, else InvalidInputError (400) naming the argument."""
    if request.path.startswith(("/api/", "/static/")):
        return
    for name, value in request.args.items(multi=True):
        if LIST_NUMBER_ARGUMENT.search(name):
            text = value.strip()
            if not text.lstrip("-").isdigit() or not text.isascii() or len(text) > 12:
                raise InvalidInputError(f"{name} must be a whole number.", field=name)


class ReasonedDelete(_ModelView):
    """Mixin for model screens: a delete asks for a written reason on a confirmation page and is
    audited with it (the audit event itself is written by backoffice.security.audit_hooks)."""

    delete_template = "registry/delete.html"

    def _delete_page(self, item, reason: str = "", problem: str | None = None, status: int = 200):
        return self.render_template(
            self.delete_template, item=item, reason=reason, problem=problem,
            title=self.list_title, back=url_for(f"{self.endpoint}.list"),
        ), status

    @expose("/delete/<pk>", methods=["GET", "POST"])
    @has_access
    def delete(self, pk):
        """GET: the confirmation page with its reason field; POST with a reason: delete; a
        refusal shows the page again with the reason as typed."""
        item = self._record(pk)
        if item is None:
            raise NotFoundError("That record does not exist.")
        if request.method == "GET" or "reason" not in request.form:
            return self._delete_page(item)  # FAB's list button posts without a reason: ask for one
        typed = request.form.get("reason", "")
        try:
            reason = delete_reason(typed)
            self.pre_delete(item)
            with deleting_with_reason(db.session, reason):
                self.datamodel.delete(item)
        except InvalidInputError as error:
            return self._delete_page(item, typed, error.message, 400)
        except (DatabaseException, FABException, ValueError) as error:
            db.session.rollback()
            return self._delete_page(self._record(pk), typed, str(error), 409)
        self.post_delete(item)
        flash("Deleted. The reason is kept in the audit log.", "success")
        return redirect(url_for(f"{self.endpoint}.list"))


class ScreenModelView(ReasonedDelete, SafeActions, ModelView):
    """Base for our model screens."""

    list_template = "registry/list.html"  # the search panel open while filters apply
